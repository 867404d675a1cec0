"""Years typed in plain chat: 'since 2020', 'from the 2000s', '2017 through 2019', 'entre 2014 y 2016',
'seit 2015', 'avant 2010'. `read_years` sets a question's year filters and returns the question without the
year phrase; a year that counts something ('fewer than 2000 speakers'), names a task ('MEDIQA 2021') or dates
an event ('elections held in 2020') is no filter. A leaf module of `rag.filters`."""

from __future__ import annotations

import re

from rag.retrieval import Filters, fold

YEAR = r"(19[5-9]\d|20[0-4]\d)"
ARTICLE = r"(?:the|la|le|les|der|dem|den|die|l['’])"  # between a preposition and the venue: 'at the', 'auf der', "de l'AMTA"
DECADE_WORDS = {"fifties": 1950, "sixties": 1960, "seventies": 1970, "eighties": 1980, "nineties": 1990, "noughties": 2000}


def cut(text: str, start: int, end: int) -> str:
    """The text without text[start:end], spaces squeezed."""
    return re.sub(r"\s+", " ", text[:start] + " " + text[end:]).strip()


# The widest span a year range with a two-digit second year gives ('2010-19'; '2000/31' is a number, not 2000-2031)
SHORT_SPAN = 20

# A comparison not negated: 'no later than 2010', 'not earlier than 2018' turn the bound round.
_UNNEGATED = r"(?<!\bno\s)(?<!\bnot\s)"
YEAR_RULES = [
    (rf"\b(?:between|from|entre|de|desde|tra\s+il|fra\s+il|dal)\s+{YEAR}\s+(?:and|to|through|et|à|y|a|hasta|e\s+il|al|"
     rf"e|até|-|–)\s+{YEAR}\b", "range"),
    (rf"\b{YEAR}\s*(?:-|–|to|through|thru|bis|à)\s*{YEAR}\b", "range"),
    # '2016-17': the second year by its last two digits; not 'the 2015-16 outbreak' (a season that dates a thing)
    # nor a number inside an identifier ('Directive 2000/31/EC')
    (rf"(?<!\bthe )\b{YEAR}\s*[-–/]\s*(\d\d)\b(?![-–/]?\d)(?!/\w)", "short"),
    (rf"\b{YEAR}(?:\s*,\s*{YEAR})+\s*,?\s*(?:and|&|et|und|or|ou|oder|y|o)\s+{YEAR}\b", "range"),  # '2017, 2018 and 2019'
    (rf"\b(?:in\s+|en\s+|im\s+|from\s+)?{YEAR}\s+(?:and|&|et|und|or|ou|oder|y|o)\s+{YEAR}\b", "range"),  # 'in 2016 and 2017'
    (rf"\b(?:zwischen|von)\s+{YEAR}\s+(?:und|bis)\s+{YEAR}\b", "range"),
    (rf"\b(?:from\s+)?{YEAR}\s+(?:onwards?\b|on\b(?=\s*(?:[,.;:?!]|$)))", "min"),
    (rf"\b(?:since|(?<!\bnot\s)after|{_UNNEGATED}later than|starting(?: in)?|as of|{_UNNEGATED}newer than|{_UNNEGATED}more recent than|"
     rf"(?:in|on) or after|(?:no|not) (?:earlier|older) than|not before|"
     rf"depuis|après|à partir de|seit|ab|nach|desde|después de|a partir de|posteriores? a|postérieure?s? à)\s+(?:the\s+year\s+|dem\s+Jahr\s+|el\s+año\s+)?{YEAR}"
     rf"(?:\s+onwards?)?\b", "min"),
    (rf"\b(?:dal|dopo\s+il|a\s+partire\s+dal)\s+{YEAR}(?:\s+in\s+poi)?\b", "min"),  # Italian: 'dal 2016 in poi'
    (rf"\b(?:prima\s+del)\s+{YEAR}\b", "before"),
    (rf"\b(?:fino\s+al|até)\s+{YEAR}\b", "max"),
    (rf"\b{YEAR}\s+(?:or|and|et)\s+(?:later|after|newer|onwards?|après|plus tard)\b", "min0"),
    (rf"\bsince\s+the\s+(?:start|beginning)\s+of\s+{YEAR}\b", "min0"),  # 'since the start of 2019'
    # 'up to the end of 2020', 'until the end of 2018', 'by the end of 2019' (session 39)
    (rf"\b(?:up\s+to|until|till|through|by)\s+the\s+end\s+of\s+{YEAR}\b", "max0"),
    # 'from the start of 2018', 'from the beginning of 2015'
    (rf"\bfrom\s+the\s+(?:start|beginning)\s+of\s+{YEAR}\b", "min0"),
    # 'none of it older than 2019', 'nothing of theirs before 2015'
    (rf"\b(?:nothing|none|no\s+papers?)\s+(?:of\s+(?:it|them|these|those|theirs|this)\s+)?(?:older\s+than|before|"
     rf"earlier\s+than|prior\s+to|predating)\s+{YEAR}\b", "min0"),
    (rf"\b(?:from|since)\s+{YEAR}\s*(?:to|until|till|up\s+to|-|–)\s*(?:now|today|(?:the\s+)?present(?:\s+day)?)\b", "min0"),
    (rf"\b{YEAR}\s*(?:-|–|to)\s*(?:now|today|(?:the\s+)?present)\b", "min0"),  # '2011-present'
    (rf"\bpost-?\s*{YEAR}\b", "min"),  # 'post-2017 work'
    (rf"\bpre-?\s*{YEAR}\b", "before"),  # 'pre-2000 parsing'
    (rf"\b(?:(?<!\bor\s)(?<!\bnot\s)before|prior to|predating|that predate|which predate|{_UNNEGATED}older than|{_UNNEGATED}earlier than|avant|vor|antes de|anteriores? a|antérieure?s? à)\s+(?:the\s+year\s+)?{YEAR}\b", "before"),
    (rf"\b(?:until|up to and including|up to|through|till|(?:no|not) (?:later|newer|more recent) than|(?:in|on) or before|not after|jusqu'en|jusqu’en|jusqu'à|bis|hasta)"
     rf"\s+(?:the\s+year\s+|zum\s+Jahr\s+|el\s+año\s+)?{YEAR}\b", "max"),  # 'up to and including the year 2000'
    (rf"\b{YEAR}\s+(?:or|and|et)\s+(?:earlier|before|older|avant)\b", "max0"),
    (rf"\b(?:in|from|of|during|en|de|aus|im|von)\s+(?:the\s+(?:year\s+)?|dem\s+Jahr\s+|Jahr\s+)?{YEAR}\b(?!\s*[-–]\s*\d)", "exact"),  # 'from the 2012 volume'
    (rf"\b(?:dated|published|appeared|written)\s+(?:in\s+)?{YEAR}\b(?!\s*[-–]\s*\d)", "exact"),  # 'papers dated 2016'
    (rf"\b(?:only|just)\s+{YEAR}\b(?!\s*[-–]\s*\d)|\b{YEAR}\s+only\b", "exact"),  # '2021 only'
    (rf"(?:^|\s){YEAR}\s+(?=(?:papers?|articles?|work|publications?|submissions?)\b)", "exact"),
]
# The words that make a lower bound exclusive ('after 2015' is 2016 on; 'since 2015' is 2015 on).
EXCLUSIVE_AFTER = ("after", "later", "post", "newer", "more recent", "dopo", "après", "posterior", "postérieur", "nach", "después")
# A two-digit year after an apostrophe ("from '16 to '18", "since '15"), read as the full year; not a decade ("the
# '90s", read as one) and not a venue's own ("LREC'08").
APOSTROPHE_YEAR = re.compile(r"(?<![\w'’])['’](\d\d)\b(?!['’]?s\b)")
# A decade, or its early, middle or late years: 'the 2000s', 'the late 2010s', "the mid-'90s", 'les années 90',
# 'au début des années 2000', 'Ende der 1990er Jahre', 'a finales de los años 90'. Early is the decade's first four
# years, mid its middle three, late its last three.
_PART = (r"(?P<part>early|mid|late|(?:first|second)\s+half\s+of(?:\s+the)?|(?:first|last)\s+years\s+of(?:\s+the)?|début|milieu|fin|anfang|mitte|ende|principios|"
         r"mediados|finales)")
