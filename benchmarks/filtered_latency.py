"""Filtered retrieval latency on the ACL Anthology index built by `benchmarks.acl_scale`.

Filters typed in chat become boolean masks over the in-memory paper catalogue (a pre-filtered id
set, cached per filter), applied to the BM25 scores and to the exact dense scores of the in-memory
vector matrix before the top-k; no Chroma `where` clause is used. This reports p50/p95 of
`retriever.search(..., filters=...)` over 200 queries x several filters, including query embedding,
and, for comparison, a dense-only Chroma query with the equivalent `where` clause.

    python -m benchmarks.filtered_latency [--work benchmarks/.work/acl_scale] [--embedder minilm-onnx]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from benchmarks.common import REPO, RESULTS, WORK


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--work", type=Path, default=WORK / "acl_scale", help="RAG_HOME holding the 'acl' collection"
    )
    ap.add_argument("--embedder", default="minilm-onnx")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--quick", action="store_true", help="50 queries")
    ap.add_argument("--out", type=Path, default=RESULTS / "filtered_latency.json")
    args = ap.parse_args(argv)
    if args.quick:
        args.queries = min(args.queries, 50)
    os.environ["RAG_HOME"] = str(args.work)
    sys.path.insert(0, str(REPO))
    from rag.pipeline import get_engine
    from rag.retrieval import Filters
    from rag.settings import load_settings

    settings = load_settings(
        home=str(args.work), embedder=args.embedder, collection="acl", sentence_precompute_max=0
    )
    eng = get_engine(settings, "acl")
    papers = eng.lexical.papers
    if len(papers) < 1000:
        sys.exit(
            f"the 'acl' collection in {args.work} has {len(papers)} papers; run benchmarks.acl_scale first"
        )
    rng = random.Random(13)
    sample = rng.sample(papers, args.queries)
    queries = [" ".join(rng.sample(p.title.split(), len(p.title.split()))) for p in sample if p.title]
    filters = {
        "year>=2020": Filters(year_min=2020),
        "year=2018": Filters(year_min=2018, year_max=2018),
        "venue=ACL": Filters(venue="ACL"),
        "venue=EMNLP,year>=2019": Filters(venue="EMNLP", year_min=2019),
        "none": None,
    }
    for q in queries[:5]:  # warm-up
        eng.retriever.search(q, k=10)
    from benchmarks.common import environment

    result = {"benchmark": "filtered_latency", "environment": environment(), "papers": len(papers),
              "queries": len(queries), "per_filter": {}}
    all_lat = []
    for name, f in filters.items():
        lat, wrong = [], 0
        for q in queries:
            t = time.perf_counter()
            hits = eng.retriever.search(q, k=10, filters=f)
            lat.append((time.perf_counter() - t) * 1000)
            if f is not None:
                mask = f.mask([h.paper for h in hits])
                wrong += int((~mask).sum())
        lat.sort()
        stats = {
            "p50_ms": round(statistics.median(lat), 1),
            "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 1),
            "sources_violating_filter": wrong,
        }
        if f is not None:
            stats["matching_papers"] = int(eng.retriever.mask(f).sum())
        result["per_filter"][name] = stats
        if f is not None:
            all_lat += lat
        print(f"{name:24} p50 {stats['p50_ms']:6.1f} ms  p95 {stats['p95_ms']:6.1f} ms  violations {wrong}")
    # Comparison: Chroma's own metadata filter on a dense-only query (no BM25, no fusion).
    col = eng.store.collection
    qvecs = eng.embedder.embed(queries)
    where_lat = []
    for v in qvecs:
        t = time.perf_counter()
        col.query(query_embeddings=[v.tolist()], n_results=100, where={"year": {"$gte": 2020}})
        where_lat.append((time.perf_counter() - t) * 1000)
    where_lat.sort()
    result["chroma_where_year>=2020_dense_only_top100"] = {
        "p50_ms": round(statistics.median(where_lat), 1),
        "p95_ms": round(where_lat[int(0.95 * (len(where_lat) - 1))], 1),
        "note": "query embedding excluded; for comparison only",
    }
    print("chroma where (dense only, year>=2020):", result["chroma_where_year>=2020_dense_only_top100"])
    all_lat.sort()
    result["filtered_p95_ms"] = round(all_lat[int(0.95 * (len(all_lat) - 1))], 1)
    print(f"all filtered queries: p95 {result['filtered_p95_ms']} ms over {len(all_lat)} searches")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
