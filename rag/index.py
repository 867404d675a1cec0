"""Ingestion: corpus files -> Papers -> embeddings -> Chroma upsert -> BM25 rebuild.

Idempotent: papers are keyed on `paper_id`; a paper whose stored content hash matches is left
untouched (not even re-embedded), a changed one is replaced, a new one added. Writes happen in
large batches under a per-collection file lock, so two ingests into one collection serialise,
and a run killed mid-way is completed by simply running it again.

The collection's revision changes before the first write and after every committed batch, and a
BM25 rebuild stamps the revision it read *before* reading the records (and only if it is still the
same after). A stamp therefore never claims data newer than what was read, and a reader that built
its index mid-ingest sees a different revision afterwards and rebuilds. Ingest knows nothing of the
query side: running apps notice the new revision themselves (`rag.pipeline.get_engine`).
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from rag.corpus import LoadReport, load_papers
from rag.settings import Settings, get_settings
from rag.store import Store, content_hash, embed_text
from rag.types import Paper

log = logging.getLogger(__name__)
PROGRESS_MIN = 300


class IngestLockedError(RuntimeError):
    pass


@dataclass
class IngestResult:
    collection: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    total: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        t = self.timings
        rate = self.total / t["total"] if t.get("total") else 0.0
        rate_text = f"{rate:.0f}" if rate >= 10 else f"{rate:.2g}"
        text = (
            f"{self.collection}: {self.added} added, {self.updated} updated, {self.unchanged} unchanged"
            f" ({self.total} papers, {self.skipped} skipped) in {t.get('total', 0):.1f}s"
            f" [parse {t.get('parse', 0):.1f}s, embed {t.get('embed', 0):.1f}s, store {t.get('store', 0):.1f}s,"
            f" bm25 {t.get('bm25', 0):.1f}s; {rate_text} papers/s]"
        )
        if self.problems:
            text += "\nskipped:\n  " + "\n  ".join(self.problems[:20])
        return text


def lock_path(settings: Settings, store_name: str) -> Path:
    d = settings.home / "locks"
    d.mkdir(parents=True, exist_ok=True)
    return d / f"{store_name}.lock"


def ingest_lock(settings: Settings, store_name: str):
    """The file lock that serialises writes to (and index rebuilds of) one collection."""
    from filelock import FileLock

    return FileLock(str(lock_path(settings, store_name)))


def bm25_dir(settings: Settings, store_name: str) -> Path:
    return settings.home / "bm25" / store_name


def sentence_dir(settings: Settings, store_name: str) -> Path:
    return settings.home / "sentences" / store_name


def ingest_papers(
    papers: list[Paper],
    settings: Settings,
    corpus: str | None = None,
    progress: bool | None = None,
    lock_timeout: float = 600.0,
    result: IngestResult | None = None,
) -> IngestResult:
    """Upsert already-loaded papers into the corpus collection and rebuild BM25."""
    from filelock import Timeout

    from rag.embed import get_embedder

    t0 = time.perf_counter()
    store = Store(settings, corpus, create=True)
    res = result or IngestResult(collection=store.corpus)
    res.collection = store.corpus
    res.total = len(papers)
    lock = ingest_lock(settings, store.name)
    try:
        lock.acquire(timeout=lock_timeout)
    except Timeout:
        raise IngestLockedError(
            f"another ingest into {store.corpus!r} is running (lock {lock.lock_file}); try again later"
        ) from None
    lex = None
    try:
        lex, lex_current = _open_engine_index(store)
        embedder = None
        show = progress if progress is not None else len(papers) > PROGRESS_MIN
        bar = None
        if show:
            from tqdm import tqdm

            bar = tqdm(total=len(papers), unit="paper", desc=f"ingest {store.corpus}", file=sys.stderr)
        bumped = False
        loaded_ids = {p.paper_id for p in papers}
        step = settings.upsert_batch_size
        for start in range(0, len(papers), step):
            batch = papers[start : start + step]
            have = store.existing_hashes([p.paper_id for p in batch])
            todo = []
            for p in batch:
                old = have.get(p.paper_id)
                if old is None:
                    res.added += 1
                    todo.append(p)
                elif old != content_hash(p):
                    res.updated += 1
                    todo.append(p)
                else:
                    res.unchanged += 1
            # A paper whose text changed at the same source position (same ACL id, SciFact doc_id,
            # file line...) gets a new paper_id: the old record is replaced, not kept beside it.
            stale = [
                pid
                for pid in store.ids_by_source([p.source.split(";")[0].strip() for p in todo])
                if pid not in loaded_ids
            ]
            if stale:
                res.updated += len(stale)
                res.added -= min(res.added, len(stale))
            if todo or stale:
                if not bumped:
                    store.bump_revision()  # mark BM25 caches stale before the first write
                    bumped = True
                embedder = embedder or get_embedder(settings)
                t = time.perf_counter()
                vecs = _embed_with_progress(embedder, [embed_text(p) for p in todo], bar)
                res.timings["embed"] = res.timings.get("embed", 0) + time.perf_counter() - t
                # Written in the foreground: overlapping the write with the next batch's embedding was
                # measured on 2 cores (ACL 30k) and was slower (67.8 vs 71.0 abstracts/s, +0.25 GB RSS).
                t = time.perf_counter()
                store.upsert(todo, vecs)
                store.delete(stale)
                revision = store.bump_revision()  # one revision per committed batch
                res.timings["store"] = res.timings.get("store", 0) + time.perf_counter() - t
                if lex is not None and lex_current:  # the engine index: this batch, tagged with its revision
                    t = time.perf_counter()
                    lex.add(todo, commit=False)
                    lex.delete(stale, commit=False)
                    lex.commit(revision=revision)
                    res.timings["lexical"] = res.timings.get("lexical", 0) + time.perf_counter() - t
            log.info("batch %d done: %d/%d papers", start // step + 1, start + len(batch), len(papers))
            if bar:
                bar.update(len(batch) - len(todo))  # embedded papers were counted as they were embedded
        if bar:
            bar.close()
        t = time.perf_counter()
        catalogue = None
        if settings.retriever == "engine":  # no bm25s rebuild: the engine index is the lexical leg
            if lex is not None and not lex_current:
                lex.close()
                lex = None
                from rag.engine_index import build_from_store

                build_from_store(store)
            if store.count() <= settings.sentence_precompute_max:
                from rag.engine_index import open_reader

                catalogue = list(open_reader(settings, store.name).papers())
        else:
            lexical = rebuild_lexical(store, force=bumped)
            catalogue = lexical.papers if lexical is not None else None
        res.timings["bm25"] = time.perf_counter() - t
        if catalogue is not None and len(catalogue) <= settings.sentence_precompute_max:
            from rag.sentences import SentenceVectors

            t = time.perf_counter()
            embedder = embedder or get_embedder(settings)
            sv = SentenceVectors(sentence_dir(settings, store.name), embedder)
            sv.prune(catalogue)  # also drops the vectors of abstracts that changed
            sv.ensure(catalogue)
            sv.save()
            res.timings["sentences"] = time.perf_counter() - t
    finally:
        if lex is not None:
            lex.close()
        lock.release()
    res.timings["total"] = res.timings.get("parse", 0) + time.perf_counter() - t0
    return res


def _open_engine_index(store: Store):
    """(writer of the engine backend's index, whether it reflects the store now) for an ingest, under
    the ingest lock; (None, False) when the collection is served by the memory backend and has no
    engine index. A lagging index (see `rag.engine_index`) is not updated batch by batch: it is built
    from the store once the batches are written."""
    from rag.engine_index import engine_dir, open_writer

    settings = store.settings
    directory = engine_dir(settings, store.name)
    if settings.retriever != "engine" and not (directory / "meta.json").exists():
        return None, False
    empty_store = store.count() == 0
    lex = open_writer(settings, store.name)
    current = lex.revision == store.revision() or (empty_store and len(lex) == 0)
    return lex, current


def _embed_with_progress(embedder, texts: list[str], bar, step: int = 128):
    """Embed `texts`; with a progress bar, in slices of `step` so the bar moves while a batch embeds."""
    if bar is None or len(texts) <= step:
        vecs = embedder.embed(texts)
        if bar is not None:
            bar.update(len(texts))
        return vecs
    import numpy as np

    parts = []
    for i in range(0, len(texts), step):
        parts.append(embedder.embed(texts[i : i + step]))
        bar.update(len(parts[-1]))
    return np.concatenate(parts)


LEXICAL_FORMAT = 3  # catalogue + BM25 + vectors.npy; 3: plural acronyms stemmed to the singular (rag.lexical)


def lexical_stamp(store: Store, revision: str | None = None) -> dict:
    s = store.settings
    revision = store.revision() if revision is None else revision
    return {"revision": revision, "k1": s.bm25_k1, "b": s.bm25_b, "format": LEXICAL_FORMAT}


def lexical_is_current(store: Store, revision: str | None = None) -> bool:
    """Whether the BM25 folder was built from the store at `revision` (default: the current one)."""
    from rag.lexical import read_stamp

    directory = bm25_dir(store.settings, store.name)
    want = lexical_stamp(store, revision)
    stamp = read_stamp(directory) or {}
    return all(stamp.get(k) == v for k, v in want.items()) and (directory / "catalogue.jsonl").exists()


def rebuild_lexical(store: Store, force: bool = False):
    """(Re)build the BM25 index, catalogue and vector matrix from the store's records when stale.

    The stamp is the revision read before the records; if a write lands while they are read (only
    possible without the ingest lock, e.g. another instance in server mode), the stamp is marked
    partial so the next check rebuilds."""
    import numpy as np

    from rag.lexical import LexicalIndex

    directory = bm25_dir(store.settings, store.name)
    before = store.revision()
    if not force and lexical_is_current(store, before):
        return None
    records = sorted(store.iter_records(), key=lambda r: r[0].paper_id)
    after = store.revision()
    want = lexical_stamp(store, before if after == before else f"partial:{before}")
    papers = [p for p, _ in records]
    vectors = (
        np.asarray([e for _, e in records], dtype=np.float32)
        if records
        else np.zeros((0, 0), dtype=np.float32)
    )
    del records
    index = LexicalIndex.build(papers, k1=store.settings.bm25_k1, b=store.settings.bm25_b, vectors=vectors)
    index.save(directory, {**want, "count": len(papers)})
    return index


def ingest(
    path: str | Path,
    format: str | None = None,
    collection: str | None = None,
    settings: Settings | None = None,
    progress: bool | None = None,
) -> IngestResult:
    """Load a corpus file/directory and upsert it. Returns added/updated/unchanged counts."""
    settings = settings or get_settings()
    t = time.perf_counter()
    report = LoadReport()
    papers = load_papers(path, format=format, report=report)
    res = IngestResult(collection=collection or settings.collection)
    res.timings["parse"] = time.perf_counter() - t
    res.skipped, res.problems = report.skipped, report.problems
    return ingest_papers(papers, settings, collection, progress=progress, result=res)
