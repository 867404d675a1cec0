"""The "engine" retrieval backend (retriever = "engine"): tantivy + Chroma HNSW, nothing rebuilt per write.

Real components throughout: Chroma (embedded), the int8 ONNX MiniLM embedder and tantivy. The bundled
corpus is ingested once into a collection of this module's own and served by both backends (the memory
backend builds its BM25 from the same store), so the two are compared on the same records.
"""

from __future__ import annotations

import json
import re

import pytest

import rag
from rag import pipeline
from rag.retrieval import Filters
from rag.settings import ConfigError, load_settings

from .conftest import DATA, unique_collection_name

# Questions written for this test (not the dev set): paraphrases of bundled papers, an author, refusals.
QUESTIONS = [
    "How was a graph neural network platform deployed for the professional network at LinkedIn?",
    "training neural ODEs so that they are provably stable with a Lyapunov function",
    "adversarial perturbations used as hard negatives for contrastive learning in conditional text generation",
    "reconstructing private images from cache side channels with generative models",
    "one-shot architecture search where a hypernetwork generates the weights",
    "Can bagging be certified robust against data poisoning attacks?",
    "How do data parallelism and sparsity affect the training time of neural networks?",
    "What did Hubert Ramsauer work on?",
    "selective state space models for images, video and other multi-dimensional data",
    "How does FlashAttention make exact attention faster on GPUs?",
    "What is the melting point of tungsten carbide?",
]


def _settings(collection: str, retriever: str, **kw):
    return load_settings(collection=collection, retriever=retriever, **kw)


@pytest.fixture(scope="module")
def seed_collection(rag_home):
    name = unique_collection_name("engine-seed")
    res = rag.ingest(str(DATA.parent.parent / "data" / "seed"), collection=name,
                     settings=_settings(name, "engine"))
    assert res.added > 200
    return name


@pytest.fixture(scope="module")
def acl_collection(rag_home):
    name = unique_collection_name("engine-acl")
    res = rag.ingest(str(DATA / "acl"), format="acl", collection=name, settings=_settings(name, "engine"))
    assert res.added == 80
    return name


def test_unknown_retriever_is_a_clear_error(monkeypatch):
    with pytest.raises(ConfigError, match=r"unknown retriever 'nope'.*'memory', 'engine'"):
        load_settings(retriever="nope")
    monkeypatch.setenv("RAG_RETRIEVER", "engine")
    assert load_settings().retriever == "engine"
    monkeypatch.setenv("RAG_RETRIEVER", "hnsw")
    with pytest.raises(ConfigError, match="known retrievers"):
        load_settings()
    from rag.settings import INDEX_FIELDS

    assert "retriever" in INDEX_FIELDS  # one engine per backend: they never share a loaded index


def test_engine_answers_like_memory(seed_collection):
    """Same top cited paper, or the same refusal, as the memory backend over the same store."""
    agree, rows = 0, []
    for q in QUESTIONS:
        mem = rag.ask(q, collection=seed_collection, retriever="memory")
        eng = rag.ask(q, collection=seed_collection, retriever="engine")
        for a in (mem, eng):  # cited answers: every [n] is one of the answer's sources
            cited = {int(n) for n in re.findall(r"\[(\d+)\]", a.text)}
            assert cited <= {s.n for s in a.sources}, a.text
            assert a.refused or cited
        top = [(a.refused, a.sources[0].paper_id if a.sources and not a.refused else None) for a in (mem, eng)]
        rows.append((q, top))
        agree += top[0] == top[1]
    assert agree >= len(QUESTIONS) - 1, rows
    refusals = [q for q, top in rows if top[1][0]]
    assert QUESTIONS[-1] in refusals and QUESTIONS[-2] in refusals  # absent topics refused by the engine too
    assert len(refusals) <= 3, rows
    eng = pipeline.get_engine(_settings(seed_collection, "engine"), seed_collection)
    assert type(eng.retriever).__name__ == "EngineRetriever"
    assert eng.lexical.vectors is None  # no vector matrix, no catalogue list in memory
    assert not eng.lexical.papers._complete  # the whole catalogue was never loaded
    # A fresh view over the same index: one search gives positions only to the papers it pooled.
    from rag.catalogue import EngineLexical
    from rag.retrieval.engine_backend import EngineRetriever

    fresh = EngineRetriever(load_settings(candidates=5, top_k=3), eng.store, EngineLexical(eng.lexical.index),
                            eng.embedder)
    assert len(fresh.search("neural radiance fields from few images")) == 3
    assert 3 <= len(fresh.papers.known_ids()) <= 12 and len(fresh.papers) == 220


