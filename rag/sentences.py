"""Sentence embeddings of abstracts, used to pick and check evidence sentences.

Computed in one batch for whatever papers are missing, kept in memory, and persisted under
RAG_HOME so that small and medium corpora (up to `sentence_precompute_max` papers) have every
sentence embedded at ingest time and answering never waits for the model.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np

from rag.text import split_sentences
from rag.types import Paper


def paper_sentences(paper: Paper) -> list[str]:
    return split_sentences(paper.abstract) or [paper.abstract]


class SentenceVectors:
    def __init__(self, directory: Path, embedder):
        self.directory = directory
        self.embedder = embedder
        self.vecs: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._dirty = False
        self._load()

    def _load(self) -> None:
        try:
            ids = json.loads((self.directory / "ids.json").read_text())
            mat = np.load(self.directory / "vectors.npy")
        except (OSError, ValueError):
            return
        for pid, start, end in ids:
            self.vecs[pid] = mat[start:end]

    def ensure(self, papers: list[Paper]) -> None:
        """Embed (in one batch) the sentences of any paper not cached yet."""
        with self._lock:
            todo = [p for p in papers if p.paper_id not in self.vecs]
        if not todo:
            return
        sents = [paper_sentences(p) for p in todo]
        flat = [s for group in sents for s in group]
        mat = self.embedder.embed(flat)
        with self._lock:
            i = 0
            for p, group in zip(todo, sents, strict=True):
                self.vecs[p.paper_id] = mat[i : i + len(group)]
                i += len(group)
            self._dirty = True

    def get(self, paper: Paper) -> np.ndarray:
        self.ensure([paper])
        return self.vecs[paper.paper_id]

    def prune(self, keep: set[str]) -> None:
        with self._lock:
            for pid in list(self.vecs):
                if pid not in keep:
                    del self.vecs[pid]
                    self._dirty = True

    def save(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            self.directory.mkdir(parents=True, exist_ok=True)
            ids, chunks, start = [], [], 0
            for pid, v in self.vecs.items():
                ids.append([pid, start, start + len(v)])
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
