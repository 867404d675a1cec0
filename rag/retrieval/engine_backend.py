"""The "engine" retrieval backend (setting `retriever = "engine"`): hybrid search served by the engines'
own incremental indexes, with per-instance memory that does not grow with the collection.

- Lexical leg, catalogue, author/title/venue keys: the tantivy index the ingesting process keeps in
  step with the store (`rag.engine_index`, `rag.lexical_incremental`), opened read-only and
  memory-mapped. Papers are read from its stored `paper` field when a hit needs them (`rag.catalogue`).
- Dense leg: Chroma's own HNSW index (`collection.query`). Filters are resolved by the tantivy index
  first (a count, no documents read). At most `EXACT_IDS_MAX` passing papers: their stored vectors
  are scored exactly. More: the passing ones among the `DENSE_FETCH_MAX` nearest unfiltered neighbours
  (a year range keeps a large share, so this finds the top-`candidates`; Chroma's filtered query costs
  time proportional to the number of passing papers), and when fewer than a quarter of `candidates`
  pass, Chroma's own filtered query (`where` on year and venue, or the passing ids).
- Fusion, bonuses and `Hit`s are those of `HybridRetriever`: the z-score (or RRF) of the union of the
  top-`candidates` dense and BM25 lists, with exact cosines and BM25 scores for every pooled paper.

Every returned paper satisfies the filters: the BM25 leg applies them inside tantivy before its top-k,
the dense leg keeps only passing papers (exactly, as above).
Differences from the memory backend: BM25 is tantivy's (k1 1.2, b 0.75, not the tuned b 0.55); the
dense candidates come from HNSW (ef_search 100), not an exact pass; a surname or name matches at most
`NAME_MATCH_MAX` papers.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict

import numpy as np

from rag.lexical import lexical_query
from rag.retrieval.filtering import Filters
from rag.retrieval.fusion import rrf, zscore
from rag.retrieval.hits import Hit
from rag.retrieval.names import DistinctiveNames, phrase_in
from rag.settings import Settings
from rag.text import fold
from rag.types import Paper

EXACT_IDS_MAX = 1000  # a filter matching up to this many papers: their stored vectors are scored exactly
DENSE_FETCH_MAX = 1500  # broad filters: at most this many unfiltered HNSW neighbours, then the filter
NAME_MATCH_MAX = 200  # papers one author-name or surname key may bring into the candidates
TITLE_NGRAM_MAX = 24  # longest quoted title (in words) looked up

_vocab_cache: dict[str, tuple[tuple, object]] = {}  # index directory -> (venue counts, Vocabulary)
_vocab_lock = threading.Lock()


class EngineRetriever:
    """Dense (Chroma HNSW) + BM25 (tantivy) + author/title retrieval over one collection."""

    def __init__(self, settings: Settings, store, lexical, embedder):
        self.settings = settings
        self.store = store
        self.lexical = lexical  # rag.catalogue.EngineLexical
        self.index = lexical.index
        self.embedder = embedder
        self.papers = lexical.papers
        self.by_id = lexical.by_id
        self.authors = EngineAuthors(self)
        self.distinctive = DistinctiveNames(self.phrase_count)
        self._venues: dict[str, int] | None = None
        self._lock = threading.Lock()

    # --- collection-level facts ---------------------------------------------------------------------
    def venue_counts(self) -> dict[str, int]:
        with self._lock:
            if self._venues is None:
                self._venues = self.index.venue_counts()
            return self._venues

    @property
    def vocabulary(self):
        """The collection's venue names, for filters typed in questions: built from the distinct venues
        and their counts (an aggregation in the index) and a sample of abstracts, once per venue set."""
        from rag.vocabulary import Vocabulary

        counts = self.venue_counts()
        key = tuple(sorted(counts.items()))
        directory = str(self.index.directory)
        with _vocab_lock:
            cached = _vocab_cache.get(directory)
            if cached is not None and cached[0] == key:
                return cached[1]
        voc = Vocabulary.from_counts(counts, [p.abstract for p in self.index.sample(5000)])
        with _vocab_lock:
            _vocab_cache[directory] = (key, voc)
        return voc

    def is_rare(self, word: str, max_df: int = 3) -> bool:
        return self.index.doc_freq(word) <= max_df

    # --- filters ------------------------------------------------------------------------------------
    def venues_for(self, wanted: str) -> list[str]:
        """The collection's venue strings that a venue filter selects (`Filters.venue` semantics)."""
        venues = list(self.venue_counts())
        rows = [Paper(paper_id=str(i), abstract="", venue=v) for i, v in enumerate(venues)]
        keep = Filters(venue=wanted).mask(rows)
        return [v for v, k in zip(venues, keep, strict=True) if k]

    def scope(self, filters: Filters | None, allowed: np.ndarray | None) -> _Scope | None:
        """How both legs restrict the search, or None when no paper can pass."""
        f = filters if filters is not None and filters.active() else Filters()
        allowed_ids = None
        if allowed is not None:
            pos = np.flatnonzero(allowed)
            known = self.papers.known_ids()
            allowed_ids = [known[i] for i in pos if i < len(known)]
        venues = self.venues_for(f.venue) if f.venue else None
        lex = dict(allowed_ids=allowed_ids, year_min=f.year_min, year_max=f.year_max, venues=venues,
                   author=f.author, source=f.source)
        queries = self.index.filter_queries(**lex)
        if queries is None:
            return None
        sc = _Scope(lexical=lex, active=bool(queries))
        if not queries:
            return sc
        _, total = self.index.matching_ids(queries, 1)  # a count: one stored document read
        if not total:
            return None
        sc.queries, sc.total = queries, total
        if total <= EXACT_IDS_MAX:
            sc.ids, _ = self.index.matching_ids(queries, total)  # few enough to score exactly
        elif not (f.author or f.source or allowed_ids is not None):
            from rag.store import where_clause

            sc.where = where_clause(f.year_min, f.year_max, venues)
        return sc

    # --- legs ---------------------------------------------------------------------------------------
    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def dense(self, qvec: np.ndarray, k: int, sc: _Scope) -> list[tuple[str, float]]:
        """Top-k (paper_id, cosine) among the papers passing the scope: exact over the stored vectors of a
        small matching set; for a broad filter, the passing papers among the nearest DENSE_FETCH_MAX
        (enough of them when the filter keeps a large share; Chroma's own filtered query otherwise)."""
        from rag.store import query_dense, where_clause

        n = min(k, max(1, len(self.papers)))
        if sc.ids is not None:
            cos = self._cosines(sc.ids, qvec)
            return sorted(cos.items(), key=lambda kv: -kv[1])[:n]
        if sc.queries is None:
            return query_dense(self.store, qvec, n)
        share = sc.total / max(1, len(self.papers))
        fetch = min(DENSE_FETCH_MAX, max(n, int(np.ceil(n * 1.5 / share))))
        near = query_dense(self.store, qvec, fetch)
        ok = set(self.index.matching_ids([*sc.queries, self.index.filter_queries(
            allowed_ids=[pid for pid, _ in near])[0]], len(near))[0]) if near else set()
        passing = [(pid, c) for pid, c in near if pid in ok]
        if len(passing) >= max(1, n // 4) or fetch >= len(self.papers):
            return passing[:n]
        where = sc.where
        if where is None:  # author/source/id-set filters: Chroma metadata cannot express them, ids can
            ids, _ = self.index.matching_ids(sc.queries, sc.total)
            where = where_clause(ids=ids)
        return query_dense(self.store, qvec, n, where)

    def _cosines(self, ids: list[str], qvec: np.ndarray) -> dict[str, float]:
        from rag.store import embeddings_for

        q = np.asarray(qvec, dtype=np.float32)
        return {pid: float(v @ q) for pid, v in embeddings_for(self.store, ids).items()}

    # --- the answer layer's helpers -----------------------------------------------------------------
    def hits_for(self, paper_ids: list[str], qvec: np.ndarray) -> list[Hit]:
        """Hits for specific papers (e.g. ones the user referred to), in the given order."""
        pos = self.papers.resolve(paper_ids)
        ids = [pid for pid in dict.fromkeys(paper_ids) if pid in pos]
        if not ids:
            return []
        cos = self._cosines(ids, qvec)
        return [Hit(paper=self.papers[pos[pid]], score=cos.get(pid, 0.0), dense=cos.get(pid, 0.0)) for pid in ids]

    def papers_by_authors_of(self, paper_ids: list[str]) -> list[str]:
        """Other papers sharing an author (same full name) with any of these papers (at most
        NAME_MATCH_MAX per name)."""
        pos = self.papers.resolve(paper_ids)
        names = {fold(a) for pid in paper_ids if pid in pos for a in self.papers[pos[pid]].authors}
        names.discard("")
        if not names:
            return []
        found = self.index.key_matches("author_name", sorted(names), NAME_MATCH_MAX)
        exclude = set(paper_ids)
        cand = sorted({pid for ids in found.values() for pid in ids} - exclude)
        got = self.papers.resolve(cand)
        return [pid for pid in cand if pid in got
                and any(fold(a) in names for a in self.papers[got[pid]].authors)]

    def title_matches(self, query: str) -> set[str]:
        """Ids of papers whose distinctive title (or its part before/after ':') the question quotes."""
        words = fold(query).split()
        long = [" ".join(words[i : i + n]) for n in range(3, min(TITLE_NGRAM_MAX, len(words)) + 1)
                for i in range(len(words) - n + 1)]
        found = {pid for name, ids in self.index.key_matches("title_key", long, NAME_MATCH_MAX).items()
                 if self.distinctive(name) for pid in ids}
        for word, ids in self.index.key_matches("title_word", [w for w in words if len(w) >= 4],
                                                NAME_MATCH_MAX).items():
            if self.is_rare(word):
                found.update(ids)
        return found

    def phrase_count(self, phrase: str, limit: int) -> int:
        """How many papers (counting stops at `limit`) contain the folded phrase in their title or abstract
        (`DistinctiveNames`): the index has no positions, so the papers holding every word of it are
        counted, and when that is `limit` or more, the best-scoring NAME_MATCH_MAX of them are read."""
        import tantivy

        toks = list(dict.fromkeys(self.index.query_tokens(phrase)))
        if not toks:
            return limit
        terms = [tantivy.Query.term_query(self.index.schema, "text", t) for t in toks]
        ids, total = self.index.matching_ids(terms, NAME_MATCH_MAX)
        if total < limit:
            return total  # fewer papers hold all its words than the limit: the phrase is at least as rare
        pos = self.papers.resolve(ids)
        n = 0
        for pid in ids:
            n += pid in pos and phrase_in(phrase, self.papers[pos[pid]])
            if n >= limit:
                break
        return n

    # --- search -------------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        qvec: np.ndarray | None = None,
        boost_ids: dict[str, float] | None = None,
        allowed: np.ndarray | None = None,
    ) -> list[Hit]:
        """Hybrid retrieval with the filters applied inside both engines (see the module docstring);
        the same arguments and result as `HybridRetriever.search`."""
        s = self.settings
        k = k or s.top_k
        if not len(self.papers):
            return []
        sc = self.scope(filters, allowed)
        if sc is None:
            return []
        qvec = self.embed_query(query) if qvec is None else qvec
        n_cand = max(s.candidates, k)
        dense = self.dense(qvec, n_cand, sc)
        words = lexical_query(query)  # the text the lexical leg scores, read once for both of its searches below
        bm25 = self.index.search(words, n_cand, **sc.lexical)
        bm_score = dict(bm25)
        cos = dict(dense)
        extra: dict[str, int] = {}  # author-matched papers: number of matched names
        for pid, n in self.authors.match_ids(query).items():
            extra[pid] = n
        titles = self.title_matches(query)
        wanted = list(dict.fromkeys([*cos, *bm_score, *extra, *titles, *(boost_ids or {})]))
        if sc.active and (extra or titles or boost_ids):  # names and boosts must pass the filters too
            outside = [pid for pid in wanted if pid not in cos and pid not in bm_score]
            if sc.lexical["allowed_ids"] is not None:
                allowed_set = set(sc.lexical["allowed_ids"])
                outside = [pid for pid in outside if pid in allowed_set]
            ok = set(self.index.matching_ids(self.index.filter_queries(**{**sc.lexical, "allowed_ids": outside}),
                                             len(outside))[0]) if outside else set()
            wanted = [pid for pid in wanted if pid in cos or pid in bm_score or pid in ok]
        pos = self.papers.resolve(wanted)
        wanted = [pid for pid in wanted if pid in pos]
        no_bm25 = [pid for pid in wanted if pid not in bm_score]
        if no_bm25:  # exact BM25 of every pooled paper, as the memory backend's score vector gives
            bm_score.update(self.index.search(words, len(no_bm25), allowed_ids=no_bm25))
        no_cos = [pid for pid in wanted if pid not in cos]
        if no_cos:
            cos.update(self._cosines(no_cos, qvec))
        info: dict[str, Hit] = {}
        for pid in wanted:
            info[pid] = Hit(paper=self.papers[pos[pid]], score=0.0, bm25=bm_score.get(pid, 0.0),
                            dense=cos.get(pid, 0.0))
        for rank, (pid, _) in enumerate(dense, 1):
            if pid in info:
                info[pid].ranks["dense"] = rank
        for rank, (pid, _) in enumerate(bm25, 1):
            if pid in info:
                info[pid].ranks["bm25"] = rank
        pool = [pid for pid in info if "dense" in info[pid].ranks or "bm25" in info[pid].ranks]
        for rank, (pid, n) in enumerate(sorted(extra.items(), key=lambda kv: -kv[1]), 1):
            if pid in info:
                info[pid].author_match, info[pid].ranks["author"] = n, rank
        for pid in titles:
            if pid in info:
                info[pid].title_match = True
        scores = rrf(s, info, boost_ids) if s.fusion == "rrf" else zscore(s, info, pool, boost_ids)
        for pid, h in info.items():
            h.score = scores[pid]
        return sorted(info.values(), key=lambda h: -h.score)[:k]