_DIGITS = r"(?:(19[5-9]0|20[0-4]0)|([5-9]0))"
DECADE = re.compile(
    r"(?<![\w'’])(?:(?:in|from|of|during)\s+)?(?:the\s+)?(?:" + _PART + r"(?:\s+|-))?"
    r"(?:(19[5-9]0|20[0-4]0)['’]?s|['’]?([5-9]0)['’]?s|(fifties|sixties|seventies|eighties|nineties|noughties))\b", re.I)
FRENCH_DECADE = re.compile(r"\b(?:(?:au|à\s+la|dans|des|pendant)\s+)?(?:" + _PART + r"\s+)?(?:des\s+|les\s+)?années\s+"
                           + _DIGITS + r"\b", re.I)
GERMAN_DECADE = re.compile(r"\b(?:(?:in|aus|seit)\s+den\s+|(?:während\s+)?der\s+)?(?:" + _PART + r"\s+der\s+)?"
                           + _DIGITS + r"er(?:[-\s]+Jahren?)?\b", re.I)
DUTCH_DECADE = re.compile(r"\b(?:(?:in|uit)\s+)?de\s+jaren\s+(?:['’]?(?:19)?(?P<n>[5-9]0)|(?P<w>vijftig|zestig|zeventig|tachtig|negentig))\b",
                          re.I)
