"""The library view's data (`rag.list_papers`): search, filters, paging and counts, computed on the server."""

from __future__ import annotations

import statistics
import time
import uuid
from pathlib import Path

import pytest

from .conftest import DATA


def _state_dirs(home: Path) -> list[str]:
    """Every per-collection folder under RAG_HOME (BM25, sentences, ...): a new collection would add some."""
    return sorted(str(p.relative_to(home)) for p in home.glob("*/*")
                  if p.is_dir() and p.parts[len(home.parts)] not in ("uploads", "models", "locks"))


@pytest.fixture(scope="module")
def acl_lib(rag_home):
    import rag
    from rag.corpus import load_papers
    from rag.settings import load_settings

    name = f"lib-{uuid.uuid4().hex[:6]}"
    rag.ingest(str(DATA / "acl"), collection=name, settings=load_settings(collection=name))
    return name, load_papers(DATA / "acl")


def _all_pages(name: str, **kw) -> list:
    import rag

    out, page = [], 1
    while True:
        res = rag.list_papers(name, page=page, page_size=7, **kw)
        assert len(res.papers) <= 7
        out += res.papers
        if res.page >= res.pages:
            return out
        page += 1


def _matches(p, words: list[str]) -> bool:
    text = " ".join([p.title or "", *p.authors, p.venue or "", p.paper_id]).casefold()
    return all(w in text for w in words)


def test_search_filters_paging_and_counts(acl_lib):
    import rag

    name, loaded = acl_lib
    first = rag.list_papers(name, page_size=10)
    assert (first.total, first.collection_size, first.pages, len(first.papers)) == (len(loaded), len(loaded), 8, 10)
    years = [p.year or 0 for p in _all_pages(name)]
    assert years == sorted(years, reverse=True)  # newest first
    from collections import Counter

    assert first.by_year == dict(sorted(Counter(p.year for p in loaded).items(), reverse=True))
    assert first.by_venue == dict(Counter(p.venue for p in loaded).most_common())

    for query in ("dialogue", "DIALOGUE state", "zhang"):
        words = query.casefold().split()
        expect = {p.paper_id for p in loaded if _matches(p, words)}
        assert expect, query
        got = _all_pages(name, query=query)
        assert {p.paper_id for p in got} == expect and len(got) == len(expect), query

    venue = Counter(p.venue for p in loaded).most_common(1)[0][0]
    got = _all_pages(name, venue=venue, year_min=2019, year_max=2020)
    assert {p.paper_id for p in got} == {p.paper_id for p in loaded if p.venue == venue and 2019 <= p.year <= 2020}
    res = rag.list_papers(name, venue=venue, year_min=2019, year_max=2020)
    assert sum(res.by_year.values()) == res.total == len(got) and set(res.by_venue) <= {venue}
    assert rag.list_papers(name, page=999, page_size=10).page == 8  # clamped to the last page
    assert rag.list_papers(name, query="no-such-word-anywhere").total == 0


def test_unknown_collection_and_bad_input(acl_lib, rag_home):
    import rag
    from rag.corpus.common import CorpusError

    before = (set(rag.corpora()), _state_dirs(rag_home))
    with pytest.raises(CorpusError, match="no collection named 'nope-lib'"):
        rag.list_papers("nope-lib")
    assert (set(rag.corpora()), _state_dirs(rag_home)) == before
    with pytest.raises(ValueError, match="year_min must be a year"):
        rag.list_papers(acl_lib[0], year_min="twenty")


def test_30k_papers_page_on_the_server():
    """At 30k papers one page holds `page_size` papers, and a search over all of them stays fast."""
    from rag.library import _Catalogue, search_catalogue
    from rag.types import Paper

    papers = [Paper(paper_id=f"P{i:05d}", abstract="x" * 30, title=f"Paper {i} on topic {i % 97}",
                    authors=[f"Author {i % 501}"], year=2000 + i % 24, venue=f"V{i % 13}") for i in range(30_000)]
    cat = _Catalogue(papers)
    times = []
    for q in ("topic 42", "author 7", "", "paper 29999"):
        t = time.perf_counter()
        res = search_catalogue(cat, "big", q, page=2, page_size=25)
        times.append(time.perf_counter() - t)
        expect = sum(_matches(p, q.casefold().split()) for p in papers)
        on_page = min(25, expect - 25) if expect > 25 else expect  # page 2, or page 1 when there is only one
        assert res.total == expect and len(res.papers) == on_page and res.page == (2 if expect > 25 else 1)
    assert statistics.median(times) < 0.5, times
