"""End-to-end `rag.ask()` latency on the bundled corpus: offline mode, and time-to-first-token in LLM mode.

    python -m benchmarks.e2e              # 3 passes over the 40 dev questions offline, 2 passes in LLM mode
    python -m benchmarks.e2e --quick      # 1 pass each

Offline: `rag.ask(question, history=...)` for every dev question (with its history for follow-ups),
after warm-up (the first call in a fresh RAG_HOME ingests the bundled corpus; it is timed separately
as `cold_first_ask_s`).

LLM mode: the same questions against a local OpenAI-compatible server (`ScriptedLLM` from
tests/conftest.py, which streams a scripted reply word by word with no model delay), with
`stream=callback`. TTFT = time from calling `rag.ask()` to the first streamed text piece; it is the
pipeline's own overhead (condense, retrieval, evidence, prompt, HTTP round trip) before a real model
would add its own first-token time. Questions the bot refuses before calling the LLM are reported apart.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.common import (
    DEFAULT_DATA,
    Timer,
    add_common_args,
    cpu_seconds,
    current_rss_mb,
    environment,
    isolate_home,
    latency_summary,
    peak_rss_mb,
    write_json,
)

SCRIPTED_REPLY = (
    "The most relevant indexed paper addresses this directly [1]. It reports its main result in the "
    "abstract and compares it with earlier approaches [1]. A second source gives related evidence [2]."
)


class GroundedScript:
    """A `ScriptedLLM.script` stand-in that answers from the request itself, like a grounded model.

    ScriptedLLM records each request, then reads `script[0]`; this object builds that item from the
    last request: for an answer prompt, the first two sentences of source [1] cited [1] (plus the
    first sentence of source [2] cited [2]), so the reply passes the citation and claim checks; for a
    condense prompt, the follow-up question itself. Without this, a fixed generic reply is rejected
    by the claim-support check and every answer falls back to offline mode.
    """

    def __init__(self, server):
        self.server = server

    def __len__(self) -> int:
        return 1

    def __getitem__(self, i: int) -> dict:
        import re

        body = self.server.requests[-1]["body"] if self.server.requests else {}
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        blocks = dict(re.findall(r'<source id="(\d+)">(.*?)</source>', prompt, flags=re.S))
        if not blocks:
            m = re.search(r"Follow-up question:\s*(.+)", prompt)
            return {"text": (m.group(1).strip() if m else prompt.strip().splitlines()[-1])}
        parts = []
        for n, count in (("1", 2), ("2", 1)):
            m = re.search(r"Abstract:\s*(.+)", blocks.get(n, ""), flags=re.S)
            if not m:
                continue
            sents = re.split(r"(?<=[.!?])\s+", m.group(1).strip())
            for sent in sents[:count]:
                parts.append(f"{sent.rstrip('.!?')} [{n}].")
        return {"text": " ".join(parts) or SCRIPTED_REPLY}


def questions_path(arg: Path | None, data: Path | None) -> Path:
    if arg:
        return arg
    root = data or (Path(os.environ["RAG_BENCH_DATA"]) if os.environ.get("RAG_BENCH_DATA") else DEFAULT_DATA)
    return root.expanduser().resolve().parent / "eval" / "dev_questions.jsonl"


def load_questions(path: Path) -> list[dict]:
    if not path.exists():
        sys.exit(
            f"dev questions not found at {path}: pass --questions FILE (or --data DIR whose parent has eval/)"
        )
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def add_question_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--questions",
        type=Path,
        default=None,
        help="dev questions JSONL (default: <data>/../eval/dev_questions.jsonl)",
    )


def warm_up(qs: list[dict]) -> float:
    import rag

    with Timer() as t:
        rag.ask("warm up: what is a neural network?")
    for q in qs[:3]:
        rag.ask(q["question"], history=q.get("history"))
    return t.seconds


def offline_pass(qs: list[dict], passes: int) -> dict[str, Any]:
    import rag

    lat: list[float] = []
    by_type: dict[str, list[float]] = defaultdict(list)
    parts: dict[str, list[float]] = defaultdict(list)
    refused = 0
    cpu0 = cpu_seconds()
    for _ in range(passes):
        for q in qs:
            t0 = time.perf_counter()
            ans = rag.ask(q["question"], history=q.get("history"))
            dt = time.perf_counter() - t0
            lat.append(dt)
            by_type[q.get("type", "?")].append(dt)
            refused += ans.refused
            for k, v in ans.timings.items():
                parts[k].append(v)
    cpu_ms = 1000 * (cpu_seconds() - cpu0) / max(1, len(lat))
    return {
        "latency": latency_summary(lat),
        "cpu_ms_per_ask": round(cpu_ms, 1),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "by_type": {k: latency_summary(v) for k, v in sorted(by_type.items())},
        "stage_means_ms": {k: round(1000 * sum(v) / len(v), 2) for k, v in parts.items()},
        "refused_fraction": round(refused / len(lat), 3),
    }


def llm_pass(qs: list[dict], passes: int) -> dict[str, Any]:
    import rag

    try:
        from tests.conftest import ScriptedLLM
    except Exception as exc:  # pytest missing, tests/ absent...
        return {"skipped": f"could not import tests.conftest.ScriptedLLM ({type(exc).__name__}: {exc})"}
    server = ScriptedLLM()
    server.script = GroundedScript(server)
    kw = {"llm_base_url": server.base_url, "llm_model": "scripted", "llm_retries": 0, "llm_timeout": 10.0}
    try:
        for q in qs[:3]:  # warm-up: engine for these settings, openai client import, connection
            rag.ask(q["question"], history=q.get("history"), stream=lambda _p: None, **kw)
        ttft, total, ttft_refused, modes = [], [], [], defaultdict(int)
        reasons: dict[str, int] = defaultdict(int)
        for _ in range(passes):
            for q in qs:
                first: list[float] = []

                def on_piece(_piece: str, first=first) -> None:
                    if not first:
                        first.append(time.perf_counter())

                n_req = len(server.requests)
                t0 = time.perf_counter()
                ans = rag.ask(q["question"], history=q.get("history"), stream=on_piece, **kw)
                t1 = time.perf_counter()
                called_llm = len(server.requests) > n_req
                key = ans.mode if not ans.fallback_reason else "fallback"
                if ans.fallback_reason:
                    reasons[ans.fallback_reason] += 1
                modes["refused_before_llm" if ans.refused and not called_llm else key] += 1
                if first and ans.mode == "llm" and not ans.refused:
                    ttft.append(first[0] - t0)
                    total.append(t1 - t0)
                elif first:
                    ttft_refused.append(first[0] - t0)
    finally:
        server.close()
    return {
        "server": "tests.conftest.ScriptedLLM (local, streams word by word, no model delay); replies quote "
        "sources [1] and [2] of each prompt (GroundedScript)",
        "ttft": latency_summary(ttft),
        "total": latency_summary(total),
        "ttft_refused_or_offline": latency_summary(ttft_refused),
        "answers_by_mode": dict(modes),
        "fallback_reasons": dict(reasons),
        "requests_served": len(server.requests),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.e2e",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common_args(ap)
    add_question_args(ap)
    ap.add_argument(
        "--passes", type=int, default=3, help="passes over the dev questions, offline (default 3)"
    )
    ap.add_argument("--llm-passes", type=int, default=2, help="passes in LLM mode (default 2; 0 skips it)")
    ap.add_argument("--quick", action="store_true", help="one pass of each")
    args = ap.parse_args(argv)
    if args.quick:
        args.passes, args.llm_passes = 1, min(args.llm_passes, 1)
    qpath = questions_path(args.questions, args.data)
    qs = load_questions(qpath)
    home = isolate_home("e2e", args.work, args.fresh)
    os.environ["RAG_TEST_HOME"] = str(home)  # importing tests.conftest must not move RAG_HOME elsewhere

    cold = warm_up(qs)
    print(
        f"warm-up done (first ask, incl. any bundled-corpus ingest: {cold:.1f}s); RSS {current_rss_mb():.0f} MB",
        flush=True,
    )
    offline = offline_pass(qs, args.passes)
    o = offline["latency"]
    print(f"offline ask(): n={o['n']} p50 {o['p50_ms']} ms, p95 {o['p95_ms']} ms, max {o['max_ms']} ms")
    for k, v in offline["by_type"].items():
        print(f"  {k:13} p50 {v['p50_ms']:7.1f} ms  p95 {v['p95_ms']:7.1f} ms  (n={v['n']})")
    llm: dict[str, Any] = {"skipped": "--llm-passes 0"}
    if args.llm_passes > 0:
        llm = llm_pass(qs, args.llm_passes)
        if "skipped" in llm:
            print("LLM mode skipped:", llm["skipped"])
        else:
            print(
                f"LLM mode: TTFT p50 {llm['ttft']['p50_ms']} ms, p95 {llm['ttft']['p95_ms']} ms "
                f"(n={llm['ttft']['n']}); full answer p50 {llm['total']['p50_ms']} ms, p95 {llm['total']['p95_ms']} ms; "
                f"modes {llm['answers_by_mode']}"
            )
    import rag

    result = {
        "benchmark": "e2e",
        "environment": environment(),
        "rag_home": str(home),
        "questions": str(qpath),
        "n_questions": len(qs),
        "collection": rag.get_settings().collection,
        "embedder": rag.get_settings().embedder,
        "cold_first_ask_s": round(cold, 2),
        "offline": offline,
        "llm": llm,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "target": {"offline_p50_ms_max": 150, "met": offline["latency"]["p50_ms"] <= 150},
    }
    write_json("e2e", result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