DUTCH_TENS = {"vijftig": 50, "zestig": 60, "zeventig": 70, "tachtig": 80, "negentig": 90}
SPANISH_DECADE = re.compile(r"\b(?:(?:en|a)\s+)?(?:" + _PART + r"\s+de\s+(?:los\s+)?(?:años\s+)?|"
                            r"(?:los\s+años|la\s+década\s+de(?:\s+los)?)\s+)" + _DIGITS + r"\b", re.I)
PART_YEARS = {"first years of": (0, 3), "last years of": (7, 9), "first half of": (0, 4), "second half of": (5, 9),
              "early": (0, 3), "début": (0, 3), "anfang": (0, 3), "principios": (0, 3), "mid": (4, 6),
              "milieu": (4, 6), "mitte": (4, 6), "mediados": (4, 6), "late": (7, 9), "fin": (7, 9), "ende": (7, 9),
              "finales": (7, 9)}


QUANTITY_BEFORE = re.compile(r"(?:\b(?:less|more|fewer|greater|larger|smaller)\s+than|\b(?:over|under|about|around|"
                             r"nearly|almost|approximately|roughly|some|only|moins\s+de|plus\s+de|environ|"
                             r"mehr\s+als|weniger\s+als|über|rund|etwa))\s+$", re.I)
COUNTED_AFTER = re.compile(r"\s+(?!(?:papers|articles|works|publications|submissions|proceedings|contributions|"
                           r"communications|actes|talks|posters|demos|onwards|volumes)\b)[a-zà-ÿ]{3,}[sx]\b(?<!ss)(?<!us)(?<!is)")
# (a plural counts: 'speakers', 'travaux'; 'discuss', 'focus' or 'analysis' after a year does not)


# A year that dates an event the papers are about, not the papers: 'the COVID-19 pandemic in 2020', 'the
# elections of 2016', 'hurricanes in 2017'.
EVENT_BEFORE = re.compile(r"\b(?:pandemic|epidemic|outbreak|elections?|referendums?|wars?|crisis|protests?|"
                          r"earthquakes?|hurricanes?|storms?|attacks?|lockdowns?|campaigns?|olympics|floods?|"
                          r"disasters?|riots?|uprisings?|revolutions?|strikes?|shootings?|bombings?|tsunamis?|"
                          r"wildfires?|pand[ée]mi[ea]|elecci[oó]n(?:es)?|[ée]lections?|wahlen|wahl|guerra|guerre|krieg|"
                          r"crise|krise|protestas|manifestations|r[ée]f[ée]rendum|referendum|inondations?|terremoto|"
                          r"séisme|erdbeben)(?:\s+(?!(?:de|del|von|of|in|en|im)\b)[\w-]+)?\s+$", re.I)
# A year or venue that says when or where something happened, not where papers appeared: 'elections held in
# 2020', 'the TAC evaluation held in 2011', 'the MultiLing workshop held with RANLP 2019', 'co-located with ACL'.
HELD = (r"\b(?:held|took\s+place|happened|occurred|hosted|co-?located|collocated|organi[sz]ed|"
        # a law's or treaty's date: 'the GDPR that took effect in 2018', 'the AI Act, which entered into force in 2024'
        r"(?:came|comes?|went|go(?:es)?)\s+into\s+(?:force|effect)|(?:took|takes?)\s+effect|"
        r"entered\s+into\s+force|enacted|ratified)")
HELD_WITH = re.compile(HELD + r"\s+(?:(?:together\s+|in\s+conjunction\s+)?with|alongside|at|during)(?:\s+" + ARTICLE
                       + r")?$", re.I)
HELD_IN = re.compile(r"\S\s+" + HELD + r"\s*$", re.I)


