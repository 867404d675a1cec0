"""Is the figure a question asks for in the abstract that answers it, and which figure is it?

A figure question ('what BLEU does X reach?', 'how many parameters …') is answered only where one of the best
paper's sentences states a number for what is asked; otherwise the answer says which figure the abstract
doesn't state (`rag.answer._verdict`). The vocabulary of figures and metrics is `rag.figures`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.acronyms import with_spelled
from rag.answer.evidence import RATIO, Evidence, counts, has_figure
from rag.figures import ASKED_FIGURE, FIGURE, FIGURE_FILLER, METRIC_FORMS, QUANTITY, UNIT_STOP
from rag.query import BRACKETED_ITEMS, Query, asked_sentences

__all__ = ["FIGURE_SHARE", "figure_asked", "states_figure", "stating_sentence"]

# Words in which an abstract says how well a method worked, without a figure.
EVALUATIVE = re.compile(r"\b(?:state[- ]of[- ]the[- ]art|outperform\w*|surpass\w*|competitive|superior|better than|"
                        r"significant(?:ly)? (?:better|gains?|improve\w*)|improves?|improved|improvements?|"
                        r"(?:strong|good|high|excellent|promising|comparable) (?:results|performance|accuracy))\b", re.I)


MAP_TYPED = re.compile(r"(?<![\w-])mAP(?![\w-])")  # 'mAP' in its own case: 'map' is also a verb
# 'AP' (average precision) in its own case, with its usual suffixes ('AP50', 'APs'), and a number at it ('52.7 AP',
# 'box AP of 41.2', 'AP50 = 60.1')
AP_TYPED = re.compile(r"(?<![\w-])AP(?:50|75|[SML])?(?![\w-])")
AP_NUMBER = re.compile(r"\d[\d.,]*\s*%?\s*(?:(?i:box|mask)\s+)?AP(?:50|75|[SML])?(?![\w-])|(?<![\w-])AP(?:50|75|[SML])?\s*"
                       r"(?:(?:of|=|:|is|was|reaches|reached|reaching)\s*)?(?:(?:up\s+to|about|around|over)\s+)?\d")


def _asked_metrics(query: Query) -> set[str]:
    """The metrics a figure question names (keys of METRIC_FORMS); 'mAP' only as typed, in its own case."""
    low = query.search.lower()
    words = set(re.findall(r"[\w-]+", low))
    asked = {m for m, forms in METRIC_FORMS.items()  # (a variant typed with its suffix: 'ROUGE-L', 'BLEU-4')
             if m in words or any(w.startswith(m + "-") for w in words) or any(" " in f and f in low for f in forms)}
    return asked | ({"map"} if MAP_TYPED.search(query.search) else set()) | ({"ap"} if AP_TYPED.search(query.search) else set())


# Metrics whose names are everyday words ('80.67% top-1 accuracy' of another model states no accuracy of the one
# asked about): a number beside them states the figure only through the asked words' share, as any number does.
GENERIC_METRICS = frozenset({"accuracy", "accuracies", "precision", "recall"})


def _metric_with_number(sentence: str, metrics: set[str]) -> bool:
    """Does the sentence give a number at a metric asked for, three words apart at most ('by 7.06 mAP', '+1.8% higher
    ADE20K val. mIoU', 'a BLEU of 31.2', 'F1 = 0.8', 'ROUGE-L scores up to 0.52')?"""
    if "ap" in metrics and AP_NUMBER.search(sentence):
        return True  # ('reaching 52.7 AP on COCO test-dev', typed in its own case)
    forms = [f for m in metrics for f in METRIC_FORMS.get(m, ("map",) if m == "map" else ())]
    return any(re.search(rf"\d[\d.,]*\s*%?(?:\s+(?!and\b|or\b|than\b)[\w.-]+){{0,3}}?\s*{re.escape(f)}\w*\b|"
                         rf"(?<![\w-]){re.escape(f)}(?:-\w+|\w*)(?:\s+(?:scores?|values?))?\s*(?:(?:of|=|:|at|is|was|reaches|reached|reaching)\s*)?"
                         rf"(?:(?:up\s+to|as\s+high\s+as|above|over|around|about|approximately|nearly|almost)\s+)?\d",
                         sentence, re.I)
               for f in forms)


def _names_metric(ev: Evidence, query: Query) -> bool:
    """Does the abstract name every metric the figure question asks for (typed by its key, 'BLEU', 'MRR', or
    spelled out, 'mean reciprocal rank', 'word error rate')?"""
    written = f"{ev.hit.paper.title or ''} {ev.hit.paper.abstract}"
    text = written.lower()

    def names(m: str) -> bool:
        if m == "map":  # 'mAP' in its own case, or spelled out: 'map 2D images to 3D volumes' names no metric
            return bool(MAP_TYPED.search(written) or "mean average precision" in text)
        if m == "ap":  # 'AP' in its own case, or spelled out
            return bool(AP_TYPED.search(written) or "average precision" in text)
        return any(re.search(r"(?<![\w-])" + re.escape(form), text) for form in METRIC_FORMS.get(m, (m,)))

    return all(names(m) for m in _asked_metrics(query))


# Quantities an abstract may state without naming them ('the cost' as '$5', 'the number of layers' as '12
# layers', 'the accuracy' as '76.5% top-1'): only a quantity outside these must be named to be stated.
UNNAMED_QUANTITY = frozenset("accuraci number size rate score cost price count gain improv reduct share fraction "
                             "percentag proport ratio speedup speed error paramet budget".split())


_QUANTITY = re.compile(r"\b" + QUANTITY + r"\b", re.I)


def _names_quantity(ev: Evidence, query: Query) -> bool:
    """Does the abstract name the quantity the figure question asks for ('what scaling exponent …': an
    abstract that never says 'exponent' does not state one, whatever other numbers it gives)?"""
    from rag.lexical import query_tokens
    from rag.relevance import tokens

    m = ASKED_FIGURE.search(query.search)
    quantity = list(_QUANTITY.finditer(m.group(1))) if m else []
    if not quantity:
        return True
    text = tokens(f"{ev.hit.paper.title or ''} {ev.hit.paper.abstract}")
    phrase = quantity[-1].group(0)  # written whole or in parts ('speed-up' is a 'speedup', 'hyper-parameters')
    if phrase.lower() in METRIC_FORMS:
        return True  # a metric, in any of its forms: `_names_metric`
    heads = [[t for t in query_tokens(form) if t not in UNNAMED_QUANTITY] for form in (phrase.replace("-", ""), phrase)]
    return any(all(t in text for t in head) for head in heads)


@lru_cache(maxsize=1)
def _metric_stems() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """The metrics' stems as `rag.relevance.tokens` gives them (never words naming a paper), and each stem's
    forms ('mae' -> 'mean absolute error'), computed once."""
    from rag.lexical import query_tokens
    from rag.relevance import tokens

    return (frozenset(tokens(" ".join(METRIC_FORMS))),
            {t: forms for m, forms in METRIC_FORMS.items() for t in query_tokens(m)})


# How a cost grows, said in words ('runtime cubic in M', 'linear-time', 'scales quadratically'): what a question
# asks for when it asks how something scales, its complexity or its runtime (a complexity with digits,
# 'O(n^2)', is a number already).
GROWTH = re.compile(r"\b(?:(?:sub|super)-?linear(?:ly)?|linear(?:ly)?|quadratic(?:ally)?|cubic(?:ally)?|"
                    r"exponential(?:ly)?|logarithmic(?:ally)?|polynomial(?:ly)?|log-?linear|constant[- ]time)\b", re.I)
_SCALING = r"scal(?:e|es|ed|ing)|complexity|complexities|grows?|growth"
SCALING_ASKED = re.compile(rf"\b(?:{_SCALING})\b", re.I)  # how a cost grows, whatever the cost
GROWTH_ASKED = re.compile(rf"\b(?:{_SCALING}|runtime|run-?time|running time|memory)\b", re.I)  # ... or a cost named


# How fast something is, said in words ('within a few seconds', 'orders of magnitude faster', 'in real time'):
# what a question asks for when it asks how fast or quick something is.
SPEED = re.compile(r"\b(?:(?:milli)?seconds?|minutes?|hours?|real[- ]time|orders? of magnitude|times (?:faster|quicker)|"
                   r"faster|quicker|speed-?ups?)\b", re.I)
SPEED_ASKED = re.compile(r"\bhow (?:fast|quick(?:ly)?)\b", re.I)


# How long something took, and how big a model or dataset is: stated by a number with a unit of time ('in 4 days',
# '10 minutes on 256 cores') or of size ('600 billion parameters', '1.2 million images'), whatever other words the
# sentence uses ('how long did training take?' and '… trained … in 4 days').
_TIME_UNIT = r"(?:milli)?seconds?|minutes?|hours?|days?|weeks?|months?|years?"
# a number or an amount in words right before the unit ('in 4 days', 'two weeks', 'a fraction of a second', 'a few
# hours', 'within seconds'); 'in recent years' states no duration
DURATION = re.compile(r"\b(?:\d[\d.,]*|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|a few|few|"
                      r"several|a couple of|(?:a )?fractions? of an?|half an?|an?)[\s-]+"
                      # a kind of time between amount and unit: '1.5 wall-clock days', '8 GPU hours', '3 TPU-days'
                      r"(?:(?:wall-?clock|GPU|TPU|CPU|compute|computing|core|machine|node|training|human|person)[\s-]+)?"
                      r"(?:" + _TIME_UNIT + r")\b|"
                      r"\b(?:within|in|under|over)\s+(?:seconds|minutes|hours|days)\b|\b\d[\d.,]*\s*(?:ms|h|min)\b", re.I)
DURATION_ASKED = re.compile(r"\bhow long\s+(?:did|does|do|will|would|can|could|should|has|have)\b|"
                            # 'how long a timespan could the objective cover?'
                            r"\bhow long (?:of )?an? (?:time|timespan|time span|period|window|span|duration|horizon|"
                            r"interval|stretch|stretch of time)\b|"
                            r"\bhow much (?:time|wall-?clock)\b|\bfor how long\b|"
                            # 'trained … over what period?', 'in what time frame', 'for what duration' (session 40)
                            r"\b(?:over|for|in|during|within)\s+(?:what|which)\s+(?:period|time[- ]?span|time[- ]?frame|"
                            r"duration|length of time|span of time)\b", re.I)
# How much compute something took: stated by an amount of time or of processors ('256 CPU cores for only 10 minutes',
# '8 GPU-days', '1e21 FLOPs'), whatever other words the sentence uses.
COMPUTE = re.compile(DURATION.pattern + r"|\b\d[\d.,]*\s*(?:[KMGk]\s*)?(?:CPU|GPU|TPU|core|node|accelerator|machine)s?\b|"
                     r"\b\d[\d.,]*\s*(?:[a-zA-Z]+-?)?(?:FLOPs?|flops|PF-?days)\b|\b(?:CPU|GPU|TPU) cores\b", re.I)
COMPUTE_ASKED = re.compile(r"\bhow much (?:compute|computation|computing|processing|hardware|GPU|TPU)\b|"
                           # what training cost ('the training cost', 'what did training it cost in chips and days?')
                           r"\b(?:(?:pre-?)?training|compute|computational|computing) costs?\b|\bcosts? (?:of|to) (?:pre-?)?train|"
                           r"\b(?:did|does|do|will|would) (?:the )?(?:pre-?)?training (?:\w+ ){0,2}cost\b|"
                           r"\bhow many (?:GPUs|TPUs|CPUs|cores|machines|nodes|GPU[- ]hours|GPU[- ]days)\b|"
                           # 'trained on what hardware', 'with which accelerators' (session 40)
                           r"\b(?:on|using|with)\s+(?:what|which)\s+(?:kind of\s+|sort of\s+)?(?:hardware|accelerators?|"
                           r"GPUs?|TPUs?|chips?|infrastructure)\b|\bwhat hardware\b", re.I)
SIZE = re.compile(r"\b(?:parameters?|params|weights|layers|billions?|millions?|trillions?|thousands?|[KMGT]B|"
                  r"(?:kilo|mega|giga|tera)bytes?)\b|\b\d+(?:\.\d+)?[kKMB]\b")  # '12k real-world architectures'
SIZE_ASKED = re.compile(r"\bhow (?:big|large) (?:is|are|was|were) (?:it|they|(?:the|its|their|this|that) (?:[\w-]+ ){0,2}(?:model|"
                        r"network|net|architecture|transformer|system|dataset|data set|corpus|benchmark)s?)\b|"
                        r"\bhow (?:big|large) an? [\w-]+\b|"  # 'how large a pool of architectures …'
                        r"\bsize of (?:the |its |their )?(?:[\w-]+ ){0,2}(?:model|network|dataset|data set|corpus|benchmark)s?\b|"
                        r"\bhow much (?:training )?(?:data|text)\b", re.I)  # '… billion-scale data'


# A figure asked in a unit of measurement ('latency in milliseconds', 'memory in gigabytes', 'cost in dollars') is
# stated only by an amount in a unit of that kind somewhere in the abstract: '4.8x speedup in inference latency' gives
# no milliseconds. (A unit asked by 'how many milliseconds' is a count: `Query.count_unit`.)
MEMORY = re.compile(r"\b\d[\d.,]*\s*(?:[KMGT]i?B|(?:kilo|mega|giga|tera)bytes?|bytes?)\b")
MONEY = re.compile(r"(?:US)?[$€£]\s*\d|\b\d[\d.,]*\s*(?:dollars|USD|euros?|EUR)\b")
ENERGY = re.compile(r"\b\d[\d.,]*\s*(?:[mk]?J|(?:milli|kilo)?joules?|[mkM]?W|(?:milli|kilo|mega)?watts?|kWh)\b")
PARAMETERS = re.compile(r"\b\d[\d.,]*\s*(?:[KMBT]\b|k\b|thousand|million|billion|trillion)?[\s-]*(?:parameters?|params|weights)\b",
                        re.I)
UNIT_ASKED = ((re.compile(r"\bin\s+(?:GPU[- ])?(?:(?:milli|micro)?seconds|ms|minutes|hours|days|weeks)\b", re.I), DURATION),
              (re.compile(r"\bin\s+(?:terms\s+of\s+)?(?:parameters|params|weights)\b", re.I), PARAMETERS),
              (re.compile(r"\bin\s+(?:[KMGT]i?B|(?:kilo|mega|giga|tera)bytes|bytes)\b", re.I), MEMORY),
              (re.compile(r"\bin\s+(?:US\s+)?(?:dollars|USD|euros)\b", re.I), MONEY),
              (re.compile(r"\bin\s+(?:(?:milli|kilo|mega)?(?:watts|joules)|kWh)\b", re.I), ENERGY))


# What a question asks, and the words that state it whatever else a best sentence says (and whether they need a number
# beside them): 'how fast is it?' and '… within few seconds'; 'how long did training take?' and '… in 4 days'; 'how
# big is the model?' and '… with 600 billion parameters'; 'how does the runtime … scale with M?' and '… cubic in M';
# 'how much compute did it take?' and '… on 256 CPU cores for only 10 minutes'.
IN_ITS_OWN_WORDS = ((SPEED_ASKED, SPEED, False), (DURATION_ASKED, DURATION, False), (SIZE_ASKED, SIZE, True),
                    (GROWTH_ASKED, GROWTH, False), (COMPUTE_ASKED, COMPUTE, False))


def _own_words_tests(query: Query) -> list:
    """One test per IN_ITS_OWN_WORDS pair the question asks by: does a sentence state it in its own words?"""
    return [lambda s, st=stated, n=with_number: bool(st.search(s)) and (not n or has_figure(s))
            for asked, stated, with_number in IN_ITS_OWN_WORDS if asked.search(query.search)]


# Share of the asked-for terms' IDF mass a sentence with a number must hold to state the figure. (0.25 was
# tried in session 5 on the seen v1/v2 figure questions; the dev smoke test then answered a figure its
# abstract does not give, so the earlier 0.4 stays.)
FIGURE_SHARE = 0.4


# An asymptotic bound written in math ('$\\widetilde{O}(T\\sqrt{kN})$ regret', 'O(n log n) time'): a figure in symbols,
# for the figure check only (the sentence ranker's figure flag stays on numbers)
BOUND = re.compile(r"(?<![A-Za-z])(?:\\(?:widetilde|tilde|mathcal)\{?)?[OΘΩ]\}?\s*\(|\\(?:Theta|Omega)\s*\(|\\sqrt|√")


def gives_figure(sentence: str) -> bool:
    """Does the sentence give a figure: a number (`has_figure`) or a bound in symbols?"""
    return has_figure(sentence) or bool(BOUND.search(sentence))


_DEGREE = frozenset(("er", "est", "r", "st"))  # 'weak' + 'est', 'larg' + 'er' (Snowball's 'large'), 'wide' + 'st'


_BY = re.compile(r"(?<=\d)[x×](?=\d)")


def _dimensions(words: set[str]) -> set[str]:
    """A sentence's words with the sides of a size written 'NxM' ('224x224' also gives '224'), which a question
    writes alone ('with 224 crops')."""
    return words | {side for w in words if _BY.search(w) for side in _BY.split(w)}


def _head_of(term: str, words: set[str]) -> bool:
    """Does the sentence write a question's term (of 4+ letters) as the head of a name it writes solid ('adder
    networks' and 'AdderNets', 'dense network' and 'DenseNet'), or in a form the stemmer leaves apart ('the weakest
    student' and 'the weak student': a comparative or superlative)?"""
    return len(term) >= 4 and any((len(w) > len(term) + 1 and w.startswith(term))
                                  or (len(w) >= 4 and term.startswith(w) and term[len(w):] in _DEGREE)
                                  for w in words)


_CAPITALS = re.compile(r"\b[A-Z][A-Z0-9]{1,7}(?=s?\b)")


def _spelled_in_capitals(ev: Evidence, query: Query) -> dict[str, frozenset[str]]:
    """The acronyms this paper writes in capitals that the question spells out ('street-view house numbers' and
    'SVHN'), each with the question's stemmed words for it: a sentence writing the acronym holds those words. Unlike
    the search (`rag.acronyms.defined_acronyms`), no definition is needed: the initials must match a word this one
    paper writes in capitals, next to the figure."""
    from rag.acronyms import spelled_out
    from rag.lexical import query_tokens

    raw = f"{ev.hit.paper.title or ''} {ev.hit.paper.abstract}"
    caps = {c.lower() for c in _CAPITALS.findall(raw)}
    return {acr: frozenset(query_tokens(phrase)) for acr, phrase in spelled_out(query.search, caps).items()} if caps else {}


# Acronyms that name a field, not a dataset, model or metric ('trojaned NLP classifiers', 'the RL-trained controller'):
# an abstract that states the figure need not write them (T-Miner's says 'text classifiers'; session 42)
FIELD_NAMES = frozenset({"nlp", "ml", "ai", "cv", "dl", "rl", "ir"})


def states_figure(ev: Evidence, query: Query) -> bool:
    """Does one of the paper's best sentences give a number for what the question asks about?

    A named term of the question (a dataset, model, metric) that the abstract never mentions means
    the figure is not there. The question's terms that only name the paper (its title words, the
    named terms it does mention) are set aside; what is left says what is asked ('word error rate',
    'learning rate'). A sentence states the figure
    when it has a number (digits or words) and at least FIGURE_SHARE of that IDF-weighted mass. For a
    'how many <unit>' question, any sentence of the abstract where a number counts that unit ('24 million
    parameters') states it."""
    from rag.answer.judge import paper_names
    from rag.lexical import query_tokens
    from rag.relevance import term_weights, tokens
    from rag.text import content_terms

    # the sentences that ask, where whole sentences before them only set the scene ('I'm comparing DP-SGD alternatives.
    # For gradient embedding perturbation, what CIFAR10 accuracy is reported?'; session 41)
    asking = asked_sentences(query.search, semicolons=False)
    named = {n: t for n, t in query.named_forms.items() if t in asking and n not in FIELD_NAMES}
    found = paper_names(ev.hit.paper, named)
    if len(found) < len(named) or not _names_metric(ev, query) or not _names_quantity(ev, query):
        return False  # a test set, model, metric or quantity the question names that this abstract never mentions
    # a change asked for by its size ('how big a reduction in parameters?') is stated by a ratio too ('10-30 times')
    def stated_as(s: str, stated: re.Pattern) -> bool:
        return bool(stated.search(s) or (query.wants_ratio and RATIO.search(s)))

    if any(asked.search(query.search) and not any(stated_as(s, stated) for s in ev.sentences) for asked, stated in UNIT_ASKED):
        return False  # 'per-image latency in milliseconds?' and an abstract giving a speed-up, no time
    # the title's words, the named terms found and the authors' names ('… reported by Pal et al.') name the paper
    naming = (tokens(ev.hit.paper.title or "") | tokens(" ".join(ev.hit.paper.authors))
              | tokens(" ".join(t for n, t in query.named_forms.items() if n in found)))
    metric_stems, metric = _metric_stems()
    naming -= metric_stems  # a metric named ('RMSE') is what is asked, not the paper's name
    # (the sentences that ask, where others set the scene: 'I'm comparing DP-SGD alternatives. For gradient embedding
    # perturbation, what CIFAR10 accuracy is reported?')
    words = [w for w in content_terms(asking) if w not in FIGURE_FILLER]
    asked = [t for t in dict.fromkeys(query_tokens(" ".join(words))) if t not in naming]
    sentences = [ev.sentences[i] for i in ev.best(4)]
    metrics = _asked_metrics(query) - GENERIC_METRICS
    if metrics and any(_metric_with_number(s, metrics) for s in sentences):
        return True  # 'what margin in mAP …?' and '… outperforms our strongest baseline … by 7.06 mAP'
    if query.evaluative and any(EVALUATIVE.search(s) for s in sentences):
        return True  # 'how well did that recipe work out?' and '… new state-of-the-art results on eight datasets'
    if query.count_unit and any(counts(s, query.count_unit) for s in ev.sentences):
        return True  # 'how many parameters …' and '… predict all 24 million parameters of a ResNet-50'
    in_own_words = any(test(s) for test in _own_words_tests(query) for s in sentences)
    if query.count_unit and not query.wants_ratio:
        # 'how many gigabytes …' and an abstract that counts no gigabytes, whatever other numbers it has, nor words
        # that say how memory grows ('its memory usage is linear in the input size'); but 'how does the runtime scale
        # with the number of items?' asks how it grows, which '… runtime cubic in M' states
        return bool(SCALING_ASKED.search(query.search)) and in_own_words
    if in_own_words:
        return True
    if not asked:
        return any(gives_figure(s) for s in sentences)
    w = term_weights(asked)
    total = sum(w.values())
    spelled = _spelled_in_capitals(ev, query)
    for sent in sentences:  # (a relative amount is given in digits or as a ratio: 'three frameworks' states no speed-up)
        if gives_figure(sent) and (not query.wants_ratio or re.search(r"\d", sent) or RATIO.search(sent)):
            words, low = with_spelled(_dimensions(tokens(sent)), spelled), sent.lower()
            if sum(v for t, v in w.items() if t in words or _head_of(t, words)
                   or any(f in low for f in metric.get(t, ()))) >= FIGURE_SHARE * total:
                return True
    # A relative amount asked ('how much faster', 'by how much … shrink', 'what fraction') is stated by a
    # ratio or a percentage in one of those best sentences, whatever words it uses ('a 1.8x speedup'), or by an
    # amount after 'by' ('beats RoBERTa base, and by how much?' and '… outperforms RoBERTa-base by 1.1 points')
    return query.wants_ratio and any(RATIO.search(s) or BY_AMOUNT.search(s) for s in sentences)


BY_AMOUNT = re.compile(r"\bby\s+(?:(?:up to|about|around|over|nearly|almost|approximately|roughly|more than|"
                       r"as much as)\s+)?\$?\d")


def stating_sentence(ev: Evidence, query: Query, quoted: list[int]) -> int | None:
    """The best-ranked sentence of the abstract that states the figure in its own words ('how long did the search
    take?' and '… around 1.5 wall-clock days …'; 'how many parameters?' and '… 24 million parameters'), when none
    of the `quoted` sentences does; else None. An answer quotes it beside its best sentences, so the figure that
    made the paper the answer is in the answer."""
    if not query.wants_number:
        return None
    tests = [lambda s: counts(s, query.count_unit)] if query.count_unit else []
    tests += _own_words_tests(query)
    if query.wants_ratio:  # 'how big a reduction …?' and '… while achieving 10-30 times reduction in parameters'
        tests.append(RATIO.search)
    if not tests or any(t(ev.sentences[i]) for t in tests for i in quoted):
        return None
    return next((i for i in ev.best(len(ev.sentences)) if any(t(ev.sentences[i]) for t in tests)), None)


HOW_MANY_OF = re.compile(r"\bhow many (?:of (?:the|those|these|its|their|his|her|our|your|all) "
                         r"(?:(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) )?)?"
                         # (not a word that ends the unit: 'how many of those above grandmaster?', but 'in-distribution')
                         r"(?!(?:" + "|".join(sorted(UNIT_STOP)) + r")(?![\w-]))"
                         r"([a-z][\w-]*)", re.I)


def figure_asked(question: str) -> str:
    """'the <figure>' a figure question asks for, as a refusal names it ('the word error rate', 'the AP'); not a
    quantity listed in brackets as part of a topic (`rag.query.BRACKETED_ITEMS`)."""
    question = BRACKETED_ITEMS.sub(" ", question)
    m = ASKED_FIGURE.search(question)
    count = None if m else HOW_MANY_OF.search(question)
    if count:  # 'how many gigabytes does it need?': the number of them, not another figure word before it
        return f"the number of {count.group(1)}"
    m = m or FIGURE.search(question)
    if not m:
        return "the figure asked for"
    words = [w if any(c.isupper() for c in w) else w.lower() for w in m.group(1).split()  # 'the BLEU', 'the mAP'
             if w.lower() not in ("what", "which", "the", "a", "an", "as", "how", "by", "did", "does", "is", "was", "of",
                                  "in", "many", "much", "with", "for", "on", "at", "to", "and", "or", "it", "its", "they",
                                  "their", "this", "that", "these", "those", "we", "you", "confirm", "verify", "check")]
    return "the " + " ".join(words) if words else "the figure asked for"
