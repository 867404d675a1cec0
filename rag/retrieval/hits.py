"""One retrieved paper with its scores, and how it becomes a cited Source."""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.types import Paper, Source


@dataclass
class Hit:
    paper: Paper
    score: float  # fused score (z-score units, or RRF)
    dense: float = 0.0  # cosine similarity of query and paper (0 if not a dense candidate)
    bm25: float = 0.0
    author_match: int = 0
    title_match: bool = False
    ranks: dict[str, int] = field(default_factory=dict)


def hit_to_source(h: Hit, n: int, snippet: str = "", collection: str = "") -> Source:
    p = h.paper
    return Source(
        n=n,
        paper_id=p.paper_id,
        title=p.title,
        authors=list(p.authors),
        year=p.year,
        venue=p.venue,
        url=p.url or f"/paper/{p.paper_id}",
        abstract=p.abstract,
        snippet=snippet,
        score=round(float(h.score), 6),
        source=p.source,
        collection=collection,
    )
