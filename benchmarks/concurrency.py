"""Concurrent chat sessions against the real running app: 1 session, then 20 at once, in the same run.

    python -m benchmarks.concurrency                 # 1 session x 40 questions, then 20 sessions x 10, twice
    python -m benchmarks.concurrency --quick         # 1 x 20, then 20 x 4, twice
    python -m benchmarks.concurrency --ui-concurrency 1   # the old behaviour (Gradio's one-at-a-time queue)

Three phases in one run against one app: 1 session; 20 sessions with no pause between a session's
questions (saturation: every session always has a request in flight); 20 sessions pausing `--think`
seconds (default 2, uniform 1-3 s) between questions, like people reading answers. The target is
checked on both 20-session phases and reported for each.

Starts `rag chat` (offline answers, the bundled corpus) in its own RAG_HOME as a subprocess, and drives
it over HTTP through Gradio's own API (`POST /gradio_api/call/ask`, then the event's server-sent events
until `complete`), one thread per session, each session asking dev questions one after another
(`--think` seconds apart; 0 = no pause, the worst case for the queue). A request is timed from the POST
to the final answer. An error is a failed request, an `error` event, or an answer that is an error
message rather than a cited answer or a refusal. Target: p95 at 20 sessions <= 4x the p95 at 1 session,
with 0 errors.

The client threads run on the same machine; the CPU seconds of the app and of the client are reported
per answer, so the cost of the app itself is visible.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, add_common_args, environment, isolate_home, latency_summary, write_json
from benchmarks.e2e import add_question_args, load_questions, questions_path


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(home: Path, ui_concurrency: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "RAG_HOME": str(home), "RAG_UI_CONCURRENCY": str(ui_concurrency)}
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "chat", "--port", str(port)], cwd=REPO, env=env,
                                stdout=fh, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 1800  # the first start ingests the bundled corpus
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"rag chat exited:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url + "/", timeout=5)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    sys.exit("rag chat did not start in 30 minutes")


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ask_http(url: str, question: str, collection: str = "seed") -> list:
    """One chat request through Gradio's HTTP API; returns the final chat (list of messages)."""
    import json

    req = urllib.request.Request(url + "/gradio_api/call/ask", headers={"Content-Type": "application/json"},
                                 data=json.dumps({"data": [question, [], collection]}).encode())
    with urllib.request.urlopen(req, timeout=300) as resp:
        event_id = json.load(resp)["event_id"]
    event, data = None, None
    with urllib.request.urlopen(f"{url}/gradio_api/call/ask/{event_id}", timeout=300) as resp:
        for raw in resp:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = line[5:].strip()
                break
    if event != "complete" or not data:
        raise RuntimeError(f"gradio event {event!r}: {str(data)[:200]}")
    return json.loads(data)[0]


def answer_text(chat: list) -> str:
    content = chat[-1]["content"]
    return " ".join(c.get("text", "") for c in content) if isinstance(content, list) else str(content)


def is_error(text: str) -> bool:
    """A cited answer has a sources panel; a refusal is a refusal div with the refusal sentence. Anything
    else (the UI's 'Something went wrong', a validation message) is an error."""
    if 'class="sources"' in text:
        return False
    return "Something went wrong" in text or 'class="refusal"' not in text or "try again" in text.lower()


