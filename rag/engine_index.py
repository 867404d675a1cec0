"""The engine backend's on-disk lexical index and catalogue: where it lives, how ingest keeps it in step
with the store, and how app instances open it.

One tantivy index per collection under `$RAG_HOME/lexical/<collection>.v<schema>` (see
`rag.lexical_incremental`). The ingesting process writes it under the collection's ingest lock, in the
same batch as the Chroma write: the batch's papers are added (upserts by paper_id), replaced records
deleted, and the commit carries the store revision of that batch. App instances open it read-only
(memory-mapped segments; instances on one host share the pages) and, when the store's revision
changes, open it again: a reader reload, not a rebuild.

A full build from the store's records happens only when the index does not reflect the store and no
incremental path can fix it: a collection ingested before the index existed, or a process killed
between the Chroma write and the index commit. It runs once, under the ingest lock, and is logged.
Instances on other hosts need this directory on shared storage (or their own full build).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from rag.lexical_incremental import SCHEMA_VERSION, IncrementalLexicalIndex
from rag.settings import Settings

log = logging.getLogger(__name__)
BUILD_BATCH = 5000


def engine_dir(settings: Settings, store_name: str) -> Path:
    return settings.home / "lexical" / f"{store_name}.v{SCHEMA_VERSION}"


def open_reader(settings: Settings, store_name: str) -> IncrementalLexicalIndex | None:
    """The index opened read-only, or None when there is none yet."""
    directory = engine_dir(settings, store_name)
    if not (directory / "meta.json").exists():
        return None
    return IncrementalLexicalIndex(directory, writable=False)


def open_writer(settings: Settings, store_name: str) -> IncrementalLexicalIndex:
    """The index opened by the ingesting process (call under the collection's ingest lock)."""
    return IncrementalLexicalIndex(engine_dir(settings, store_name), writable=True)


def build_from_store(store) -> IncrementalLexicalIndex:
    """Build the index from every record in the store (under the ingest lock) into a fresh directory,
    then move it into place; returns it opened read-only. The commit's revision is the one read before
    the records, marked partial when a write landed meanwhile (so readers build again)."""
    settings = store.settings
    final = engine_dir(settings, store.name)
    final.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    before = store.revision()
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    try:
        with IncrementalLexicalIndex(tmp, writable=True) as idx:
            batch, n = [], 0
            for paper in store.iter_papers():
                batch.append(paper)
                if len(batch) >= BUILD_BATCH:
                    n += idx.add(batch, commit=False)
                    batch = []
            n += idx.add(batch, commit=False) if batch else 0
            after = store.revision()
            idx.commit(revision=before if after == before else f"partial:{before}")
        old = final.with_name(final.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.warning("%s: lexical index built from the store's %d records in %.1fs (it did not reflect the store)",
                store.corpus, n, time.perf_counter() - t)
    return IncrementalLexicalIndex(final, writable=False)


def load_for_engine(store, wait: float, lock):
    """(index opened read-only, the revision it reflects) for an app instance, or None when an ingest
    holds the collection's lock, there is no usable index on disk and `wait` is 0.

    Current index: opened, nothing else. Lagging index while an ingest runs: served as it is (it is a
    consistent older commit) with a 'stale:' revision, so the next request looks again. Lagging index
    and no ingest running: built from the store once (see `build_from_store`). `lock` is the collection's
    ingest lock (`rag.index.ingest_lock`; passed in, so this module never imports the ingest side)."""
    from filelock import Timeout

    settings = store.settings
    revision = store.revision()
    idx = open_reader(settings, store.name)
    if idx is not None and idx.revision == revision:
        return idx, revision
    try:
        lock.acquire(timeout=0 if (idx is not None or wait <= 0) else wait)
    except Timeout:
        if idx is None:
            return None
        log.info("%s: an ingest is running; serving the lexical index at revision %s", store.corpus, idx.revision)
        return idx, f"stale:{idx.revision}"
    try:
        revision = store.revision()
        idx = open_reader(settings, store.name)
        if idx is None or idx.revision != revision:
            idx = build_from_store(store)
        return idx, str(idx.revision)
    finally:
        lock.release()
