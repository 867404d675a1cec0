"""LLM mode with a real model (SmolLM2-135M-Instruct under `transformers serve`) against offline mode.

    python -m benchmarks.llm_real                       # dev set + benchmarks/data/validation_bundled.jsonl
    python -m benchmarks.llm_real --validation-every 5  # every 5th validation question (time-boxed runs)

Both modes run in the same process on the same questions (offline first, then LLM mode with
streaming), on the bundled corpus in this benchmark's own RAG_HOME. The server is started here
(`rag.llm_server.start`) with the settings of `config/local.toml` unless overridden. Reported per
question set and overall:
- LLM sentences generated, kept, re-cited and dropped by the claim checker, and how answers ended
  (verified LLM answer, or offline fallback and why);
- citation precision against gold (cited papers that are gold, over answered questions with gold),
  answer_contains, false refusals and refusal recall, for both modes;
- shown citations that resolve to a retrieved source, kept sentences at or above the threshold;
- time to first streamed token and total time of `ask()` in LLM mode (and offline total time),
  and how many answers took longer than the deadline plus 1 s. Questions refused before any LLM call
  (the relevance model found no answering paper) count in both modes but have no LLM timings.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.common import REPO, WORK, environment, isolate_home, latency_summary, write_json

DEV = REPO.parent / "shared" / "eval" / "dev_questions.jsonl"
VALIDATION = REPO / "benchmarks" / "data" / "validation_bundled.jsonl"


def _sets(args) -> list[tuple[str, list[dict]]]:
    from rag.evaluate import load_questions

    sets = [("dev", load_questions(args.dev)[: args.limit or None])]
    if VALIDATION.exists() and not args.dev_only:
        rows = load_questions(VALIDATION)[:: args.validation_every]
        sets.append(("validation", rows[: args.limit or None]))
    return sets


def _reason_kind(reason: str | None) -> str:
    if not reason:
        return "none"
    for key, words in (("timeout/deadline", ("within", "deadline")), ("declined", ("declined",)),
                       ("nothing supported", ("no sentence",)), ("narrower", ("covers fewer",)),
                       ("empty", ("empty",)), ("cut", ("cut off",))):
        if any(w in reason for w in words):
            return key
    return "other"


def _score(ans, q: dict) -> dict:
    from rag.evaluate import contains, is_gold

    gold = q.get("gold") or []
    row = {"refused": ans.refused, "mode": ans.mode}
    if gold:
        row["false_refusal"] = ans.refused
        if not ans.refused:
            row["cited"] = len(ans.sources)
            row["cited_gold"] = sum(any(is_gold(s, g) for g in gold) for s in ans.sources)
    else:
        row["refusal_ok"] = ans.refused
    if q.get("answer_contains"):
        row["contains"] = bool(contains(ans.text, q["answer_contains"])) and not ans.refused
    return row


def _summary(rows: list[dict], deadline: float) -> dict:
    out: dict = {"questions": len(rows)}
    for mode in ("offline", "llm"):
        rs = [r[mode] for r in rows]
        cited = sum(r.get("cited", 0) for r in rs)
        m = {
            "citation_precision": round(sum(r.get("cited_gold", 0) for r in rs) / cited, 4) if cited else None,
            "answer_contains": _rate([r["contains"] for r in rs if "contains" in r]),
            "false_refusals": _rate([r["false_refusal"] for r in rs if "false_refusal" in r]),
            "refusal_recall": _rate([r["refusal_ok"] for r in rs if "refusal_ok" in r]),
            "total_time": latency_summary([r["seconds"] for r in rs]),
        }
        out[mode] = m
    llm = [r["llm"] for r in rows]
    out["llm"].update({
        "answers_verified_llm": sum(r["mode"] == "llm" for r in llm),
        "answers_offline_fallback": sum(r["mode"] == "offline" and not r["refused"] for r in llm),
        "fallback_reasons": dict(Counter(_reason_kind(r["fallback_reason"]) for r in llm if r["mode"] == "offline")),
        "sentences_generated": sum(r["generated"] for r in llm),
        "sentences_kept": sum(r["kept"] for r in llm),
        "sentences_recited": sum(r["recited"] for r in llm),
        "sentences_dropped": sum(r["dropped"] for r in llm),
        "shown_citations": sum(r["shown_citations"] for r in llm),
        "shown_citations_resolving": sum(r["resolving"] for r in llm),
        "kept_sentences_below_threshold": sum(r["kept_below"] for r in llm),
        "llm_called": sum(r["llm_called"] for r in llm),
        "llm_truncated_at_deadline": sum("truncated" in (r.get("note") or "") for r in llm),
        "time_to_first_token": latency_summary([r["ttft"] for r in llm if r["ttft"] is not None]),
        "llm_path_time": latency_summary([r["llm_seconds"] for r in llm if r["llm_seconds"] is not None]),
        "over_deadline_plus_1s": sum(r["seconds"] > deadline + 1 for r in llm),
    })
    return out


def _rate(values: list[bool]) -> dict | None:
    return {"rate": round(sum(values) / len(values), 4), "n": len(values)} if values else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", type=Path, default=DEV, help="dev questions (JSONL)")
    ap.add_argument("--dev-only", action="store_true", help="leave out the validation set")
    ap.add_argument("--validation-every", type=int, default=1, help="take every Nth validation question")
    ap.add_argument("--limit", type=int, default=0, help="at most this many questions per set (0 = all)")
    ap.add_argument("--work", type=Path, default=None, help="RAG_HOME (default benchmarks/.work/llm_real)")
    ap.add_argument("--model-cache", type=Path, default=WORK / "models",
                    help="RAG_MODEL_CACHE: the ONNX embedder and the converted LLM (default benchmarks/.work/models)")
    ap.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    ap.add_argument("--answer-prompt", type=Path, default=None,
                    help="use this file instead of prompts/answer.md (to compare prompt variants)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    import signal
    import sys

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop the server on `kill`
    isolate_home("llm_real", args.work)
    os.environ["RAG_MODEL_CACHE"] = str(args.model_cache.resolve())
    import rag
    from rag import llm_server
    from rag.cite import WEAK_SUPPORT
    from rag.settings import load_settings

    if args.answer_prompt:
        from rag import prompts

        variant, original = args.answer_prompt.read_text(encoding="utf-8"), prompts.load_prompt
        prompts.load_prompt = lambda name: variant if name == "answer" else original(name)
    local = load_settings("local")
    sets = _sets(args)
    print(f"questions: {', '.join(f'{name} {len(rows)}' for name, rows in sets)}; deadline {local.llm_deadline:g}s, "
          f"max {local.llm_max_tokens} tokens", flush=True)
    rag.ask("warm up: what is a neural network?")  # ingests the bundled corpus on first use
    t = time.perf_counter()
    server = llm_server.start(port=args.port or None, ready_timeout=300)
    startup = time.perf_counter() - t
    print(f"server ready in {startup:.1f}s at {server.base_url}", flush=True)
    llm_kw = {"llm_base_url": server.base_url, "llm_model": server.model, "llm_max_tokens": local.llm_max_tokens,
              "llm_deadline": local.llm_deadline, "llm_timeout": local.llm_timeout, "llm_retries": local.llm_retries}
    results: dict = {"sets": {}, "per_question": []}
    all_rows: list[dict] = []
    try:
        for name, questions in sets:
            rows = []
            for i, q in enumerate(questions, 1):
                t = time.perf_counter()
                off = rag.ask(q["question"], history=q.get("history"))
                off_s = time.perf_counter() - t
                first: list[float] = []
                chunks = [0]
                t = time.perf_counter()

                def on_piece(_piece: str, t=t, first=first, chunks=chunks) -> None:
                    chunks[0] += 1
                    if not first:
                        first.append(time.perf_counter() - t)

                ans = rag.ask(q["question"], history=q.get("history"), stream=on_piece, **llm_kw)
                llm_s = time.perf_counter() - t
                shown = len(re.findall(r"\[\d+\]", ans.text))
                sig = ans.signals
                row = {
                    "set": name, "id": q.get("id"), "type": q.get("type"), "question": q["question"],
                    "offline": {**_score(off, q), "seconds": off_s},
                    "llm": {**_score(ans, q), "seconds": llm_s, "llm_called": "llm" in ans.timings,
                            "llm_seconds": ans.timings.get("llm"),
                            "ttft": first[0] if first and "llm" in ans.timings else None,
                            "chunks": chunks[0], "fallback_reason": ans.fallback_reason,
                            "generated": int(sig.get("llm_sentences", 0)), "kept": int(sig.get("llm_kept", 0)),
                            "recited": int(sig.get("llm_recited", 0)), "dropped": int(sig.get("llm_dropped", 0)),
                            "shown_citations": shown,
                            "resolving": sum(bool(ans.source(int(n))) for n in re.findall(r"\[(\d+)\]", ans.text)),
                            "kept_below": sum(c.status in ("kept", "recited") and c.support < WEAK_SUPPORT
                                              for c in ans.claims) if ans.mode == "llm" else 0,
                            "note": "truncated at deadline" if sig.get("llm_truncated") else "",
                            "text": ans.text, "claims": [c.to_dict() for c in ans.claims] if ans.mode == "llm" else []},
                }
                rows.append(row)
                r = row["llm"]
                print(f"[{name} {i}/{len(questions)}] {q.get('id')} {ans.mode:7} {llm_s:5.1f}s "
                      f"ttft {r['ttft'] or 0:4.1f}s gen/kept/re/drop {r['generated']}/{r['kept']}/{r['recited']}/"
                      f"{r['dropped']} {(ans.fallback_reason or '')[:70]}", flush=True)
            results["sets"][name] = _summary(rows, local.llm_deadline)
            all_rows += rows
    finally:
        server.stop()
    results["overall"] = _summary(all_rows, local.llm_deadline)
    results["per_question"] = all_rows
    results["config"] = {"model": server.model, "server_startup_s": round(startup, 1), **{k: v for k, v in llm_kw.items()
                         if k not in ("llm_base_url",)}, "support_threshold": WEAK_SUPPORT,
                         "validation_every": args.validation_every, "limit": args.limit,
                         "answer_prompt": str(args.answer_prompt or "prompts/answer.md")}
    results["environment"] = environment()
    by = defaultdict(dict)
    for name, s in {**results["sets"], "overall": results["overall"]}.items():
        by[name] = s
        o, m = s["offline"], s["llm"]
        print(f"\n{name}: {s['questions']} questions")
        print(f"  offline: precision {o['citation_precision']}, contains {o['answer_contains']}, "
              f"false refusals {o['false_refusals']}, p50 {o['total_time']['p50_ms']} ms")
        print(f"  llm:     precision {m['citation_precision']}, contains {m['answer_contains']}, "
              f"false refusals {m['false_refusals']}, verified LLM answers {m['answers_verified_llm']}, "
              f"fallbacks {m['fallback_reasons']}")
        print(f"           sentences generated {m['sentences_generated']}, kept {m['sentences_kept']}, re-cited "
              f"{m['sentences_recited']}, dropped {m['sentences_dropped']}; citations resolving "
              f"{m['shown_citations_resolving']}/{m['shown_citations']}; ttft p50 "
              f"{m['time_to_first_token']['p50_ms']} ms; total p50 {m['total_time']['p50_ms']} ms, "
              f"max {m['total_time']['max_ms']} ms; over deadline+1s: {m['over_deadline_plus_1s']}")
    write_json("llm_real", results, args.out)


if __name__ == "__main__":
    main()
