"""Venue names: the short names a venue string of the collection answers to (a leaf module)."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text import fold

GENERIC = {"workshop", "proceedings", "conference", "volume", "papers", "actes", "the"}


@lru_cache(maxsize=65536)
def venue_keys(venue: str) -> dict[str, str]:
    """The short names a venue string answers to, e.g. 'JEPTALNRECITAL — Actes de … JEP-TALN-RECITAL 2016'
    -> {'jeptalnrecital': 'JEPTALNRECITAL', 'jep': 'JEP', 'taln': 'TALN', 'recital': 'RECITAL'}."""
    acronym, _, title = venue.partition(" — ")
    out: dict[str, str] = {}
    if acronym and acronym.casefold() not in GENERIC and " " not in acronym.strip():
        out[fold(acronym).replace(" ", "")] = acronym
    # Event names inside the title: in parentheses ('(LREC'16)', '(W-NUT 2020)', '(JEP, 33e édition)'),
    # or all-capital hyphenated series ('JEP-TALN-RECITAL'). Not a bare 'EMNLP 2020' in a title: 'Findings of
    # the ACL: EMNLP 2020' and 'Workshop on … at EMNLP 2020' are not EMNLP papers.
    spots = [m.group(1) for m in re.finditer(r"\(([^)]*)\)", title)]
    spots += re.findall(r"\b[A-Z]{2,}(?:-[A-Z]{2,})+\b", title)
    for spot in spots:
        # letters around a digit are one name too ('LT4DH', 'NLP4IF', 'Rep4NLP'); a year after a name is not
        # part of it ('(WMT20)' is WMT)
        for m in re.finditer(r"\b[A-Za-z]+\d+[A-Za-z]+\b|\b[A-Za-z]*[A-Z][A-Za-z]*[A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)*", spot):
            token = m.group(0)
            parts = [token, *token.split("-")] if "-" in token else [token]
            for part in parts:
                key = fold(part).replace(" ", "")
                if len(key) >= 2 and key not in GENERIC and sum(c.isupper() for c in part) >= 2:
                    out.setdefault(key, part)
    return out
