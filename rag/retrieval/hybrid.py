"""Hybrid retrieval over one collection: exact dense (or Chroma HNSW) + BM25 candidates, fused into
one hit per paper, with author/title matches, filter masks and follow-up boosts."""

from __future__ import annotations

import threading

import numpy as np

from rag.lexical import lexical_query, top_k
from rag.retrieval.filtering import Filters, author_starts, venue_matches
from rag.retrieval.fusion import rrf, zscore
from rag.retrieval.hits import Hit
from rag.retrieval.names import AuthorIndex, TitleIndex, phrase_in
from rag.settings import Settings
from rag.text import fold


def _row_dots(vecs: np.ndarray, qvec: np.ndarray) -> np.ndarray:
    """Each row's dot product with the query vector, by numpy's own loop (einsum) rather than BLAS: a
    matrix-vector product this large runs on OpenBLAS's thread pool, whose threads then busy-wait for a while
    on the cores the embedder needs next. The evidence sentences embedded right after took twice as long,
    and ask() at 30k papers took about 150 ms instead of 80 (benchmarks/results/blas_spin.json)."""
    return np.einsum("ij,j->i", vecs, np.asarray(qvec, dtype=np.float32))


class HybridRetriever:
    """Dense + BM25 + author retrieval over one corpus."""

    def __init__(self, settings: Settings, store, lexical, embedder):
        from llama_index.core import VectorStoreIndex

        from rag.retrieval.llama import llama_embedding

        self.settings = settings
        self.store = store
        self.lexical = lexical
        self.embedder = embedder
        self.papers = lexical.papers
        self.by_id = lexical.by_id
        self.authors = AuthorIndex(self.papers)
        self._years: np.ndarray | None = None
        self._masks: dict[tuple, np.ndarray] = {}
        self.titles = TitleIndex(self.papers, is_rare=self._is_rare, phrase_count=self._phrase_count)
        self.index = VectorStoreIndex.from_vector_store(store.vector_store(), embed_model=llama_embedding(embedder))
        self._lock = threading.Lock()

    def mask(self, filters: Filters) -> np.ndarray:
        """Boolean mask of papers passing the filters (years vectorised; cached per filter set).

        Thread-safe: a mask is a pure function of the filters, so two threads may compute the same one;
        the cache itself is only changed under the lock."""
        key = tuple(filters.__dict__.values())
        with self._lock:
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
        if filters.venue:  # matched once per distinct venue name, not once per paper
            codes, names = self._venues()
            m &= np.array([venue_matches(filters.venue, v) for v in names], dtype=bool)[codes]
        if filters.author:  # one scan of every paper's authors, each match mapped back to its paper
            text, starts = self._folded_authors()
            found = np.zeros(len(self.papers), dtype=bool)
            at = author_starts(filters.author, text)
            found[np.searchsorted(starts, np.asarray(at, dtype=np.int64), side="right") - 1] = True
            m &= found
        if filters.source:
            idx = np.flatnonzero(m)
            m[idx] = Filters(source=filters.source).mask([self.papers[i] for i in idx])
        m.setflags(write=False)
        with self._lock:
            if len(self._masks) > 64:
                self._masks.clear()
            self._masks[key] = m
        return m

    def _venues(self) -> tuple[np.ndarray, list[str]]:
        """Each paper's venue as a code into the list of distinct venue names (built once)."""
        with self._lock:
            if getattr(self, "_venue_codes", None) is None:
                names: dict[str, int] = {}
                codes = np.array([names.setdefault(p.venue or "", len(names)) for p in self.papers], dtype=np.int32)
                self._venue_codes = (codes, list(names))
            return self._venue_codes

    def _folded_authors(self) -> tuple[str, np.ndarray]:
        """Every paper's authors, folded and joined by ' | ', one paper a line, and where each paper's line
        starts (built once), for author filters: a folded name holds no line break, so a match is one paper's."""
        with self._lock:
            if getattr(self, "_authors_folded", None) is None:
                lines = [" | ".join(fold(a) for a in p.authors) for p in self.papers]
                starts = np.cumsum([0] + [len(line) + 1 for line in lines[:-1]]) if lines else np.zeros(0, np.int64)
                self._authors_folded = ("\n".join(lines), np.asarray(starts, dtype=np.int64))
            return self._authors_folded

    @property
    def vocabulary(self):
        """The collection's venue names, for filters typed in questions (built on first use)."""
        with self._lock:
            if getattr(self, "_vocabulary", None) is None:
                from rag.vocabulary import Vocabulary

                self._vocabulary = Vocabulary.from_papers(self.papers)
            return self._vocabulary

    def _is_rare(self, word: str, max_df: int = 3) -> bool:
        from rag.lexical import query_tokens

        toks = [t for t in query_tokens(word) if t in self.lexical.bm25.vocab_dict]
        if not toks:
            return True
        return int(np.count_nonzero(self.lexical.bm25.get_scores(toks))) <= max_df

    def _phrase_count(self, phrase: str, limit: int) -> int:
        """How many papers (counting stops at `limit`) contain the folded phrase in their title or
        abstract: only papers holding every indexed word of it (BM25 postings) are read. Called once per
        title name a question quotes (TitleIndex caches the verdict), so no phrase index is kept."""
        from rag.lexical import query_tokens

        bm25, toks = self.lexical.bm25, list(dict.fromkeys(query_tokens(phrase)))
        if not toks:
            return limit  # stopwords only: not a name
        if any(t not in bm25.vocab_dict for t in toks):
            return 0
        cand = np.ones(len(self.papers), dtype=bool)
        for tok in toks:
            cand &= np.asarray(bm25.get_scores([tok])) > 0
        n = 0
        for i in np.flatnonzero(cand):
            n += phrase_in(phrase, self.papers[i])
            if n >= limit:
                break
        return n

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def cosines(self, qvec: np.ndarray) -> np.ndarray | None:
        """Exact cosine of the query with every paper (papers order), or None without a vector matrix."""
        vecs = self.lexical.vectors
        if vecs is None or vecs.ndim != 2 or vecs.shape[0] != len(self.papers) or not len(self.papers):
            return None
        return _row_dots(vecs, qvec)

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
            rows = _row_dots(vecs[[self.by_id[pid] for pid in ids]], qvec)
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
        bm_all = self.lexical.scores(lexical_query(query))
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
            scores = rrf(s, info, boost_ids)
        else:
            scores = zscore(s, info, pool, boost_ids)
        for pid, h in info.items():
            h.score = scores[pid]
        return sorted(info.values(), key=lambda h: -h.score)[:k]
