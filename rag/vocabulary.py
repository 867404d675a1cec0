"""The venue vocabulary of a collection, built from its indexed records.

`Vocabulary.from_papers` reads each venue's acronym, the acronyms and event names inside its full title
('JEP-TALN-RECITAL', "LREC'16", 'W-NUT 2020', 'the Joint SIGHUM Workshop'), and journal names ('Transactions
of the Association for Computational Linguistics', also written with the corpus's own acronym for the
association: 'Transactions of the ACL'). `rag.filters` reads venue filters typed in a question against it.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from rag.retrieval import fold
from rag.text import function_words_of_all
from rag.types import Paper
from rag.venues import GENERIC, venue_keys

__all__ = ["GENERIC_COLLECTIONS", "ORDINAL", "ORDINAL_WORDS", "ROMAN", "VENUE_WORD", "Vocabulary", "acronym_key"]

ORDINAL_WORDS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
                 "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split()
ORDINAL = r"\d+(?:st|nd|rd|th|e|ème|eme|er|re)|" + "|".join(ORDINAL_WORDS)  # '22nd', 'Fifth', '24e'
ROMAN = ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII",
         "XVIII", "XIX", "XX")  # ROMAN[n] is n in Roman numerals
# a cardinal written for an ordinal before an event word ('the Eight Workshop on …', as one volume is titled)
CARDINAL_WORDS = frozenset("two three four five six seven eight nine ten eleven twelve".split())
VENUE_WORD = r"(?:workshop|conf[eé]rence|konferenz|tagung|proceedings|symposium|summit|atelier|colloque|congreso|congrès|kongress)"
GENERIC_COLLECTIONS = {"workshop", "ws", "findings", "proceedings", "conference", "volume"}


def acronym_key(venue_name: str) -> str:
    return fold(venue_name.partition(" — ")[0]).replace(" ", "")



# A venue's name as abstracts write it for its data: before its year (or without) and a word for data
# ('CoNLL 2003 NER data', 'WMT14 English-German test sets', 'the SemEval-2016 datasets'). Session 42: in the sample of
# the 29,853 ACL abstracts the vocabulary reads, CoNLL, GermEval, IWSLT, NLI, SemEval, WebNLG and WMT are written so
# (over the whole collection CoNLL 81 times, SemEval 67, WMT 47, IWSLT 33), the conferences nearly never (ACL 4 times,
# LREC once): 'LREC 2014 corpora' asks for the corpora LREC 2014 published. Over the 13,112 seen questions read against
# the ACL collection only a105011 ('LREC 2014 datasets harvested from YouTube') changes its filters, to LREC 2014.
_WRITTEN_AS_DATA = re.compile(r"\b([A-Z][A-Za-z]*[A-Z][A-Za-z]*)(?:[- ]?['’]?\d{2,4})?\s+(?:[\w-]+\s+){0,2}?"
                              r"(?:data|dataset|datasets|data\s+sets?|corpus|corpora|test\s+sets?|benchmarks?)\b")
DATA_NAME_MIN = 2  # times in the sample of abstracts
DATA_NAMES_MIN_ABSTRACTS = 1000  # abstracts read at least, else every venue may name data (`Vocabulary.data_names`)


def _stem(word: str) -> str:
    """A venue name's word as its other forms share it: all but its last three letters, four at least."""
    return word if len(word) < 5 else word[: max(4, len(word) - 3)]


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w[:1].isupper())


