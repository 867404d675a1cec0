"""How batches are formed for the `minilm-onnx` embedder: one padded batch vs length groups vs one at a time.

    python -m benchmarks.embed_batching            # writes benchmarks/results/embed_batching.json
    python -m benchmarks.embed_batching --groups 4 # a quick look

A question at 30k papers embeds about 36 evidence sentences on demand (10 to 90 tokens each). Padding
them all to the longest in one batch wastes most of the compute. The shipped rule
(`rag.embed_base.length_sorted_batches`) starts a new batch when the next text is longer than PAD_SLACK
times the batch's shortest plus PAD_TOKENS; since session 20 the int8 model runs one text at a time instead
(its dynamic quantisation scales activations over the whole batch, so batch-mates moved a text's vector;
the float32 models keep the grouping). This benchmark times, on the same texts and interleaved so
background load hits every strategy alike:

- `padded`: length-sorted batches of up to 128 whatever their spread;
- `grouped`: the grouping rule (what the int8 model shipped until session 19);
- `single`: one text per run (no padding at all, no batching either; what the int8 model ships).

Texts: groups of 36 sentences drawn (seeded) from the bundled corpus's abstracts, as on-demand evidence
embedding sees them; and the bundled abstracts themselves (`title. abstract`, as ingest embeds them).
Figures: median ms per 36-sentence group, abstracts/s, and the cosine between each strategy's vectors and
the single-text ones (dynamic int8 quantisation scales activations per batch, so batch-mates matter a
little).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "embed_batching.json"
WORK = Path(__file__).resolve().parent / ".work"


def _cpu_flags() -> list[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return sorted(f for f in flags if f in {"avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8"})


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--groups", type=int, default=12, help="36-sentence groups to time (default 12)")
    ap.add_argument("--abstracts", type=int, default=128, help="abstracts to time (default 128)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    os.environ.setdefault("RAG_MODEL_CACHE", str(WORK / "models"))
    import rag.embed_base as base
    from rag.corpus import load_papers
    from rag.embed_onnx import MiniLMOnnx
    from rag.sentences import paper_sentences
    from rag.settings import REPO_ROOT

    papers = load_papers(REPO_ROOT / "data" / "seed")
    sentences = [s for p in papers for s in paper_sentences(p)]
    rng = np.random.default_rng(9)
    groups = [[sentences[i] for i in rng.choice(len(sentences), 36, replace=False)] for _ in range(args.groups)]
    abstracts = [f"{p.title}. {p.abstract}" for p in papers[: args.abstracts]]
    model = MiniLMOnnx().warm_up()
    shipped = base.PAD_SLACK

    def batched(texts: list[str]) -> np.ndarray:
        """The texts in length-sorted batches of up to 128 (`embed` runs the int8 model one text at a time)."""
        session, enc = model._get_session(), model.tokenizer.encode_batch(texts)
        out = np.zeros((len(texts), model.dim), dtype=np.float32)
        for idx in base.length_sorted_batches([len(e.ids) for e in enc], 128):
            out[idx] = model._encode_batch(session, [texts[i] for i in idx], [enc[i] for i in idx])
        return out

    def run(strategy: str, texts: list[str]) -> tuple[np.ndarray, float]:
        base.PAD_SLACK = float("inf") if strategy == "padded" else shipped
        t = time.perf_counter()
        vecs = model.embed(texts) if strategy == "single" else batched(texts)
        base.PAD_SLACK = shipped
        return vecs, time.perf_counter() - t

    strategies = ("padded", "grouped", "single")
    run("grouped", groups[0])  # warm-up
    ms: dict[str, list[float]] = {s: [] for s in strategies}
    agree: dict[str, list[float]] = {s: [] for s in strategies}
    for g in groups:
        vecs = {}
        for s in strategies:
            vecs[s], dt = run(s, g)
            ms[s].append(dt * 1000)
        for s in strategies:
            agree[s].append(float((vecs[s] * vecs["single"]).sum(axis=1).min()))
    abstracts_per_s = {}
    for s in strategies:
        _, dt = run(s, abstracts)
        abstracts_per_s[s] = round(len(abstracts) / dt, 1)
    result = {
        "cpu": platform.processor() or platform.machine(),
        "cpu_flags": _cpu_flags(),
        "cores": os.cpu_count(),
        "pad_slack": shipped,
        "pad_tokens": base.PAD_TOKENS,
        "sentence_groups": len(groups),
        "ms_per_36_sentences_median": {s: round(statistics.median(v), 1) for s, v in ms.items()},
        "abstracts_per_s": abstracts_per_s,
        "min_cosine_vs_single": {s: round(min(v), 4) for s, v in agree.items()},
        "loadavg_at_write_1_5_15": list(os.getloadavg()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    try:  # the 30k ask() comparison (session 11, measured with relevance_eval) is kept as it was
        earlier = json.loads(args.out.read_text())
        result.update({k: earlier[k] for k in ("acl_30k_ask",) if k in earlier})
    except (OSError, ValueError):
        pass
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
