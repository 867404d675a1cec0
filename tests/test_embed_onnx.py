"""`minilm-onnx`: the locally exported, int8-quantised MiniLM agrees with the torch reference."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime", reason="embedder 'minilm-onnx' needs onnxruntime")
pytest.importorskip("onnx", reason="exporting MiniLM to ONNX needs the onnx package")

from rag.embed import MiniLMTorch  # noqa: E402
from rag.embed_onnx import MiniLMOnnx, model_cache_dir  # noqa: E402

# Real sentences (SciFact and ML abstracts) of very different lengths, so batches are padded.
SENTENCES = [
    "Deeper neural networks are more difficult to train.",
    "We present a residual learning framework to ease the training of networks that are substantially "
    "deeper than those used previously.",
    "The dominant sequence transduction models are based on complex recurrent or convolutional neural "
    "networks. We propose a new simple network architecture, the Transformer, based solely on attention "
    "mechanisms.",
    "Alterations of the architecture of cerebral white matter in the developing human brain can affect "
    "cortical development and result in functional disabilities.",
    "Line scan diffusion-weighted magnetic resonance imaging was used to assess water diffusion in preterm "
    "and full-term infants.",
    "Mean diffusion coefficients in central white matter were higher in preterm infants than in full-term "
    "infants, and relative anisotropy was lower.",
    "1 in 5 million in UK have abnormal PrP positivity.",
]


@pytest.fixture(scope="module")
def onnx_embedder() -> MiniLMOnnx:
    return MiniLMOnnx(max_tokens=256, batch_size=4).warm_up()  # builds into $RAG_HOME/models on first use


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return MiniLMTorch(max_tokens=256, batch_size=4).embed(SENTENCES)


def test_int8_unit_vectors_agree_with_torch(onnx_embedder, reference):
    vecs = onnx_embedder.embed(SENTENCES)
    assert vecs.shape == (len(SENTENCES), 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    cosines = (vecs * reference).sum(axis=1)
    assert cosines.min() >= 0.98, cosines


def test_int8_ranks_relevant_above_irrelevant(onnx_embedder):
    query, relevant, irrelevant = onnx_embedder.embed(
        [
            "How can very deep neural networks be trained more easily?",
            SENTENCES[1],
            SENTENCES[3],
        ]
    )
    assert query @ relevant > query @ irrelevant + 0.1
    query, relevant, irrelevant = onnx_embedder.embed(
        ["water diffusion in the brains of premature babies", SENTENCES[4], SENTENCES[2]]
    )
    assert query @ relevant > query @ irrelevant + 0.1


def test_a_vector_depends_on_its_text_alone(onnx_embedder, reference):
    """Dynamic int8 quantisation scales activations over the whole batch, so a batched text's vector moved
    with its batch-mates (cosine ~0.985): the same evidence sentence got another vector after another
    question had embedded its neighbours. The int8 model embeds one text per run: a text's vector is the
    same alone (as a query is embedded), with any batch-mates and in any order, and it matches torch."""
    alone = np.vstack([onnx_embedder.embed([s]) for s in SENTENCES])
    together = onnx_embedder.embed(SENTENCES, batch_size=len(SENTENCES))
    shuffled = SENTENCES[::-1] + SENTENCES[:3]
    other = onnx_embedder.embed(shuffled, batch_size=3)[: len(SENTENCES)][::-1]
    np.testing.assert_allclose(together, alone, atol=1e-6)
    np.testing.assert_allclose(other, alone, atol=1e-6)
    assert (alone * reference).sum(axis=1).min() >= 0.98
    assert onnx_embedder.embed([]).shape == (0, 384)


def test_batches_group_texts_of_similar_token_length(onnx_embedder):
    # Sentences from 1 to 60 words: each batch is padded to its longest text, so a batch's texts must be
    # of similar length (at most PAD_SLACK times the shortest plus PAD_TOKENS), never one padded batch.
    from rag.embed_base import PAD_SLACK, PAD_TOKENS, length_sorted_batches

    texts = [" ".join(SENTENCES[i % len(SENTENCES)].split()[: 1 + (7 * i) % 60]) for i in range(40)]
    lengths = [len(e.ids) for e in onnx_embedder.tokenizer.encode_batch(texts)]
    batches = length_sorted_batches(lengths, batch_size=8)
    assert sorted(i for b in batches for i in b) == list(range(len(texts)))
    assert all(len(b) <= 8 for b in batches) and len(batches) > len(texts) // 8
    for b in batches:
        short, long = min(lengths[i] for i in b), max(lengths[i] for i in b)
        assert long <= PAD_SLACK * short + PAD_TOKENS, (short, long)
    # the vectors come back in the caller's order whatever the grouping
    vecs = onnx_embedder.embed(texts, batch_size=8)
    alone = np.vstack([onnx_embedder.embed([t]) for t in texts[:6]])
    assert (vecs[:6] * alone).sum(axis=1).min() >= 0.98


def test_concurrent_calls_are_safe(onnx_embedder):
    expected = onnx_embedder.embed(SENTENCES)
    barrier = threading.Barrier(4)

    def work(_):
        barrier.wait()
        return onnx_embedder.embed(SENTENCES)

    with ThreadPoolExecutor(4) as pool:
        for got in pool.map(work, range(4)):
            np.testing.assert_allclose(got, expected, atol=1e-5)


def test_model_cache_location(monkeypatch, tmp_path):
    """$RAG_MODEL_CACHE wins; without it, models live under $RAG_HOME/models."""
    monkeypatch.setenv("RAG_MODEL_CACHE", str(tmp_path / "cache"))
    assert model_cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("RAG_MODEL_CACHE")
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    assert model_cache_dir() == tmp_path / "home" / "models"


def test_models_are_cached_under_the_model_cache(onnx_embedder):
    cache = model_cache_dir()
    assert cache == onnx_embedder.model_path.parent
    assert cache == Path(os.environ["RAG_MODEL_CACHE"])  # tests/conftest.py: one export per test session
    names = os.listdir(cache)
    assert any(n.endswith("-int8.onnx") or n.endswith("-int8-rr.onnx") for n in names)
    assert any(n.endswith("-fp32.onnx") for n in names)
    assert not [n for n in names if n.endswith(".tmp.onnx") or n.endswith(".tmp")], names
    mtime = onnx_embedder.model_path.stat().st_mtime_ns
    again = MiniLMOnnx(max_tokens=256, batch_size=4).warm_up()  # a cache hit: nothing is rebuilt
    assert again.model_path == onnx_embedder.model_path
    assert again.model_path.stat().st_mtime_ns == mtime


def test_registered_as_minilm_onnx():
    from rag.embed import get_embedder
    from rag.settings import load_settings

    embedder = get_embedder(load_settings(embedder="minilm-onnx"))
    assert isinstance(embedder, MiniLMOnnx) and embedder.name == "minilm-onnx" and embedder.dim == 384
