"""Embedding speed and agreement: torch fp32 vs ONNX fp32 vs ONNX int8 (the `minilm-onnx` embedder).

    python -m benchmarks.embed_speed                # full run, writes benchmarks/results/embed_speed.json
    python -m benchmarks.embed_speed --quick        # 300 abstracts, one repeat, no quantisation sweep
    python -m benchmarks.embed_speed --fresh        # rebuild the cached ONNX models (times the export)

Texts: the first N SciFact abstracts (`scifact/corpus_train.csv`, loaded with `load_scifact`) as
`title + ". " + abstract`, at the shipped max_tokens 128 and batch 16 by default (int8 also at 256).

Figures:
- throughput (abstracts/s, end to end through `Embedder.embed`: tokenise, run, pool). The N
  abstracts go in chunks of 128; each repeat times every chunk with every variant in turn, so
  background load hits all variants alike. "quiet" sums each chunk's fastest time over the repeats
  (the closest estimate of an idle machine); "mean" is the average full pass. Also abstracts per
  CPU-second of this process;
- agreement with torch fp32 on the same abstracts: cosine (mean, min) and max abs difference;
- retrieval agreement: SciFact train claims whose relevant abstract is among the N embedded ones,
  ranked by cosine over the N: nDCG@10, Recall@10, MRR@10 and top-10 overlap with torch;
- optionally (`--retrieval-full`) the same for the whole corpus and train + validation claims,
  torch vs int8, with a 95% interval on the paired nDCG@10 difference;
- single-query latency (short queries, batch of one, variants interleaved): median, p90, min ms;
- a sweep of the int8 quantisation options (per-tensor / per-channel x reduce_range), timed on a
  fixed 64 x 256-token batch and checked for agreement on the first 500 abstracts.

Timings are wall-clock on a shared machine: other jobs running at the same time slow every
variant down. The load average before and after is recorded with the figures.

Models are built in this benchmark's own RAG_HOME (`benchmarks/.work/embed_speed`, gitignored).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import DEFAULT_DATA, RESULTS, data_root
from benchmarks.common import WORK as WORK_ROOT

WORK = WORK_ROOT / "embed_speed"
OUT = RESULTS / "embed_speed.json"

QUERIES = [
    "microglia activation in the developing brain",
    "Does vitamin D reduce fracture risk?",
    "BRCA1 mutations and breast cancer",
    "statins lower cardiovascular mortality",
    "gut microbiome and obesity",
]


def load_texts(data: Path, n: int) -> tuple[list[str], list[str]]:
    """(doc_ids, texts) of the first n SciFact abstracts, as `title. abstract`."""
    from rag.corpus.scifact import load_scifact

    papers = list(itertools.islice(load_scifact(data / "scifact" / "corpus_train.csv"), n))
    ids = [p.source.rsplit("#", 1)[-1] for p in papers]
    texts = [f"{p.title}. {p.abstract}" if p.title else p.abstract for p in papers]
    return ids, texts


SPLITS = {"train": ("claims_train.csv", "train.tsv"), "test": ("claims_validation.csv", "test.tsv")}


def load_claims(
    data: Path, doc_ids: Sequence[str], splits: Sequence[str] = ("train",)
) -> tuple[list[str], list[set[int]]]:
    """Claims whose qrels point at an embedded abstract; relevant rows are indices into doc_ids."""
    row_of = {d: i for i, d in enumerate(doc_ids)}
    texts: list[str] = []
    rels: list[set[int]] = []
    for split in splits:
        claims_file, qrels_file = SPLITS[split]
        claims: dict[str, str] = {}
        with open(data / "scifact" / claims_file, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                claims.setdefault(row["id"], row["claim"])
        relevant: dict[str, set[int]] = {}
        with open(data / "scifact" / "qrels" / qrels_file, encoding="utf-8") as fh:
            next(fh)
            for line in fh:
                qid, did, score = line.split()
                if int(score) > 0 and did in row_of and qid in claims:
                    relevant.setdefault(qid, set()).add(row_of[did])
        for qid in sorted(relevant, key=int):
            texts.append(claims[qid])
            rels.append(relevant[qid])
    return texts, rels


def retrieval_metrics(
    q: np.ndarray, docs: np.ndarray, relevant: list[set[int]], k: int = 10
) -> dict[str, Any]:
    top = np.argsort(-(q @ docs.T), axis=1)[:, :k]
    ndcg, recall, mrr = [], [], []
    for row, rel in zip(top, relevant, strict=True):
        gains = [1.0 if int(d) in rel else 0.0 for d in row]
        dcg = sum(g / np.log2(i + 2) for i, g in enumerate(gains))
        idcg = sum(1.0 / np.log2(i + 2) for i in range(min(len(rel), k)))
        ndcg.append(dcg / idcg)
        recall.append(sum(gains) / len(rel))
        mrr.append(next((1.0 / (i + 1) for i, g in enumerate(gains) if g), 0.0))
    return {
        f"ndcg@{k}": round(float(np.mean(ndcg)), 4),
        f"recall@{k}": round(float(np.mean(recall)), 4),
        f"mrr@{k}": round(float(np.mean(mrr)), 4),
        "_top": top,
        "_ndcg": np.asarray(ndcg),
    }


def agreement(emb: np.ndarray, ref: np.ndarray) -> dict[str, float]:
    cos = (emb * ref).sum(axis=1)
    return {
        "cosine_mean": round(float(cos.mean()), 5),
        "cosine_min": round(float(cos.min()), 5),
        "cosine_p01": round(float(np.percentile(cos, 1)), 5),
        "max_abs_diff": round(float(np.abs(emb - ref).max()), 5),
    }


def time_embed(fn: Callable[[], np.ndarray]) -> tuple[np.ndarray, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def query_latency(variants: dict[str, Any], reps: int) -> dict[str, dict[str, float]]:
    """Batch-of-one short queries, the variants interleaved query by query."""
    for e in variants.values():  # warm-up
        for q in QUERIES:
            e.embed([q])
    times: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(reps):
        for q in QUERIES:
            for name, e in variants.items():
                t = time.perf_counter()
                e.embed([q])
                times[name].append((time.perf_counter() - t) * 1000)
    out = {}
    for name, ts in times.items():
        ts.sort()
        out[name] = {
            "median_ms": round(statistics.median(ts), 2),
            "p90_ms": round(ts[int(0.9 * (len(ts) - 1))], 2),
            "min_ms": round(ts[0], 2),
            "n": len(ts),
        }
    return out


def fixed_batch_rate(model_path: Path, batch: int = 64, seq: int = 256, repeats: int = 3) -> dict[str, float]:
    """Sequences/s of one session on a fixed random batch (no tokeniser, no padding differences)."""
    import onnxruntime as ort

    from rag.embed_onnx import _session_options

    rng = np.random.default_rng(0)
    ids = rng.integers(1000, 30000, (batch, seq)).astype(np.int64)
    ids[:, 0], ids[:, -1] = 101, 102
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    sess = ort.InferenceSession(str(model_path), _session_options(), providers=["CPUExecutionProvider"])
    sess.run(None, feeds)
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        sess.run(None, feeds)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return {"seq_per_s_best": round(batch / min(wall), 1), "seq_per_cpu_s": round(batch / min(cpu), 1)}


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"benchmark data root (default: $RAG_BENCH_DATA or {DEFAULT_DATA})",
    )
    ap.add_argument(
        "--work", type=Path, default=WORK, help="RAG_HOME for this benchmark (models are cached here)"
    )
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument(
        "--fresh", action="store_true", help="delete the cached ONNX models first (times the export)"
    )
    ap.add_argument("-n", "--n-abstracts", type=int, default=1000)
    ap.add_argument(
        "--n-quality", type=int, default=500, help="abstracts for the quantisation sweep agreement"
    )
    ap.add_argument("--max-tokens", type=int, default=128, help="token limit (default: the shipped 128)")
    ap.add_argument("--batch-size", type=int, default=16, help="texts per batch (default: the shipped 16)")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved throughput repeats per variant")
    ap.add_argument("--chunk", type=int, default=128, help="abstracts per timed chunk")
    ap.add_argument("--query-reps", type=int, default=10, help="repetitions of the 5 latency queries")
    ap.add_argument("--also-max-tokens", type=int, default=256, help="also time int8 at this limit (0: skip)")
    ap.add_argument(
        "--retrieval-full",
        action="store_true",
        help="also rank the whole corpus for train+validation claims, torch vs int8 (~6 min idle)",
    )
    ap.add_argument("--no-sweep", action="store_true", help="skip the quantisation-options sweep")
    ap.add_argument("--quick", action="store_true", help="300 abstracts, 1 repeat, no sweep")
    args = ap.parse_args(argv)
    if args.quick:
        args.n_abstracts, args.n_quality, args.repeats, args.no_sweep, args.query_reps = 300, 300, 1, True, 4

    data = data_root(args.data)
    if not (data / "scifact" / "corpus_train.csv").is_file():
        sys.exit(f"SciFact not found under {data}: pass --data DIR or set RAG_BENCH_DATA")
    os.environ["RAG_HOME"] = str(args.work.resolve())

    from rag.embed import MiniLMTorch
    from rag.embed_onnx import (
        MiniLMOnnx,
        default_reduce_range,
        ensure_onnx_model,
        model_paths,
        quantise_int8,
    )

    paths = model_paths()
    if args.fresh:
        for key in ("fp32", "int8", "info"):
            paths[key].unlink(missing_ok=True)
    load_before = load_average()
    print(f"load average before: {load_before} on {os.cpu_count()} CPUs (timings are approximate)")

    doc_ids, texts = load_texts(data, args.n_abstracts)
    claims, relevant = load_claims(data, doc_ids)
    print(f"{len(texts)} SciFact abstracts, {len(claims)} train claims with a relevant abstract among them")

    built = not paths["int8"].exists()
    t = time.perf_counter()
    int8_path = ensure_onnx_model(quantized=True)
    build_s = time.perf_counter() - t
    info = json.loads(paths["info"].read_text(encoding="utf-8")) if paths["info"].exists() else {}
    info.get("fp32", {}).pop("probe_reference", None)
    print(f"ONNX models {'built' if built else 'cached'} in {build_s:.1f}s: {int8_path.name}")

    mt = args.max_tokens
    variants: dict[str, Any] = {
        "torch_fp32": MiniLMTorch(max_tokens=mt, batch_size=args.batch_size),
        "onnx_fp32": MiniLMOnnx(mt, args.batch_size, quantized=False).warm_up(),
        "onnx_int8": MiniLMOnnx(mt, args.batch_size).warm_up(),
    }
    variants["torch_fp32"].embed(texts[:4])

    # Throughput: the N abstracts in chunks, every chunk timed once per repeat for every variant in
    # turn (rotating who goes first). A full pass in repeat r is the sum of its chunks; the
    # "quiet-machine" estimate sums each chunk's fastest time over the repeats, so a burst of
    # background load spoils one chunk's sample, not one variant's whole figure.
    chunks = [list(range(i, min(i + args.chunk, len(texts)))) for i in range(0, len(texts), args.chunk)]
    names = list(variants)
    wall = {k: np.zeros((args.repeats, len(chunks))) for k in names}
    cpu = {k: np.zeros((args.repeats, len(chunks))) for k in names}
    emb = {k: np.zeros((len(texts), 384), dtype=np.float32) for k in names}
    for r in range(args.repeats):
        for c, idx in enumerate(chunks):
            for j in range(len(names)):
                name = names[(j + c + r) % len(names)]
                chunk_texts = [texts[i] for i in idx]
                emb[name][idx], wall[name][r, c], cpu[name][r, c] = time_embed(
                    lambda n=name, t=chunk_texts: variants[n].embed(t)
                )
        print(
            f"  repeat {r + 1}: "
            + "  ".join(f"{k} {len(texts) / wall[k][r].sum():.1f}/s" for k in names)
            + f"  (load {load_average()})"
        )

    ref = emb["torch_fp32"]
    q_emb = {name: e.embed(claims) for name, e in variants.items()}
    ret = {name: retrieval_metrics(q_emb[name], emb[name], relevant) for name in variants}
    tops = {name: r.pop("_top") for name, r in ret.items()}
    for r in ret.values():
        r.pop("_ndcg")
    latency = query_latency(variants, args.query_reps)
    results: dict[str, Any] = {}
    for name in variants:
        passes = wall[name].sum(axis=1)
        pairs = zip(tops[name], tops["torch_fp32"], strict=True)
        overlap = float(np.mean([len(set(a) & set(b)) / 10 for a, b in pairs]))
        results[name] = {
            "abstracts_per_s_quiet": round(len(texts) / wall[name].min(axis=0).sum(), 1),
            "abstracts_per_s_best_pass": round(len(texts) / passes.min(), 1),
            "abstracts_per_s_mean_pass": round(len(texts) / passes.mean(), 1),
            "abstracts_per_cpu_s": round(len(texts) / cpu[name].min(axis=0).sum(), 1),
            "pass_wall_s": [round(float(w), 2) for w in passes],
            "agreement_vs_torch": agreement(emb[name], ref),
            "retrieval": ret[name] | {"top10_overlap_vs_torch": round(overlap, 4)},
            "query_latency": latency[name],
        }

    full: dict[str, Any] = {}
    if args.retrieval_full:
        # The whole corpus, all train + validation claims: is int8 retrieval any worse than torch?
        all_ids, all_texts = load_texts(data, 10**9)
        f_claims, f_relevant = load_claims(data, all_ids, ("train", "test"))
        print(f"full-corpus retrieval: {len(all_texts)} abstracts, {len(f_claims)} claims")
        f_ret = {}
        for name in ("torch_fp32", "onnx_int8"):
            e = variants[name]
            f_ret[name] = retrieval_metrics(e.embed(f_claims), e.embed(all_texts), f_relevant)
        diff = f_ret["onnx_int8"]["_ndcg"] - f_ret["torch_fp32"]["_ndcg"]
        pairs = zip(f_ret["onnx_int8"].pop("_top"), f_ret["torch_fp32"].pop("_top"), strict=True)
        overlap = float(np.mean([len(set(a) & set(b)) / 10 for a, b in pairs]))
        for r in f_ret.values():
            r.pop("_ndcg")
        full = {
            "n_abstracts": len(all_texts),
            "n_claims": len(f_claims),
            "metrics": f_ret,
            "ndcg@10_int8_minus_torch": round(float(diff.mean()), 4),
            "ndcg@10_diff_95ci": round(float(1.96 * diff.std(ddof=1) / np.sqrt(len(diff))), 4),
            "top10_overlap_int8_vs_torch": round(overlap, 4),
        }

    extra: dict[str, Any] = {}
    if args.also_max_tokens:
        e = MiniLMOnnx(args.also_max_tokens, args.batch_size).warm_up()
        _, wall, cpu = time_embed(lambda: e.embed(texts))
        extra = {
            "max_tokens": args.also_max_tokens,
            "onnx_int8_abstracts_per_s": round(len(texts) / wall, 1),
            "onnx_int8_abstracts_per_cpu_s": round(len(texts) / cpu, 1),
            "note": "informational: a different max_tokens gives different vectors (and a different index)",
        }

    sweep: dict[str, Any] = {}
    if not args.no_sweep:
        nq = min(args.n_quality, len(texts))
        sweep_dir = args.work.resolve() / "sweep"
        sweep_dir.mkdir(parents=True, exist_ok=True)
        options = {
            "per_tensor": dict(per_channel=False, reduce_range=False),
            "per_tensor_reduce_range": dict(per_channel=False, reduce_range=True),
            "per_channel": dict(per_channel=True, reduce_range=False),
            "per_channel_reduce_range": dict(per_channel=True, reduce_range=True),
            "per_channel_with_embeddings": dict(
                per_channel=True,
                reduce_range=False,
                op_types=("MatMul", "Attention", "EmbedLayerNormalization", "Gather"),
            ),
        }
        sweep_paths = {"fp32": paths["fp32"]}
        for label, opts in options.items():
            target = sweep_dir / f"int8-{label}.onnx"
            if not target.exists():
                try:
                    quantise_int8(paths["fp32"], target, min_cosine=None, **opts)
                except Exception as exc:  # e.g. disagreement below the 0.98 floor
                    sweep[label] = {"error": str(exc)}
                    continue
            sweep_paths[label] = target
        for label, path in sweep_paths.items():
            out = MiniLMOnnx(mt, args.batch_size, model_path=path).embed(texts[:nq])
            sweep[label] = {
                "options": options.get(label, {"float32": True}),
                "size_mb": round(path.stat().st_size / 1e6, 1),
                f"agreement_vs_torch_n{nq}": agreement(out, ref[:nq]),
                "fixed_batch_64x256": fixed_batch_rate(path),
            }

    load_after = load_average()
    payload = {
        "benchmark": "embed_speed",
        "texts": f"first {len(texts)} SciFact abstracts (title. abstract)",
        "max_tokens": mt,
        "batch_size": args.batch_size,
        "repeats": args.repeats,
        "n_claims_for_retrieval": len(claims),
        "shipped_int8_recipe": {
            "file": int8_path.name,
            "per_channel": True,
            "reduce_range": default_reduce_range(),
            "op_types": ["MatMul", "Attention"],
            "build": info,
            "build_s_this_run": round(build_s, 1) if built else None,
        },
        "variants": results,
        "full_corpus_retrieval": full,
        "other_max_tokens": extra,
        "quantisation_sweep": sweep,
        "environment": {
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
            "processor": platform.processor() or None,
            "python": platform.python_version(),
            "versions": {
                d: version(d) for d in ("torch", "transformers", "onnx", "onnxruntime", "tokenizers")
            },
            "load_average_before": load_before,
            "load_average_after": load_after,
            "note": "shared machine: other CPU-heavy jobs may have run at the same time; timings are approximate",
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")

    print()
    print(
        f"{'variant':12s} {'abs/s quiet':>11s} {'abs/s mean':>10s} {'abs/CPU-s':>9s} {'cos mean':>9s} {'cos min':>8s} "
        f"{'maxabs':>7s} {'nDCG@10':>8s} {'R@10':>6s} {'top10∩':>7s} {'q ms med':>8s} {'q ms min':>8s}"
    )
    for name, r in results.items():
        a, rt, ql = r["agreement_vs_torch"], r["retrieval"], r["query_latency"]
        print(
            f"{name:12s} {r['abstracts_per_s_quiet']:11.1f} {r['abstracts_per_s_mean_pass']:10.1f} {r['abstracts_per_cpu_s']:9.1f} "
            f"{a['cosine_mean']:9.5f} {a['cosine_min']:8.5f} {a['max_abs_diff']:7.4f} {rt['ndcg@10']:8.4f} "
            f"{rt['recall@10']:6.3f} {rt['top10_overlap_vs_torch']:7.3f} {ql['median_ms']:8.2f} {ql['min_ms']:8.2f}"
        )
    if extra:
        print(f"int8 at max_tokens {extra['max_tokens']}: {extra['onnx_int8_abstracts_per_s']} abstracts/s")
    if full:
        m = full["metrics"]
        print(
            f"full corpus ({full['n_abstracts']} abstracts, {full['n_claims']} claims): nDCG@10 torch "
            f"{m['torch_fp32']['ndcg@10']} vs int8 {m['onnx_int8']['ndcg@10']} (diff "
            f"{full['ndcg@10_int8_minus_torch']:+.4f} ± {full['ndcg@10_diff_95ci']}), "
            f"top-10 overlap {full['top10_overlap_int8_vs_torch']}"
        )
    if sweep:
        print("\nquantisation sweep (fixed 64x256 batch; agreement on the first abstracts):")
        for label, s in sweep.items():
            if "error" in s:
                print(f"  {label:28s} error: {s['error']}")
                continue
            a = next(v for k, v in s.items() if k.startswith("agreement"))
            f = s["fixed_batch_64x256"]
            print(
                f"  {label:28s} {f['seq_per_s_best']:6.1f} seq/s  {f['seq_per_cpu_s']:6.1f} seq/CPU-s  "
                f"cos mean {a['cosine_mean']:.5f} min {a['cosine_min']:.5f}  {s['size_mb']} MB"
            )
    print(f"\nload average after: {load_after}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
