"""Evidence: score each sentence of the retrieved abstracts against the question."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from rag.answer.sentence_rank import feature_matrix, load_ranker
from rag.lexical import query_tokens
from rag.relevance import term_weights
from rag.retrieval import Hit
from rag.sentences import paper_sentences, sentence_key
from rag.text import STOPWORDS


@dataclass
class Evidence:
    hit: Hit
    sentences: list[str]
    scores: np.ndarray  # combined score per sentence
    cosines: np.ndarray  # embedding similarity per sentence
    overlap: np.ndarray  # fraction of question terms in the sentence
    terms: list[frozenset] = field(default_factory=list)  # question terms each sentence contains
    features: np.ndarray | None = None  # the sentence ranker's inputs (rag.answer.sentence_rank.FEATURES)
    relevance: float = 0.0  # P(this paper answers the question), set by rag.answer.judge
    item: float = 0.0  # its relevance on one item of an enumerated question, where it is that item's best paper

    def best(self, n: int = 1) -> list[int]:
        """The n best sentences. Sentences without a score (NaN: a large collection did not embed them)
        come after the scored ones, those sharing more of the question's terms first."""
        key = np.where(np.isnan(self.scores), self.overlap - 10.0, self.scores)  # scores lie well above -10
        return [int(i) for i in np.argsort(-key, kind="stable")[:n]]

    @property
    def best_score(self) -> float:
        return float(self.scores.max()) if len(self.scores) else 0.0

    @property
    def best_cos(self) -> float:
        """Best sentence cosine (NaN when no sentence of this paper was embedded)."""
        if not len(self.cosines) or np.isnan(self.cosines).all():
            return float("nan") if len(self.cosines) else 0.0
        return float(np.nanmax(self.cosines))


CONTRIBUTION = re.compile(r"\b(we|this paper|this work)\s+(propose|present|introduce|develop|study|"
                          r"address|describe|show)", re.I)
# A ratio or a percentage ('1.8x', '50%', 'three times', '10-fold'): how a relative amount is stated.
RATIO = re.compile(r"\d(?:[.,]\d+)?\s*(?:%|\\%|percent\b|x\b|×|times\b|-?fold\b)|"
                   r"\b(?:twice|double|half|two|three|four|five|ten)\s*(?:times|-?fold)\b|\borders? of magnitude\b|"
                   r"\b\d+(?:\.\d+)?\s+(?:out\s+)?of\s+(?:the\s+|[\w-]+['’]s\s+)?\d|"  # '18 of XLNet's 72 F1 points'
                   # a fraction of something ('~1/10 of the typical simulation time', 'a third of the parameters')
                   r"(?<![\d/.])\d+\s*/\s*\d+\W{0,3}\s+of\b|\b(?:a|one)\s+(?:half|third|quarter|fifth|tenth|hundredth)\s+of\b", re.I)
NUMBER_WORDS = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
                          r"thirty|forty|fifty|hundred|thousand|million|billion|half|twice|double|triple|"
                          r"fold|seconds|minutes|hours|orders? of magnitude)\b", re.I)  # 'within seconds' answers 'how long'


# A year where it dates something ('from 1937 to 2019', 'in 2020', '(2016)', 'the 1990s') is not the figure
# a question asks for.
YEARS = re.compile(r"(?:\b(?:in|since|from|to|until|till|through|between|and|of|during|after|before|by)\s+|[(\-–—])"
                   r"(?:1[89]\d\d|20[0-2]\d)\b|\b(?:1[89]\d\d|20[0-2]\d)(?=\s*[-–—)]|s\b)", re.I)


def without_years(sentence: str) -> str:
    """The sentence without the years that date something and without citation marks ('[3]')."""
    return YEARS.sub("", re.sub(r"\[\d+\]", "", sentence))


_WORD = re.compile(r"[\w-]+")
CARDINAL = re.compile(r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
                      r"fifty|hundreds?|thousands?|millions?|billions?|dozens?", re.I)
