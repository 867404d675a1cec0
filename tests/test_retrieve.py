"""Hybrid retrieval over the stub corpus with the real embedding model."""

from __future__ import annotations

import rag


def test_retrieve_returns_one_source_per_paper(stub_settings):
    hits = rag.retrieve("video inpainting copying content from reference frames", k=5, collection="stub")
    assert hits[0].title == "Copy-and-Paste Networks for Deep Video Inpainting"
    assert len({h.paper_id for h in hits}) == len(hits)
    assert [h.n for h in hits] == list(range(1, len(hits) + 1))
    assert hits[0].abstract and hits[0].url and hits[0].score > hits[-1].score


def test_author_question_finds_paper_by_author(stub_settings):
    hits = rag.retrieve("what did Ossama Ahmed and Stefan Bauer build?", k=3, collection="stub")
    assert hits[0].title.startswith("CausalWorld")
    hits = rag.retrieve("Sanghyuk Chun's work on optimizers", k=3, collection="stub")
    assert hits[0].title.startswith("AdamP")


def test_quoted_title_is_found(stub_settings):
    hits = rag.retrieve("Who wrote Network In Network?", k=3, collection="stub")
    assert hits[0].title == "Network In Network"


def test_filters_restrict_results(own_collection):
    from rag.settings import load_settings

    from .conftest import DATA

    settings = load_settings(collection=own_collection)
    rag.ingest(str(DATA / "papers.jsonl"), collection=own_collection, settings=settings)
    rag.ingest(str(DATA / "papers.csv"), collection=own_collection, settings=settings)
    hits = rag.retrieve("neural network architecture", k=5, collection=own_collection, filters={"year_min": 2017})
    assert hits and all(h.year >= 2017 for h in hits)
    hits = rag.retrieve("neural network architecture", k=5, collection=own_collection, filters={"venue": "CVPR"})
    assert [h.title for h in hits] == ["Deep Residual Learning for Image Recognition"]


def test_exact_dense_matches_llamaindex_ann(stub_settings):
    """The in-memory vector matrix ranks like the LlamaIndex retriever over Chroma (exact at this size)."""
    from rag.pipeline import get_engine

    retr = get_engine(stub_settings, "stub").retriever
    assert retr.lexical.vectors is not None and retr.lexical.vectors.shape == (len(retr.papers), 384)
    for q in ("video inpainting", "optimizers that keep weight norms from growing", "robotic manipulation benchmark"):
        qvec = retr.embed_query(q)
        exact = retr.dense(q, qvec, 5)
        ann = retr._dense_ann(q, qvec, 5)
        assert [p for p, _ in exact] == [p for p, _ in ann]
        for (_, c1), (_, c2) in zip(exact, ann, strict=True):
            assert abs(c1 - c2) < 1e-4


def test_vector_rows_line_up_with_papers(stub_settings):
    """Row i of vectors.npy is paper i: each paper's own text finds itself first."""
    from rag.pipeline import get_engine
    from rag.store import embed_text

    retr = get_engine(stub_settings, "stub").retriever
    vecs = retr.embedder.embed([embed_text(p) for p in retr.papers])
    top = (vecs @ retr.lexical.vectors.T).argmax(axis=1)
    assert list(top) == list(range(len(retr.papers)))


def test_zscore_and_rrf_fusion_both_work(stub_settings):
    from rag.pipeline import get_engine

    retr = get_engine(stub_settings, "stub").retriever
    q = "video inpainting copying content from reference frames"
    z = retr.search(q, k=5)
    assert z[0].paper.title == "Copy-and-Paste Networks for Deep Video Inpainting"
    assert z[0].score > 2.0  # standard deviations above the candidate pool
    # Another settings object, not a mutation of the shared engine's settings.
    r = get_engine(stub_settings.model_copy(update={"fusion": "rrf"}), "stub").retriever.search(q, k=5)
    assert retr.settings.fusion == "zscore" and get_engine(stub_settings, "stub").settings.fusion == "zscore"
    assert r[0].paper.paper_id == z[0].paper.paper_id
    assert 0 < r[0].score < 0.1  # reciprocal ranks: a different scale
    assert {h.paper.paper_id for h in r[:3]} & {h.paper.paper_id for h in z[:3]}


