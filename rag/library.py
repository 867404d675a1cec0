"""The library view's data: one page of a collection's papers, searched and filtered on the server.

`list_papers()` works on the catalogue the engine already holds in memory (no store round trip). Per
loaded catalogue it keeps a lower-cased search text and a sort order, so a page over 30k papers is
a single pass of substring checks plus the counts by year and venue of the matching papers.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import Counter
from dataclasses import dataclass, field

from rag.types import Paper

MAX_PAGE_SIZE = 200


@dataclass
class LibraryPage:
    """One page of papers plus the counts over everything that matched."""

    collection: str
    papers: list[Paper]
    total: int  # papers matching the search and filters
    page: int  # 1-based, clamped to the pages that exist
    pages: int
    page_size: int
    collection_size: int
    by_year: dict[int, int] = field(default_factory=dict)  # year -> matching papers (newest first)
    by_venue: dict[str, int] = field(default_factory=dict)  # venue -> matching papers (most first)
    venues: list[str] = field(default_factory=list)  # every venue in the collection, for a filter menu
    seconds: float = 0.0


class _Catalogue:
    def __init__(self, papers: list[Paper]):
        order = sorted(range(len(papers)), key=lambda i: (-(papers[i].year or 0), (papers[i].title or "").lower()))
        self.papers = [papers[i] for i in order]
        self.text = [
            " | ".join((p.title or "", " ; ".join(p.authors), p.venue or "", p.paper_id)).casefold()
            for p in self.papers
        ]
        self.years = [p.year for p in self.papers]
        self.venue_of = [p.venue for p in self.papers]
        self.venues = sorted({v for v in self.venue_of if v}, key=str.casefold)
        self.all_counts = _counts(self, range(len(self.papers)))  # the unfiltered view is the common one


def _counts(cat: _Catalogue, idx) -> tuple[dict[int, int], dict[str, int]]:
    years = Counter(map(cat.years.__getitem__, idx))
    years.pop(None, None)
    venues = Counter(map(cat.venue_of.__getitem__, idx))
    venues.pop(None, None)
    return dict(sorted(years.items(), reverse=True)), dict(venues.most_common())


_catalogues: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _catalogue(lexical) -> _Catalogue:
    with _lock:
        cat = _catalogues.get(lexical)
        if cat is None:
            cat = _Catalogue(list(lexical.papers))
            _catalogues[lexical] = cat
        return cat


def _int_or_none(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a year like 2020, got {value!r}") from None


def list_papers(
    collection: str | None = None,
    query: str = "",
    year_min: int | None = None,
    year_max: int | None = None,
    venue: str | None = None,
    page: int = 1,
    page_size: int = 25,
) -> LibraryPage:
    """Papers of `collection` whose title, authors, venue or id contain every word of `query`
    (case-insensitive), within the year range and venue; newest first, then by title."""
    import rag
    from rag.corpus.common import CorpusError
    from rag.pipeline import get_engine
    from rag.settings import get_settings, normalise_corpus_name

    t0 = time.perf_counter()
    name = normalise_corpus_name(collection or get_settings().collection)
    if name not in rag.corpora():  # a request never creates a collection
        raise CorpusError(f"no collection named {name!r}")
    cat = _catalogue(get_engine(collection=name).lexical)
    result = search_catalogue(cat, name, query, year_min, year_max, venue, page, page_size)
    result.seconds = time.perf_counter() - t0
    return result


def search_catalogue(cat: _Catalogue, name: str, query: str = "", year_min=None, year_max=None,
                     venue: str | None = None, page: int = 1, page_size: int = 25) -> LibraryPage:
    """One page of `cat` (see `list_papers`)."""
    t0 = time.perf_counter()
    if not isinstance(query, str):
        raise ValueError(f"query must be a string, got {type(query).__name__}")
    lo, hi = _int_or_none(year_min, "year_min"), _int_or_none(year_max, "year_max")
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    words = query.casefold().split()
    venue = venue or None
    idx: list[int] | range = range(len(cat.papers))
    for w in words:  # one C-speed substring pass per word over the (shrinking) candidates
        text = cat.text
        idx = [i for i in idx if w in text[i]]
    if venue is not None:
        idx = [i for i in idx if cat.venue_of[i] == venue]
    if lo is not None or hi is not None:
        lo_, hi_, years = lo if lo is not None else -10**9, hi if hi is not None else 10**9, cat.years
        idx = [i for i in idx if years[i] is not None and lo_ <= years[i] <= hi_]
    filtered = not isinstance(idx, range)
    total = len(idx)
    pages = max(1, -(-total // page_size))
    page = max(1, min(int(page), pages))
    by_year, by_venue = _counts(cat, idx) if filtered else cat.all_counts
    hits = [cat.papers[i] for i in idx[(page - 1) * page_size : page * page_size]]
    return LibraryPage(
        collection=name,
        papers=hits,
        total=total,
        page=page,
        pages=pages,
        page_size=page_size,
        collection_size=len(cat.papers),
        by_year=dict(by_year),
        by_venue=dict(by_venue),
        venues=cat.venues,
        seconds=time.perf_counter() - t0,
    )
