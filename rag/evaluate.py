"""`rag eval`: score `ask()` on a question set with gold papers.

Metrics (per question type where it makes sense):
- hit@1 / hit@5: a gold paper is the first cited source / among the first 5 (answer sources,
  then the rest of the retrieved ranking).
- multi recall@5: share of gold papers among the first 5 sources of "multi" questions.
- refusal recall: unanswerable questions that were refused; false refusals: answerable ones refused.
- answer_contains: every expected string appears in the answer (a list entry = any alternative).
- citation precision: share of cited papers that are gold, over answered questions with gold papers.
- latency p50 / p95 of `ask()` (after one warm-up call).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from rag.settings import REPO_ROOT

DEFAULT_QUESTIONS = REPO_ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text or "").strip().lower()


def is_gold(source: Any, gold: dict) -> bool:
    prefix = _norm(gold.get("abstract_prefix") or "")
    if prefix and _norm(source.abstract).startswith(prefix[:60]):
        return True
    return bool(gold.get("title")) and _norm(source.title or "") == _norm(gold["title"])


def contains(text: str, expected: list) -> bool:
    low = text.lower()
    for item in expected:
        options = item if isinstance(item, list) else [item]
        if not any(str(o).lower() in low for o in options):
            return False
    return True


def load_questions(path: str | Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    idx = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[idx]


def evaluate(path: str | Path | None = None, ask_fn=None, verbose: bool = False, **ask_kwargs) -> dict:
    from rag.pipeline import ask, retrieve

    ask_fn = ask_fn or ask
    questions = load_questions(path or DEFAULT_QUESTIONS)
    ask_fn("warm-up question about neural networks", **ask_kwargs)
    by_type: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    lat: list[float] = []
    rows = []
    cited_total = cited_gold = 0
    for q in questions:
        t = time.perf_counter()
        ans = ask_fn(q["question"], history=q.get("history"), **ask_kwargs)
        lat.append(time.perf_counter() - t)
        gold = q.get("gold") or []
        typ = q["type"]
        m = by_type[typ]
        ranking = list(ans.sources)
        if not ans.refused and gold:
            seen = {s.paper_id for s in ranking}
            retrieval_q = ans.standalone_question if typ != "followup" else ans.question
            ranking += [s for s in retrieve(retrieval_q, k=10) if s.paper_id not in seen]
        if gold:
            m["hit@1"].append(float(bool(ranking) and any(is_gold(ranking[0], g) for g in gold) and not ans.refused))
            m["hit@5"].append(float(any(is_gold(s, g) for s in ranking[:5] for g in gold) and not ans.refused))
            if typ == "multi":
                found = sum(any(is_gold(s, g) for s in ranking[:5]) for g in gold)
                m["recall@5"].append(found / len(gold) if not ans.refused else 0.0)
            m["false_refusal"].append(float(ans.refused))
            if not ans.refused:
                for s in ans.sources:
                    cited_total += 1
                    cited_gold += any(is_gold(s, g) for g in gold)
        else:
            m["refused"].append(float(ans.refused))
        if q.get("answer_contains"):
            m["contains"].append(float(contains(ans.text, q["answer_contains"]) and not ans.refused))
        rows.append({"id": q["id"], "type": typ, "refused": ans.refused, "signals": ans.signals,
                     "sources": [s.title or s.abstract[:50] for s in ans.sources], "text": ans.text})
        if verbose:
            print(f"{q['id']} {typ:12} refused={ans.refused} {ans.signals} {[s.title for s in ans.sources][:3]}")
    def mean(xs):
        return round(sum(xs) / len(xs), 3) if xs else None

    answerable = [v for t, mm in by_type.items() for v in mm["false_refusal"]]
    summary = {
        "questions": len(questions),
        "per_type": {t: {k: mean(v) for k, v in mm.items()} for t, mm in sorted(by_type.items())},
        "multi_recall@5": mean(by_type["multi"]["recall@5"]),
        "refusal_recall": mean(by_type["unanswerable"]["refused"]),
        "false_refusals": mean(answerable),
        "answer_contains": mean([v for mm in by_type.values() for v in mm["contains"]]),
        "citation_precision": round(cited_gold / cited_total, 3) if cited_total else None,
        "latency_p50_ms": round(statistics.median(lat) * 1000, 1),
        "latency_p95_ms": round(pct(lat, 0.95) * 1000, 1),
        "rows": rows,
    }
    return summary


def format_summary(s: dict) -> str:
    lines = [f"questions: {s['questions']}"]
    for t, m in s["per_type"].items():
        parts = ", ".join(f"{k} {v}" for k, v in m.items() if k in ("hit@1", "hit@5", "recall@5", "contains"))
        if parts:
            lines.append(f"  {t:13} {parts}")
    for key in ("multi_recall@5", "refusal_recall", "false_refusals", "answer_contains", "citation_precision",
                "latency_p50_ms", "latency_p95_ms"):
        lines.append(f"{key:20} {s[key]}")
    return "\n".join(lines)
