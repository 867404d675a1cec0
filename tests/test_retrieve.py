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


def test_filters_restrict_results(tmp_path):
    from rag.settings import load_settings

    from .conftest import DATA

    settings = load_settings(collection="filt")
    rag.ingest(str(DATA / "papers.jsonl"), collection="filt", settings=settings)
    rag.ingest(str(DATA / "papers.csv"), collection="filt", settings=settings)
    hits = rag.retrieve("neural network architecture", k=5, collection="filt", filters={"year_min": 2017})
    assert hits and all(h.year >= 2017 for h in hits)
    hits = rag.retrieve("neural network architecture", k=5, collection="filt", filters={"venue": "CVPR"})
    assert [h.title for h in hits] == ["Deep Residual Learning for Image Recognition"]
