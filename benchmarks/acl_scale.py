"""ACL Anthology scale benchmark: ingestion throughput, memory, disk and retrieval latency vs corpus size.

    python -m benchmarks.acl_scale                       # 1k, 5k, 10k, 30k (all ~29.9k abstracts)
    python -m benchmarks.acl_scale --quick               # 1k and 3k
    python -m benchmarks.acl_scale --sizes 1000,5000,10000 --embedder minilm

Method
- All ~29,900 abstracts are parsed once with `rag.corpus.load_papers(xml_dir, format="acl")` (timed:
  the parse rate), then shuffled with a fixed seed so every prefix mixes venues and years.
- Incremental ingestion into ONE collection: the first 1k papers are ingested with
  `rag.index.ingest_papers`, measured, then the next 4k, and so on. This is how a growing corpus is
  really ingested (the BM25 index is rebuilt from the whole store after each step, which the `bm25`
  timing shows), and it embeds each abstract once instead of 46k times for separate collections.
  Throughput per step = new papers / (their share of the parse time + embed + store + bm25 + rest).
- `sentence_precompute_max = 0`: ingest does NOT embed every sentence (by default it does so for corpora
  up to 5,000 papers, which would make the small sizes slower and not comparable).
- After each step a fresh engine is loaded (`rag.pipeline.get_engine`), then retrieval latency is
  measured over 500 queries with `engine.retriever.search(q, k=10)` (query embedding included),
  after 20 warm-up queries: half are titles of random indexed papers with their words shuffled, half are
  a middle sentence of a random indexed abstract.
- Known-item check (200 queries, 100 of each kind, target = the paper they come from): Recall@10 and
  MRR@10 with ranx.
- Peak RSS is `ru_maxrss` of this process (it holds the 30k parsed papers too); disk is the size of
  this benchmark's RAG_HOME (Chroma + BM25 + catalogue).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Timer,
    add_common_args,
    cpu_seconds,
    current_rss_mb,
    data_root,
    dir_size_mb,
    environment,
    isolate_home,
    latency_summary,
    peak_rss_mb,
    prepare_embedder,
    table,
    write_json,
)

warnings.filterwarnings("ignore", message=".*unsafe cast.*")
TARGETS = {
    "ingest_abstracts_per_s_min": 60,
    "ingest_aim": 120,
    "p50_ms_30k_max": 30,
    "p95_ms_30k_max": 75,
    "peak_rss_gb_max": 2.5,
}


def shuffled_title(title: str, rng: random.Random) -> str:
    words = title.split()
    for _ in range(5):
        rng.shuffle(words)
        if len(words) < 3 or words != title.split():
            break
    return " ".join(words)


def middle_sentence(abstract: str, rng: random.Random) -> str:
    from rag.text import split_sentences

    sents = split_sentences(abstract) or [abstract]
    s = sents[len(sents) // 2]
    if len(s.split()) < 6:
        s = max(sents, key=lambda x: len(x.split()))
    return s


def make_queries(papers: list, n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind, query, target paper_id): half shuffled titles, half middle sentences."""
    out = []
    titled = [p for p in papers if p.title]
    for i in range(n):
        if i % 2 == 0 and titled:
            p = rng.choice(titled)
            out.append(("title", shuffled_title(p.title, rng), p.paper_id))
        else:
            p = rng.choice(papers)
            out.append(("sentence", middle_sentence(p.abstract, rng), p.paper_id))
    return out


def known_item(engine, queries: list[tuple[str, str, str]]) -> dict[str, Any]:
    from ranx import Qrels, Run, evaluate

    out: dict[str, Any] = {}
    for kind in ("all", "title", "sentence"):
        sel = [(i, q) for i, q in enumerate(queries) if kind == "all" or q[0] == kind]
        qrels = {f"q{i}": {target: 1} for i, (_, _, target) in sel}
        run = {}
        for i, (_, text, _) in sel:
            hits = engine.retriever.search(text, k=10)
            run[f"q{i}"] = {h.paper.paper_id: float(10 - r) for r, h in enumerate(hits)} or {"__none__": 0.0}
        m = evaluate(Qrels(qrels), Run(run), ["recall@10", "mrr@10"], make_comparable=True)
        out[kind] = {"n": len(sel), **{k: round(float(v), 4) for k, v in m.items()}}
    return out


