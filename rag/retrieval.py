"""Hybrid retrieval: dense (LlamaIndex over Chroma) + BM25 + author-name matches, fused by
weighted reciprocal rank fusion into one hit per paper, with optional metadata filters.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.lexical import top_k
from rag.settings import Settings
from rag.text import fold
from rag.types import Paper, Source
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
        author = fold(self.author or "")
        source = (self.source or "").casefold()
        keep = np.ones(len(papers), dtype=bool)
        for i, p in enumerate(papers):
            if self.year_min is not None and (p.year is None or p.year < self.year_min):
                keep[i] = False
            elif self.year_max is not None and (p.year is None or p.year > self.year_max):
                keep[i] = False
            elif venue and not _venue_matches(venue, p.venue or ""):
                keep[i] = False
            elif author and not any(re.search(rf"\b{re.escape(author)}\b", fold(a)) for a in p.authors):
                keep[i] = False
            elif source and source not in p.source.casefold():
                keep[i] = False
        return keep


def _venue_matches(wanted: str, venue: str) -> bool:
    """'acl' matches the acronym part of 'ACL — Proceedings of …' exactly (not NAACL or TACL), 'jep' a
    name inside its title ('JEP-TALN-RECITAL'); longer text matches anywhere in the venue name."""
    if fold(wanted).replace(" ", "") in venue_keys(venue):
        return True
    acronym = venue.split(" — ")[0].casefold() if " — " in venue else ""
    if acronym:
        return acronym == wanted or (len(wanted) > 6 and wanted in venue.casefold())
    return bool(re.search(rf"\b{re.escape(wanted)}\b", venue.casefold()))


@dataclass
class Hit:
    paper: Paper
    score: float  # fused score (z-score units, or RRF)
    dense: float = 0.0  # cosine similarity of query and paper (0 if not a dense candidate)
    bm25: float = 0.0
    author_match: int = 0
    title_match: bool = False
    ranks: dict[str, int] = field(default_factory=dict)


class AuthorIndex:
    """Find papers whose author names occur in a question."""

    def __init__(self, papers: list[Paper]):
        self.full: dict[str, set[int]] = defaultdict(set)
        self.last: dict[str, set[int]] = defaultdict(set)
        for i, p in enumerate(papers):
            for a in p.authors:
                name = fold(a)
                parts = name.split()
                if len(parts) >= 2:
                    self.full[name].add(i)
                    self.full[f"{parts[0]} {parts[-1]}"].add(i)
                if parts and len(parts[-1]) >= 4:
                    self.last[parts[-1]].add(i)

    def match(self, query: str) -> dict[int, int]:
        """paper index -> number of matched authors (full names, or capitalised surnames)."""
        q = " " + fold(re.sub(r"['’]s\b", "", query)) + " "
        hits: dict[int, int] = defaultdict(int)
        words = q.split()
        for n in (4, 3, 2):
            for i in range(len(words) - n + 1):
                name = " ".join(words[i : i + n])
                for idx in self.full.get(name, ()):
                    hits[idx] += 2
        capitalised = {fold(w) for w in re.findall(r"\b[A-Z][\w’'-]+", query)}
        for w in capitalised:
            w = re.sub(r" s$", "", w)
            for idx in self.last.get(w, ()):
                hits[idx] += 1
        return dict(hits)


class TitleIndex:
    """Find papers whose title, or the distinctive short name before/after its ':', is quoted in
    a question ("Network In Network", "GrowNet", "pixelNeRF"). Generic short names ("Obesity",
    "A review") are ignored: a one-word name must be rare in the corpus, a longer one 3+ words."""

    def __init__(self, papers: list[Paper], is_rare=None):
        self.names: dict[str, set[int]] = defaultdict(set)
        for i, p in enumerate(papers):
            if not p.title:
                continue
            full = fold(p.title)
            if len(full.split()) >= 3:
                self.names[full].add(i)
            if ":" in p.title:
                head, tail = p.title.split(":", 1)
                for part in (fold(head), fold(tail)):
                    n_words = len(part.split())
                    if part == full or len(part) < 4:
                        continue
                    if n_words >= 3 or (n_words == 1 and (is_rare is None or is_rare(part))):
                        self.names[part].add(i)
        self.max_words = max((len(n.split()) for n in self.names), default=0)

    def match(self, query: str) -> set[int]:
        words = fold(query).split()
        found: set[int] = set()
        for n in range(min(self.max_words, len(words)), 0, -1):
            for i in range(len(words) - n + 1):
                found |= self.names.get(" ".join(words[i : i + n]), set())
        return found


class HybridRetriever:
    """Dense + BM25 + author retrieval over one corpus."""

    def __init__(self, settings: Settings, store, lexical, embedder):
        from llama_index.core import VectorStoreIndex

        self.settings = settings
        self.store = store
        self.lexical = lexical
        self.embedder = embedder
        self.papers = lexical.papers
        self.by_id = lexical.by_id
        self.authors = AuthorIndex(self.papers)
        self._years: np.ndarray | None = None
        self._masks: dict[tuple, np.ndarray] = {}
        self.titles = TitleIndex(self.papers, is_rare=self._is_rare)
        self.index = VectorStoreIndex.from_vector_store(store.vector_store(), embed_model=_LlamaEmbedding(embedder))
        self._lock = threading.Lock()

    def mask(self, filters: Filters) -> np.ndarray:
        """Boolean mask of papers passing the filters (years vectorised; cached per filter set)."""
        key = tuple(filters.__dict__.values())
        cached = self._masks.get(key)
        if cached is not None:
            return cached
        if self._years is None:
            self._years = np.array([p.year if p.year is not None else -1 for p in self.papers], dtype=np.int32)
        m = np.ones(len(self.papers), dtype=bool)
        if filters.year_min is not None:
            m &= self._years >= filters.year_min
        if filters.year_max is not None:
            m &= (self._years <= filters.year_max) & (self._years >= 0)
        if filters.venue or filters.author or filters.source:
            rest = Filters(venue=filters.venue, author=filters.author, source=filters.source)
            idx = np.flatnonzero(m)
            m[idx] = rest.mask([self.papers[i] for i in idx])
        if len(self._masks) > 64:
            self._masks.clear()
        self._masks[key] = m
        return m

    @property
    def vocabulary(self):
        """The collection's venue names, for filters typed in questions (built on first use)."""
        with self._lock:
            if getattr(self, "_vocabulary", None) is None:
                from rag.filters import Vocabulary

                self._vocabulary = Vocabulary.from_papers(self.papers)
            return self._vocabulary

    def _is_rare(self, word: str, max_df: int = 3) -> bool:
        from rag.lexical import query_tokens

        toks = [t for t in query_tokens(word) if t in self.lexical.bm25.vocab_dict]
        if not toks:
            return True
        return int(np.count_nonzero(self.lexical.bm25.get_scores(toks))) <= max_df

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def cosines(self, qvec: np.ndarray) -> np.ndarray | None:
        """Exact cosine of the query with every paper (papers order), or None without a vector matrix."""
        vecs = self.lexical.vectors
        if vecs is None or vecs.ndim != 2 or vecs.shape[0] != len(self.papers) or not len(self.papers):
            return None
        return vecs @ np.asarray(qvec, dtype=np.float32)

    def dense(
        self,
        query: str,
        qvec: np.ndarray,
        k: int,
        allowed: np.ndarray | None = None,
        cos: np.ndarray | None = None,
    ) -> list[tuple[str, float]]:
        """Top-k (paper_id, cosine) among the allowed papers: exact over the vector matrix, or through
        the LlamaIndex retriever over Chroma's HNSW index (`dense_search='ann'`, or no matrix).
        `cos` passes in cosines already computed with `cosines(qvec)`."""
        if not self.papers:
            return []
        if self.settings.dense_search != "exact":
            cos = None
        elif cos is None:
            cos = self.cosines(qvec)
        if cos is not None:
            return [(self.papers[i].paper_id, float(cos[i])) for i in top_k(cos, k, allowed)]
        n = min(len(self.papers), k if allowed is None else k * 4 + int(len(self.papers) - allowed.sum()) // 10)
        found = self._dense_ann(query, qvec, n)
        if allowed is not None:
            found = [(pid, c) for pid, c in found if pid in self.by_id and allowed[self.by_id[pid]]]
        return found[:k]

    def _dense_ann(self, query: str, qvec: np.ndarray, k: int) -> list[tuple[str, float]]:
        from llama_index.core.schema import QueryBundle

        retriever = self.index.as_retriever(similarity_top_k=min(k, len(self.papers)))
        nodes = retriever.retrieve(QueryBundle(query_str=query, embedding=np.asarray(qvec).tolist()))
        # Chroma cosine distance d is returned by LlamaIndex as exp(-d); recover cosine = 1 - d.
        return [(n.node.node_id, 1.0 + float(np.log(max(n.score or 1e-12, 1e-12)))) for n in nodes]

    def _cosines_for(self, ids: list[str], qvec: np.ndarray, cos: np.ndarray | None = None) -> dict[str, float]:
        """Cosines of these papers: from `cos` (all papers) when given, else from their rows of the vector
        matrix, else from the embeddings stored in Chroma."""
        if cos is not None:
            return {pid: float(cos[self.by_id[pid]]) for pid in ids}
        if not ids:
            return {}
        vecs = self.lexical.vectors
        if vecs is not None and vecs.ndim == 2 and vecs.shape[0] == len(self.papers):
            rows = vecs[[self.by_id[pid] for pid in ids]] @ np.asarray(qvec, dtype=np.float32)
            return {pid: float(c) for pid, c in zip(ids, rows, strict=True)}
        got = self.store.collection.get(ids=ids, include=["embeddings"])
        return {pid: float(np.dot(np.asarray(e, dtype=np.float32), qvec))
                for pid, e in zip(got["ids"], got["embeddings"], strict=True)}

    def hits_for(self, paper_ids: list[str], qvec: np.ndarray) -> list[Hit]:
        """Hits for specific papers (e.g. ones the user referred to), in the given order."""
        ids = [pid for pid in dict.fromkeys(paper_ids) if pid in self.by_id]
        if not ids:
            return []
        cos = self._cosines_for(ids, qvec)
        return [Hit(paper=self.papers[self.by_id[pid]], score=cos.get(pid, 0.0), dense=cos.get(pid, 0.0))
                for pid in ids]

    def papers_by_authors_of(self, paper_ids: list[str]) -> list[str]:
        """Other papers sharing an author (same full name) with any of these papers."""
        names = {fold(a) for pid in paper_ids if pid in self.by_id for a in self.papers[self.by_id[pid]].authors}
        names.discard("")
        if not names:
            return []
        exclude = set(paper_ids)
        return [p.paper_id for p in self.papers
                if p.paper_id not in exclude and any(fold(a) in names for a in p.authors)]

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        qvec: np.ndarray | None = None,
        boost_ids: dict[str, float] | None = None,
        allowed: np.ndarray | None = None,
    ) -> list[Hit]:
        """Hybrid retrieval: dense and BM25 candidates, fused (z-score or RRF), plus author/title matches.

        Filters become a boolean mask over papers that both candidate lists are drawn from
        (pre-filtering), so a filter never empties the top-k of an otherwise unfiltered search.
        `boost_ids` adds a bonus for papers a follow-up question is about; `allowed` is an extra
        boolean mask over papers (e.g. a sub-library), combined with the filters' mask.
        """
        s = self.settings
        k = k or s.top_k
        if not self.papers:
            return []
        fmask = self.mask(filters) if filters and filters.active() else None
        if allowed is not None:
            allowed = allowed if fmask is None else allowed & fmask
        else:
            allowed = fmask
        if allowed is not None and not allowed.any():
            return []
        qvec = self.embed_query(query) if qvec is None else qvec
        n_cand = max(s.candidates, k)
        cos = self.cosines(qvec) if s.dense_search == "exact" else None
        dense = self.dense(query, qvec, n_cand, allowed, cos=cos)
        bm_all = self.lexical.scores(query)
        bm25 = self.lexical.search(query, n_cand, allowed, scores=bm_all) if bm_all is not None else []

        info: dict[str, Hit] = {}

        def hit(pid: str) -> Hit | None:
            if pid not in info:
                idx = self.by_id.get(pid)
                if idx is None or (allowed is not None and not allowed[idx]):
                    return None
                p = self.papers[idx]
                info[pid] = Hit(paper=p, score=0.0, bm25=float(bm_all[idx]) if bm_all is not None else 0.0)
            return info[pid]

        for rank, (pid, c) in enumerate(dense, 1):
            if (h := hit(pid)) is not None:
                h.dense, h.ranks["dense"] = c, rank
        for rank, (pid, _) in enumerate(bm25, 1):
            if (h := hit(pid)) is not None:
                h.ranks["bm25"] = rank
        pool = list(info)  # the fusion's candidate set: dense and BM25 lists
        for rank, (idx, n) in enumerate(sorted(self.authors.match(query).items(), key=lambda kv: -kv[1]), 1):
            if (h := hit(self.papers[idx].paper_id)) is not None:
                h.author_match, h.ranks["author"] = n, rank
        for idx in self.titles.match(query):
            if (h := hit(self.papers[idx].paper_id)) is not None:
                h.title_match = True
        for pid in boost_ids or {}:
            hit(pid)
        missing = [pid for pid, h in info.items() if "dense" not in h.ranks]
        if missing:  # exact cosine for papers only BM25/authors/titles found
            for pid, c in self._cosines_for(missing, qvec, cos).items():
                info[pid].dense = c
        if s.fusion == "rrf":
            scores = self._rrf(info, boost_ids)
        else:
            scores = self._zscore(info, pool, boost_ids)
        for pid, h in info.items():
            h.score = scores[pid]
        return sorted(info.values(), key=lambda h: -h.score)[:k]

    def _zscore(self, info: dict[str, Hit], pool: list[str], boost_ids: dict[str, float] | None) -> dict[str, float]:
        """alpha * z(cosine) + (1 - alpha) * z(BM25), standardised over the dense+BM25 candidate pool,
        plus bonuses (in standard deviations) for author-name, title and follow-up matches."""
        s = self.settings
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

    def _rrf(self, info: dict[str, Hit], boost_ids: dict[str, float] | None) -> dict[str, float]:
        """Weighted reciprocal-rank fusion of the dense, BM25 and author rankings, plus title/follow-up bonuses."""
        s = self.settings
        out = {}
        for pid, h in info.items():
            r = h.ranks
            v = s.dense_weight / (s.rrf_k + r["dense"]) if "dense" in r else 0.0
            v += s.bm25_weight / (s.rrf_k + r["bm25"]) if "bm25" in r else 0.0
            v += s.author_boost * h.author_match / (s.rrf_k + r["author"]) if "author" in r else 0.0
            v += s.title_boost * 2.0 / (s.rrf_k + 1) if h.title_match else 0.0
            out[pid] = v + (boost_ids or {}).get(pid, 0.0) / (s.rrf_k + 1)
        return out

    def near_top(self, hit: Hit, top: Hit, best_dense: float) -> bool:
        """Is `hit` about as good a match as `top` (used to list several papers for one question)?

        z-score fusion: at least 3 standard deviations above the candidate pool, or 60% of the top
        score when the top itself is weaker (calibrated on the dev set's multi-paper questions).
        """
        if self.settings.fusion == "rrf":
            return hit.score >= 0.97 * top.score or hit.dense >= best_dense - 0.06
        return hit.score >= min(3.0, 0.6 * top.score)


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


