"""Run every benchmark in sequence, each in its own process (so RSS figures are per benchmark).

    python -m benchmarks.run_all                  # embed_speed, scifact (+256 tokens), finetune_scifact,
                                                  # acl_scale, filtered_latency, e2e, soak (about 80 min)
    python -m benchmarks.run_all --quick          # smaller sizes (minutes)
    python -m benchmarks.run_all --only e2e,soak  # a subset

`--data` (or RAG_BENCH_DATA) is passed on to every benchmark. Results: benchmarks/results/*.json and
benchmarks/results/acl_scale.png. The exit status is non-zero if any benchmark failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import REPO

# name -> (module, extra arguments)
RUNS = {
    "embed_speed": ("embed_speed", []),
    "scifact": ("scifact", []),
    "scifact_256tok": (
        "scifact",
        ["--no-tune", "--embedders", "minilm-onnx", "--max-tokens", "256", "--out",
         "benchmarks/results/scifact_256tok.json"],
    ),
    "finetune_scifact": ("finetune_scifact", []),
    "acl_scale": ("acl_scale", []),
    "filtered_latency": ("filtered_latency", []),
    "e2e": ("e2e", []),
    "soak": ("soak", []),
}
BENCHMARKS = list(RUNS)
NO_DATA_FLAG = {"filtered_latency"}  # reads the index acl_scale built, not the benchmark data
QUICK_ARGS = {"finetune_scifact": ["--epochs", "1"]}  # instead of --quick


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.run_all",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--quick", action="store_true", help="smaller sizes for every benchmark")
    ap.add_argument(
        "--data",
        type=Path,
        default=None,
        help="benchmark data root (default $RAG_BENCH_DATA or ../shared/benchmarks)",
    )
    ap.add_argument("--only", default=None, help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    ap.add_argument("--keep-going", action="store_true", help="run the rest after a failure")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",")] if args.only else BENCHMARKS
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        ap.error(f"unknown benchmark(s) {sorted(unknown)}; choose from {BENCHMARKS}")
    status: dict[str, tuple[int, float]] = {}
    for name in names:
        module, extra = RUNS[name]
        cmd = [sys.executable, "-m", f"benchmarks.{module}", *extra]
        if args.quick:
            cmd += QUICK_ARGS.get(name, ["--quick"])
        if args.data and name not in NO_DATA_FLAG:
            cmd += ["--data", str(args.data)]
        print(f"\n######## {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(cmd, cwd=REPO)
        status[name] = (rc, time.perf_counter() - t0)
        if rc != 0 and not args.keep_going:
            break
    print("\n######## summary")
    for name, (rc, secs) in status.items():
        print(f"  {name:16} {'ok' if rc == 0 else f'FAILED (exit {rc})':16} {secs / 60:6.1f} min")
    skipped = [n for n in names if n not in status]
    if skipped:
        print(f"  not run after a failure: {', '.join(skipped)}")
    return 0 if all(rc == 0 for rc, _ in status.values()) and not skipped else 1


if __name__ == "__main__":
    sys.exit(main())