@dataclass
class Vocabulary:
    """The venue names a question may use, mapped to the name the filter shows, all from the corpus."""

    keys: dict[str, str] = field(default_factory=dict)  # folded key ('naacl', 'jep') -> canonical name
    names: dict[str, str] = field(default_factory=dict)  # folded long name -> canonical name
    written: dict[str, str] = field(default_factory=dict)  # folded event name -> as the titles write it
    lowercase_ok: set[str] = field(default_factory=set)  # keys safe to match in lower case
    ambiguous: set[str] = field(default_factory=set)  # small venues named like a topic ('NLI', 'LAW', 'CASE')
    inner: set[str] = field(default_factory=set)  # keys only named inside event names ('SIGHUM', 'BioASQ'),
    # which also name challenges and groups ('BioASQ 2017', the challenge, in the BioNLP 2017 volume)
    titles: str = ""  # every venue name, case-folded, one a line: what a venue phrase may be part of
    # keys the abstracts write as the name of data ('the CoNLL 2003 data', 'WMT14 test sets', 'SemEval-2010 datasets'),
    # so that '<key> <year> data' is data, not the venue; None where fewer than DATA_NAMES_MIN_ABSTRACTS were read
    # (every key may be)
    data_names: set[str] | None = None
    spelled: dict[str, str] = field(default_factory=dict)  # an association's acronym -> its name, case-folded
    # ('ACL' -> 'association for computational linguistics'), as the titles spell it

    @cached_property
    def long_names(self) -> list[tuple[tuple[str, ...], re.Pattern, str, str]]:
        """(lower-cased word stems, compiled pattern, name, canonical venue) of the names over 8 characters,
        longest first: compiled once per collection, not once per question. A word of five letters or more matches
        any ending after its stem, all but its last three letters (four at least): 'China National Conference on
        Computational Linguistics' is the 'Chinese National …' one. An event word ('Workshop') is matched as written, or
        in the plural at the end ('the … workshops of 2017 and 2018')."""
        out = []
        for name, canon in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
            if len(name) > 8:
                words = name.split()
                stems = [w if re.fullmatch(VENUE_WORD, w, re.I) else _stem(w) for w in words]
                plural = "s?" if re.fullmatch(VENUE_WORD, words[-1], re.I) else ""  # 'the … workshops of 2017 and 2018'
                out.append((tuple(w.lower() for w in stems),
                            re.compile(r"\b" + r"\W+".join(re.escape(st) + (r"\w*" if st != w else "")
                                                           for st, w in zip(stems, words, strict=True)) + plural + r"\b",
                                       re.I), name, canon))
        return out

    @classmethod
    def from_papers(cls, papers: list[Paper]) -> Vocabulary:
        return cls.from_counts(Counter(p.venue for p in papers if p.venue), [p.abstract for p in papers[:5000]])

    @classmethod
    def from_counts(cls, counts: dict[str, int], abstracts: list[str]) -> Vocabulary:
        """From each distinct venue's paper count and a sample of abstracts (up to 5,000; they tell which
        acronyms the collection also writes in lower case as ordinary words)."""
        voc = cls(titles="\n".join(v.casefold() for v in counts))
        size: Counter = Counter()
        assoc: dict[str, str] = {}  # 'association for computational linguistics' -> 'ACL'
        owned: dict[str, Counter] = defaultdict(Counter)  # event name -> acronym -> papers
        cut: set[str] = set()  # event names some title continues in lower case ('… Approaches to Code Switching')
        inner: dict[str, Counter] = defaultdict(Counter)  # capitals inside an event name -> event name -> papers
        hosted: dict[str, str] = {}  # a name inside a title filed under another acronym -> the name as written
        bracketed: list[tuple[str, str]] = []  # (a name, the key of the acronym in brackets after it that it spells)
        try:
            from rag.relevance import reference_idf

            ref_idf, _ = reference_idf()
        except OSError:
            ref_idf = {}
        generic_idf = math.log(1.0 + 35000 / 100)  # a word of over ~100 of 35k abstracts ('nlp', 'nli', 'case')
        for venue, n in counts.items():
            acronym, _, title = venue.partition(" — ")
            # An event named inside a venue's title answers to that venue's own acronym, the way the
            # collection names it ('JEP' in 'JEPTALNRECITAL — Actes de JEP-TALN-RECITAL 2016' is
            # JEPTALNRECITAL), unless the acronym is a generic collection ('Workshop — … (W-NUT 2020)').
            owner = acronym if acronym and fold(acronym) not in GENERIC_COLLECTIONS and " " not in acronym else None
            for key, canon in venue_keys(venue).items():
                if canon != acronym and (len(key) < 3 or ref_idf.get(key, 99.0) < generic_idf):
                    continue
                voc.keys.setdefault(key, owner or canon)
                size[key] += n
                if owner and canon != acronym:
                    hosted.setdefault(key, canon)
            for m in re.finditer(r"\b(?:[A-Z][\w-]*\s+)(?:(?:for|of|on|and|the|in)\s+)*(?:[A-Z][\w-]*\s*)+", title):
                words = m.group(0).split()
                if acronym and _initials(words) == acronym and len(words) >= 3:
                    assoc[fold(m.group(0))] = acronym
            if acronym and acronym.isupper() and acronym not in voc.spelled:  # 'IWSLT': International Workshop on …
                for m in re.finditer(r"[A-Z][\w-]*(?:\s+(?:(?:for|of|on|and|the|in|to)\s+)*[A-Z][\w-]*)+", title):
                    words = m.group(0).split()
                    caps = [k for k, w in enumerate(words) if w[0].isupper()]
                    for k in caps:  # the run's tail whose capitals spell the acronym
                        if _initials(words[k:]) == acronym and len(words) - k >= 3:
                            voc.spelled[acronym] = " ".join(words[k:]).casefold()
                            break
            events = _event_names(title) if acronym else []
            for cand in events:  # 'SIGHUM' of 'Joint SIGHUM Workshop on Computational Linguistics for …'
                for token in re.findall(r"(?<![\w-])[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*[A-Z](?![\w-])", cand):
                    inner[fold(token).replace("-", "").replace(" ", "")][cand] += n
            if acronym:  # a short event name right before its event word: 'the 6th BioASQ Workshop A challenge on …'
                # (a capitalised syllable, then capitals: not 'OntoNotes' or 'REAding')
                for m in re.finditer(r"(?<![\w-])([A-Z][a-z]+[A-Z]{2,}|[A-Z]{4,})\s+Workshops?\b", title):
                    if not any(m.group(1) in cand for cand in events):
                        inner[fold(m.group(1))][m.group(1)] += n
            name = _spelled(events, acronym)
            if name:
                voc.names[fold(name)] = acronym
            else:  # 'Joint Conference on Lexical and Computational Semantics' (STARSEM)
                for cand in events:
                    # a volume filed under a generic collection ('Workshop — Proceedings of the Second
                    # Workshop on Storytelling') counts for the event's own name
                    owned[fold(cand)][owner or cand] += n
                    voc.written.setdefault(fold(cand), cand)
                    if re.match(r"\s+[a-z]", title[title.find(cand) + len(cand):]):
                        cut.add(fold(cand))
            name = _journal_name(title)
            if name and acronym:
                voc.names[fold(name)] = acronym
            bracketed += _bracketed_names(title)
        # A venue's own acronym is that venue, in the casing most of its papers use ('SemEval', not
        # 'SEMEVAL'), whatever other titles name it: 'IJCNLP' is IJCNLP, and the filter also selects the
        # EMNLP-IJCNLP papers, whose titles name it.
        casings: dict[str, Counter] = defaultdict(Counter)
        for venue, n in counts.items():
            acronym = venue.partition(" — ")[0]
            if acronym and " " not in acronym.strip() and acronym.casefold() not in GENERIC:
                casings[acronym_key(venue)][acronym] += n
        for key, by in casings.items():
            voc.keys[key] = by.most_common(1)[0][0]
        # A name inside the titles of a venue answers to that venue where it is part of the venue's acronym
        # (JEP, TALN and TALN-RECITAL of JEPTALNRECITAL; EMNLP-IJCNLP of EMNLP). Any other name is an event
        # the venue hosted and answers to itself: DeepLo ('EMNLP — … Low-Resource NLP (DeepLo 2019)') is not EMNLP.
        for key, name in hosted.items():
            owner = fold(voc.keys.get(key, "")).replace("-", "").replace(" ", "")
            if owner and key not in owner and owner not in key:
                voc.keys[key] = name
        # A name a title spells an acronym with, the acronym in brackets after it ('Atelier DÉfi Fouille de Textes
        # (DEFT)'), is that acronym's venue: its volumes of other years may write the name alone (DEFT 2020).
        for name, key in bracketed:
            if key in voc.keys:
                voc.names.setdefault(fold(name), voc.keys[key])
                voc.written.setdefault(fold(name), name)
        # An event name that does not spell its acronym is that venue's when (nearly) all papers whose
        # titles hold it are filed under one acronym.
        # An event name filed under several acronyms ('Joint Conference on Lexical and Computational
        # Semantics': STARSEM and SemEval) is a filter by that name, when it is whole (four words or more).
        # Volumes filed under a generic collection count under the event's own name: the acronym keeps the
        # name when it holds (nearly) all acronym-filed papers and at least half of them all ('Workshop on
        # Argument Mining': ARGMINING), else the name is its own filter ('Workshop on Discourse in Machine
        # Translation', filed once under EMNLP and once as a plain workshop; 'Workshop on Storytelling').
        # ... unless the acronym only hosted it: a name of under a tenth of the acronym's papers is its own
        # filter (DeepLo's 'Workshop on Deep Learning Approaches for Low-Resource NLP', filed under EMNLP in 2019).
        filed_under: Counter = Counter()
        for venue, n in counts.items():
            filed_under[voc.keys.get(acronym_key(venue), venue.partition(" — ")[0])] += n
        for name, by in owned.items():
            merged: Counter = Counter()
            for owner, n in by.items():
                merged[voc.keys.get(acronym_key(owner), owner)] += n
            total_n = sum(merged.values())
            filed = Counter({c: n for c, n in merged.items() if c != voc.written[name]})
            canon, n = (filed or merged).most_common(1)[0]
            acronyms_own = bool(filed) and n >= 0.8 * sum(filed.values()) and n >= 0.5 * total_n
            hosted_only = (canon != voc.written[name] and n < 0.1 * filed_under[canon]
                           and not _abbreviates(canon, voc.written[name]))
            if name not in voc.names and (acronyms_own or n >= 0.8 * total_n) and not hosted_only and (
                    canon != voc.written[name] or name not in cut):
                voc.names[name] = canon  # (an event by its own name only where it is whole)
            elif name not in voc.names and len(name.split()) >= 4 and name not in cut:
                voc.names[name] = voc.written[name]
        # 'Workshop on Argument Mining' is also asked as 'the Argument Mining workshop' ('Argument-Mining-
        # Workshop'), a joint event by its first part ('Financial Narrative Processing workshop'), and
        # 'natural language processing' as 'NLP'.
        for name, canon in list(voc.names.items()):
            if "natural language processing" in name:
                voc.names.setdefault(name.replace("natural language processing", "nlp"), canon)
        derived = []
        plains: dict[str, set[str]] = {}  # a name without the words before 'Workshop on' -> the venues so named
        for name, canon in list(voc.names.items()):
            # (after any words naming the host or series: 'ACL Workshop on Ethics in NLP')
            m = re.fullmatch(r"(?:[\w-]+\s+)*?(workshop|conference|symposium)\s+on\s+(.+)", name)
            if m:
                topic = m.group(2)
                plain = f"{m.group(1)} on {topic}"  # 'Workshop on Health Text Mining …' for its 'International …'
                if plain != name:
                    plains.setdefault(plain, set()).add(canon)
                for part in dict.fromkeys((topic, topic.split(" and ")[0])):
                    if len(part.split()) >= 2:
                        derived.append((f"{part} {m.group(1)}", part, canon))
        # A part that other venues' names hold too names none of them: 'natural language processing' (of
        # NLPCSS's 'Natural Language Processing and Computational Social Science', IJCNLP, EMNLP …) is the field.
        owners: dict[str, set[str]] = {}
        for _, part, _ in derived:
            if part not in owners:
                owners[part] = {c for n, c in voc.names.items() if part in n}
        for short, part, canon in derived:
            if len(owners[part]) == 1:
                voc.names.setdefault(short, canon)
        for plain, canons in plains.items():  # ('Conference on Computational Linguistics' ends COLING's, CCL's, … names: none)
            if len(canons) == 1:
                voc.names.setdefault(plain, next(iter(canons)))
        for long, short in assoc.items():  # 'Transactions of the ACL' as well as the full name
            for name, canon in list(voc.names.items()):
                if long in name:
                    voc.names[name.replace(long, fold(short))] = canon
        lower: Counter = Counter()  # words written in lower case in the abstracts ('law', 'gem', 'icon')
        for text in abstracts[:5000]:
            lower.update(w for w in re.findall(r"\b[a-z]{3,}\b", text) if w in size)
        if len(abstracts) >= DATA_NAMES_MIN_ABSTRACTS:  # (a small library's abstracts say too little either way)
            written_as_data: Counter = Counter(fold(m.group(1)) for text in abstracts[:5000]
                                               for m in _WRITTEN_AS_DATA.finditer(text))
            voc.data_names = {k for k in voc.keys if written_as_data[k] >= DATA_NAME_MIN}
        acronyms = {acronym_key(v) for v in counts}
        # An event's own capitals ('SIGHUM') name it where the collection files it under a generic collection
        # or another acronym (the Joint SIGHUM Workshop is 'Workshop' until 2019, then LATECHCLFL), when no
        # venue has that acronym and (nearly) all the event names holding it are one event.
        for key, by in inner.items():
            name, n = by.most_common(1)[0]
            if (key not in voc.keys and len(key) >= 3 and ref_idf.get(key, 99.0) >= generic_idf
                    and n >= 0.8 * sum(by.values())):
                voc.keys[key] = voc.names.get(fold(name), name)
                size[key] += sum(by.values())
                acronyms.add(key)
                voc.inner.add(key)
        for key in [k for k, canon in voc.keys.items() if re.fullmatch(VENUE_WORD + "s?", k) and fold(canon) != k]:
            del voc.keys[key]  # 'PROCEEDINGS' in capitals in one title names no venue ('… Annotation PROCEEDINGS')
        total = max(1, sum(counts.values()))
        voc.ambiguous = {k for k in voc.keys if size[k] < 0.02 * total and ref_idf.get(k, 99.0) < generic_idf}
        # safe in lower case: a venue's acronym, or an event's own name inside titles typed with capitals
        # ('HyTra', 'OKBQA') that is a rare word; either way one the abstracts (nearly) never write in lower case
        voc.lowercase_ok = {k for k in size if len(k) >= 3 and lower[k] < 3 and k not in function_words_of_all() and (
            k in acronyms or (sum(c.isupper() for c in voc.keys.get(k, "")) >= 2 and ref_idf.get(k, 99.0) >= generic_idf))}
        return voc

    def canonical(self, key: str) -> str | None:
        return self.keys.get(fold(key).replace(" ", ""))

    def names_event(self, canon: str) -> bool:
        """Does the venue's acronym spell out an event's name ('IWSLT': International Workshop on Spoken Language
        Translation), so that '<acronym> papers' is that event's, not a topic's ('NLI papers')?"""
        return bool(re.search(r"\b" + VENUE_WORD + r"\b", self.spelled.get(canon, "")))

    def sole_owner(self, phrase: str) -> str | None:
        """The venue (its canonical acronym) whose titles alone hold the phrase ('asia-pacific chapter of the
        association for computational linguistics': AACL); None where no title, or several venues' or a generic
        collection's titles, hold it."""
        owners = self.owners(phrase)
        if len(owners) != 1:
            return None
        owner = owners.pop()
        return None if owner in GENERIC_COLLECTIONS or " " in owner else self.keys.get(acronym_key(owner))

    def owners(self, phrase: str) -> set[str]:
        """The acronyms (case-folded) of the venues whose titles hold the phrase, an association's acronym in it
        also read spelled out ('the Asia-Pacific Chapter of the ACL')."""
        low = re.sub(r"\s+", " ", phrase.casefold())
        if len(low) < 12:
            return set()
        if low not in self.titles:
            low = re.sub(r"\b[a-z]+\b", lambda w: self.spelled.get(w.group(0).upper(), w.group(0)), low)
            if low not in self.titles:
                return set()
        return {self.titles[self.titles.rfind("\n", 0, m.start()) + 1 : m.start()].partition(" — ")[0]
                for m in re.finditer(re.escape(low), self.titles)}


