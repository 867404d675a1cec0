"""Fusing the dense and BM25 legs into one score per paper: z-score (default) or reciprocal rank."""

from __future__ import annotations

import numpy as np

from rag.retrieval.hits import Hit
from rag.settings import Settings


def zscore(s: Settings, info: dict[str, Hit], pool: list[str], boost_ids: dict[str, float] | None) -> dict[str, float]:
    """alpha * z(cosine) + (1 - alpha) * z(BM25), standardised over the dense+BM25 candidate pool,
    plus bonuses (in standard deviations) for author-name, title and follow-up matches."""
    d = np.array([info[p].dense for p in pool], dtype=np.float64)
    b = np.array([info[p].bm25 for p in pool], dtype=np.float64)
    d_mu, d_sd = (d.mean(), d.std() or 1.0) if len(d) else (0.0, 1.0)
    b_mu, b_sd = (b.mean(), b.std() or 1.0) if len(b) else (0.0, 1.0)
    out = {}
    for pid, h in info.items():
        v = s.fusion_alpha * (h.dense - d_mu) / d_sd + (1 - s.fusion_alpha) * (h.bm25 - b_mu) / b_sd
        v += s.author_boost * min(h.author_match, 3) + s.title_boost * h.title_match
        out[pid] = float(v + (boost_ids or {}).get(pid, 0.0))
    return out


def rrf(s: Settings, info: dict[str, Hit], boost_ids: dict[str, float] | None) -> dict[str, float]:
    """Weighted reciprocal-rank fusion of the dense, BM25 and author rankings, plus title/follow-up bonuses."""
    out = {}
    for pid, h in info.items():
        r = h.ranks
        v = s.dense_weight / (s.rrf_k + r["dense"]) if "dense" in r else 0.0
        v += s.bm25_weight / (s.rrf_k + r["bm25"]) if "bm25" in r else 0.0
        v += s.author_boost * h.author_match / (s.rrf_k + r["author"]) if "author" in r else 0.0
        v += s.title_boost * 2.0 / (s.rrf_k + 1) if h.title_match else 0.0
        out[pid] = v + (boost_ids or {}).get(pid, 0.0) / (s.rrf_k + 1)
    return out