def plot(steps: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [s["size"] for s in steps]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    ax1.plot(sizes, [s["latency"]["p50_ms"] for s in steps], "o-", label="p50")
    ax1.plot(sizes, [s["latency"]["p95_ms"] for s in steps], "s-", label="p95")
    ax1.axhline(TARGETS["p50_ms_30k_max"], color="C0", ls=":", lw=1, label="p50 target (30k)")
    ax1.axhline(TARGETS["p95_ms_30k_max"], color="C1", ls=":", lw=1, label="p95 target (30k)")
    ax1.set_xscale("log")
    ax1.set_ylim(bottom=0)
    ax1.set_xlabel("abstracts indexed")
    ax1.set_ylabel("retriever.search(q, k=10) latency, ms")
    ax1.set_title("Retrieval latency (incl. query embedding)")
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3)
    cum = [s["cumulative_ingest_s"] for s in steps]
    ax2.plot(sizes, cum, "o-", color="C2", label="cumulative ingest time (s)")
    ax2.set_xscale("log")
    ax2.set_xlabel("abstracts indexed")
    ax2.set_ylabel("seconds")
    ax2.grid(alpha=0.3)
    ax3 = ax2.twinx()
    ax3.plot(
        sizes,
        [s["throughput"]["end_to_end_per_s"] for s in steps],
        "s--",
        color="C3",
        label="step throughput (abstracts/s)",
    )
    ax3.set_ylabel("abstracts/s")
    ax3.set_ylim(bottom=0)
    h1, l1 = ax2.get_legend_handles_labels()
    h2, l2 = ax3.get_legend_handles_labels()
    ax2.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper left")
    ax2.set_title("Ingestion (incremental)")
    emb = steps[0].get("embedder", "")
    fig.suptitle(f"ACL Anthology abstracts, embedder={emb}", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.acl_scale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common_args(ap)
    ap.add_argument(
        "--sizes",
        default=None,
        help="comma-separated corpus sizes (default 1000,5000,10000,30000; "
        "a size above the corpus means all of it)",
    )
    ap.add_argument(
        "--embedder", default="auto", help="embedder name, or 'auto' = minilm-onnx when it loads, else minilm"
    )
    ap.add_argument("--latency-queries", type=int, default=500)
    ap.add_argument("--known-item-queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--embed-batch-size",
        type=int,
        default=None,
        help="override settings.embed_batch_size (default: the shipped setting)",
    )
    ap.add_argument("--quick", action="store_true", help="sizes 1000,3000 and 200 latency queries")
    ap.add_argument(
        "--png", type=Path, default=None, help="plot path (default benchmarks/results/acl_scale.png)"
    )
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes = args.sizes or "1000,3000"
        args.latency_queries = min(args.latency_queries, 200)
    sizes_req = [int(s) for s in (args.sizes or "1000,5000,10000,30000").split(",")]

    data = data_root(args.data)
    xml = data / "acl-anthology" / "xml"
    # a fresh home every run: the benchmark measures ingestion from empty
    home = isolate_home("acl_scale", args.work, fresh=True)

    from rag.corpus import LoadReport, load_papers
    from rag.index import ingest_papers
    from rag.pipeline import get_engine
    from rag.settings import load_settings

    if args.embedder == "auto":
        ok, why = prepare_embedder("minilm-onnx")
        embedder = "minilm-onnx" if ok else "minilm"
        emb_note = "minilm-onnx loads" if ok else f"minilm-onnx not available ({why}); using torch minilm"
    else:
        embedder, emb_note = args.embedder, "as requested"
        ok, why = prepare_embedder(embedder)
        if not ok:
            sys.exit(f"embedder {embedder!r} is not usable: {why}")
    print(f"embedder: {embedder} ({emb_note})", flush=True)
    settings = load_settings(
        home=home,
        embedder=embedder,
        collection="acl",
        sentence_precompute_max=0,
        embed_batch_size=args.embed_batch_size,
    )

    rss_before_parse = current_rss_mb()
    report = LoadReport()
    with Timer() as t_parse:
        papers = load_papers(xml, format="acl", report=report)
    n_all = len(papers)
    parse_rate = n_all / t_parse.seconds
    print(
        f"parsed {n_all} abstracts from {xml} in {t_parse.seconds:.1f}s ({parse_rate:.0f}/s; "
        f"{report.skipped} skipped); RSS {current_rss_mb():.0f} MB",
        flush=True,
    )
    random.Random(args.seed).shuffle(papers)
    sizes = sorted({min(s, n_all) for s in sizes_req})

    result: dict[str, Any] = {
        "benchmark": "acl_scale",
        "environment": environment(),
        "data": str(xml),
        "rag_home": str(home),
        "embedder": embedder,
        "embedder_note": emb_note,
        "settings": {
            "sentence_precompute_max": 0,
            "upsert_batch_size": settings.upsert_batch_size,
            "embed_batch_size": settings.embed_batch_size,
            "candidates": settings.candidates,
            "store": settings.store,
        },
        "method": f"incremental ingestion of shuffled (seed {args.seed}) prefixes into one collection",
        "parse": {
            "papers": n_all,
            "seconds": round(t_parse.seconds, 2),
            "per_s": round(parse_rate, 1),
            "skipped": report.skipped,
            "rss_before_mb": round(rss_before_parse, 1),
            "rss_after_mb": round(current_rss_mb(), 1),
        },
        "targets": TARGETS,
        "steps": [],
        "sizes_requested": sizes_req,
    }
    rng = random.Random(args.seed + 1)
    done, cum = 0, 0.0
    for size in sizes:
        new = papers[done:size]
        print(f"\n== ingest papers {done + 1}..{size} ({len(new)} new) ==", flush=True)
        cpu0 = cpu_seconds()
        res = ingest_papers(new, settings, "acl", progress=False)
        ingest_cpu = cpu_seconds() - cpu0
        t = dict(res.timings)
        parse_share = t_parse.seconds * len(new) / n_all
        step_total = parse_share + t["total"]
        cum += step_total
        # No invalidate(): as in a running app, the engine notices the ingest's new revision and reloads.
        with Timer() as t_load:
            engine = get_engine(settings, "acl")
        assert len(engine.lexical.papers) == size, (len(engine.lexical.papers), size)
        indexed = papers[:size]
        lat_q = make_queries(indexed, args.latency_queries, rng)
        for _, q, _ in make_queries(indexed, 20, rng):
            engine.retriever.search(q, k=10)
        lat: list[float] = []
        cpu0 = cpu_seconds()
        for _, q, _ in lat_q:
            t0 = time.perf_counter()
            engine.retriever.search(q, k=10)
            lat.append(time.perf_counter() - t0)
        search_cpu_ms = 1000 * (cpu_seconds() - cpu0) / max(1, len(lat_q))
        by_kind = {
            kind: latency_summary([s for s, (k, _, _) in zip(lat, lat_q, strict=True) if k == kind])
            for kind in ("title", "sentence")
        }
        ki = known_item(engine, make_queries(indexed, args.known_item_queries, rng))
        step = {
            "size": size,
            "new_papers": len(new),
            "embedder": embedder,
            "ingest": {"added": res.added, "updated": res.updated, "unchanged": res.unchanged},
            "timings_s": {k: round(v, 2) for k, v in t.items()} | {"parse_share": round(parse_share, 2)},
            "throughput": {
                "parse_per_s": round(parse_rate, 1),
                "embed_per_s": round(len(new) / t["embed"], 1) if t.get("embed") else None,
                "store_per_s": round(len(new) / t["store"], 1) if t.get("store") else None,
                "bm25_rebuild_s": round(t.get("bm25", 0.0), 2),
                "end_to_end_per_s": round(len(new) / step_total, 1),
            },
            "ingest_cpu_s": round(ingest_cpu, 1),
            "abstracts_per_cpu_s": round(len(new) / ingest_cpu, 1) if ingest_cpu else None,
            "search_cpu_ms_per_query": round(search_cpu_ms, 2),
            "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "cumulative_ingest_s": round(cum, 1),
            "cumulative_per_s": round(size / cum, 1),
            "engine_load_s": round(t_load.seconds, 2),
            "latency": latency_summary(lat),
            "latency_by_kind": by_kind,
            "known_item": ki,
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "rss_mb": round(current_rss_mb(), 1),
            "disk_mb": round(dir_size_mb(home), 1),
        }
        result["steps"].append(step)
        done = size
        tp = step["throughput"]
        print(
            f"ingest: parse {tp['parse_per_s']}/s, embed {tp['embed_per_s']}/s, store {tp['store_per_s']}/s, "
            f"bm25 rebuild {tp['bm25_rebuild_s']}s -> {tp['end_to_end_per_s']} abstracts/s end to end "
            f"(cumulative {step['cumulative_per_s']}/s)"
        )
        print(
            f"latency k=10: p50 {step['latency']['p50_ms']} ms, p95 {step['latency']['p95_ms']} ms; "
            f"known-item R@10 {ki['all']['recall@10']}, MRR@10 {ki['all']['mrr@10']}; "
            f"peak RSS {step['peak_rss_mb']:.0f} MB; disk {step['disk_mb']:.0f} MB",
            flush=True,
        )
        write_json("acl_scale", result, args.out)

    steps = result["steps"]
    print(
        "\n"
        + table(
            [
                [
                    s["size"],
                    s["throughput"]["embed_per_s"],
                    s["throughput"]["store_per_s"],
                    s["throughput"]["bm25_rebuild_s"],
                    s["throughput"]["end_to_end_per_s"],
                    s["latency"]["p50_ms"],
                    s["latency"]["p95_ms"],
                    s["known_item"]["all"]["recall@10"],
                    s["known_item"]["all"]["mrr@10"],
                    round(s["peak_rss_mb"]),
                    round(s["disk_mb"]),
                ]
                for s in steps
            ],
            [
                "size",
                "embed/s",
                "store/s",
                "bm25 s",
                "e2e/s",
                "p50 ms",
                "p95 ms",
                "KI R@10",
                "KI MRR",
                "peakRSS MB",
                "disk MB",
            ],
        )
    )
    last = steps[-1]
    total_rate = last["size"] / last["cumulative_ingest_s"]
    result["summary"] = {
        "largest_size": last["size"],
        "overall_ingest_per_s": round(total_rate, 1),
        "p50_ms_at_largest": last["latency"]["p50_ms"],
        "p95_ms_at_largest": last["latency"]["p95_ms"],
        "peak_rss_gb": round(max(s["peak_rss_mb"] for s in steps) / 1024, 2),
        "disk_mb_at_largest": last["disk_mb"],
        "known_item_at_largest": last["known_item"]["all"],
        "full_corpus_measured": last["size"] == n_all,
        "meets": {
            "ingest_per_s": total_rate >= TARGETS["ingest_abstracts_per_s_min"],
            "p50": last["latency"]["p50_ms"] <= TARGETS["p50_ms_30k_max"],
            "p95": last["latency"]["p95_ms"] <= TARGETS["p95_ms_30k_max"],
            "rss": max(s["peak_rss_mb"] for s in steps) / 1024 <= TARGETS["peak_rss_gb_max"],
        },
    }
    if last["size"] != n_all:
        result["summary"]["note"] = f"the full corpus ({n_all}) was not measured in this run"
    print("summary:", result["summary"])
    write_json("acl_scale", result, args.out)
    from benchmarks.common import RESULTS

    plot(steps, args.png or (args.out.with_suffix(".png") if args.out else RESULTS / "acl_scale.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