def named_years(q: str) -> list[int]:
    """The years a question names that are no count ('fewer than 2000 speakers', '2000 sentences'): the years of the
    event, task or thing it is about, where no year filter took them ('the 2018 VUA shared task', 'NADI 2021')."""
    return [int(m.group(1)) for m in re.finditer(rf"(?<![\d.,]){YEAR}(?![\d.,]\d)", q)
            if not QUANTITY_BEFORE.search(q[: m.start()]) and not COUNTED_AFTER.match(q, m.end())]


def _counts_or_names(q: str, m: re.Match) -> bool:
    """Is the number a count ('fewer than 2000 speakers', 'moins de 2000 locuteurs') or part of a name
    ('MEDIQA 2021 submissions': a shared task's own year), rather than a publication year?"""
    year_at = m.start(m.lastindex or 0)
    year_end = m.end(m.lastindex or 0)
    if (QUANTITY_BEFORE.search(q[:year_at]) or COUNTED_AFTER.match(q, year_end) or HELD_IN.search(q[: m.start()])
            or EVENT_BEFORE.search(q[: m.start()])):
        return True
    prev = re.search(r"(?<![\w-])([A-Za-z][\w-]*)\s+$", q[:year_at])
    return bool(prev) and sum(c.isupper() for c in prev.group(1)) >= 2


# Words after 'the <year>' that make it the year of the papers ('from the 2012 volume', 'in the 2018 ACL
# proceedings'); any other noun phrase there is a thing the year dates ('during the 2016 US presidential
# campaign', 'in the 2019 protests').
PUBLICATION = re.compile(r"(?:papers?|articles?|works?|publications?|submissions?|proceedings|volumes?|editions?|"
                         r"issues?|conferences?|workshops?|meetings?|symposi(?:um|a)|sessions?|tracks?|anthology|"
                         r"collections?|actes|beitr[äa]ge|konferenz|tagung|artículos|trabajos)$", re.I)


def _dates_a_thing(q: str, m: re.Match, vocab) -> bool:
    """'the <year>' (or 'the <year>-<year>') followed by a noun phrase that names no publication or venue, or a
    capitalised noun then 'of <year>' ('the Directive of 2000'): the years date that thing."""
    year_at, year_end = m.start(1 if m.lastindex else 0), m.end(m.lastindex or 0)  # a range: its first year
    named = re.search(r"\b([A-Z][a-z]+)\s+of\s+$", q[:year_at])
    if named and not PUBLICATION.match(named.group(1)) and not (vocab is not None and fold(named.group(1)) in vocab.keys):
        return True  # 'the E-Commerce Directive of 2000', 'the Treaty of 1992': a named thing's date
    # a name, then a noun that names no publication: 'the TREC-COVID challenge of 2020' (session 27); not a venue's
    # ('the SemEval task of 2019', 'the LREC papers of 2016')
    named = re.search(r"\b([A-Z][\w-]+)\s+([a-z]+)\s+of\s+$", q[:year_at])
    if named and not any(PUBLICATION.match(w) or (vocab is not None and fold(w) in vocab.keys) for w in named.groups()):
        return True
    if not re.search(r"\bthe\s+$", q[:year_at], re.I):
        return False
    words = re.match(r"((?:\s+[\w'’-]+){1,4})", q[year_end:])
    if not words:
        return False  # 'papers in the 2016' ends there
    return not any(PUBLICATION.match(w) or (vocab is not None and fold(w) in vocab.keys)
                   for w in words.group(1).split())


def _decade_dates_a_thing(q: str, m: re.Match, vocab) -> bool:
    """'the <decade>' right before a noun phrase that names no publication or venue (no preposition between):
    the decade dates that thing ('translating the 1950s Georgetown-IBM experiment sentences'), as with years."""
    if not re.match(r"the\s", m.group(0), re.I):
        return False  # 'in the 2000s', 'from the late 1990s': the papers' years
    words = re.match(r"((?:\s+[\w'’-]+){1,4})", q[m.end():])
    if not words:
        return False
    following = words.group(1).split()
    if following[0].lower() in ("on", "about", "in", "for", "with", "and", "or", "to", "of", "from", "at", "by", "that",
                                "which", "who", "where", "when", "is", "are", "was", "were"):
        return False
    return not any(PUBLICATION.match(w) or (vocab is not None and fold(w) in vocab.keys) for w in following)