# 'hundreds of millions of parameters' counts parameters: a magnitude passes the count on past its 'of'
_MAGNITUDES = frozenset("dozens hundreds thousands millions billions".split())
# a preposition or conjunction after the number ends what it counts ('three questions about annotators')
_COUNT_STOP = frozenset("about on in for with from to at by over under per and or than that which where".split())
# words that lead to the number after 'the number of <unit>' ('from 7 to 351', 'by 30')
_RANGE = frozenset("from to by".split())
# 'three types of metrics' counts metrics: these words pass the count on past their 'of'
_KIND_OF = frozenset("kinds kind types type sorts sort forms form categories category classes class families family "
                     "variants variant".split())


def counts(sentence: str, unit: frozenset[str]) -> bool:
    """Does a number in the sentence count the unit ('24 million parameters', 'eight widely-studied text
    classification datasets': the number, then the unit within four words; or 'the number of <unit>' with a number
    within six words after it, 'the number of perturbations from 7 to 351')? 'One of the datasets' counts nothing;
    'three types of metrics' counts metrics."""
    words = _WORD.findall(without_years(sentence))
    for i, w in enumerate(words):  # 'the number of certifiable perturbations from $7$ to $351$': the unit, then numbers
        if w.lower() == "number" and i + 1 < len(words) and words[i + 1].lower() == "of":
            after = words[i + 2:i + 7]
            stop = next((k for k, a in enumerate(after) if a.lower() in _COUNT_STOP), len(after))
            k = next((k for k in range(stop) if unit & set(query_tokens(after[k]))), None)
            rest = words[i + 3 + k:i + 9 + k] if k is not None else []
            rest = rest[:next((j for j, x in enumerate(rest) if x.lower() in _COUNT_STOP - _RANGE), len(rest))]
            if any(CARDINAL.fullmatch(x) or x[:1].isdigit() for x in rest):  # (not 'the number of parameters in
                return True  # the 12 layers', which counts layers)
    for i, w in enumerate(words):
        if not (CARDINAL.fullmatch(w) or w[:1].isdigit()):
            continue
        after = words[i + 1:i + 5]
        stop = next((k for k, a in enumerate(after) if a.lower() in _COUNT_STOP), None)
        after = after[:stop]  # 'three research questions about multi-annotator learning' counts questions
        if "of" in after:
            k = after.index("of")
            passes = (k and after[k - 1].lower() in _KIND_OF) or (not k and w.lower() in _MAGNITUDES)
            after = [*after[:k], *words[i + k + 2:i + k + 5]] if passes else after[:k]
        if unit & set(query_tokens(" ".join(after))):
            return True
    return False


def has_figure(sentence: str) -> bool:
    """Does the sentence state a number (digits or words: 'six benchmark datasets'), other than a year that
    dates something or a citation mark?"""
    return bool(NUMBER_WORDS.search(without_years(sentence)))


LOW_VALUE = re.compile(r"https?://|github\.com|\bcode (is|and \w+ are|will be) (publicly )?available|"
                       r"\bavailable at\b|^\W*$", re.I)


# A token that names something: an acronym or CamelCase word ('COCO', 'ImageNet', 'ADE20k'), letters with
# digits ('CIFAR-10'), or a capitalised word inside a sentence ('English', 'Wikipedia').
_NAME_TOKEN = re.compile(r"\b[A-Za-z]*[A-Z][a-z]*[A-Z0-9][\w-]*|\b[A-Za-z]+-?\d[\w-]*|(?<=[a-z,;] )[A-Z][a-z]{2,}\b")


def names_something(sentence: str, known: set[str]) -> bool:
    """Does the sentence name a dataset, benchmark, model or language that is not in `known`
    (lower-cased words of the question and the paper's title)?"""
    return any(m.group(0).lower().strip("-") not in known for m in _NAME_TOKEN.finditer(sentence))


