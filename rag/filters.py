"""Filters typed in plain chat, taken from the collection's own metadata.

"naacl papers on …", "IWSLT 2009 system descriptions", "in the Transactions of the ACL",
"from the 2000s", "articles présentés aux JEP depuis 2015", "what has Hochreiter written on …".

Venues are read against the collection's venue vocabulary (`rag.vocabulary.Vocabulary`, built from
the indexed records). A venue is only taken where the question uses it as a filter (after 'at/in/from/aux',
before 'papers/proceedings/2019', or at the start), never from inside the topic ('the ACL
Anthology's citation network', 'the CoNLL-2003 NER data'). `parse()` returns the filters and the
question with the filter phrases removed, which is what retrieval searches for. Years are read by
`rag.years`, an author typed in the question by `rag.author_phrase`, the words and phrases that name a venue
by `rag.venue_phrase`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.author_phrase import author_phrase, corpus_spelling, heading_surname
from rag.retrieval import AuthorIndex, Filters, fold
from rag.retrieval.filtering import VENUE_OR
from rag.types import Paper
from rag.venue_phrase import (
    AFTER,
    BEFORE,
    JOURNAL_OF,
    JOURNAL_WORD,
    event_phrase,
    names_a_venue,
    owned_phrase,
    typed_on,
)
from rag.venue_volumes import (
    SUBVOLUME,
    alias,
    edition_year,
    numeral_year,
    one_acronym,
    ordinal_number,
    part_of_proceedings,
    selects,
    venues_of,
)
from rag.vocabulary import GENERIC_COLLECTIONS, ORDINAL, VENUE_WORD, Vocabulary
from rag.years import ARTICLE, HELD_WITH, YEAR, read_years
from rag.years import cut as _cut

SOURCE_LISTS = {
    "neurips": "NeurIPS poster list",
    "icml": "ICML session",
    "hugging face": "Hugging Face trending",
    "huggingface": "Hugging Face trending",
    "hf trending": "Hugging Face trending",
    "trending": "Hugging Face trending",
}
DATA_AFTER = (r"(?:anthology|data|dataset|datasets|corpus|corpora|benchmarks?|network|community|guidelines|scheme|"
              r"schema|splits?|test|train|dev|format|formats|sets?)")
# Words right before a venue and year that make them the data a model is run on, not where a paper appeared
# ('trained on WMT 2014 English-German', 'evaluated on the SemEval 2010 …').
DATA_BEFORE = (r"(?:(?:trained|evaluat(?:e|es|ed|ing)|tested|benchmarked|fine-?tuned|pre-?trained|experiments?|results|scores?|"
               r"accuracy|performance|work(?:s|ed|ing)?)\s+(?:on|with|using)|(?:training|evaluation|testing)\s+(?:on|with|data\s+from)|"
               r"(?:data|data\s*sets?|corpus|corpora)\s+(?:of|from))")  # 'the data of the WMT 2016 … task'
# (of those, the words that name a venue's other things, whatever the collection writes: 'the ACL anthology')
NOT_DATA_AFTER = r"(?:anthology|network|community|guidelines|scheme|schema|format|formats)"
TOPIC_AFTER = r"(?:task|tasks|shared|style|ner|pos|model|models)"
# After a small venue named like a topic ('WMT', 'NLI'), words that still make it the venue.
STRONG_AFTER = (r"(?:submissions?|proceedings|system descriptions?|shared tasks?|workshop|conference|"
                r"contributions?|overview|findings|volume|publish(?:ed)?|present(?:ed)?|accept(?:ed)?)")


@dataclass
class Parsed:
    filters: Filters
    question: str  # the question with filter phrases removed
    chips: list[str] = field(default_factory=list)


def chips_for(f: Filters) -> list[str]:
    out = []
    if f.year_min is not None and f.year_max is not None and f.year_min == f.year_max:
        out.append(f"year = {f.year_min}")
    else:
        if f.year_min is not None:
            out.append(f"year ≥ {f.year_min}")
        if f.year_max is not None:
            out.append(f"year ≤ {f.year_max}")
    if f.venue:
        out.append(f"venue: {f.venue}")
    if f.author:
        out.append(f"author: {f.author}")
    if f.source:
        out.append(f"source: {f.source}")
    return out


def without(f: Filters, chip: str) -> Filters:
    """The filters minus the one a chip shows (for removable chips in the UI)."""
    g = Filters(**f.__dict__)
    if chip.startswith("year ="):
        g.year_min = g.year_max = None
    elif chip.startswith("year ≥"):
        g.year_min = None
    elif chip.startswith("year ≤"):
        g.year_max = None
    elif chip.startswith("venue:"):
        g.venue = None
    elif chip.startswith("author:"):
        g.author = None
    elif chip.startswith("source:"):
        g.source = None
    return g


def _long_names_in(text: str, vocab: Vocabulary):
    """(first match, pattern, name, canonical venue) of each long venue name the text holds, longest first."""
    low = text.lower()
    for words, pattern, name, canon in vocab.long_names:
        if all(w in low for w in words):  # cheap test first: the regex needs every word
            m = pattern.search(text)
            if m:
                yield m, pattern, name, canon


def _venue_matches(q: str, vocab: Vocabulary, years: bool = False) -> list[tuple[int, int, str, int | None, bool]]:
    """(start, end, canonical venue, year or None, year glued to the name) for venue names used as filters,
    longest first. `years`: the question asks for years elsewhere ('In 2018, …')."""
    found = []
    for m, _, name, canon in _long_names_in(q, vocab):
        if names_a_venue(name, q, m.start(), m.end()):
            pre = JOURNAL_OF.search(q, 0, m.start())
            start, end = pre.start() if pre else m.start(), typed_on(q, m.start(), m.end(), vocab)  # with 'American Journal of'
            acr = re.search(r"(?<![\w-])([\w+-]+)(?:\s+" + YEAR + r")?\s*\(\s*$", q[:start])  # (… 'CCL 2017 (China …)')
            close = re.match(r"\s*\)", q[end:])
            if acr and close and vocab.canonical(acr.group(1)) == canon:  # 'LREC (Language Resources and …)'
                start, end = acr.start(), end + close.end()
            after = re.match(r"\s*\(\s*([\w+-]+)\s*\)", q[end:])
            if after and vocab.canonical(after.group(1)) == canon:  # 'Linguistic Issues in Language Technology (LILT)'
                end += after.end()
            found.append((start, end, canon, None, False))
            break
    if not found:
        found += owned_phrase(q, vocab) or event_phrase(q, vocab)
    # a venue whose name ends in digits ('NLPCOVID19', 'nlpcovid19'), which the word pattern would read as a name and a year
    named_digits = "".join(f"(?i:{re.escape(k)})(?![\\w-])|" for k in vocab.keys if k[-1].isdigit())
    pattern = (r"(?<![\w-])(" + named_digits + r"[A-Za-z][A-Za-z0-9+-]*[A-Za-z](?:\s+[A-Z][A-Za-z]+)?)(['’]\d{2}|(?<=[A-Z])\d{2}(?!\d)|"
               r"(?:-?\s?|(?<=[A-Z])\)\s)" + YEAR + r")?(?!\w)")  # one word or two squashed ('MT Summit'), a year: 'LREC'08', 'IWSLT07', 'ACL 2020'
    for m in _venue_words(q, pattern):
        word = m.group(1)
        key = fold(word).replace(" ", "").replace("+", "")  # 'NLP+CSS' is the event id's 'nlpcss'
        canon = vocab.keys.get(key)
        if canon is None and ("-" in word.strip("-") or " " in word):  # 'JEP-TALN': names of one venue joined by a
            # hyphen; 'AACL-IJCNLP': a joint conference, filed under the host named first; 'NAACL HLT' as 'NAACL-HLT'
            parts = [part for part in re.split(r"[-\s]+", word) if part]
            owners = [vocab.keys.get(fold(part).replace(" ", "")) for part in parts]
            # 'NAACL-HLT': the rest in capitals, a name the collection files under the first ('Human Language
            # Technologies' in NAACL's titles)
            canon = owners[0] if None not in owners or (owners[0] and all(
                p.isupper() and 2 <= len(p) <= 6 for p in parts[1:])) else None
        head, _, tail = word.partition("-")
        hyphen_word = canon is None and bool(re.fullmatch(VENUE_WORD + "s?|" + AFTER, tail, re.I))
        if hyphen_word:  # 'SIGMORPHON-Workshop 2020', 'EMNLP-Papers', 'des SIGNLANG-Workshops 2020'
            word, key = head, fold(head)
            canon = vocab.keys.get(key)
        if canon is None:
            continue
        if " " in word and not (len(key) >= 5 and word[0].isupper()):
            continue
        # 'findings of emnlp': a collection named after the venue it belongs to, in any case
        of_venue = re.match(r"(?:-\w+)?\s+(?:of|von|de|del|du|des)\s+(?:the\s+)?([A-Za-z]+)(?![\w-])", q[m.end():]) \
            if key in GENERIC_COLLECTIONS else None  # 'findings of emnlp', 'Findings-Papiere von EMNLP'
        of_venue = of_venue if of_venue and fold(of_venue.group(1)) in vocab.keys else None
        # a venue's key that is also a word ('insights', 'law') is the venue where a year follows it ('Insights 2021')
        with_own_year = bool(m.group(2)) and bool(re.fullmatch(r"[\s-]?" + YEAR, m.group(2)))
        # a venue's key heading the question ('isa: which papers …', 'cogalex - anything on idioms?'), where the
        # key is no topic's word (not `vocab.ambiguous`: 'nli: …', 'law: …' head a topic)
        heading = m.start() == len(q) - len(q.lstrip()) and bool(re.match(r"\s*[:–—]|\s+-\s", q[m.end():])) \
            and key not in vocab.ambiguous
        if not (_typed_as_acronym(word, canon) or key in vocab.lowercase_ok or of_venue or with_own_year or heading):
            continue
        if key in SOURCE_LISTS:
            continue
        year = None
        if m.group(2):
            digits = re.sub(r"\D", "", m.group(2))
            year = int(digits) if len(digits) == 4 else 2000 + int(digits) if int(digits) < 50 else 1900 + int(digits)
        hyphen_year = bool(m.group(2)) and m.group(2).startswith("-")  # 'CoNLL-2003' is usually a dataset
        year_ahead = not m.group(2) and bool(re.search(r"(?<![\w-])" + YEAR + r"\s+$", q[: m.start()]))
        if hyphen_word or _is_filter_position(q, m.start(), m.end(), (bool(year) and not hyphen_year) or year_ahead,
                               key in vocab.ambiguous and not vocab.names_event(canon) and not _own_casing(word, canon),
                               hyphen_year, year_elsewhere=years and _typed_as_acronym(word, canon),
                               data_name=vocab.data_names is None or key in vocab.data_names):
            glued = bool(m.group(2)) and m.group(2)[0].isdigit() and len(m.group(2)) == 2  # 'IWSLT07'
            if glued and re.match(r"\s*(?:[A-Z][a-z]+[-–][A-Z][a-z]+|[A-Za-z]{2}[-–→][A-Za-z]{2})\b", q[m.end():]):
                continue  # 'IWSLT14 German-English', 'WMT16 en-ro': a data set
            end = m.end() + of_venue.end() if of_venue and not m.group(2) and not _typed_as_acronym(word, canon) else m.end()
            opened = m.group(2) and m.group(2).startswith(")") and q[m.start() - 1 : m.start()] == "("
            findings = re.match(r"(?:\s+" + YEAR + r")?\s+findings\b", q[end:], re.I)
            if findings and "findings" in vocab.keys and key not in GENERIC_COLLECTIONS:
                # 'EMNLP Findings', 'the EMNLP 2020 Findings': the Findings volumes, as 'Findings of EMNLP 2020'
                canon, year, end = vocab.keys["findings"], year or (int(findings.group(1)) if findings.group(1) else None), \
                    end + findings.end()
            found.append((m.start() - 1 if opened else m.start(), end, canon, year, glued))  # '(CODI) 2021'
    return found


HOSTED_AT = re.compile(r"\s+(?:workshops?\s+)?(?:(?:co-?located|held|organi[sz]ed)\s+)?(?:with|at|alongside|during)\s+"
                       r"(?:the\s+)?([A-Za-z][\w+-]*?)[\s'’-]*(" + YEAR + r"|\d\d)\b")
EVENT_ID = re.compile(r"(?<![\w.])" + YEAR + r"\.([a-z][a-z0-9-]*[a-z0-9])(?![\w.])", re.I)
STARRED = re.compile(r"(?<![\w*])\*([A-Za-z]{2,})\b")  # '*SEM': an event written with a leading star
# The years a question gives right after a venue ('IWSLT 2007-2009', 'CoNLL seit 2019', 'NAACL 2018 or 2019').
YEARS_AFTER = re.compile(r"\s*\)?\s*[,(]?\s*(?:(?:between|from|since|after|before|until|up\s+to|till|through|in|"
                         r"(?:in|on)\s+or\s+(?:after|before)|(?:not?\s+)?(?:earlier|later)\s+than|prior\s+to|"
                         r"seit|ab|nach|vor|von|bis|zwischen|depuis|après|avant|jusqu['’](?:en|à)|entre|en|de|desde|"
                         r"hasta|antes\s+de|después\s+de)\s+)?(?:the\s+)?(?:(?:early|mid|late)[\s-]+)?" + YEAR + r"s?\b", re.I)


def _typed_as_acronym(word: str, canon: str) -> bool:
    """Is the word written the way a venue's acronym is ('IWSLT', 'CoNLL', the venue's own casing), not as
    an ordinary lower-case word?"""
    return word.isupper() or word == canon or any(c.isupper() for c in word[1:])


def _own_casing(word: str, canon: str) -> bool:
    """Is the word typed in the venue's own mixed casing ('CoNLL', 'SemEval'), which names the event, not a topic
    written in capitals ('NLI')?"""
    return word == canon and any(c.islower() for c in word[1:]) and any(c.isupper() for c in word[1:])


def _venue_before_years(question: str, q: str, vocab: Vocabulary) -> list:
    """A venue's acronym, as the question types it, right before the years it gives ('IWSLT 2007-2009: …',
    'CoNLL seit 2019', 'IWSLT in the 2010s', 'iwslt between 2011 and 2014'): the year phrase was cut from
    `q` first, which leaves a small venue named like a topic without the year that marks it as the venue. Not when the years name data ('the CoNLL 2003 data
    since 2019'). Returned as `_venue_matches` entries over `q`, without a year (the phrase's years stand),
    and whether the name is also a topic's.
    A venue's full name, typed as a name, before its years is one too ('Linguistic Issues in Language
    Technology, 2014-2015: …')."""
    for m, pattern, _, canon in _long_names_in(question, vocab):
        if YEARS_AFTER.match(question, m.end()) and all(w[0].isupper() for w in m.group(0).split() if len(w) > 3):
            at = pattern.search(q)
            if at:
                return [(at.start(), at.end(), canon, None, False, False)]
    for m in re.finditer(r"(?<![\w-])([A-Za-z][A-Za-z0-9+]*[A-Za-z0-9])(?![\w-])", question):
        word = m.group(1)
        key = fold(word).replace("+", "")
        canon = vocab.keys.get(key)
        if canon is None or key in SOURCE_LISTS or not (_typed_as_acronym(word, canon) or key in vocab.lowercase_ok):
            continue
        years = YEARS_AFTER.match(question, m.end())
        if not years or _names_data(question[: m.start()], re.sub(r"^\s*[-–]\s*\d{4}", "", question[years.end():])):
            continue
        at = re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", q)
        if at:
            return [(at.start(), at.end(), canon, None, False, key in vocab.ambiguous)]
    return []


