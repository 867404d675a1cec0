"""Sentence embeddings of abstracts, used to pick and check evidence sentences.

Computed in one batch for whatever papers are missing, kept in memory, and persisted under
RAG_HOME so that small and medium corpora (up to `sentence_precompute_max` papers) have every
sentence embedded at ingest time and answering never waits for the model.

Vectors are keyed on the paper id *and* a hash of its abstract: a re-imported paper whose abstract
changed under the same id (BibTeX, RIS and JSON ids do not include the abstract) gets new vectors,
never the old abstract's. The cache is shared by every request of a process: a paper being embedded
by one thread is waited for, not embedded again, by the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.text import split_sentences
from rag.types import Paper


def paper_sentences(paper: Paper) -> list[str]:
    return list(_sentences(paper.abstract))


@lru_cache(maxsize=8192)
def _sentences(abstract: str) -> tuple[str, ...]:
    """The abstract's sentences, split once: every question reads the same candidates' sentences again."""
    return tuple(split_sentences(abstract) or [abstract])


def sentence_key(paper: Paper) -> tuple[str, str]:
    """(paper_id, digest of the abstract): what a paper's sentence vectors are valid for."""
    return paper.paper_id, hashlib.sha1(paper.abstract.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class SentenceVectors:
    def __init__(self, directory: Path, embedder):
        self.directory = directory
        self.embedder = embedder
        self.vecs: dict[tuple[str, str], np.ndarray] = {}
        self._cond = threading.Condition()
        self._pending: set[tuple[str, str]] = set()  # being embedded by some thread right now
        self._dirty = False
        self._load()

    def _load(self) -> None:
        try:
            ids = json.loads((self.directory / "ids.json").read_text())
            mat = np.load(self.directory / "vectors.npy")
        except (OSError, ValueError):
            return
        for entry in ids:
            if len(entry) == 4:  # [paper_id, abstract digest, start, end]; older files lack the digest
                pid, digest, start, end = entry
                self.vecs[(pid, digest)] = mat[start:end]

    def ensure(self, papers: list[Paper], select: dict[tuple[str, str], list[int]] | None = None) -> None:
        """Embed (in one batch) the sentences of any paper not cached yet. Papers another thread is
        already embedding are waited for instead of embedded twice.

        `select` (sentence key -> sentence indices) embeds only those sentences of a paper that is not
        cached yet; its other rows stay NaN until a later call asks for them."""
        mine: dict[tuple[str, str], tuple[Paper, list[int]]] = {}
        waiting: set[tuple[str, str]] = set()
        with self._cond:
            for p in papers:
                key = sentence_key(p)
                if key in mine:
                    continue
                have = self.vecs.get(key)
                n = len(paper_sentences(p))
                wanted = range(n) if select is None or key not in select else select[key]
                need = [i for i in wanted if have is None or np.isnan(have[i, 0])]
                if not need:
                    continue
                if key in self._pending:
                    waiting.add(key)
                else:
                    mine[key] = (p, need)
            self._pending.update(mine)
        if mine:
            try:
                sents = {key: paper_sentences(p) for key, (p, _) in mine.items()}
                texts = [sents[key][i] for key, (_, need) in mine.items() for i in need]
                mat = self.embedder.embed(texts)
                with self._cond:
                    k = 0
                    for key, (_, need) in mine.items():
                        have = self.vecs.get(key)
                        full = (np.full((len(sents[key]), mat.shape[1]), np.nan, dtype=np.float32)
                                if have is None else have.copy())  # a new array: readers may hold the old
                        full[need] = mat[k : k + len(need)]
                        k += len(need)
                        self.vecs[key] = full
                    self._dirty = True
            finally:
                with self._cond:
                    self._pending.difference_update(mine)
                    self._cond.notify_all()
        if waiting:
            with self._cond:
                self._cond.wait_for(lambda: not (waiting & self._pending))
            missing = [p for p in papers if sentence_key(p) in waiting]
            if missing:  # embed whatever the other thread did not (it may have embedded other rows)
                self.ensure(missing, select)

    def has(self, paper: Paper) -> bool:
        """Are all of this paper's sentence vectors cached (for its current abstract)?"""
        vec = self.vecs.get(sentence_key(paper))
        return vec is not None and not np.isnan(vec[:, 0]).any()

    def peek(self, paper: Paper) -> np.ndarray | None:
        """The cached vectors (NaN rows: sentences not embedded yet), or None; never embeds."""
        return self.vecs.get(sentence_key(paper))

    def get(self, paper: Paper) -> np.ndarray:
        """Vectors of every sentence of the paper (embeds what is missing)."""
        if not self.has(paper):
            self.ensure([paper])
        return self.vecs[sentence_key(paper)]

    def prune(self, keep: Iterable[Paper] | set[str]) -> None:
        """Drop vectors of papers not in `keep` (Papers: also those whose abstract changed; ids: by id)."""
        keep = list(keep)
        if keep and isinstance(keep[0], Paper):
            wanted = {sentence_key(p) for p in keep}
            drop = [k for k in self.vecs if k not in wanted]
        else:
            ids = set(keep)
            drop = [k for k in self.vecs if k[0] not in ids]
        with self._cond:
            for k in drop:
                self.vecs.pop(k, None)
            self._dirty = self._dirty or bool(drop)

    def save(self) -> None:
        with self._cond:
            if not self._dirty:
                return
            self.directory.mkdir(parents=True, exist_ok=True)
            ids, chunks, start = [], [], 0
            for (pid, digest), v in self.vecs.items():
                ids.append([pid, digest, start, start + len(v)])
                chunks.append(v)
                start += len(v)
            mat = np.concatenate(chunks) if chunks else np.zeros((0, 384), dtype=np.float32)
            tmp = self.directory / f".vectors.{os.getpid()}.npy"
            np.save(tmp, mat)
            os.replace(tmp, self.directory / "vectors.npy")
            tmp_ids = self.directory / f".ids.{os.getpid()}.json"
            tmp_ids.write_text(json.dumps(ids))
            os.replace(tmp_ids, self.directory / "ids.json")
            self._dirty = False


class QuestionView:
    """The sentence vectors one question may read: what it asked for itself, never what earlier questions
    happened to embed.

    A large collection (more than `sentence_precompute_max` papers) embeds sentences on demand, and the
    process-wide cache grows with every question. Read directly, that cache would make an answer depend on
    the questions asked before it: a candidate screened out on a fresh process would be fully judged once
    another question had embedded its sentences, and a paper's best sentence could be one only an earlier
    question embedded. The view records the rows this question requested (`ensure`, `get`) and shows only
    those; the cache still saves the work of embedding them again. A collection embedded at ingest
    (`scoped=False`) has every vector from the start, and the view passes the cache through."""

    def __init__(self, cache: SentenceVectors, scoped: bool):
        self.cache = cache
        self.scoped = scoped
        self._rows: dict[tuple[str, str], set[int]] = {}

    def _request(self, paper: Paper, rows: Iterable[int] | None = None) -> None:
        if self.scoped:
            n = len(paper_sentences(paper))
            self._rows.setdefault(sentence_key(paper), set()).update(range(n) if rows is None else rows)

    def ensure(self, papers: list[Paper], select: dict[tuple[str, str], list[int]] | None = None) -> None:
        for p in papers:
            self._request(p, None if select is None else select.get(sentence_key(p)))
        self.cache.ensure(papers, select)

    def has(self, paper: Paper) -> bool:
        if not self.scoped:
            return self.cache.has(paper)
        return len(self._rows.get(sentence_key(paper), ())) == len(paper_sentences(paper))

    def peek(self, paper: Paper) -> np.ndarray | None:
        vec = self.cache.peek(paper)
        if not self.scoped or vec is None:
            return vec
        rows = self._rows.get(sentence_key(paper))
        if not rows:
            return None
        if len(rows) == len(vec):
            return vec
        out = np.full_like(vec, np.nan)
        idx = sorted(rows)
        out[idx] = vec[idx]
        return out

    def get(self, paper: Paper) -> np.ndarray:
        self._request(paper)
        return self.cache.get(paper)
