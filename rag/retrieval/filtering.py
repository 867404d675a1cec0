"""Metadata filters (years, venue, author, source list) and the boolean mask they select."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.text import fold
from rag.types import Paper
from rag.venues import venue_keys


@dataclass
class Filters:
    """Metadata restrictions; every field is optional."""

    year_min: int | None = None
    year_max: int | None = None
    venue: str | None = None
    author: str | None = None
    source: str | None = None

    def active(self) -> bool:
        return any(v is not None for v in (self.year_min, self.year_max, self.venue, self.author, self.source))

    @classmethod
    def coerce(cls, value: Filters | dict | None) -> Filters | None:
        if value is None or isinstance(value, Filters):
            return value
        unknown = set(value) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown filter(s) {sorted(unknown)}; use {sorted(cls.__dataclass_fields__)}")
        return cls(**value)

    def mask(self, papers: list[Paper]) -> np.ndarray:
        venue = (self.venue or "").casefold()
        author = author_pattern(self.author) if self.author else None
        source = (self.source or "").casefold()
        keep = np.ones(len(papers), dtype=bool)
        for i, p in enumerate(papers):
            if self.year_min is not None and (p.year is None or p.year < self.year_min):
                keep[i] = False
            elif self.year_max is not None and (p.year is None or p.year > self.year_max):
                keep[i] = False
            elif venue and not _venue_matches(venue, p.venue or ""):
                keep[i] = False
            elif author and not any(author.search(fold(a)) for a in p.authors):
                keep[i] = False
            elif source and source not in p.source.casefold():
                keep[i] = False
        return keep


def author_pattern(author: str) -> re.Pattern:
    """An author filter as a pattern over folded author names ('Hochreiter' matches 'sepp hochreiter')."""
    return re.compile(rf"\b{re.escape(fold(author))}\b")


def author_starts(author: str, text: str) -> list[int]:
    """Where `author_pattern(author)` matches in a long folded text, found faster: a pattern that opens with
    the name's letters is searched for them directly (a leading '\b' stops that), so the boundary before
    the name is checked by hand."""
    return [m.start() for m in re.finditer(re.escape(fold(author)) + r"\b", text)
            if m.start() == 0 or not text[m.start() - 1].isalnum()]


def venue_matches(wanted: str, venue: str) -> bool:
    """Does a venue filter (as typed or parsed) select this venue name?"""
    return _venue_matches(wanted.casefold(), venue or "")


VENUE_OR = " | "  # between alternative venues of one filter: 'Linguistic Annotation Workshop | LAW'


def _venue_matches(wanted: str, venue: str) -> bool:
    """'acl' matches the acronym part of 'ACL — Proceedings of …' exactly (not NAACL or TACL), 'jep' a
    name inside its title ('JEP-TALN-RECITAL'); longer text matches anywhere in the venue name.
    Alternatives joined by ' | ' match where any of them does."""
    if VENUE_OR in wanted:
        return any(_venue_matches(w.strip(), venue) for w in wanted.split(VENUE_OR) if w.strip())
    if fold(wanted).replace(" ", "") in venue_keys(venue):
        return True
    acronym, _, title = venue.casefold().partition(" — ")
    if title:
        return acronym == wanted or (len(wanted) > 6 and wanted in title) or (
            acronym != "findings" and _title_names(wanted, venue.partition(" — ")[2]))
    return bool(re.search(rf"\b{re.escape(wanted)}\b", venue.casefold()))


# Words around an event's name in a volume title that make it the host, not the event itself ('Workshop on
# Biomedical NLP associated with RANLP 2017', 'Workshop … at COLING 2016', 'the 2018 EMNLP Workshop W-NUT',
# 'the NAACL-HLT 2012 Workshop on …'; but 'BioNLP 2018 workshop', 'BioNLP Workshop and Shared Task').
_HOSTED = re.compile(r"\b(?:at|with|during)\s+(?:the\s+)?(?:\d{4}\s+)?$", re.I)  # 'in conjunction with' too
_HOSTS = re.compile(r"(?:-\w+)?(?:\s+\d{4})?\s+[Ww]orkshops?\s+(?!(?:and|on|of|A|An|The)\b)[A-Z]")


def _title_names(wanted: str, title: str) -> bool:
    """An acronym of five letters or more that a volume's title names as its event ('Workshop — BioNLP 2017',
    'EMNLP — … Workshop on BioNLP Open Shared Tasks', 'Workshop — … (#SMM4H) Workshop'), where the volume is
    filed under another acronym or a generic collection (not Findings: 'Findings of the ACL: EMNLP 2020' is
    the Findings collection, read as such). Shorter acronyms are also words or parts of hosts' names ('LAW',
    'CASE', 'ACL-IJCNLP'), so they match only the acronym a volume is filed under."""
    if len(wanted) < 5 or not wanted.isalnum():
        return False
    return any(not _HOSTED.search(title, 0, m.start()) and not _HOSTS.match(title, m.end())
               for m in re.finditer(rf"(?<![\w-]){re.escape(wanted)}(?![\w])", title, re.I))
