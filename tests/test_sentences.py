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


def test_evidence_embeds_few_sentences_below_the_top_paper(stub_settings, tmp_path):
    """The top candidate gets every sentence embedded (its evidence makes a focused answer), the second
    its SENTENCES_SECOND sentences that share most terms with the question, each further one its
    SENTENCES_BEYOND_TOP such sentences."""
    from types import SimpleNamespace

    from rag.answer.evidence import SENTENCES_BEYOND_TOP, SENTENCES_SECOND, gather
    from rag.embed import get_embedder
    from rag.retrieval import Hit

    emb = CountingEmbedder(get_embedder(stub_settings))
    engine = SimpleNamespace(sentences=SentenceVectors(tmp_path / "sv", emb))
    question = "graph pooling cluster assignments failure cases"
    long = ABSTRACT + " A second study covers graph pooling at scale. Results hold for cluster sizes."
    papers = [Paper(paper_id=f"p{i}", abstract=long.replace(".", f" in study {'abcd'[i]}."), title="Pooling")
              for i in range(4)]
    evs = gather(engine, question, emb.real.embed([question])[0], [Hit(paper=p, score=1.0) for p in papers])
    per_paper = [sum(t in paper_sentences(p) for t in emb.texts) for p in papers]
    n = len(paper_sentences(papers[0]))
    assert n > SENTENCES_SECOND > SENTENCES_BEYOND_TOP
    assert per_paper == [n, SENTENCES_SECOND, SENTENCES_BEYOND_TOP, SENTENCES_BEYOND_TOP]
    for lower in evs[1:]:
        embedded = [i for i in range(n) if not np.isnan(lower.cosines[i])]
        shared = [len(t) for t in lower.terms]
        assert min(shared[i] for i in embedded) >= max(s for i, s in enumerate(shared) if i not in embedded)
        assert lower.best_cos == np.nanmax(lower.cosines)
    assert not np.isnan(evs[0].cosines).any()


def test_claim_check_reuses_the_quoted_sentence(stub_settings, tmp_path):
    """A listed paper's line quotes one sentence after a "“Title” (Authors): " label, and the title may
    hold ": " itself. Its support is checked with the quoted sentence's cached vector: nothing else of a
    large collection's abstract is embedded for it, and the quoted sentence is its evidence."""
    from types import SimpleNamespace

    from rag.cite import check_claims
    from rag.embed import get_embedder
    from rag.types import Source

    emb = CountingEmbedder(get_embedder(stub_settings))
    sv = SentenceVectors(tmp_path / "sv", emb)
    title = "Graph Pooling: Noise or Signal?"
    paper = Paper(paper_id="p1", abstract=ABSTRACT, title=title)
    sents = paper_sentences(paper)
    sv.ensure([paper], {sentence_key(paper): [1]})  # only the evidence sentence, as at 30k
    emb.texts.clear()
    src = Source(n=1, paper_id="p1", title=title, authors=["Ada Lovelace"], year=2020, venue=None, url="/paper/p1",
                 abstract=ABSTRACT)
    text = f"2 indexed papers address this:\n- “{title}” (Ada Lovelace, 2020): {sents[1].rstrip('.')} [1]."
    claims = check_claims(SimpleNamespace(sentences=sv, embedder=emb), text, [src])
    assert len(claims) == 1 and claims[0].evidence == sents[1]
    assert claims[0].support >= 0.65  # the sentence's vector against itself
    assert emb.texts == [] and not sv.has(paper)


def test_unembedded_sentences_rank_by_shared_terms(stub_settings, tmp_path):
    """A candidate of a large collection has a few sentences embedded; its other sentences still rank for
    the answer text and figure checks, after the embedded ones and by the question terms they share (not
    by their position in the abstract)."""
    from types import SimpleNamespace

    from rag.answer.evidence import SENTENCES_BEYOND_TOP, gather
    from rag.embed import get_embedder
    from rag.retrieval import Hit

    emb = CountingEmbedder(get_embedder(stub_settings))
    engine = SimpleNamespace(sentences=SentenceVectors(tmp_path / "sv", emb))
    question = "which cluster assignments fail, and what failure cases were analysed"
    papers = [Paper(paper_id=f"p{i}", abstract=ABSTRACT.replace(".", f" in study {'abcd'[i]}."), title="Pooling")
              for i in range(3)]
    ev = gather(engine, question, emb.real.embed([question])[0], [Hit(paper=p, score=1.0) for p in papers])[2]
    embedded = [i for i in range(len(ev.sentences)) if not np.isnan(ev.cosines[i])]
    assert len(embedded) == SENTENCES_BEYOND_TOP
    order = ev.best(len(ev.sentences))
    assert order[: len(embedded)] == sorted(embedded, key=lambda i: -ev.scores[i])
    rest = order[len(embedded):]
    assert [ev.overlap[i] for i in rest] == sorted((ev.overlap[i] for i in rest), reverse=True)
    assert ev.overlap[rest[0]] > ev.overlap[min(rest)]  # a later sentence shares more terms than the first
