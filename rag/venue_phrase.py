"""How a venue is named in a question: the words around a venue name that make it a filter, and the
phrases that name one ('at the Parsing Technologies workshops', 'des Workshops „Events and Stories in the
News“', 'the Asia-Pacific Chapter of the Association for Computational Linguistics'). A leaf module of
`rag.filters`, which reads venues against the collection's vocabulary (`rag.vocabulary`).
"""

from __future__ import annotations

import re

from rag.vocabulary import GENERIC_COLLECTIONS, ORDINAL, VENUE_WORD, Vocabulary
from rag.years import ARTICLE, YEAR

__all__ = ["AFTER", "BEFORE", "JOURNAL_OF", "JOURNAL_WORD", "event_phrase", "names_a_venue", "owned_phrase", "typed_on"]

# Words around a venue name that make it a filter ("at ACL", "NAACL papers", "ACL 2020", "aux JEP", "chez TALN").
BEFORE = (r"(?:at|in|from|to|into|aux?|à|chez|dans|de|des|du|par|only|published|presented|accepted|appeared|"
          r"auf|aus|beim|bei|im|von|zur|zum|en|del)")
# A journal's own word before its name makes the name a venue ('the journal LiLT', 'der Zeitschrift TAL').
JOURNAL_WORD = r"(?:journal|revue|zeitschrift|revista|rivista)"
AFTER = (r"(?:papers?|articles?|proceedings|conference|workshop|submissions?|contributions?|publications?|"
         r"system descriptions?|track|main|findings|volume|communications?|actes|présentations?|talks?|"
         r"long|short|demos?|posters?|only|list|session|page|publish(?:ed)?|present(?:ed)?|accept(?:ed)?|"
         r"beitr[äa]ge?|artikel|aufs[äa]tze?|ver[öo]ffentlichungen|publikationen|konferenz|tagung|papiere)")

# A journal named in full before a venue's name: '(the American) Journal of <Computational Linguistics>'.
JOURNAL_OF = re.compile(r"(?:\b[A-Z]\w+\s+)?\bjournal\s+(?:of|for|on)\s+(?:the\s+)?$", re.I)


def names_a_venue(name: str, q: str, start: int, end: int) -> bool:
    """A venue's full name is a filter when it says it is an event or a journal ('Global WordNet
    Conference', 'Transactions of the ACL'), or stands where a venue does ('in Computational Linguistics',
    'the Computational Linguistics journal'); elsewhere it is the topic ('computational linguistics
    methods for poetry', 'summaries of computational linguistics papers')."""
    if re.search(r"\b(?:" + VENUE_WORD + r"|transactions|journal|meeting)\b", name, re.I):
        return True  # ('the Annual Meeting of the ACL' is an event too; session 37)
    if re.search(r"(?:^|\s)(?:" + ARTICLE + r"\s+)?(?:" + ORDINAL + r")\s*$", q[:start], re.I) and \
            q[start:end] != q[start:end].lower():
        return True  # an edition's number names an event: 'The 56th Annual Meeting of the ACL: …' (session 37); not
        # a name typed in lower case, a field's ('a second computational linguistics study')
    if re.search(r"(?:^|\s)" + BEFORE + r"(?:\s+" + ARTICLE + r")?(?:\s+(?:" + ORDINAL + r"|" + YEAR + r"))?\s*$", q[:start],
                 re.I):
        return True  # 'at the 58th Annual Meeting of …', 'at the 2017 Annual Meeting of …'
    if re.search(r"(?:^|\s)(?:editions?|volumes?|proceedings)\s+of(?:\s+the)?\s*$", q[:start], re.I):
        return True  # 'in the 2021 proceedings of the North American Chapter of the ACL' (session 41)
    if JOURNAL_OF.search(q, 0, start):
        return True  # the journal named in full: 'the American Journal of Computational Linguistics'
    typed = q[start:end]
    if re.search(r"\b" + JOURNAL_WORD + r"\s*[,:]?\s+$", q[:start], re.I) and typed != typed.lower():
        return True  # the journal's own word before its name: 'of the journal Computational Linguistics' (session 39),
        # 'the ACL's own journal, Computational Linguistics' (session 41)
    if not q[:start].strip() and typed not in (typed.lower(), typed.capitalize()) and re.match(
            r"\s*(?:\(\s*[\w+-]+\s*\)\s*)?(?:[:–—]|\s-\s|,\s*" + YEAR + r"\b)", q[end:]):
        return True  # a name heading the question in its own capitals, before a colon, a dash or a year: 'Empirical
        # Methods in NLP, 2018 edition: …', 'Linguistic Issues in Language Technology (LILT): …' (session 39)
    # 'the Computational Linguistics journal', 'Computational Linguistics articles'; not 'lay summaries of
    # computational linguistics papers', the field's papers: a name typed in lower case before such a word is the topic
    return bool(re.match(r"\s+(?:journal|" + AFTER + r")\b", q[end:], re.I)) and typed != typed.lower()