# Words an acronym skips ('Défi Fouille de Textes': DEFT)
_SKIPPED = frozenset("of on for and the in to at de des du la le les et en pour sur".split())


def _bracketed_names(title: str) -> list[tuple[str, str]]:
    """(name, acronym key) where a title writes an acronym in brackets right after a name of three words or more whose
    capitals spell it, accents folded ('Atelier DÉfi Fouille de Textes (DEFT)': 'DÉfi Fouille de Textes', 'deft')."""
    out = []
    for m in re.finditer(r"\(([A-Z][\w-]*[A-Z])\)", title):
        key = fold(m.group(1)).replace(" ", "")
        words, caps = title[: m.start()].split(), ""
        for k in range(len(words) - 1, -1, -1):
            if words[k].lower() in _SKIPPED:
                continue
            caps = fold("".join(c for c in words[k] if c.isupper())).replace(" ", "") + caps
            if not caps or not key.endswith(caps):
                break
            if caps == key:
                if len(words) - k >= 3:
                    out.append((" ".join(words[k:]), key))
                break
    return out


def _abbreviates(acronym: str, name: str) -> bool:
    """Are the name's capitals, in order, letters of the acronym ('Conference on Natural Language
    Learning': CoNLL)?"""
    letters = iter(acronym.upper())
    return all(c in letters for c in _initials(name.split()).upper())


