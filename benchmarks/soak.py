"""Soak test: 1,000 `rag.ask()` calls cycling the dev questions on the bundled corpus (offline mode).

    python -m benchmarks.soak               # 1,000 calls
    python -m benchmarks.soak --quick       # 200 calls

Reports RSS after warm-up and at the end (plus samples every 100 calls, to see a trend rather than
one difference), the error count (any exception from `ask()`), and latency p50/p95 of the first and
last 100 calls, so a slowdown over time would show.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import traceback
from collections import Counter
from typing import Any

from benchmarks.common import (
    add_common_args,
    current_rss_mb,
    environment,
    isolate_home,
    latency_summary,
    peak_rss_mb,
    write_json,
)
from benchmarks.e2e import add_question_args, load_questions, questions_path, warm_up


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common_args(ap)
    add_question_args(ap)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="200 calls")
    args = ap.parse_args(argv)
    if args.quick:
        args.calls = min(args.calls, 200)
    qpath = questions_path(args.questions, args.data)
    qs = load_questions(qpath)
    home = isolate_home("soak", args.work, args.fresh)
    os.environ["RAG_TEST_HOME"] = str(home)

    import rag

    warm_up(qs)
    for q in qs:  # one full cycle, so every code path has allocated its caches before RSS is read
        rag.ask(q["question"], history=q.get("history"))
    gc.collect()
    rss_start = current_rss_mb()
    print(f"after warm-up: RSS {rss_start:.1f} MB; running {args.calls} ask() calls ...", flush=True)
    samples: list[dict[str, Any]] = [{"calls": 0, "rss_mb": round(rss_start, 1)}]
    lat: list[float] = []
    errors: Counter[str] = Counter()
    first_error = None
    t_all = time.perf_counter()
    for i in range(args.calls):
        q = qs[i % len(qs)]
        t0 = time.perf_counter()
        try:
            rag.ask(q["question"], history=q.get("history"))
        except Exception as exc:  # counted, not fatal: the point is to see whether any happen
            errors[type(exc).__name__] += 1
            if first_error is None:
                first_error = traceback.format_exc(limit=5)
        lat.append(time.perf_counter() - t0)
        if (i + 1) % 100 == 0:
            samples.append({"calls": i + 1, "rss_mb": round(current_rss_mb(), 1)})
            print(
                f"  {i + 1:5d} calls  RSS {samples[-1]['rss_mb']:.1f} MB  errors {sum(errors.values())}",
                flush=True,
            )
    wall = time.perf_counter() - t_all
    gc.collect()
    rss_end = current_rss_mb()
    result = {
        "benchmark": "soak",
        "environment": environment(),
        "rag_home": str(home),
        "questions": str(qpath),
        "calls": args.calls,
        "wall_s": round(wall, 1),
        "rss_start_mb": round(rss_start, 1),
        "rss_end_mb": round(rss_end, 1),
        "rss_growth_mb": round(rss_end - rss_start, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_samples": samples,
        "errors": sum(errors.values()),
        "errors_by_type": dict(errors),
        "first_error": first_error,
        "latency_all": latency_summary(lat),
        "latency_first_100": latency_summary(lat[:100]),
        "latency_last_100": latency_summary(lat[-100:]),
    }
    print(
        f"RSS start {rss_start:.1f} MB -> end {rss_end:.1f} MB ({rss_end - rss_start:+.1f} MB); "
        f"errors {result['errors']}; p50 {result['latency_all']['p50_ms']} ms, p95 {result['latency_all']['p95_ms']} ms"
    )
    write_json("soak", result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
