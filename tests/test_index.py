"""Ingestion into real Chroma + bm25s: idempotent upserts, replacement, settings-derived names."""

from __future__ import annotations

import shutil

import pytest

import rag
from rag.settings import load_settings
from rag.store import IndexMismatchError, Store

from .conftest import DATA


def _count_bm25(settings, corpus):
    from rag.index import bm25_dir
    from rag.lexical import LexicalIndex

    return len(LexicalIndex.load(bm25_dir(settings, Store(settings, corpus).name)).papers)


def test_reingest_is_idempotent(stub_settings):
    store = Store(stub_settings, "stub")
    before = store.count()
    assert before == 10
    res = rag.ingest(str(DATA / "stub"), collection="stub", settings=stub_settings)
    assert (res.added, res.updated, res.unchanged) == (0, 0, 10)
    assert store.count() == before
    assert _count_bm25(stub_settings, "stub") == before


def test_changed_abstract_replaces_old_one(tmp_path, own_collection):
    settings = load_settings(collection=own_collection)
    xml = (DATA / "acl_sample.xml").read_text()
    f = tmp_path / "acl.xml"
    f.write_text(xml)
    first = rag.ingest(str(f), collection=own_collection, settings=settings)
    assert (first.added, first.updated) == (2, 0)
    f.write_text(xml.replace("reaching an", "now reaching a revised"))
    second = rag.ingest(str(f), collection=own_collection, settings=settings)
    assert (second.added, second.updated, second.unchanged) == (0, 1, 1)
    store = Store(settings, own_collection)
    assert store.count() == 2
    abstracts = [p.abstract for p in store.iter_papers()]
    assert any("now reaching a revised" in a for a in abstracts)
    assert not any("reaching an F" in a for a in abstracts)
    assert _count_bm25(settings, own_collection) == 2


def test_collection_name_depends_on_embedding_settings():
    a = load_settings()
    b = load_settings(embed_max_tokens=256)
    assert a.collection_name("acl") != b.collection_name("acl")
    assert a.collection_name("acl").startswith("acl__")


def test_mismatched_index_is_refused(own_stub):
    store = Store(own_stub, own_stub.collection)
    meta = dict(store.collection.metadata)
    store.collection.modify(metadata={**meta, "embed_model": "some-other-model"})
    with pytest.raises(IndexMismatchError, match="re-ingest"):
        Store(own_stub, own_stub.collection)


def test_bm25_rebuilt_when_missing(own_stub):
    from rag.index import bm25_dir, rebuild_lexical

    store = Store(own_stub, own_stub.collection)
    shutil.rmtree(bm25_dir(own_stub, store.name))
    rebuilt = rebuild_lexical(store)
    assert rebuilt is not None and len(rebuilt.papers) == store.count()


def test_every_loader_ingests(own_collection):
    settings = load_settings(collection=own_collection)
    counts = {}
    for name in ("acl_sample.xml", "scifact_sample.csv", "papers.jsonl", "papers.csv"):
        counts[name] = rag.ingest(str(DATA / name), collection=own_collection, settings=settings).added
    assert counts == {"acl_sample.xml": 2, "scifact_sample.csv": 2, "papers.jsonl": 2, "papers.csv": 1}
    assert Store(settings, own_collection).count() == 7


def test_failed_write_stops_the_ingest_and_a_rerun_completes_it(monkeypatch, own_collection):
    """A write error surfaces as the ingest's error, keeps the batches written before it, and a re-run
    finishes the job."""
    from rag.corpus import load_papers
    from rag.index import ingest_papers

    settings = load_settings(collection=own_collection, upsert_batch_size=3, sentence_precompute_max=0)
    papers = load_papers(DATA / "stub")
    calls = {"n": 0}
    real_upsert = Store.upsert

    def flaky(self, batch, vecs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full (simulated)")
        return real_upsert(self, batch, vecs)

    monkeypatch.setattr(Store, "upsert", flaky)
    with pytest.raises(OSError, match="disk full"):
        ingest_papers(papers, settings, own_collection)
    assert Store(settings, own_collection).count() == 3  # batch 1 written, batch 2 failed, nothing after it
    monkeypatch.setattr(Store, "upsert", real_upsert)
    res = ingest_papers(papers, settings, own_collection)
    assert (res.added, res.unchanged) == (7, 3)
    assert Store(settings, own_collection).count() == 10 == _count_bm25(settings, own_collection)