# Capitalised words before an event word: 'the Parsing Technologies workshops and conferences'.
EVENT_PHRASE = re.compile(r"(?<![\w-])([A-Z][\w-]*(?:\s+(?:(?:of|on|for|and|in|the|to)\s+)*[A-Z][\w-]*)+)\s+"
                          r"(?:workshops?|conferences?|symposi(?:um|a)|meetings?)(?:\s+(?:and|or|&)\s+"
                          r"(?:workshops?|conferences?|symposi(?:um|a)|meetings?))?\b")

EVENT_AFTER_WORD = re.compile(r"(?<![\w-])(?i:workshops?|ateliers?|talleres|taller|conf[ée]rences?|konferenz(?:en)?|"
                              r"tagung(?:en)?)\s+(?i:(?:de|des|del|du|de\s+la|de\s+los|sur\s+l[ea]s?)\s+)?[„\"«“‘']?\s*"
                              r"([A-Z][\w-]*(?:\s+(?:(?:of|on|for|and|in|the|to|des|du|de|et)\s+)*[A-Z][\w-]*)+)")
# A quoted name, after an event word or alone: 'del taller «Natural Language Processing meets Journalism» de 2017'.
QUOTED_EVENT = re.compile(r"(?:(?<![\w-])(?i:workshops?|ateliers?|talleres|taller|conf[ée]rences?|konferenz(?:en)?|"
                          r"tagung(?:en)?)\s+(?i:(?:de|des|del|du|de\s+la|de\s+los|on|of)\s+)?(?:the\s+)?)?"
                          r"[„\"«“‘]\s*([^„\"«»“”‘’]{6,100}?)\s*[\"»”“’]")
WORKSHOP_ON = re.compile(r"(?<![\w-])(workshops?|conference|symposium)\s+on\s+((?:[\w-]+[,.;:?!]?\s*){2,10})", re.I)
EVENT_PHRASE_LOWER = re.compile(r"(?<![\w-])(?:[a-z][a-z-]{2,}\s+){2,4}(?:workshop|conference|symposium)s?\b")


# A capitalised name of three words or more ('the Asia-Pacific Chapter of the Association for Computational
# Linguistics', 'the Asia-Pacific Chapter of the ACL').
OWNED_PHRASE = re.compile(r"(?<![\w-])[A-Z][\w-]*(?:\s+(?:(?:of|on|for|and|in|the|to|from|at|by|with)\s+)*[A-Z][\w-]*){2,}")
YEAR_NEXT = re.compile(r"\s*,?\s*\(?(?:in\s+)?" + YEAR + r"\b")  # ', 2021', ' (2021)', ' in 2021'


def typed_on(q: str, start: int, end: int, vocab: Vocabulary) -> int:
    """The end of a venue's name that the question goes on typing in lower case ('… for Under-resourced languages',
    where the capitalised words stop at 'Under-resourced'): each next word that the collection's venue titles
    write right after the name so far belongs to it."""
    while m := re.match(r"\s+([a-z][\w-]*)", q[end:]):
        if not re.search(re.escape(q[start:end + m.end()].casefold()) + r"(?![\w-])", vocab.titles):
            break
        end += m.end()
    return end


def owned_phrase(q: str, vocab: Vocabulary) -> list[tuple[int, int, str, int | None, bool]]:
    """A capitalised name, or its longest part of four capitalised words or more (three where it begins or ends
    with an event word: 'the Workshop on Structured Prediction'; an association's acronym counting as its name's words), that only one venue's titles hold is that venue, where it stands as a venue
    does (after 'at the', before ': …' or a year). Where generic collections' titles hold it too (a workshop the
    collection files under 'Workshop' in some years), the name itself is the filter."""
    for m in OWNED_PHRASE.finditer(q):
        spans = [(w.start(), w.end()) for w in re.finditer(r"\S+", m.group(0))]
        caps = [k for k, (a, _) in enumerate(spans) if m.group(0)[a].isupper()]
        weight = {k: len(vocab.spelled.get(m.group(0)[spans[k][0]:spans[k][1]], "x").split()) for k in caps}
        event = {k for k in caps if re.fullmatch(VENUE_WORD + "s?", m.group(0)[spans[k][0]:spans[k][1]], re.I)}
        for i, j in sorted(((i, j) for i in caps for j in caps if j - i >= 2 and sum(weight[c] for c in caps if i <= c <= j)
                            >= (3 if event & {i, j} else 4)), key=lambda ij: ij[0] - ij[1]):
            start, end = m.start() + spans[i][0], m.start() + spans[j][1]
            phrase = q[start:end]
            canon = vocab.sole_owner(phrase)
            if canon is None and phrase.casefold() in vocab.titles and len(vocab.owners(phrase) - GENERIC_COLLECTIONS) <= 1:
                canon = phrase  # one event filed under a generic collection (and, some years, its acronym)
            if canon and (names_a_venue(phrase, q, start, end) or YEAR_NEXT.match(q, end) or (
                    not re.sub(r"^\s*(?:the\s+)?", "", q[:start], flags=re.I) and re.match(r"\s*[:–-]", q[end:]))):
                return [(start, typed_on(q, start, end, vocab), canon, None, False)]
    return []