# A sentence that gives the paper's contribution its name ('we propose SEP, which …', '… a model called GENRE').
NAMING = re.compile(r"\b(?:we|this paper|this work)\s+(?:\w+\s+){0,2}?(?:propose|present|introduce|develop|release|"
                    r"call|name)|\b(?:called|dubbed|named|termed|coined)\b", re.I)


def known_words(question: str, paper) -> set[str]:
    """Lower-cased words of the question and the paper's title: names a sentence gives beyond these are new."""
    return {w.lower() for w in re.findall(r"[\w-]+", f"{question} {paper.title or ''}")}


def naming_sentence(ev: Evidence, question: str, chosen: list[int] = ()) -> int | None:
    """The first sentence of the abstract that names the paper's contribution with a name the question
    and the title do not use, or None; also None when one of the `chosen` sentences already does (or is
    that sentence). A chosen sentence that merely mentions another name ('the classical convergent cross
    mapping (CCM) fails') does not name the contribution."""
    known = known_words(question, ev.hit.paper)
    if any(NAMING.search(ev.sentences[i]) and names_something(ev.sentences[i], known) for i in chosen):
        return None
    found = next((i for i, s in enumerate(ev.sentences) if NAMING.search(s) and names_something(s, known)), None)
    return None if found in chosen else found


# Sentences embedded on demand for a candidate below the top two (a large collection embeds sentences
# when a question first needs them): the one sharing most terms with the question (two in sessions 9-11).
# Before session 9 every sentence sharing a term (all of them when none did). On the ACL 30k sets
# acl-v9..v11 (seen) 2 and 3 gave the same figures as before and ask() p50 fell from 527-557 to 448-463 ms
# (2) on a 2-core AVX2 CPU (benchmarks/results/embed_batching.json). Session 12: 1, on the validation sets
# acl-v11..v13 (never fitted) and SciFact test: the same lookups, refusals, answer_contains and filter figures,
# citation precision 0.883/0.75/0.699 -> 0.882/0.757/0.718, SciFact hit@1 0.577 -> 0.583; p50 193-197 ->
# 166-168 ms.
SENTENCES_BEYOND_TOP = 1
# ... and for the second candidate, whose evidence a list shows: the four sharing most terms (every sentence
# until session 11). ACL abstracts have 5.7 sentences on average; on acl-v11..v13's top two candidates the
# best-cosine sentence is among those four 95% of the time (mean loss of best cosine 0.0015). Same figures
# on acl-v11..v13 and SciFact test as with every sentence; p50 166-168 -> 151-158 ms (session 12).
SENTENCES_SECOND = 4
def gather(engine, question: str, qvec: np.ndarray, hits: list[Hit], listing: bool = False,
           wants_number: bool = False, wants_name: bool = False, wants_link: bool = False,
           wants_ratio: bool = False, count_unit: frozenset[str] = frozenset()) -> list[Evidence]:
    """Sentence-level evidence for each hit: each sentence is scored by the learned sentence ranker
    (rag.answer.sentence_rank) from its embedding cosine, its share of the question's terms (all, IDF-weighted,
    and those not in the paper's title) and flags: a URL sentence, a contribution sentence where papers are
    listed, and, where the question asks for a figure, a ratio, a name or a count, a sentence that states one."""
    q_terms = set(query_tokens(question))
    out = []
    sents_of = {h.paper.paper_id: paper_sentences(h.paper) for h in hits}
    terms_of = {pid: _sentence_terms(q_terms, sents) for pid, sents in sents_of.items()}
    select = {}
    for j, h in enumerate(hits[1:], 1):  # below the top paper, embed only the sentences sharing most terms
        budget = SENTENCES_SECOND if j == 1 else SENTENCES_BEYOND_TOP  # with the question
        terms = terms_of[h.paper.paper_id]
        if len(terms) > budget:
            ranked = sorted(range(len(terms)), key=lambda i: -len(terms[i]))  # stable: earlier sentences first
            select[sentence_key(h.paper)] = sorted(ranked[:budget])
    engine.sentences.ensure([h.paper for h in hits], select)
    weights = term_weights(list(q_terms))
    total = sum(weights.values()) or 1.0
    ranker = load_ranker()
    for h in hits:
        sents = sents_of[h.paper.paper_id]
        vecs = engine.sentences.peek(h.paper)
        cos = vecs @ qvec  # NaN for sentences not embedded (below the top paper, few terms)
        terms = terms_of[h.paper.paper_id]
        overlap = _overlap(q_terms, terms) if q_terms else np.zeros(len(sents), dtype=np.float32)
        # what is asked of the paper: the question's terms that do not just name it (its title words)
        asked = q_terms - STOPWORDS - set(query_tokens(h.paper.title or ""))
        asked_share = _overlap(asked, [t & asked for t in terms]) if asked else np.zeros(len(sents))
        idf_share = np.array([sum(weights[t] for t in ts) / total for ts in terms])
        flags = _flags(sents, question, h.paper, listing, wants_number, wants_name, wants_link, wants_ratio, count_unit)
        X = feature_matrix(cos, overlap, asked_share, idf_share, flags)
        out.append(Evidence(hit=h, sentences=sents, scores=ranker.score(X), cosines=cos, overlap=overlap, terms=terms,
                            features=X))
    return out