def test_bm25_parameters_are_part_of_the_lexical_stamp(own_stub):
    from rag.index import bm25_dir, rebuild_lexical
    from rag.lexical import read_stamp
    from rag.store import Store

    corpus = own_stub.collection
    store = Store(own_stub, corpus)
    assert rebuild_lexical(store) is None  # fresh: nothing to do
    other = own_stub.model_copy(update={"bm25_b": 0.9})
    rebuilt = rebuild_lexical(Store(other, corpus))
    assert rebuilt is not None and rebuilt.bm25.b == 0.9
    assert read_stamp(bm25_dir(other, store.name))["b"] == 0.9
    assert rebuild_lexical(Store(own_stub, corpus)) is not None  # back to the configured b


def test_hybrid_retriever_plugs_into_llamaindex(stub_settings):
    from llama_index.core.schema import NodeWithScore

    from rag.pipeline import get_engine
    from rag.retrieval import as_llama_retriever

    retr = get_engine(stub_settings, "stub").retriever
    nodes = as_llama_retriever(retr, k=3).retrieve("video inpainting copying content from reference frames")
    assert len(nodes) == 3 and all(isinstance(n, NodeWithScore) for n in nodes)
    assert nodes[0].node.metadata["title"] == "Copy-and-Paste Networks for Deep Video Inpainting"
    assert nodes[0].node.node_id in retr.by_id and nodes[0].score >= nodes[1].score


def test_ann_dense_search_gives_the_same_hybrid_ranking(stub_settings):
    """`dense_search='ann'` (LlamaIndex retriever over Chroma HNSW) agrees with the exact matrix here."""
    from rag.pipeline import get_engine
    from rag.retrieval import Filters

    retr = get_engine(stub_settings, "stub").retriever
    q = "robot manipulation benchmark with simulated physics"
    exact = [h.paper.paper_id for h in retr.search(q, k=3)]
    f = Filters(source="neurips_posters")
    exact_f = [h.paper.paper_id for h in retr.search(q, k=3, filters=f)]
    ann = get_engine(stub_settings.model_copy(update={"dense_search": "ann"}), "stub").retriever
    assert ann.settings.dense_search == "ann" and retr.settings.dense_search == "exact"
    assert [h.paper.paper_id for h in ann.search(q, k=3)] == exact
    assert [h.paper.paper_id for h in ann.search(q, k=3, filters=f)] == exact_f
    assert exact_f and all("neurips_posters" in retr.papers[retr.by_id[p]].source for p in exact_f)


def test_a_plural_acronym_is_the_same_term_as_its_singular(tmp_path):
    """Snowball keeps the "s" of "GNNs" (no vowel before it), so "GNN" never matched an abstract writing "GNNs".
    Both BM25 engines (bm25s and the tantivy one) now index and query the singular."""
    from rag.lexical import LexicalIndex, query_tokens, singular_acronyms
    from rag.lexical_incremental import IncrementalLexicalIndex
    from rag.types import Paper

    assert query_tokens("GNNs, LLMs and CNNs") == query_tokens("GNN, LLM and CNN") == ["gnn", "llm", "cnn"]
    assert query_tokens("GPUs") == query_tokens("GPU") == ["gpu"]
    assert query_tokens("rhythms of buses, thus plus opus") == ["rhythm", "buse", "thus", "plus", "opus"]  # as before
    assert singular_acronyms("Two DNNs, one RNN-based model and K80s.") == "Two DNN, one RNN-based model and K80."
    papers = [Paper(paper_id="plural", title="A review", abstract="We survey GNNs for molecules and proteins."),
              Paper(paper_id="other", title="Image models", abstract="A review of convolutional image models.")]
    scores = LexicalIndex.build(papers).scores("which review covers GNN methods?")
    assert scores[0] > scores[1]
    engine = IncrementalLexicalIndex(tmp_path / "lex", writable=True, heap_mb=32)
    try:
        engine.add(papers, revision="r1")
        assert engine.query_tokens("GNNs") == engine.query_tokens("GNN") == ["gnn"]
        assert engine.search("GNN survey", 2)[0][0] == "plural"
    finally:
        engine.close()