class _Scope:
    """A search's restriction: keyword arguments for the tantivy index, and for the dense leg either a
    Chroma `where` or the exact ids that pass."""

    def __init__(self, lexical: dict, active: bool):
        self.lexical = lexical
        self.active = active
        self.where: dict | None = None  # Chroma's filter, for a broad year/venue filter
        self.ids: list[str] | None = None  # every passing paper, when they are few (scored exactly)
        self.queries: list | None = None  # the tantivy filter queries (None: unfiltered)
        self.total = 0  # how many papers pass


class EngineAuthors:
    """`retriever.authors`: author names a question mentions, matched through the index's name keys with
    `AuthorIndex.match`'s rules (full names and 'first last' +2, capitalised surnames of 4+ letters +1)."""

    def __init__(self, retriever: EngineRetriever):
        self.retriever = retriever
        self.full = _KeySet(retriever.index, "author_name")  # `AuthorIndex.full` membership ("name" in full)
        self.last = _KeySet(retriever.index, "author_last")

    def match_ids(self, query: str) -> dict[str, int]:
        index = self.retriever.index
        q = " " + fold(re.sub(r"['’]s\b", "", query)) + " "
        words = q.split()
        hits: dict[str, int] = defaultdict(int)
        grams = [" ".join(words[i : i + n]) for n in (4, 3, 2) for i in range(len(words) - n + 1)]
        for ids in index.key_matches("author_name", grams, NAME_MATCH_MAX).values():
            for pid in ids:
                hits[pid] += 2
        capitalised = {re.sub(r" s$", "", fold(w)) for w in re.findall(r"\b[A-Z][\w’'-]+", query)}
        for ids in index.key_matches("author_last", sorted(capitalised), NAME_MATCH_MAX).values():
            for pid in ids:
                hits[pid] += 1
        return dict(hits)

    def match(self, query: str) -> dict[int, int]:
        """catalogue position -> number of matched authors (what `AuthorIndex.match` returns)."""
        found = self.match_ids(query)
        pos = self.retriever.papers.resolve(found)
        return {pos[pid]: n for pid, n in found.items() if pid in pos}


class _KeySet:
    """Membership in one of the index's raw key fields, as `key in AuthorIndex.full` reads: a
    term-dictionary lookup (a paper deleted since the last segment merge may still count)."""

    def __init__(self, index, field: str):
        self.index, self.field = index, field

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(key) and bool(self.index.index.searcher().doc_freq(self.field, key))
