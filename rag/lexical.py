"""BM25 (bm25s) over title + authors + abstract, persisted next to the Chroma store.

The index is always rebuilt *from the store's own records*, so it matches Chroma exactly in
embedded and server mode alike. A stamp records the store revision (and BM25 parameters) it was
built from; a reader that finds a stale stamp rebuilds. The same files hold the paper catalogue
(full metadata in BM25 doc order) used to render sources without another round trip to Chroma,
and `vectors.npy`, the stored embeddings in the same order, for exact dense scoring and
pre-filtered search (30k papers x 384 float32 = 46 MB; one matrix-vector product is ~1 ms).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

import numpy as np

from rag.types import Paper

_stemmer = None
_stem_lock = threading.Lock()
TOKEN = re.compile(r"(?u)\b\w[\w-]*\w\b|\b\w\b")


# A plural acronym, lower-cased: letters and digits with no vowel, then "s" ("gnns", "llms", "cnns", "k80s"), or
# a processing unit ("gpus", "tpus"). Snowball strips no "s" there, so "GNNs" stayed "gnns" and never matched "GNN".
_ACRONYM_PLURAL = re.compile(r"(?=[0-9b-df-hj-np-tv-xz]*[b-df-hj-np-tv-xz])[0-9b-df-hj-np-tv-xz]{2,}s|"
                             r"[b-df-hj-np-tv-xz]{1,2}pus")
_WORD = re.compile(r"\b\w+s\b", re.I)  # a word ending in "s", which `singular_acronyms` checks


def singular_acronyms(text: str) -> str:
    """The text with each plural acronym in the singular ("GNNs" -> "GNN"): what `stemmer()` does to a token,
    for an index that stems with its own Snowball (rag.lexical_incremental, tantivy)."""
    return _WORD.sub(lambda m: m.group(0)[:-1] if _ACRONYM_PLURAL.fullmatch(m.group(0).lower()) else m.group(0), text)


class _Stemmer:
    """Snowball English (PyStemmer), and a plural acronym as its singular: "GNNs" and "GNN" are one term."""

    def __init__(self, snowball):
        self._snowball = snowball

    def stemWord(self, word: str) -> str:  # noqa: N802 (PyStemmer's interface, which bm25s calls)
        return self.stemWords([word])[0]

    def stemWords(self, words) -> list[str]:  # noqa: N802
        return [w[:-1] if _ACRONYM_PLURAL.fullmatch(w) else w for w in self._snowball.stemWords(words)]


def stemmer() -> _Stemmer:
    global _stemmer
    with _stem_lock:
        if _stemmer is None:
            import Stemmer

            _stemmer = _Stemmer(Stemmer.Stemmer("english"))
        return _stemmer


_bm25s_module = None


def _bm25s():
    """bm25s, imported on first use. It sets its own logger to DEBUG, which printed a stray
    'DEBUG bm25s: Building index from IDs objects' line under the CLI's logging; keep it at WARNING
    (set once: Logger.setLevel clears every logger's cache, which cost 3 ms a question when done per call)."""
    global _bm25s_module
    if _bm25s_module is None:
        import logging

        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        _bm25s_module = bm25s
    return _bm25s_module


def lexical_text(paper: Paper) -> str:
    parts = [paper.title or "", " ".join(paper.authors), paper.abstract]
    return "\n".join(p for p in parts if p)


def tokenize(texts: list[str]):
    bm25s = _bm25s()
    return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer(), show_progress=False)


def query_tokens(query: str) -> list[str]:
    """Stemmed, stopword-free tokens of one query, as strings: exactly what `bm25s.tokenize(...,
    stopwords="en", stemmer=stemmer())` gives, computed directly and cached per text (the answer layer
    tokenizes every evidence sentence of every question; bm25s builds three tqdm bars and a vocabulary
    per call, and in the Gradio app each tqdm is wrapped by Gradio's progress tracker)."""
    return list(_query_tokens(query))


@functools.lru_cache(maxsize=65536)
def _query_tokens(query: str) -> tuple[str, ...]:
    words = [w for w in _SPLIT(query.lower()) if w not in _stopwords()]
    return tuple(stemmer().stemWords(words)) if words else ()


_SPLIT = re.compile(r"(?u)\b\w\w+\b").findall  # bm25s.tokenize's default token_pattern


# Function words the English stopword list of bm25s (which the index was built with) keeps: a question's "Any …?
# I'd like every one of them." matched abstracts on 'any', 'every', 'them' and 'like' rather than on 'PTB'. Dropped from
# the text a lexical search scores (`lexical_query`), never from the index or from the answer layer's term overlap.
QUERY_FUNCTION_WORDS = frozenset(
    """about above after again against all am any anybody anyone anything because been before being below both
    could did do does doing down during each either every everybody everyone everything few from further had has
    have having he her here hers herself him himself his how i i'd i'll i'm i've if its itself just me might more
    most must my myself neither nor now off once ones other ought our ours ourselves out over own same shall she
    should so some somebody someone something than those through too under until up very we were what whatever
    when where whether which while who whom whose why would you your yours yourself yourselves like please them
    themselves theirs us""".split()
)
_FUNCTION_WORD = re.compile(r"(?<![\w'’-])(?:" + "|".join(sorted((re.escape(w).replace("'", "['’]") for w in
                                                                    QUERY_FUNCTION_WORDS), key=len, reverse=True))
                            + r")(?![\w'’-])", re.I)


