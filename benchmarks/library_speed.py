"""The Library tab's server-side paging at scale: `rag.list_papers` on the 30k-paper ACL collection.

    nice python -m benchmarks.library_speed --source benchmarks/.work/shared_acl   # writes library_speed.json

`--source` is the RAG_HOME of an ingested `acl` collection. It is never written to: the script copies it
into its own work folder first (the first load there builds the catalogue from the store). Then it
times typical library requests (first page, next pages, a title word, an author, venue and year
filters, a word that matches nothing) and the HTML the UI renders for a page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from benchmarks.common import WORK, environment, latency_summary, peak_rss_mb, write_json


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.library_speed", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, default=WORK / "shared_acl", help="RAG_HOME holding the acl collection")
    ap.add_argument("--collection", default="acl")
    ap.add_argument("--work", type=Path, default=WORK / "library_speed")
    ap.add_argument("--repeat", type=int, default=20, help="timed runs of each request")
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)
    if not (a.source / "chroma").is_dir():
        sys.exit(f"no Chroma store under {a.source}: ingest the ACL corpus there first (python -m benchmarks.acl_scale)")
    home = a.work.resolve()
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(a.source, home, ignore=shutil.ignore_patterns("locks"))  # read-only use of the source
    os.environ["RAG_HOME"] = str(home)
    os.environ.setdefault("RAG_MODEL_CACHE", str(WORK / "models"))
    import rag
    from ui.library import render_counts, render_table

    t = time.perf_counter()
    first = rag.list_papers(a.collection)
    load_s = time.perf_counter() - t
    print(f"first request (loads the collection): {load_s:.1f} s, {first.collection_size:,} papers", flush=True)
    venue = next(iter(first.by_venue), None)
    requests = {
        "first page": {},
        "page 50": {"page": 50},
        "title word 'dialogue'": {"query": "dialogue"},
        "two words 'neural translation'": {"query": "neural translation"},
        "author 'zhang'": {"query": "zhang"},
        f"venue {venue!r}": {"venue": venue},
        "years 2019-2020": {"year_min": 2019, "year_max": 2020},
        "word + venue + year": {"query": "translation", "venue": venue, "year_min": 2018},
        "no match": {"query": "qwertyuiopasdf"},
    }
    results = {}
    for name, kw in requests.items():
        times, render = [], []
        for _ in range(a.repeat):
            t = time.perf_counter()
            page = rag.list_papers(a.collection, **kw)
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            render_table(page), render_counts(page)
            render.append(time.perf_counter() - t)
        results[name] = {"matches": page.total, "list_papers_ms": latency_summary(times),
                         "render_ms": latency_summary(render)}
        print(f"{name:34s} {page.total:6,} matches  p50 {results[name]['list_papers_ms']['p50_ms']:.1f} ms"
              f"  p95 {results[name]['list_papers_ms']['p95_ms']:.1f} ms", flush=True)
    payload = {"collection": a.collection, "papers": first.collection_size, "page_size": first.page_size,
               "first_load_s": round(load_s, 2), "requests": results, "peak_rss_mb": round(peak_rss_mb(), 1),
               "environment": environment()}
    write_json("library_speed", payload, a.out)
    shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
