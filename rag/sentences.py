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
from pathlib import Path

import numpy as np

from rag.text import split_sentences
from rag.types import Paper


def paper_sentences(paper: Paper) -> list[str]:
    return split_sentences(paper.abstract) or [paper.abstract]


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

    def ensure(self, papers: list[Paper]) -> None:
        """Embed (in one batch) the sentences of any paper not cached yet. Papers another thread is
        already embedding are waited for instead of embedded twice."""
        mine: dict[tuple[str, str], Paper] = {}
        waiting: set[tuple[str, str]] = set()
        with self._cond:
            for p in papers:
                key = sentence_key(p)
                if key in self.vecs or key in mine:
                    continue
                if key in self._pending:
                    waiting.add(key)
                else:
                    mine[key] = p
            self._pending.update(mine)
        if mine:
            try:
                sents = [paper_sentences(p) for p in mine.values()]
                mat = self.embedder.embed([s for group in sents for s in group])
                with self._cond:
                    i = 0
                    for key, group in zip(mine, sents, strict=True):
                        self.vecs[key] = mat[i : i + len(group)]
                        i += len(group)
                    self._dirty = True
            finally:
                with self._cond:
                    self._pending.difference_update(mine)
                    self._cond.notify_all()
        if waiting:
            with self._cond:
                self._cond.wait_for(lambda: not (waiting & self._pending))
            missing = [p for p in papers if sentence_key(p) in waiting and sentence_key(p) not in self.vecs]
            if missing:  # the other thread failed; embed them here
                self.ensure(missing)

    def has(self, paper: Paper) -> bool:
        """Are this paper's sentence vectors cached (for its current abstract)?"""
        return sentence_key(paper) in self.vecs

    def get(self, paper: Paper) -> np.ndarray:
        key = sentence_key(paper)
        vec = self.vecs.get(key)
        if vec is None:
            self.ensure([paper])
            vec = self.vecs[key]
        return vec

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