def event_phrase(q: str, vocab: Vocabulary) -> list[tuple[int, int, str, int | None, bool]]:
    """A capitalised phrase named as an event ('at the Parsing Technologies workshops') that is part of
    venue names of the collection, where no venue is called by it whole ('International Workshop on
    Parsing Technologies', IWPT, and 'International Conference on Parsing Technologies'): the filter is the
    phrase, which selects every venue name holding it."""
    for m in EVENT_PHRASE.finditer(q):
        words = m.group(1).split()
        while words and words[0].lower() in ("the", "of", "on", "for", "and", "in", "to"):
            words = words[1:]
        phrase = " ".join(words)
        if len(words) >= 2 and len(phrase) > 6 and phrase.casefold() in vocab.titles:
            return [(m.start(1) + m.group(1).index(words[0]), m.end(), phrase, None, False)]
    for m in QUOTED_EVENT.finditer(q):  # a quoted name, whole, where venue names hold it
        phrase = m.group(1).strip()
        if " " in phrase and phrase.casefold() in vocab.titles:
            return [(m.start(), m.end(), phrase, None, False)]
    # after an event word, in any language: 'des Workshops „Events and Stories in the News“', 'los talleres de
    # Linguistic Complexity', "l'atelier Human-Informed Translation and Interpreting Technology" (English
    # 'Workshop on X' is a long name of the vocabulary, which knows the fragments no venue is called by)
    for m in EVENT_AFTER_WORD.finditer(q):
        words = m.group(1).split()
        for n in range(len(words), 1, -1):
            phrase = " ".join(words[:n])
            if len(phrase) > 6 and phrase.casefold() in vocab.titles:
                end = m.start(1) + len(phrase)
                return [(m.start(), end + (q[end:end + 1] in "“”\"»’'" and end < len(q)), phrase, None, False)]
    # 'the workshop on <words>', in any case, where one event's volume titles hold it: the longest such run
    for m in WORKSHOP_ON.finditer(q):
        words = m.group(2).split()
        for n in range(len(words), 1, -1):
            phrase = " ".join(words[:n]).rstrip(",.;:?!")
            named = f"{m.group(1).casefold().rstrip('s')} on {phrase.casefold()}"
            if named in vocab.titles and len(vocab.owners(named) - GENERIC_COLLECTIONS) <= 1:  # one event's name
                return [(m.start(), m.start(2) + len(phrase), phrase, None, False)]
    # in lower case, the words with the event word as the venue names write them: '2019 student research
    # workshop papers' ('… Annual Meeting of the ACL: Student Research Workshop')
    for m in EVENT_PHRASE_LOWER.finditer(q):
        words = m.group(0).split()
        for i in range(len(words) - 2):  # 'papers from the student research workshop': the longest tail named
            if words[i] in ("the", "a", "an", "of", "on", "for", "from", "in", "at", "and", "to"):
                continue
            phrase = re.sub(r"s$", "", " ".join(words[i:])).casefold()
            if re.search(r"(?:^|\n|[^\w\n]\s*)" + re.escape(phrase) + r"\b", vocab.titles):
                start = m.start() + m.group(0).index(" ".join(words[i:]))
                return [(start, m.end(), " ".join(words[i:]), None, False)]
    # the words before the event word, where one event's titles hold them: 'the figurative language workshop'
    for m in EVENT_PHRASE_LOWER.finditer(q):
        words = m.group(0).split()[:-1]
        for i in range(len(words) - 1):  # the longest tail of two words or more
            phrase = " ".join(words[i:])
            if words[i] in ("the", "a", "an", "of", "on", "for", "from", "in", "at", "and", "to") or len(phrase) < 8:
                continue
            if phrase in vocab.titles and len(vocab.owners(phrase) - GENERIC_COLLECTIONS) <= 1 and all(
                    "workshop" in line or "conference" in line for line in vocab.titles.split("\n") if phrase in line):
                return [(m.start() + m.group(0).index(phrase), m.end(), phrase, None, False)]
    return []