def test_follow_up_and_references_work_through_the_catalogue(seed_collection, monkeypatch):
    """The answer layer's positional uses (masks over `papers`, `by_id`, `hits_for`) on the engine."""
    first = rag.ask("Which papers are about neural radiance fields from few images?", collection=seed_collection,
                    retriever="engine")
    assert not first.refused and len(first.sources) >= 2
    history = [{"role": "user", "content": "Which papers are about neural radiance fields from few images?"},
               first.to_message()]
    again = rag.ask("tell me more about the first one", history=history, collection=seed_collection,
                    retriever="engine")
    assert again.sources and again.sources[0].paper_id == first.sources[0].paper_id
    eng = pipeline.get_engine(_settings(seed_collection, "engine"), seed_collection)
    pid = first.sources[1].paper_id
    monkeypatch.setenv("RAG_RETRIEVER", "engine")
    assert rag.get_paper(pid, collection=seed_collection).paper_id == pid
    assert rag.get_paper("no-such-paper", collection=seed_collection) is None
    assert eng.lexical.papers[eng.lexical.by_id[pid]].paper_id == pid
    assert eng.lexical.by_id.get("no-such-paper") is None
    assert "nerf" in eng.lexical.terms and "flashattention" not in eng.lexical.terms
    authors = eng.retriever.authors  # what rag.filters reads: full-name membership and match()
    assert "hubert ramsauer" in authors.full and "nobody atall" not in authors.full
    assert {eng.lexical.papers[i].title for i in authors.match("Hubert Ramsauer")} == {
        "Hopfield Networks is All You Need"}
    lower = rag.ask("what did hubert ramsauer write about?", collection=seed_collection, retriever="engine")
    assert lower.sources and lower.sources[0].title == "Hopfield Networks is All You Need"


@pytest.mark.parametrize("path", ["exact ids", "nearest then filter", "chroma where"])
def test_filters_are_exact_and_rare_filters_fill_up(acl_collection, path, monkeypatch):
    """Every hit satisfies the filter, and a filter matching fewer papers than k returns all of them
    (filters are applied inside tantivy before its top-k, and the dense leg keeps only passing papers).
    All three dense paths are forced in turn: few passing papers scored exactly; the passing ones among
    the nearest unfiltered neighbours; Chroma's own filtered query when too few of those pass."""
    from rag.retrieval import engine_backend

    if path != "exact ids":
        monkeypatch.setattr(engine_backend, "EXACT_IDS_MAX", 2)
    if path == "chroma where":
        monkeypatch.setattr(engine_backend, "DENSE_FETCH_MAX", 3)
    eng = pipeline.get_engine(_settings(acl_collection, "engine"), acl_collection)
    mem = pipeline.get_engine(_settings(acl_collection, "memory"), acl_collection)
    papers = list(mem.lexical.papers)
    cases = [
        Filters(author="Deyi Xiong"),
        Filters(author="Ting Liu"),
        Filters(venue="COLING"),
        Filters(year_min=2018, year_max=2018),
        Filters(venue="ACL", year_min=2021),
        Filters(year_min=2019, year_max=2020, venue="NAACL"),
    ]
    for f in cases:
        want = {p.paper_id for p, ok in zip(papers, f.mask(papers), strict=True) if ok}
        assert want, f
        for query in ("neural machine translation", "dialogue", "graph"):
            hits = eng.retriever.search(query, k=10, filters=f)
            got = {h.paper.paper_id for h in hits}
            assert got <= want, (f, got - want)
            assert len(got) == min(10, len(want)), (f, query, len(got), len(want))
            assert all(f.mask([h.paper])[0] for h in hits)
    assert eng.retriever.search("graph", k=10, filters=Filters(venue="NoSuchVenue")) == []
    assert eng.retriever.search("graph", k=10, filters=Filters(author="Nobody Atall")) == []


