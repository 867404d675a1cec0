"""Shared helpers for the benchmark scripts: paths, RAG_HOME isolation, RSS, percentiles, JSON out.

Every benchmark reads its data from `../shared/benchmarks` relative to the repository (override with
`--data` or `RAG_BENCH_DATA`), keeps all of its state in its own RAG_HOME under `benchmarks/.work/`
(gitignored), prints its figures and writes JSON to `benchmarks/results/`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
WORK = REPO / "benchmarks" / ".work"
DEFAULT_DATA = REPO.parent / "shared" / "benchmarks"


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="benchmark data root holding scifact/ and acl-anthology/ "
        f"(default: $RAG_BENCH_DATA or {DEFAULT_DATA})",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help=f"where this benchmark's RAG_HOME lives (default: {WORK}/<benchmark>)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="JSON result file (default: benchmarks/results/<name>.json)"
    )
    parser.add_argument("--fresh", action="store_true", help="delete this benchmark's RAG_HOME first")


def data_root(arg: Path | None) -> Path:
    root = arg or (Path(os.environ["RAG_BENCH_DATA"]) if os.environ.get("RAG_BENCH_DATA") else DEFAULT_DATA)
    root = root.expanduser().resolve()
    if not root.is_dir():
        sys.exit(f"benchmark data not found at {root}: pass --data DIR or set RAG_BENCH_DATA")
    return root


def isolate_home(name: str, work: Path | None, fresh: bool = False) -> Path:
    """Point RAG_HOME at this benchmark's own directory and clear variables that would change results."""
    home = (work or WORK / name).expanduser().resolve()
    if fresh and home.exists():
        for entry in home.iterdir():  # keep models/: the exported ONNX embedder cache is not corpus state
            if entry.name == "models":
                continue
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["RAG_HOME"] = str(home)
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL", "RAG_CONFIG", "RAG_PRESET"):
        os.environ.pop(var, None)
    for var in [v for v in os.environ if v.startswith("RAG_") and v not in ("RAG_HOME", "RAG_BENCH_DATA")]:
        os.environ.pop(var, None)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return home


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cpu_seconds() -> float:
    """User + system CPU time of this process (all threads) so far: a load-robust cost measure."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def dir_size_mb(path: Path) -> float:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total / 2**20


def pct(values: list[float], q: float) -> float:
    """Percentile with linear interpolation (numpy's default)."""
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else float("nan")


def latency_summary(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(pct(ms, 50), 2),
        "p95_ms": round(pct(ms, 95), 2),
        "p99_ms": round(pct(ms, 99), 2),
        "mean_ms": round(sum(ms) / len(ms), 2) if ms else float("nan"),
        "max_ms": round(max(ms), 2) if ms else float("nan"),
    }


def embedder_available(name: str) -> tuple[bool, str]:
    """Whether `rag.embed.get_embedder(load_settings(embedder=name))` works, and why not."""
    try:
        from rag.embed import get_embedder
        from rag.settings import load_settings

        emb = get_embedder(load_settings(embedder=name))
        vec = emb.embed(["a quick availability check"])
        if vec.shape != (1, 384):
            return False, f"unexpected embedding shape {vec.shape}"
        return True, "ok"
    except Exception as exc:  # any failure means: not usable for this run
        return False, f"{type(exc).__name__}: {exc}"


def prepare_embedder(name: str) -> tuple[bool, str]:
    """Check an embedder in a SUBPROCESS with the current RAG_HOME, so that a first-use build (the ONNX
    export + quantisation loads torch and peaks at a few GB) happens once, outside the measured process;
    the measured process then gets a cache hit."""
    code = (
        "import sys; from benchmarks.common import embedder_available; ok, why = embedder_available(sys.argv[1]); "
        "print(why); sys.exit(0 if ok else 1)"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, name], cwd=REPO, capture_output=True, text=True, timeout=1800
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    lines = (proc.stdout.strip() or proc.stderr.strip() or "no output").splitlines()
    return proc.returncode == 0, lines[-1]


def environment() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as fh:
            info["mem_total_gb"] = round(int(fh.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        info["git_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        import torch

        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return info


def write_json(name: str, payload: dict[str, Any], out: Path | None = None) -> Path:
    path = out or RESULTS / f"{name}.json"
    payload["loadavg_at_write_1_5_15"] = [round(x, 2) for x in os.getloadavg()]  # other work on the machine?
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=_json_default) + "\n")
    print(f"\nwrote {path}")
    return path


def _json_default(obj: Any) -> Any:
    try:
        import numpy as np

        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
    except ImportError:
        pass
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def table(rows: list[list[Any]], header: list[str]) -> str:
    """A plain-text table for the console."""
    cells = [[str(c) for c in header]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


class Timer:
    def __enter__(self) -> Timer:
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.t0