def _event_names(title: str) -> list[str]:
    """Capitalised runs of a venue title that name an event: three or more words, one of them an event
    word (conference, workshop, summit, ...), which an association's name lacks; without 'Proceedings of
    the', an ordinal or a trailing roman numeral ('Machine Translation Summit VII')."""
    run = (r"[A-Z][\w-]*(?:\s+(?:(?:for|of|on|and|the|in|as|to|with|from|at|by|into|across|beyond|between|over|"
           r"under|through|about|towards?|via|without|a|an)\s+)*[A-Z][\w-]*)*")  # 'Web as Corpus Workshop',
    # 'Workshop on Extracting Structured Knowledge from Scientific Publications'
    out = []
    for m in re.finditer(run, title):
        words = m.group(0).split()
        # a name that lists its topics ('Workshop on Computational Models of Reference, Anaphora and Coreference',
        # '… Internet Freedom: Censorship, Disinformation, and Propaganda')
        listed = re.match(rf"([,:])\s+((?:[A-Z][\w-]*,\s+)*[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*,?\s+and\s+{run})",
                          title[m.end():])
        if listed and any(re.fullmatch(VENUE_WORD, w, re.I) for w in words):
            words[-1] += listed.group(1)
            words += listed.group(2).split()
        while words and (re.fullmatch(r"[IVXLC]+:?", words[-1]) or words[-1] in ("A", "An", "The")):
            words = words[:-1]  # 'Summit VII', 'the 6th BioASQ Workshop A challenge on …'
        while words and (words[0].lower() in ("proceedings", "of", "the") or re.fullmatch(ORDINAL, words[0], re.I)
                         or (words[0].lower() in CARDINAL_WORDS and len(words) > 1
                             and re.fullmatch(VENUE_WORD, words[1], re.I))):
            words = words[1:]  # 'Proceedings of the Sixth International Workshop on …', '… the Eight Workshop on …'
        if len(words) >= 3 and any(re.fullmatch(VENUE_WORD, w, re.I) for w in words):
            out.append(" ".join(words))
    return out


def _spelled(events: list[str], acronym: str) -> str | None:
    """The event name (of a venue title's `_event_names`) that spells the acronym: 'Global Wordnet Conference'
    (GWC), 'Workshop on Asian Translation' (WAT), 'International Workshop on Parsing Technologies' (IWPT),
    'Machine Translation Summit' (MTSUMMIT: the initials, then the event word whole)."""
    for name in events:
        words = name.split()
        if _initials(words) == acronym or (re.fullmatch(VENUE_WORD, words[-1], re.I)
                                           and (_initials(words[:-1]) + words[-1]).upper() == acronym.upper()):
            return name
    return None


def _journal_name(title: str) -> str | None:
    """'Transactions of the Association for Computational Linguistics, Volume 8' -> the name before ', Volume'."""
    if title.startswith(("Proceedings", "Actes")):
        return None
    m = re.match(r"^([A-Z][^,()]{6,}?),\s*Volume\b", title)
    return m.group(1).strip() if m else None