def run_sessions(url: str, questions: list[str], sessions: int, per_session: int, pid: int,
                 think: float = 0.0) -> dict[str, Any]:
    import random

    from benchmarks.common import cpu_seconds

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(sessions)

    def session(i: int) -> None:
        rng = random.Random(i)
        barrier.wait()
        for j in range(per_session):
            if think and j:
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))
            q = questions[(i * 7 + j) % len(questions)]
            t = time.perf_counter()
            try:
                chat = ask_http(url, q)
                text = answer_text(chat)
                bad = is_error(text)
            except Exception as exc:  # counted, never fatal
                text, bad = f"{type(exc).__name__}: {exc}", True
            dt = time.perf_counter() - t
            with lock:
                latencies.append(dt)
                if bad:
                    errors.append(text[:300])

    t0, app0, client0 = time.perf_counter(), proc_cpu_s(pid), cpu_seconds()
    threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    app_cpu, client_cpu = proc_cpu_s(pid) - app0, cpu_seconds() - client0
    return {
        "sessions": sessions,
        "questions_per_session": per_session,
        "requests": len(latencies),
        "errors": len(errors),
        "error_examples": errors[:5],
        "wall_s": round(wall, 2),
        "throughput_rps": round(len(latencies) / wall, 2),
        "think_s": think,
        "app_cpu_ms_per_answer": round(app_cpu / max(1, len(latencies)) * 1000, 1),
        "client_cpu_ms_per_answer": round(client_cpu / max(1, len(latencies)) * 1000, 1),
        "latency": latency_summary(latencies),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.concurrency", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap)
    add_question_args(ap)
    ap.add_argument("--sessions", type=int, default=20, help="concurrent sessions in the second phase")
    ap.add_argument("--single", type=int, default=40, help="questions asked by the single session")
    ap.add_argument("--per-session", type=int, default=10, help="questions per session in the concurrent phase")
    ap.add_argument("--ui-concurrency", type=int, default=None,
                    help="the app's ui_concurrency setting (default: the shipped setting)")
    ap.add_argument("--think", type=float, default=2.0,
                    help="mean pause in seconds between one session's questions in the third phase "
                         "(uniform 0.5x-1.5x; default 2)")
    ap.add_argument("--quick", action="store_true", help="1 x 20 and 20 x 4 questions")
    args = ap.parse_args(argv)
    if args.quick:
        args.single, args.per_session = 20, 4
    qs = [q["question"] for q in load_questions(questions_path(args.questions, args.data)) if not q.get("history")]
    model_cache = os.environ.get("RAG_MODEL_CACHE")
    home = isolate_home("concurrency", args.work, args.fresh)
    if model_cache:  # reuse an exported ONNX embedder instead of exporting it again
        os.environ["RAG_MODEL_CACHE"] = model_cache
    from rag.settings import load_settings

    ui_concurrency = args.ui_concurrency or load_settings().ui_concurrency
    log = home / "chat.log"
    print(f"starting rag chat in {home} (ui_concurrency={ui_concurrency}) ...", flush=True)
    t = time.perf_counter()
    proc, url = start_app(home, ui_concurrency, log)
    start_s = time.perf_counter() - t
    try:
        pid = proc.pid
        run_sessions(url, qs, 1, 3, pid)  # warm-up: first-request costs are not part of either phase
        print(f"app up in {start_s:.1f}s; 1 session x {args.single} questions ...", flush=True)
        one = run_sessions(url, qs, 1, args.single, pid)
        print(f"  p50 {one['latency']['p50_ms']} ms, p95 {one['latency']['p95_ms']} ms, errors {one['errors']}")
        phases = {}
        for name, think in (("no_pause", 0.0), ("with_think_time", args.think)):
            print(f"{args.sessions} sessions x {args.per_session} questions, pause {think} s ...", flush=True)
            many = phases[name] = run_sessions(url, qs, args.sessions, args.per_session, pid, think)
            print(f"  p50 {many['latency']['p50_ms']} ms, p95 {many['latency']['p95_ms']} ms, "
                  f"errors {many['errors']}, {many['throughput_rps']} answers/s, "
                  f"app CPU {many['app_cpu_ms_per_answer']} ms/answer")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    verdicts = {}
    for name, many in phases.items():
        ratio = many["latency"]["p95_ms"] / one["latency"]["p95_ms"]
        met = ratio <= 4.0 and one["errors"] == 0 and many["errors"] == 0
        verdicts[name] = {"p95_ratio": round(ratio, 2), "target_met": met}
        print(f"{name}: p95 ratio {args.sessions} sessions / 1 session = {ratio:.2f} "
              f"(target <= 4, 0 errors): {'met' if met else 'NOT met'}")
    write_json("concurrency" if args.ui_concurrency is None else f"concurrency_ui{ui_concurrency}", {
        "benchmark": "concurrent chat sessions through the running rag chat app (Gradio HTTP API)",
        "corpus": "bundled seed corpus, offline answers",
        "ui_concurrency": ui_concurrency,
        "app_start_s": round(start_s, 1),
        "single_session": one,
        "concurrent_sessions": phases,
        "verdicts": verdicts,
        "target": "p95 at 20 sessions <= 4x p95 at 1 session, 0 errors",
        "environment": environment(),
    }, args.out)
    return 0 if all(v["target_met"] for v in verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