def _names_data(before: str, after: str, data_name: bool = True) -> bool:
    """Do the words around a venue mention make it data ('the CoNLL 2003 data', 'the IWSLT 2017 (IWSLT17)
    data sets', 'trained on WMT 2014', 'tested on the WMT14 (WMT 2014) test set') rather than the place of
    publication? A word for data after it counts where the collection's abstracts write the venue's name for data
    (`data_name`, `Vocabulary.data_names`: 'CoNLL 2003 data', not 'LREC 2014 corpora')."""
    after_words = DATA_AFTER if data_name else NOT_DATA_AFTER
    if re.match(r"\s*\)?\s*(?:\([^)]*\)\s*)?(?:(?:" + TOPIC_AFTER + r"|[A-Za-z]+[-–][A-Za-z]+)\s+){0,2}" + after_words
                + r"\b(?![-‐])", after, re.I):  # 'the IWSLT'14 German-English set' (not 'ACL 2019 data-to-text')
        return True
    return bool(re.search(r"\b" + DATA_BEFORE + r"(?:\s+" + ARTICLE + r")?(?:\s+\S+\s*\()?\s*$", before, re.I))


OWNED_CHAPTER = re.compile(r"\b(?:[Tt]he\s+)?([A-Z][\w&-]*)['’]s\s+((?:[A-Z][\w-]*\s+){0,3}?[A-Z][\w-]*)\s+(?i:chapter)\b")
# Another name of the venue joined to the one read ('TALN et RECITAL'): cut with it, so that no name is left in the topic.
JOINED_NAME = re.compile(r"(?:\s*,\s*(?:(?:and|or|et|ou|und|oder)\s+)?|\s+(?:and|or|et|ou|und|oder|&)\s+|\s*/\s*)"
                         r"(?:(?:at|in|à|aux?|chez|bei|beim|auf)\s+)?(?:(?:the|les|des|la|le|die|der|den)\s+|l['’])?"
                         r"([A-Za-z][\w-]*)\b")  # ('RECITAL et les JEP', 'à TALN et à RECITAL')


