"""A lazy catalogue of a collection's papers for the engine backend: the list-like `papers` and dict-like
`by_id` the answer layer uses, without holding every paper in memory.

The papers live once, on disk, in the engine index's stored `paper` field (`IncrementalLexicalIndex`).
A paper gets a small integer position the first time it is looked up (a search hit, a cited id), so
`papers[by_id[pid]]` and boolean masks of `len(papers)` entries work as they do over the in-memory
list; memory grows with the papers actually used, not with the collection. A bounded cache keeps
recently used `Paper` objects.

What is O(N) here, and logged when used: iterating over every paper, and `papers[i]` for a position
no lookup has handed out (that assigns every paper a position, i.e. loads the whole catalogue, as the
memory backend does). Today only the Library tab's full listing and the UI's example questions do that.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator

from rag.types import Paper

log = logging.getLogger(__name__)
CACHE_SIZE = 4096


class Catalogue:
    """Sequence-like view of the papers of one engine index snapshot (see module docstring)."""

    def __init__(self, index, cache_size: int = CACHE_SIZE):
        self.index = index
        self._count = len(index)
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._cache: OrderedDict[int, Paper] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._complete = False
        self.by_id = _Positions(self)

    # --- positions ------------------------------------------------------------------------------
    def resolve(self, paper_ids: Iterable[str]) -> dict[str, int]:
        """Positions of the given ids that are indexed (assigning new ones), in one index lookup."""
        ids = list(dict.fromkeys(paper_ids))
        with self._lock:
            out = {pid: self._pos[pid] for pid in ids if pid in self._pos}
        todo = [pid for pid in ids if pid not in out]
        if todo and not self._complete:
            found = self.index.get_many(todo)
            self.remember(found.values())
            with self._lock:
                out.update({pid: self._pos[pid] for pid in found})
        return out

    def known_ids(self) -> list[str]:
        """The ids handed a position so far; list index = position (a boolean mask's meaning)."""
        with self._lock:
            return list(self._ids)

    def remember(self, papers: Iterable[Paper]) -> None:
        """Give these papers (just read from the index) positions and keep them in the cache."""
        with self._lock:
            for p in papers:
                i = self._pos.get(p.paper_id)
                if i is None:
                    i = self._pos[p.paper_id] = len(self._ids)
                    self._ids.append(p.paper_id)
                self._put(i, p)

    def _put(self, i: int, paper: Paper) -> None:
        self._cache[i] = paper
        self._cache.move_to_end(i)
        while len(self._cache) > self._cache_size and not self._complete:
            self._cache.popitem(last=False)

    # --- sequence protocol ----------------------------------------------------------------------
    def __len__(self) -> int:
        return max(self._count, len(self._ids))

    def __bool__(self) -> bool:
        return len(self) > 0

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        with self._lock:
            p = self._cache.get(i)
            if p is not None:
                self._cache.move_to_end(i)
                return p
            pid = self._ids[i] if i < len(self._ids) else None
        if pid is None:
            if not 0 <= i < len(self):
                raise IndexError(f"paper position {i} out of range (catalogue of {len(self)})")
            self.load_all()
            return self[i]
        p = self.index.get(pid)
        if p is None:  # deleted since (a later snapshot): keep the position, say so
            raise KeyError(f"paper {pid!r} is no longer indexed")
        with self._lock:
            self._put(i, p)
        return p

    def __iter__(self) -> Iterator[Paper]:
        log.info("catalogue: reading every stored paper (%d): O(N) work", self._count)
        yield from self.index.papers()

    def load_all(self) -> None:
        """Assign every paper a position and keep them all (the whole catalogue in memory, as the memory
        backend holds it): what positional access past the handed-out positions needs."""
        if self._complete:
            return
        log.warning("catalogue: positional access to every paper; loading all %d papers into memory", self._count)
        papers = list(self.index.papers())
        with self._lock:
            self._complete = True
        self.remember(papers)
        with self._lock:
            self._count = len(self._ids)


class _Positions:
    """`by_id`: paper_id -> position, resolved against the index on first lookup."""

    def __init__(self, catalogue: Catalogue):
        self._cat = catalogue

    def get(self, paper_id: str, default=None):
        return self._cat.resolve([paper_id]).get(paper_id, default)

    def __getitem__(self, paper_id: str) -> int:
        pos = self.get(paper_id)
        if pos is None:
            raise KeyError(paper_id)
        return pos

    def __contains__(self, paper_id: object) -> bool:
        return isinstance(paper_id, str) and self.get(paper_id) is not None

    def __len__(self) -> int:
        return len(self._cat)


class Mentions:
    """`terms`-like membership ("is X mentioned anywhere?") answered by the index, not a set in memory."""

    def __init__(self, index):
        self.index = index

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.index.mentions(term)


class EngineLexical:
    """What the answer layer reads as `engine.lexical` (`papers`, `by_id`, `terms`), over the engine index."""

    def __init__(self, index):
        self.index = index
        self.papers = Catalogue(index)
        self.by_id = self.papers.by_id
        self.terms = Mentions(index)
        self.vectors = None  # the dense leg is Chroma's own index