def _llama_embedding_cls():
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class LlamaEmbedding(BaseEmbedding):
        """Adapter: our Embedder as a LlamaIndex embed model (so nothing is downloaded)."""

        _embedder: Any = PrivateAttr()

        def __init__(self, embedder: Any, **kw: Any):
            super().__init__(model_name=getattr(embedder, "name", "embedder"), **kw)
            self._embedder = embedder

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed([query])[0].tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed(texts).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return LlamaEmbedding


def _LlamaEmbedding(embedder):  # noqa: N802 - factory keeps llama_index import lazy
    return _llama_embedding_cls()(embedder)


def as_llama_retriever(retriever: HybridRetriever, k: int | None = None, filters: Filters | None = None):
    """The hybrid retriever as a LlamaIndex `BaseRetriever` (for LlamaIndex query engines and tools).

    Each result is a `NodeWithScore` whose node id is the paper id, text is title + abstract and
    metadata holds title, authors, year, venue and url; the score is the fused score.
    """
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

    class PaperRetriever(BaseRetriever):
        def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
            qvec = np.asarray(query_bundle.embedding, dtype=np.float32) if query_bundle.embedding else None
            out = []
            for h in retriever.search(query_bundle.query_str, k=k, filters=filters, qvec=qvec):
                p = h.paper
                meta = {"title": p.title or "", "authors": ", ".join(p.authors), "year": p.year,
                        "venue": p.venue or "", "url": p.url or ""}
                text = f"{p.title}. {p.abstract}" if p.title else p.abstract
                out.append(NodeWithScore(node=TextNode(id_=p.paper_id, text=text, metadata=meta), score=h.score))
            return out

    return PaperRetriever()