def _venue_words(q: str, pattern: str):
    """Matches of a venue pattern at every word start: the two-word reading first ('MT Summit 2005'),
    then the one-word one ('MT', 'ACL 2020'). Overlapping two-word readings are all tried."""
    two = re.compile(pattern)
    one = re.compile(pattern.replace(r"(?:\s+[A-Z][A-Za-z]+)?", ""))
    for start in re.finditer(r"(?<![\w-])[A-Za-z]", q):
        m2 = two.match(q, start.start())
        if m2 and " " in m2.group(1):
            yield m2
        m1 = one.match(q, start.start())
        if m1:
            yield m1


def _is_filter_position(q: str, start: int, end: int, with_year: bool, ambiguous: bool = False,
                        hyphen_year: bool = False, year_elsewhere: bool = False, data_name: bool = True) -> bool:
    before = q[:start].rstrip()
    after = q[end:]
    if HELD_WITH.search(before):
        return False  # 'the MultiLing workshop held with RANLP 2019': another event's host, not where papers appeared
    if re.match(r"-" + AFTER + r"\b", after, re.I):
        return True  # 'ACL-Beiträge', 'EMNLP-papers'
    if re.match(r"['’]s\s+(?:" + YEAR + r"|(?-i:edition)\b|(?:(?:first|last|early|earliest|latest|recent|past|main|long|"
                r"short|\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+){0,3}(?:" + AFTER + r"|volumes|issues)\b)",
                after, re.I):
        return True  # "LREC's 2016 edition", "NAACL's proceedings", "TACL's first four volumes" (session 39)
    if re.search(r"(?:^|\s)(?:editions?|volumes?|proceedings)\s+of(?:\s+the)?$", before, re.I):
        return True  # 'the 2016 edition of LREC'
    if re.match(r"['’]s\b", after) or re.match(r"-\w", after):
        return False  # "the ACL Anthology's", "CoNLL-2003", "BERT-style"
    nxt = re.match(r"\s+(\S+)", after)
    nxt_word = nxt.group(1) if nxt else ""
    if hyphen_year:  # 'BEA-2019 grammatical error correction shared task' names a task or dataset;
        # 'COLING-2018 papers' or 'accepted at LREC-2016' is the event
        return bool(re.fullmatch(AFTER + r"\W*", nxt_word.lower())) or (
            not nxt_word and bool(re.search(r"(?:^|\s)" + BEFORE + r"(?:\s+the)?$", before, re.I)))
    if _names_data(before, after, data_name):
        return False  # "the CoNLL 2003 data", "the CoNLL 2009 shared task data", "the ACL anthology"
    if re.search(r"(?:^|\s)(?:" + VENUE_WORD + r"|" + JOURNAL_WORD + r")s?$", before, re.I):
        return True  # 'Atelier EAMT de 1993', 'Workshop SIGMORPHON', 'der Zeitschrift LiLT', 'aux conférences TALN'
    if re.search(r"(?:^|\s)(?:the\s+)?(?:" + ORDINAL + r")$", before, re.I):
        return True  # 'the 17th SIGMORPHON', 'the 3rd nlp4convai': an edition of the venue
    if with_year:
        return True  # "IWSLT 2009 system descriptions", "LREC'16"
    if re.match(r"\s+(?:shared\s+)?tasks?\s+(?:papers?|submissions?|system\s+descriptions?)\b", after, re.I):
        return True  # 'SemEval task papers': the event's own papers
    if re.fullmatch(TOPIC_AFTER + r"\W*", nxt_word.lower()):
        return False
    if re.fullmatch(r"[IVX]{1,5}\W*", nxt_word):
        return True  # 'MT Summit IX': an edition
    if nxt_word[:1].isupper() and not re.fullmatch(AFTER + r"\W*", nxt_word.lower()):
        return False  # part of a longer name: "ACL Anthology"
    if ambiguous:  # 'NLI papers' is a topic; 'at NLI', 'NLI 2020' or 'WMT submissions' is the workshop
        return bool(re.search(r"(?:^|\s)(?:at|aux?|à|published in|presented at|accepted (?:at|to))$", before, re.I)
                    or re.match(r"\s+" + STRONG_AFTER + r"\b", after, re.I))
    if year_elsewhere:
        return True  # 'In 2018, what did the GWC have on sentiment?': an acronym only a venue has, with the years asked
    if re.search(r"(?:^|\s)" + BEFORE + r"(?:\s+" + ARTICLE + r")?$", before, re.I):
        return True
    if re.fullmatch(AFTER + r"\W*", nxt_word.lower()):
        return True
    if not re.search(r"\w", before.lower().replace("only", "").replace("all", "").replace("the", "")):
        return True  # at the start: "naacl: …", "ACL on parsing"
    return not nxt_word and bool(re.search(r"\b(?:papers?|articles?|work|studies)\b", before, re.I))


