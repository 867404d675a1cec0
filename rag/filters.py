"""Filters typed in plain chat: "papers since 2020 on …", "ACL 2021 papers about …",
"what has Hochreiter written on …", "only from the NeurIPS list".

Parsing is deterministic (regular expressions plus the corpus's own author and venue names),
so offline mode needs no LLM. `parse()` returns the metadata filters and the question with the
filter phrases removed, which is what retrieval then searches for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.retrieval import AuthorIndex, Filters, fold
from rag.types import Paper

YEAR = r"(19[5-9]\d|20[0-4]\d)"
# Anthology venue acronyms (also used by the ACL loader) and the seed pages' list names.
VENUES = ["ACL", "EMNLP", "NAACL", "EACL", "AACL", "COLING", "CoNLL", "LREC", "TACL", "CL", "Findings",
          "SemEval", "IJCNLP", "RANLP", "NeurIPS", "ICML", "ICLR", "SciFact"]
SOURCE_LISTS = {
    "neurips": "NeurIPS poster list",
    "icml": "ICML session",
    "hugging face": "Hugging Face trending",
    "huggingface": "Hugging Face trending",
    "hf trending": "Hugging Face trending",
    "trending": "Hugging Face trending",
}


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


def _cut(text: str, m: re.Match) -> str:
    return (text[: m.start()] + " " + text[m.end() :]).strip()


def parse(question: str, papers: list[Paper] | None = None, authors: AuthorIndex | None = None) -> Parsed:
    f = Filters()
    q = question
    # --- years ------------------------------------------------------------------------------
    rules = [
        (rf"\b(?:between|from)\s+{YEAR}\s+(?:and|to|-|–)\s+{YEAR}\b", "range"),
        (rf"\b{YEAR}\s*(?:-|–|to)\s*{YEAR}\b", "range"),
        (rf"\bfrom\s+{YEAR}\s+(?:onwards?\b|on\b(?=\s*(?:[,.;:?!]|$)))", "min"),
        (rf"\b(?:since|after|starting(?: in)?|as of|newer than)\s+{YEAR}(?:\s+onwards?)?\b", "min"),
        (rf"\b{YEAR}\s+(?:or|and)\s+(?:later|after|newer|onwards?)\b", "min0"),
        (rf"\b(?:before|prior to|older than)\s+{YEAR}\b", "before"),
        (rf"\b(?:until|up to|through|till)\s+{YEAR}\b", "max"),
        (rf"\b{YEAR}\s+(?:or|and)\s+(?:earlier|before|older)\b", "max0"),
        (rf"\b(?:in|from|of|during)\s+{YEAR}\b", "exact"),
    ]
    for pattern, kind in rules:
        m = re.search(pattern, q, re.I)
        if not m:
            continue
        years = [int(y) for y in m.groups() if y]
        if kind == "range":
            f.year_min, f.year_max = min(years), max(years)
        elif kind in ("min", "min0"):
            f.year_min = years[0] + (1 if m.group(0).lower().startswith(("after", "newer")) else 0)
        elif kind == "before":
            f.year_max = years[0] - 1
        elif kind in ("max", "max0"):
            f.year_max = years[0]
        else:
            f.year_min = f.year_max = years[0]
        q = _cut(q, m)
        break
    # --- venues ("ACL 2021 papers", "EMNLP papers", "at NAACL") --------------------------------
    venue_alt = "|".join(sorted((re.escape(v) for v in VENUES), key=len, reverse=True))
    m = re.search(rf"\b(?:only\s+)?(?:from\s+|at\s+|in\s+)?(?:the\s+)?({venue_alt})(?:\s+{YEAR})?"
                  rf"(?:\s+(list|session|page|papers?|proceedings|conference))?\b", q)
    if m:
        name, year = m.group(1), m.group(2)
        listed = m.group(3) in ("list", "session", "page")
        if name.lower() in SOURCE_LISTS and (listed or _venue_absent(name, papers)):
            f.source = SOURCE_LISTS[name.lower()]
        else:
            f.venue = next(v for v in VENUES if v.lower() == name.lower())
        if year and f.year_min is None and f.year_max is None:
            f.year_min = f.year_max = int(year)
        q = _cut(q, m)
    else:
        m = re.search(r"\b(?:only\s+)?(?:from\s+)?(?:the\s+)?(hugging\s*face|hf)(?:\s+trending)?(?:\s+(?:list|page))?\b",
                      q, re.I)
        if m:
            f.source = "Hugging Face trending"
            q = _cut(q, m)
    # --- authors ("by X", "X's papers", "what has X written/published on") ---------------------
    if authors is not None:
        m = re.search(
            r"\b(?:by|from|of|has|did|have|had)\s+([A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){0,2}?)"
            r"(?=['’]s\b|\s+[a-z]|\s*[,?.!:;]|\s*$)", q)
        name = m.group(1) if m else None
        if m is None:
            m2 = re.search(r"\b((?:[A-Z][\w’'-]+\s+){0,2}[A-Z][\w’'-]+)['’]s\s+(?:papers?|work|group|lab)\b", q)
            if m2:
                m, name = m2, m2.group(1)
        if name:
            matched = authors.match(name)
            if matched:
                f.author = _best_author_name(name, papers or [], matched)
                q = _cut(q, m)
    q = re.sub(r"\s+", " ", re.sub(r"\b(papers?|works?)\s+(on|about)\b", r"\1 \2", q)).strip(" ,.")
    if not re.search(r"\w", q):
        q = question
    return Parsed(filters=f, question=q or question, chips=chips_for(f))


def _venue_absent(name: str, papers: list[Paper] | None) -> bool:
    if not papers:
        return True
    return not any((p.venue or "").split(" — ")[0].lower() == name.lower() for p in papers[:50000])


def _best_author_name(name: str, papers: list[Paper], matched: dict[int, int]) -> str:
    """The corpus spelling of the author the question named: full name if the question gave one."""
    target = fold(name).split()
    for idx in matched:
        for a in papers[idx].authors if idx < len(papers) else []:
            parts = fold(a).split()
            if parts and parts[-1] == target[-1]:
                return a if len(target) > 1 else a.split()[-1]
    return name