def read_years(q: str, f: Filters, vocab=None) -> str:
    """Set the years the question gives on `f`; return the question without them. `vocab` (a
    `rag.vocabulary.Vocabulary`) tells which words are venues, which read their own years ('CoNLL 2016 papers').
    A lower and an upper bound given apart are both read ('after 2010 but before 2016')."""
    q = _read_years(q, f, vocab)
    if (f.year_min is None) != (f.year_max is None):
        other = Filters()
        rest = _read_years(q, other, vocab)
        lo, hi = other.year_min, other.year_max
        if f.year_min is not None and lo is None and hi is not None and hi >= f.year_min:
            f.year_max, q = hi, rest  # 'after 2010 but before 2016'
        elif f.year_max is not None and hi is None and lo is not None and lo <= f.year_max:
            f.year_min, q = lo, rest  # 'before 2016 and since 2011'
    return q


def _read_years(q: str, f: Filters, vocab=None) -> str:
    q = APOSTROPHE_YEAR.sub(lambda a: str((2000 if int(a.group(1)) < 50 else 1900) + int(a.group(1))), q)
    dutch = DUTCH_DECADE.search(q)
    if dutch:  # 'uit de jaren negentig'
        tens = int(dutch.group("n")) if dutch.group("n") else DUTCH_TENS[dutch.group("w").lower()]
        f.year_min, f.year_max = 1900 + tens, 1909 + tens
        return cut(q, dutch.start(), dutch.end())
    m = FRENCH_DECADE.search(q) or GERMAN_DECADE.search(q) or SPANISH_DECADE.search(q) or DECADE.search(q)
    explicit = next((r for r, kind in YEAR_RULES if kind == "range" and re.search(r, q, re.I)), None)
    if m and explicit:  # 'the first half of the 2000s (2000 to 2004)': the explicit range says it exactly
        q = cut(q, m.start(), m.end())
        m = None
    if m and m.re is DECADE and _decade_dates_a_thing(q, m, vocab):
        m = None  # 'the 1950s Georgetown-IBM experiment'
    if m:
        part = re.sub(r"\s+the$", "", re.sub(r"\s+", " ", (m.groupdict().get("part") or "").lower()))
        word = next(x for k, x in enumerate(m.groups(), 1) if x and k != m.re.groupindex.get("part")).lower()
        start = DECADE_WORDS[word] if word in DECADE_WORDS else int(word) if len(word) == 4 else 1900 + int(word)
        first, last = PART_YEARS.get(part, (0, 9))
        f.year_min, f.year_max = start + first, start + last
        return cut(q, m.start(), m.end())
    for pattern, kind in YEAR_RULES:
        m = re.search(pattern, q, re.I)
        if not m:
            continue
        if kind in ("min", "max", "before") and re.search(r"\b\d{3,4}\s*$", q[: m.start()]):
            continue  # 'aus den Jahren 1949 bis 1990': the second year of a range of other years
        if kind == "exact" and (_counts_or_names(q, m) or _dates_a_thing(q, m, vocab)):
            continue
        if kind == "range" and _dates_a_thing(q, m, vocab):  # 'the 2015-2016 refugee crisis'
            continue
        if kind == "exact" and vocab is not None and re.match(r"(?:(?:in|im|en|of|during)\s+)?\d", m.group(0), re.I):
            # 'CoNLL 2016 papers', 'IWSLT in 2014 German-English': the year belongs to the venue, which reads it itself
            # ('LiLT aus dem Jahr 2020', 'TACL from 2019': the papers' year)
            prev = re.search(r"([A-Za-z][\w-]*)\s*$", q[: m.start()])
            if prev and fold(prev.group(1)) in vocab.keys:
                continue
        years = [int(y) for y in m.groups() if y]
        if kind == "short":  # '2016-17', '1999-00'
            years[1] += years[0] // 100 * 100 + (100 if years[1] < years[0] % 100 else 0)
            if years[1] - years[0] > SHORT_SPAN:
                continue  # '2000/31' is no span of years
            kind = "range"
        if kind == "range":
            f.year_min, f.year_max = min(years), max(years)
        elif kind in ("min", "min0"):
            f.year_min = years[0] + (1 if m.group(0).strip().lower().startswith(EXCLUSIVE_AFTER) else 0)
        elif kind == "before":
            f.year_max = years[0] - 1
        elif kind in ("max", "max0"):
            f.year_max = years[0]
        else:
            f.year_min = f.year_max = years[0]
        return cut(q, m.start(), m.end())
    return q