def _segments(directory) -> set[str]:
    meta = json.loads((directory / "meta.json").read_text())
    return {s["segment_id"] for s in meta["segments"]}


def test_one_more_paper_is_searchable_without_any_rebuild(own_collection, tmp_path, monkeypatch):
    from rag import engine_index, index

    settings = _settings(own_collection, "engine")
    rag.ingest(str(DATA / "stub"), collection=own_collection, settings=settings)
    eng = pipeline.get_engine(settings, own_collection)
    directory = eng.lexical.index.directory
    before_segments, before_len, before_rev = _segments(directory), len(eng.lexical.papers), eng.revision
    assert not (settings.home / "bm25" / eng.store.name).exists()  # no bm25s index for an engine collection

    builds = []
    monkeypatch.setattr(engine_index, "build_from_store", lambda *a, **k: builds.append(a) or pytest.fail("rebuilt"))
    monkeypatch.setattr(index, "rebuild_lexical", lambda *a, **k: pytest.fail("bm25s rebuilt"))
    new = tmp_path / "one.jsonl"
    new.write_text(json.dumps({
        "title": "Quokka: Marsupial-Inspired Gradient Clipping for Stable Transformer Training",
        "authors": ["Ada Quillfeather"], "year": 2024, "venue": "TESTCONF",
        "abstract": "We introduce Quokka, a gradient clipping rule inspired by marsupial pouches that keeps "
                    "transformer training stable at very large learning rates without warm-up.",
    }) + "\n")
    res = rag.ingest(str(new), collection=own_collection, settings=settings)
    assert res.added == 1 and not builds

    eng2 = pipeline.get_engine(settings, own_collection)
    assert eng2.revision != before_rev and eng2.revision == eng2.store.revision()
    after = _segments(eng2.lexical.index.directory)
    assert before_segments <= after and len(after - before_segments) == 1  # old segments kept, one added
    assert len(eng2.lexical.papers) == before_len + 1
    hits = eng2.retriever.search("marsupial gradient clipping for transformers", k=3)
    assert hits[0].paper.title.startswith("Quokka")
    assert eng2.retriever.search("quokka", k=3, filters=Filters(venue="TESTCONF"))[0].paper.title.startswith("Quokka")
    ans = rag.ask("What does Quokka do for transformer training?", collection=own_collection, retriever="engine")
    assert not ans.refused and ans.sources[0].title.startswith("Quokka")

    again = rag.ingest(str(new), collection=own_collection, settings=settings)  # re-ingest: nothing added
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
    eng3 = pipeline.get_engine(settings, own_collection)
    assert eng3.revision == eng2.revision and _segments(eng3.lexical.index.directory) == after
    assert len(eng3.lexical.papers) == before_len + 1


def test_collection_ingested_by_memory_backend_is_built_once(own_collection):
    """A collection written without the engine index gets it built from the store on first open, once."""
    rag.ingest(str(DATA / "stub"), collection=own_collection, settings=_settings(own_collection, "memory"))
    settings = _settings(own_collection, "engine")
    from rag.engine_index import engine_dir

    store_name = settings.collection_name(own_collection)
    assert not engine_dir(settings, store_name).exists()
    eng = pipeline.get_engine(settings, own_collection)
    assert len(eng.lexical.papers) == 10 and eng.revision == eng.store.revision()
    segs = _segments(engine_dir(settings, store_name))
    assert pipeline.get_engine(settings, own_collection).revision == eng.revision
    assert _segments(engine_dir(settings, store_name)) == segs
    hits = eng.retriever.search("Sanghyuk Chun momentum optimizers", k=3)
    assert hits[0].paper.title.startswith("AdamP")


