"""Title matching on both retrieval backends: a quoted distinctive name still puts its paper first,
while a field's everyday term that happens to be some paper's title (or the part before its ':') gets
no title bonus when it occurs in a sentence (SciFact claims: 'GATA-3 is important for hematopoietic
stem cell (HSC) function' is not a lookup of 'Hematopoietic stem cell: self-renewal versus ...')."""

from __future__ import annotations

import json

import pytest

import rag
from rag import pipeline
from rag.settings import load_settings

TOPIC_TITLE = "Hematopoietic stem cell: self-renewal versus differentiation"
NAMED_TITLE = "Nested Quillwort Sampling: Rare-Event Estimation by Splitting"
TOPIC_ABSTRACTS = [
    "GATA-3 controls the maintenance of the hematopoietic stem cell pool in adult bone marrow.",
    "We purify the hematopoietic stem cell compartment to high purity using surface markers.",
    "Ageing changes the hematopoietic stem cell niche and its cytokine signals in mice.",
    "Transplantation of a single hematopoietic stem cell reconstitutes blood in irradiated hosts.",
    "Hypoxia regulates hematopoietic stem cell quiescence through HIF-1 alpha in the niche.",
]


def _papers() -> list[dict]:
    """One review titled by a common topic phrase, five papers using that phrase, one paper whose
    title head is a coined multi-word name ('Nested Quillwort Sampling') no other paper uses."""
    rows = [{"title": TOPIC_TITLE, "authors": ["Ada Marrow"], "year": 2010, "venue": "REV",
             "abstract": "A review of how the hematopoietic stem cell balances self-renewal and differentiation."},
            {"title": NAMED_TITLE, "authors": ["Bo Splitter"], "year": 2021, "venue": "STAT",
             "abstract": "Nested quillwort sampling estimates the probability of rare events by splitting "
                         "trajectories at several levels and resampling the survivors."}]
    rows += [{"title": f"Blood study {i}", "authors": [f"Cy Author{i}"], "year": 2015, "venue": "BLOOD",
              "abstract": text} for i, text in enumerate(TOPIC_ABSTRACTS)]
    return rows


@pytest.fixture(scope="module")
def collection(rag_home, tmp_path_factory):
    from .conftest import unique_collection_name

    name = unique_collection_name("title-match")
    path = tmp_path_factory.mktemp("titles") / "papers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _papers()))
    rag.ingest(str(path), collection=name, settings=load_settings(collection=name, retriever="engine"))
    return name


@pytest.mark.parametrize("backend", ["memory", "engine"])
def test_distinctive_name_is_a_title_match_and_comes_first(collection, backend):
    retriever = pipeline.get_engine(load_settings(collection=collection, retriever=backend), collection).retriever
    hits = retriever.search("What is the variance of nested quillwort sampling?", k=3)
    assert hits[0].paper.title == NAMED_TITLE and hits[0].title_match


@pytest.mark.parametrize("backend", ["memory", "engine"])
def test_common_topic_phrase_in_a_claim_is_no_title_match(collection, backend):
    retriever = pipeline.get_engine(load_settings(collection=collection, retriever=backend), collection).retriever
    hits = retriever.search("GATA-3 is important for hematopoietic stem cell (HSC) function.", k=7)
    review = next(h for h in hits if h.paper.title == TOPIC_TITLE)
    assert not review.title_match
    assert not any(h.title_match for h in hits)
    assert hits[0].paper.abstract == TOPIC_ABSTRACTS[0]  # the GATA-3 paper, not the review
