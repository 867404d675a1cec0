"""Which volumes of the collection a venue filter selects: the venues' years, an acronym's aliases (the event
name it owns where that selects more of its volumes), a numbered edition's year and a part of a venue's
proceedings ('ACL 2019 demo papers'). A leaf module of `rag.filters`, which reads the venue from the question."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

from rag.retrieval import fold
from rag.retrieval.filtering import VENUE_OR, venue_matches
from rag.types import Paper
from rag.vocabulary import GENERIC_COLLECTIONS, ORDINAL, ORDINAL_WORDS, ROMAN, Vocabulary, acronym_key

__all__ = ["SUBVOLUME", "alias", "edition_year", "numeral_year", "one_acronym", "ordinal_number", "part_of_proceedings",
           "selects", "venue_years", "venues_of"]

# A part of a venue's proceedings named with it ('ACL 2019 demo papers', 'the RANLP student research workshop'),
# and the words its volume titles use for it.
SUBVOLUME = re.compile(r"\b(?:(?:system\s+)?demo(?:nstration)?s?(?:\s+(?:track|papers?|session))?|student\s+research\s+"
                       r"workshop|srw|industry\s+track|research\s+track|tutorials?(?:\s+abstracts)?)\b", re.I)
SUBVOLUME_TITLE = {"demo": "demonstration", "demos": "demonstration", "demonstration": "demonstration",
                   "demonstrations": "demonstration", "student": "student research workshop",
                   "srw": "student research workshop", "industry": "industry track", "research": "research track",
                   "tutorial": "tutorial", "tutorials": "tutorial"}


def part_of_proceedings(named: str, hosts, f, papers: list[Paper]) -> str | None:
    """The volumes of the first host venue (in the filter's years) whose titles name the part of its proceedings
    the question named ('demo papers': '… System Demonstrations'), joined as venue alternatives; None where no
    host has such volumes, or too many to be one part."""
    word = SUBVOLUME_TITLE[re.sub(r"\W.*", "", named.lower().replace("system ", ""))]
    for host in hosts:
        names = sorted({re.sub(r"^Proceedings of (?:the )?", "", n.partition(" — ")[2])
                        for n in venues_of(host, f.year_min, f.year_max, papers) if word in n.casefold()})
        if names and len(names) <= 12:
            return VENUE_OR.join(names)
    return None


_VENUE_YEARS: list = []  # [(papers, {venue name: years}, size, {(venue, lo, hi): names})]: the last collection read


def venue_years(papers: list[Paper]) -> dict[str, set[int]]:
    """Each distinct venue name of the collection with the years of its papers (cached per paper list)."""
    if not (_VENUE_YEARS and _VENUE_YEARS[0][0] is papers and _VENUE_YEARS[0][2] == len(papers)):
        years: dict[str, set[int]] = defaultdict(set)
        for p in papers:
            if p.venue:
                years[p.venue].add(p.year or 0)
        _VENUE_YEARS[:] = [(papers, dict(years), len(papers), {})]
    return _VENUE_YEARS[0][1]


def venues_of(venue: str, year_min: int | None, year_max: int | None, papers: list[Paper]) -> list[str]:
    """The collection's venue names that a venue filter selects, among those with papers in the years
    (remembered per collection: one question asks this several times)."""
    lo, hi = year_min or 0, year_max or 9999
    years = venue_years(papers)
    memo = _VENUE_YEARS[0][3]
    key = (venue, lo, hi)
    if key not in memo:
        if len(memo) > 4096:
            memo.clear()
        memo[key] = [name for name, ys in years.items() if any(lo <= y <= hi for y in ys) and venue_matches(venue, name)]
    return list(memo[key])


def selects(venue: str, year_min: int | None, year_max: int | None, papers: list[Paper],
            generic_only: bool = False) -> bool:
    """Does a venue (and year) filter select any paper of the collection (`generic_only`: any filed under a
    generic collection such as 'Workshop')?"""
    return any(not generic_only or acronym_key(name) in GENERIC_COLLECTIONS
               for name in venues_of(venue, year_min, year_max, papers))


def alias(vocab: Vocabulary | None, venue: str, year_min: int | None, papers: list[Paper],
          year_max: int | None = None) -> str:
    """The venue filter to use: the acronym itself, or the event name it owns where that selects more of
    the event's volumes. 'WMT 2019': the collection files the Fourth Conference on Machine Translation under
    'Workshop', and only from 2020 on under WMT. 'W-NUT 2016-2019': the acronym is in the 2016 and 2019
    titles only, the Workshop on Noisy User-generated Text in all four. Where the acronym selects nothing,
    a generic collection's volume of the name comes first."""
    year_max = year_max if year_max is not None else year_min
    if vocab is None:
        return venue
    owned = [name for name, canon in vocab.names.items()
             if canon == venue and name in vocab.written and len(name.split()) >= 4]
    selected = set(venues_of(venue, year_min, year_max, papers))
    if not selected and not owned:
        # the event's name in the acronym's own titles, filed under another name in other years: WMT's 'Fifth
        # Conference on Machine Translation' (2020), the 'Fourth Conference on Machine Translation' under 'Workshop'
        titles = " ".join(fold(v.partition(" — ")[2]) for v in venues_of(venue, None, None, papers))
        owned += [name for name, canon in vocab.names.items() if canon == vocab.written.get(name, canon)
                  and name in vocab.written and len(name.split()) >= 4 and name in titles and name not in owned]
    owned.sort(key=len, reverse=True)
    if selected:
        for name in owned:
            if selected < set(venues_of(vocab.written[name], year_min, year_max, papers)):
                return vocab.written[name]
        return venue
    for generic_only in (True, False):  # then an edition filed under an earlier acronym ('ALW — … Fourth
        for name in owned:  # Workshop on Online Abuse and Harms' in 2020, WOAH from 2021 on)
            if selects(vocab.written[name], year_min, year_max, papers, generic_only=generic_only):
                return vocab.written[name]
    return venue


def one_acronym(vocab: Vocabulary, name: str, year_min: int | None, year_max: int | None,
                papers: list[Paper]) -> str | None:
    """The one acronym that files an event name's papers of those years and nothing else then ('the 2021
    Joint Conference on Lexical and Computational Semantics' is STARSEM), or None (the Workshop on Asian
    Translation 2019 is filed under EMNLP, but is not all of EMNLP 2019)."""
    named = venues_of(name, year_min, year_max, papers)
    found = {acronym_key(v) for v in named} - GENERIC_COLLECTIONS
    acronym = vocab.keys.get(found.pop()) if len(found) == 1 else None
    if acronym is None or set(venues_of(acronym, year_min, year_max, papers)) != set(named):
        return None
    return acronym


def ordinal_number(word: str) -> int:
    """'Fifth' -> 5, '9th' -> 9."""
    word = word.lower()
    return int(re.match(r"\d+", word).group(0)) if word[:1].isdigit() else ORDINAL_WORDS.index(word) + 1


def _year_of_titles(venue: str, papers: list[Paper], named: Callable[[str], bool]) -> int | None:
    """The one year of the venue's volumes whose titles (the part after the acronym) pass `named`, or None."""
    years = venue_years(papers)
    found: set[int] = set()
    for name in venues_of(venue, None, None, papers):  # matched once per distinct venue name
        if named(name.partition(" — ")[2]):
            found |= years[name] - {0}
    return found.pop() if len(found) == 1 else None


def numeral_year(venue: str, numeral: str, papers: list[Paper]) -> int | None:
    """The year of the venue's volumes whose titles number the edition with this Roman numeral ('Machine
    Translation Summit IX', 2003) or this volume number ('Transactions of the ACL, Volume 2'), when they give one
    year."""
    pattern = re.compile(r"\b" + (r"Volume\s+" if numeral.isdigit() else "") + numeral + r"\b")  # 'TACL volume 2'
    return _year_of_titles(venue, papers, lambda title: bool(pattern.search(title)))


def edition_year(venue: str, number: int, papers: list[Paper]) -> int | None:
    """The year of a venue's numbered edition, from the titles of the papers filed under it ('Proceedings
    of the Fifth Arabic Natural Language Processing Workshop', 2020; 'Machine Translation Summit VIII' for the
    eighth), when the collection gives one year."""
    numbered = re.compile(r"\b(" + ORDINAL + r")\b", re.I)
    roman = re.compile(r"\b" + ROMAN[number] + r"\b") if 0 < number < len(ROMAN) else None

    def named(title: str) -> bool:
        m = numbered.search(title)
        return bool((m and ordinal_number(m.group(1)) == number) or (roman and roman.search(title)))  # 'Summit VIII'

    return _year_of_titles(venue, papers, named)