def test_engine_backend_against_a_chroma_server(tmp_path_factory, tmp_path):
    """Server mode: the ingester writes Chroma through `chroma run` and the engine index in the shared
    home; a second app instance (another process) answers from both without building anything."""
    import subprocess
    import sys

    from .conftest import REPO, free_port, stop_process
    from .test_server_mode import _start_chroma

    port = free_port()
    server = _start_chroma(port, tmp_path_factory.mktemp("chroma-engine"))
    try:
        home = tmp_path / "home"
        overrides = {"store": "chroma-server", "chroma_port": port, "retriever": "engine", "collection": "srv"}
        settings = load_settings(home=str(home), **overrides)
        assert rag.ingest(str(DATA / "stub"), collection="srv", settings=settings).added == 10
        code = ("import json, rag; a = rag.ask('What does GrowNet use as weak learners?', collection='srv'); "
                "from rag.pipeline import get_engine; e = get_engine(collection='srv'); "
                "print(json.dumps([a.refused, a.sources[0].title, type(e.retriever).__name__, "
                "e.revision == e.store.revision()]))")
        env = {**__import__("os").environ, "RAG_HOME": str(home), "RAG_STORE": "chroma-server",
               "RAG_CHROMA_PORT": str(port), "RAG_RETRIEVER": "engine"}
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True,
                             timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        refused, title, kind, current = json.loads(out.stdout.strip().splitlines()[-1])
        assert not refused and title.endswith("GrowNet") and kind == "EngineRetriever" and current
        assert "built from the store" not in out.stderr  # the instance opened the ingester's index
    finally:
        stop_process(server)


def test_index_lagging_the_store_after_a_crash_is_rebuilt_once(own_collection, caplog):
    """A write that reached Chroma but not the index (a process killed between the two) is repaired on
    the next open: the index is built from the store, once, and then matches it."""
    from rag.corpus import load_papers
    from rag.embed import get_embedder
    from rag.engine_index import engine_dir
    from rag.store import Store, embed_text

    settings = _settings(own_collection, "engine")
    rag.ingest(str(DATA / "stub"), collection=own_collection, settings=settings)
    store = Store(settings, own_collection)
    extra = load_papers(DATA / "papers.jsonl", format="jsonl")[:2]
    store.upsert(extra, get_embedder(settings).embed([embed_text(p) for p in extra]))  # Chroma only
    store.bump_revision()
    with caplog.at_level("WARNING", logger="rag.engine_index"):
        eng = pipeline.get_engine(settings, own_collection)
    assert "built from the store" in caplog.text
    assert len(eng.lexical.papers) == 12 and eng.revision == store.revision()
    assert eng.retriever.search(extra[0].title, k=1)[0].paper.paper_id == extra[0].paper_id
    segs = _segments(engine_dir(settings, store.name))
    caplog.clear()
    with caplog.at_level("WARNING", logger="rag.engine_index"):
        assert pipeline.get_engine(settings, own_collection).revision == eng.revision
    assert "built from the store" not in caplog.text and _segments(engine_dir(settings, store.name)) == segs


@pytest.mark.parametrize("retriever", ["memory", "engine"])
def test_function_words_of_a_question_do_not_drive_the_lexical_search(seed_collection, retriever):
    """'Anything at all on PTB? I would like every one of them, whichever they are.': only one abstract writes 'PTB',
    and the words around it ('anything', 'like', 'every', 'whichever', 'them') are in many; the lexical leg scores the
    question without them, in both backends (session 41; written for this test after a v102 list question had been
    refused)."""
    from rag.lexical import lexical_query

    for q in ["Anything at all on PTB? I would like every one of them, whichever they are.",
              "Is there anything about PTB that any of you would like to show me?"]:
        hits = rag.retrieve(q, k=3, collection=seed_collection, retriever=retriever)
        assert "PTB" in hits[0].abstract, [h.title for h in hits]
    assert lexical_query("What about over-smoothing in BERT-like GNNs? I'd like them all.").split() == [
        "over-smoothing", "in", "BERT-like", "GNNs?", "."]  # (words in a compound stay)
    assert lexical_query("what is it?").split() == ["is", "it?"] and lexical_query("what about them?") == "what about them?"