def parse(
    question: str,
    vocab: Vocabulary | None = None,
    authors: AuthorIndex | None = None,
    papers: list[Paper] | None = None,
) -> Parsed:
    f = Filters()
    found: list = []
    matched_in = question
    typed = None  # an event's full name as typed, when the collection files it under an acronym
    asked = question
    if vocab is not None:  # an Anthology event id ('2020.wmt', '2021.nodalida') is that venue's volume of that year
        question = EVENT_ID.sub(lambda m: f"{m.group(2).upper()} {m.group(1)}"
                                if vocab.canonical(m.group(2).replace("-", "")) else m.group(0), question)
        # '*SEM' is the event the Anthology ids as 'starsem' (not SemEval, which 'SEM' alone would read)
        question = STARRED.sub(lambda m: f"star{m.group(1).lower()}"
                               if vocab.canonical(f"star{m.group(1).lower()}") else m.group(0), question)
        # an association's regional chapter named by its possessive: 'the ACL's North American chapter' is the 'North
        # American Chapter of the ACL' the titles write (session 41)
        question = OWNED_CHAPTER.sub(lambda m: f"the {m.group(2)} Chapter of the {m.group(1)}", question)
    q = read_years(question, f, vocab)
    # Checks against the collection's venues and years need the papers in memory; the engine backend's lazy
    # catalogue would load every paper, so there they are skipped.
    listed = papers if isinstance(papers, list) else None
    # --- venues --------------------------------------------------------------------------------
    src = re.search(r"\b(?:only\s+)?(?:from\s+|in\s+|on\s+)?(?:the\s+)?(neurips|icml|hugging\s*face|huggingface|"
                    r"hf(?:\s+trending)?)(?:\s+(list|session|page|trending))?\b", q, re.I)
    if src and (src.group(2) or not vocab or not vocab.canonical(src.group(1))):
        name = re.sub(r"\s+", " ", src.group(1).lower())
        f.source = SOURCE_LISTS.get(name, SOURCE_LISTS.get(name.replace(" trending", ""), "Hugging Face trending"))
        q = _cut(q, src.start(), src.end())
    elif vocab is not None:
        found = _venue_matches(q, vocab, years=f.year_min is not None or f.year_max is not None)
        matched_in = q
        if not found and (f.year_min is not None or f.year_max is not None):
            found = _venue_before_years(question, q, vocab)
            if found and found[0][5] and listed is not None and not selects(
                    alias(vocab, found[0][2], f.year_min, listed, f.year_max), f.year_min, f.year_max, listed):
                found = []  # 'NLI in the 2010s': the topic, where the small venue named like it has no such years
            found = [x[:5] for x in found]
        inner = bool(found) and re.sub(r"[\W_]", "", fold(re.sub(YEAR, "", q[found[0][0]:found[0][1]]))) in vocab.inner
        if found and (found[0][4] or (inner and found[0][3])) and listed is not None and not selects(
                alias(vocab, found[0][2], found[0][3], listed), found[0][3], found[0][3], listed):
            found = []  # 'IWSLT09 campaign' where no IWSLT 2009 paper exists: the campaign's task, not a filter;
            # 'BioASQ 2017' where no BioASQ workshop volume of 2017 exists: the challenge
        if found:
            start, end, canon, year, _ = found[0]
            name = fold(q[start:end])
            if vocab.names.get(name, name) != name and re.search(r"\b" + VENUE_WORD + r"\b", name):
                # an event's full name typed ('… Workshop'), filed under an acronym
                typed = vocab.written.get(name, q[start:end])
            spelled = re.match(r"\s*\(([^()]{8,120})\)", q[end:])
            if spelled and spelled.group(1).casefold() in vocab.titles:
                typed, end = spelled.group(1), end + spelled.end()  # 'SIGMORPHON (Computational Research in …)'
            again = next((x for x in found[1:] if x[2] == canon and x[3]), None)  # '… on Asian Translation, WAT 2021'
            of = next((x for x in found[1:] if x[3] and x[0] >= end  # 'Findings of EMNLP 2021': the year is theirs
                       and re.fullmatch(r"(?:-\w+)?\s+(?:of|von|de|del|du|des)\s+(?:the\s+)?", q[end : x[0]], re.I)), None)
            if of and not year:
                year, end = of[3], of[1]
            elif again and not year:
                year = again[3]
                if again[0] >= end:  # cut it from the search text too (an earlier cut would move start/end)
                    q = _cut(q, again[0], again[1])
            f.venue = canon
            if year and f.year_min is None and f.year_max is None:
                f.year_min = f.year_max = year
            m = re.search(r"(?:['’]s)?(?:/[\w-]+)?(?:\s+[IVXLC]+\b|\s+(?:journal|proceedings)\b)?(?:\s*[,(]?(?:\s+(?:de|von|van|in))?\s+"
                          + YEAR + r"\b\)?|\s*\(" + YEAR + r"\))",
                          q[end:])  # ', 2021', ' (2020)', 'Summit III (1991)', 'for NLP/MT (2006)', 'EAMT de 1993'
            ahead = re.search(r"(?<![\w-])" + YEAR + r"(?:\s+(?:(?:editions?|volumes?|proceedings)\s+of\s+(?:the\s+)?)?|"
                              r"\s*\(\s*(?:the\s+)?)$",
                              q[:start])  # 'the 2018 Global WordNet Conference', 'the 2016 edition of LREC', and the
            # year of an acronym the name in brackets spells out ('*SEM 2018 (the Joint Conference on …)')
            if m and re.match(r"\s+in\s", q[end:]) and _names_data(q[:start], q[end + m.end():]):
                m = None  # 'IWSLT in 2014 German-English': a data set's year; 'At COLING in 2016, …' is the venue's
            if not year and m and m.start() == 0 and f.year_min is None and f.year_max is None:
                f.year_min = f.year_max = int(m.group(1) or m.group(2))
                end += m.end()
            elif not year and ahead and f.year_min is None and f.year_max is None:
                f.year_min = f.year_max = int(ahead.group(1))
                start = ahead.start()
            end += 2 if re.match(r"['’]s\b", q[end:]) else 0  # "NAACL's proceedings"
            host = HOSTED_AT.match(q, end)
            if host and vocab.canonical(host.group(1)) and f.year_min is None and f.year_max is None:
                # 'BlackboxNLP at EMNLP 2020', '… workshop co-located with NAACL 2018': the host's year is the workshop's
                year = int(host.group(2)) if len(host.group(2)) == 4 else 2000 + int(host.group(2))
                f.year_min = f.year_max = year
                end = host.end()
            numeral = re.match(r"\s+([IVX]{1,5})\b", q[end:]) or re.match(r"\s+(?:volume|vol\.?)\s*(\d{1,2})\b", q[end:], re.I)
            if numeral and listed is not None and f.year_min is None and f.year_max is None:
                year = numeral_year(canon, numeral.group(1), listed)
                if year:  # 'MT Summit IX': the year of the volumes whose titles number it so
                    f.year_min = f.year_max = year
                    end += numeral.end()
            edition = re.search(r"\b(" + ORDINAL + r")\s+$", q[:start], re.I)
            if edition and listed is not None and f.year_min is None and f.year_max is None:
                number = ordinal_number(edition.group(1))
                year = edition_year(canon, number, listed) or (typed and edition_year(typed, number, listed))
                if year:  # 'the Fifth Arabic Natural Language Processing Workshop': that edition's year
                    f.year_min = f.year_max = year
            while (joined := JOINED_NAME.match(q, end)) and vocab.canonical(joined.group(1)) == canon:
                end = joined.end()  # the venue named again by another of its names: 'TALN et RECITAL', 'JEP, TALN or RECITAL'
            pre = re.search(r"(?:\b(?:only|published|presented|accepted|appeared)\s+)?(?:\b" + BEFORE +
                            r"\s+)?(?:(?<!\w)" + ARTICLE + r"\s*)?(?:(?<!\w)(?:editions?|volumes?|proceedings)\s+of\s+(?:" + ARTICLE +
                            r"\s*)?)?"
                            r"(?:(?:" + ORDINAL + r")\s+)?(?:(?:" + VENUE_WORD + r"|" + JOURNAL_WORD + r")s?\s*,?\s+)?$",
                            q[:start], re.I)  # "de l'AMTA", "aux conférences TALN", "in the journal, CL", "in the
            # proceedings of the …"
            q = _cut(q, pre.start() if pre else start, end)
    if f.venue and listed is not None:
        f.venue = alias(vocab, f.venue, f.year_min, listed, f.year_max)
        if " " in f.venue and vocab is not None and (f.year_min or f.year_max):
            f.venue = one_acronym(vocab, f.venue, f.year_min, f.year_max, listed) or f.venue
        # the name typed, where it selects volumes of the event its acronym does not: the Linguistic Annotation
        # Workshop of 2017 and 2019 is filed under 'Workshop' (LAW from 2020 on, and in the 2018 joint
        # 'LAW-MWE-CxG' workshop's title): both, then
        if typed:
            mine = set(venues_of(f.venue, f.year_min, f.year_max, listed))
            theirs = set(venues_of(typed, f.year_min, f.year_max, listed))
            if not theirs <= mine:
                f.venue = typed if mine <= theirs else f"{typed}{VENUE_OR}{f.venue}"
        sub = SUBVOLUME.search(q) or SUBVOLUME.search(question)
        if sub:  # 'ACL 2019 demo papers', 'student research workshop at ranlp': those volumes of the venue
            # the venues named with it, an acronym as typed first ('… at RANLP')
            hosts = [x[2] for x in sorted(found, key=lambda x: " " in matched_in[x[0]:x[1]].strip()) if vocab.canonical(x[2])]
            part = part_of_proceedings(sub.group(0), dict.fromkeys(hosts + [f.venue]), f, listed)
            if part:
                f.venue = part
                if sub.string is q:
                    q = _cut(q, sub.start(), sub.end())
    # --- authors ("by X", "X's papers", "what has X written on", or a full name the collection lists) ----
    if authors is not None:
        span = author_phrase(q, authors) or heading_surname(asked, q, authors)
        if span:
            start, end, name, matched = span
            f.author = corpus_spelling(name, papers or [], matched)
            q = _cut(q, start, end)
    q = re.sub(r"\s+", " ", q).strip(" ,.:;")
    if not re.search(r"\w", q):
        q = asked
    return Parsed(filters=f, question=q or asked, chips=chips_for(f))
