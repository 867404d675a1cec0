"""Sentence vectors: embedded on demand, partly when only some sentences are needed (#11 speed at 30k)."""

from __future__ import annotations

import numpy as np

from rag.sentences import SentenceVectors, paper_sentences, sentence_key
from rag.types import Paper

ABSTRACT = ("We study graph pooling for hierarchical representations. Our method learns cluster assignments. "
            "It improves accuracy on five benchmarks. Code is released for everyone. We also analyse failure cases.")


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, real):
        self.real, self.texts = real, []

    def embed(self, texts):
        self.texts.extend(texts)
        return self.real.embed(texts)


def test_partial_sentences_then_the_rest(stub_settings, tmp_path):
    from rag.embed import get_embedder

    emb = CountingEmbedder(get_embedder(stub_settings))
    sv = SentenceVectors(tmp_path / "sv", emb)
    paper = Paper(paper_id="p1", abstract=ABSTRACT, title="Pooling")
    sents = paper_sentences(paper)
    assert len(sents) == 5
    sv.ensure([paper], {sentence_key(paper): [0, 2]})
    assert emb.texts == [sents[0], sents[2]]
    vecs = sv.peek(paper)
    assert not np.isnan(vecs[[0, 2]]).any() and np.isnan(vecs[[1, 3, 4]]).all()
    assert not sv.has(paper)
    full = sv.get(paper)  # fills only the missing rows
    assert emb.texts[2:] == [sents[1], sents[3], sents[4]] and sv.has(paper)
    assert np.allclose(full[[0, 2]], vecs[[0, 2]]) and not np.isnan(full).any()
    ref = emb.real.embed(sents)
    sim = full @ ref.T  # row i is sentence i (int8 batches differ slightly, so compare by cosine)
    assert (sim.argmax(axis=1) == np.arange(5)).all() and (np.diag(sim) > 0.95).all()
    sv.save()
    again = SentenceVectors(tmp_path / "sv", emb)
    assert again.has(paper) and np.allclose(again.get(paper), full)