def lexical_query(query: str) -> str:
    """The query as a lexical search scores it: without QUERY_FUNCTION_WORDS, or as given where nothing else is left."""
    kept = _FUNCTION_WORD.sub(" ", query)
    return kept if _SPLIT(kept) else query


def split_words(text: str) -> list[str]:
    """The words the lexical index splits a text into, as typed (before lower-casing, stopwords and stemming)."""
    return _SPLIT(text)


@functools.lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.tokenization import _infer_stopwords

    _bm25s()
    return frozenset(_infer_stopwords("en"))


def top_k(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Indices of the k highest scores (descending), among the `allowed` ones when a mask is given."""
    idx = np.flatnonzero(allowed) if allowed is not None else None
    sub = scores if idx is None else scores[idx]
    k = min(k, len(sub))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-sub, k - 1)[:k]
    top = top[np.argsort(-sub[top], kind="stable")]
    return top if idx is None else idx[top]


class LexicalIndex:
    """BM25 retriever plus the catalogue of papers it indexes."""

    def __init__(self, papers: list[Paper], bm25, vectors: np.ndarray | None = None):
        self.papers = papers
        self.bm25 = bm25
        self.vectors = vectors  # (len(papers), dim) float32, row i = papers[i]; None if not loaded
        self.by_id = {p.paper_id: i for i, p in enumerate(papers)}
        self._terms: set[str] | None = None
        self._terms_lock = threading.Lock()

    @property
    def terms(self) -> set[str]:
        """Every term of the collection in squashed form (for 'is X mentioned at all?' checks).
        Built once per index, by the first thread that asks; the others wait for it."""
        if self._terms is None:
            with self._terms_lock:
                if self._terms is None:
                    from rag.text import squashed_variants

                    terms: set[str] = set()
                    for p in self.papers:
                        terms |= squashed_variants(f"{p.title or ''} {' '.join(p.authors)} {p.abstract}")
                    self._terms = terms
        return self._terms

    @classmethod
    def build(
        cls, papers: list[Paper], k1: float = 1.2, b: float = 0.75, vectors: np.ndarray | None = None
    ) -> LexicalIndex:
        bm25s = _bm25s()
        bm25 = bm25s.BM25(k1=k1, b=b)
        if papers:
            bm25.index(tokenize([lexical_text(p) for p in papers]), show_progress=False)
        return cls(papers, bm25, vectors)

    def doc_freq(self, word: str) -> int:
        """How many papers contain the (stemmed) word; the most frequent token when it has several (as
        `IncrementalLexicalIndex.doc_freq`)."""
        indptr, vocab = self.bm25.scores["indptr"], self.bm25.vocab_dict
        ids = [vocab[t] for t in query_tokens(word) if t in vocab] if self.papers else []
        return max((int(indptr[i + 1] - indptr[i]) for i in ids), default=0)

    def scores(self, query: str) -> np.ndarray | None:
        """BM25 score of every paper for `query` (float32, papers order); None if no query term is indexed."""
        if not self.papers:
            return None
        words = [w for w in query_tokens(query) if w in self.bm25.vocab_dict]
        if not words:
            return None
        return np.asarray(self.bm25.get_scores(words), dtype=np.float32)

    def search(
        self, query: str, k: int, allowed: np.ndarray | None = None, scores: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """Top-k (paper_id, bm25 score) with a score above 0; `allowed` is an optional boolean mask over
        papers, `scores` the vector `scores(query)` already returned."""
        scores = self.scores(query) if scores is None else scores
        if scores is None:
            return []
        return [(self.papers[i].paper_id, float(scores[i])) for i in top_k(scores, k, allowed) if scores[i] > 0]

    # --- persistence ---------------------------------------------------------------------------
    def save(self, directory: Path, stamp: dict) -> None:
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".bm25-", dir=directory.parent))
        try:
            if self.papers:
                self.bm25.save(str(tmp / "bm25"))
            with open(tmp / "catalogue.jsonl", "w", encoding="utf-8") as fh:
                for p in self.papers:
                    fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
            if self.vectors is not None:
                np.save(tmp / "vectors.npy", np.ascontiguousarray(self.vectors, dtype=np.float32))
            (tmp / "stamp.json").write_text(json.dumps(stamp))
            old = directory.with_name(directory.name + ".old")
            if directory.exists():
                os.replace(directory, old)
            os.replace(tmp, directory)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        bm25s = _bm25s()
        papers = []
        with open(directory / "catalogue.jsonl", encoding="utf-8") as fh:
            for line in fh:
                papers.append(Paper(**json.loads(line)))
        bm25 = bm25s.BM25.load(str(directory / "bm25")) if papers else bm25s.BM25()
        vectors = None
        if (directory / "vectors.npy").exists():
            vectors = np.load(directory / "vectors.npy")
            if vectors.shape[0] != len(papers):
                raise ValueError(f"{directory}: vectors.npy has {vectors.shape[0]} rows for {len(papers)} papers")
        return cls(papers, bm25, vectors)


def read_stamp(directory: Path) -> dict | None:
    try:
        return json.loads((directory / "stamp.json").read_text())
    except (OSError, ValueError):
        return None