def _flags(sents: list[str], question: str, paper, listing: bool, wants_number: bool, wants_name: bool,
           wants_link: bool, wants_ratio: bool, count_unit: frozenset[str]) -> dict[str, np.ndarray]:
    """The ranker's 0/1 columns for one abstract's sentences: zero where the question does not ask for
    that kind of thing."""
    known = known_words(question, paper) if wants_name else set()

    def flag(test, on: bool = True) -> np.ndarray:
        return np.array([bool(on) and bool(test(x)) for x in sents], dtype=np.float64)

    return {
        # a URL or "code is available" sentence is noise, unless the question asks where the code is
        "low_value": flag(LOW_VALUE.search) * (-1.0 if wants_link else 1.0),
        "contribution": flag(CONTRIBUTION.search, listing),
        "figure": flag(has_figure, wants_number),
        "counts": flag(lambda x: counts(x, count_unit), bool(count_unit)),
        "ratio": flag(RATIO.search, wants_ratio),
        "names": flag(lambda x: names_something(x, known), wants_name),
    }


# How an abstract gives an example ('… such as the ID of the annotator', 'e.g., masses, colors and sizes')
EXAMPLE_GIVEN = re.compile(r"\b(?:e\.g\.|for example|for instance|such as|including)", re.I)


def example_sentence(ev: Evidence, quoted: list[int]) -> int | None:
    """The best-ranked sentence that gives an example ('e.g.', 'such as') and shares a word with the question,
    where none of the `quoted` ones gives one; else None."""
    if any(EXAMPLE_GIVEN.search(ev.sentences[i]) for i in quoted):
        return None
    return next((i for i in ev.best(len(ev.sentences)) if EXAMPLE_GIVEN.search(ev.sentences[i]) and ev.terms[i]), None)


def lexical_evidence(hit: Hit, question: str) -> Evidence:
    """Evidence without sentence vectors (a candidate screened out before embedding): sentences are
    ranked by term overlap alone and the cosines are unknown (NaN)."""
    q_terms = set(query_tokens(question))
    sents = paper_sentences(hit.paper)
    terms = _sentence_terms(q_terms, sents)
    overlap = _overlap(q_terms, terms) if q_terms else np.zeros(len(sents), dtype=np.float32)
    return Evidence(hit=hit, sentences=sents, scores=overlap, cosines=np.full(len(sents), np.nan, dtype=np.float32),
                    overlap=overlap, terms=terms)


def _sentence_terms(q_terms: set[str], sents: list[str]) -> list[frozenset]:
    """The question terms each sentence contains."""
    return [frozenset(q_terms & set(query_tokens(x))) for x in sents]


def _overlap(q_terms: set[str], terms: list[frozenset]) -> np.ndarray:
    """Share of the question's terms in each sentence."""
    return np.array([len(t) / len(q_terms) for t in terms], dtype=np.float32)
