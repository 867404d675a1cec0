"""`rag eval`: score `ask()` on a question set with gold papers.

Metrics (per question type where it makes sense):
- hit@1 / hit@5: a gold paper is the first cited source / among the first 5 (answer sources,
  then the rest of the retrieved ranking).
- multi recall@5: share of gold papers among the answer's first 5 cited sources ("multi" questions);
  `multi_recall@5_ranked` also counts the retrieved ranking after the cited sources.
- filter questions (with an expected `filters` dict): filter accuracy, recall@10 (gold among the cited
  sources, then the filtered ranking) and precision@10 (share of those 10 that satisfy the expected filters).
- refusal recall: unanswerable questions that were refused; false refusals: answerable ones refused.
- answer_contains: every expected string appears in the answer (a list entry = any alternative).
- citation precision: share of cited papers that are gold, over answered questions with gold papers;
  also for multi-paper questions alone.
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


def satisfies(source: Any, want: dict) -> bool:
    """Does a source meet the expected filters (years, venue by name, author by surname)?"""
    from rag.retrieval import Filters

    if not want:
        return True
    from rag.types import Paper

    paper = Paper(paper_id=source.paper_id, abstract=source.abstract or "x", title=source.title,
                  authors=list(source.authors), year=source.year, venue=source.venue, source=source.source)
    return bool(Filters.coerce(dict(want)).mask([paper])[0])


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
    collection = ask_kwargs.get("collection")
    multi_cited = multi_gold = 0
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
            ranking += [s for s in retrieve(retrieval_q, k=10, collection=collection, filters=ans.filters or None)
                        if s.paper_id not in seen]
        if gold:
            m["hit@1"].append(float(bool(ranking) and any(is_gold(ranking[0], g) for g in gold) and not ans.refused))
            m["hit@5"].append(float(any(is_gold(s, g) for s in ranking[:5] for g in gold) and not ans.refused))
            if typ == "multi":
                found = sum(any(is_gold(s, g) for s in ans.sources[:5]) for g in gold)
                m["recall@5"].append(found / len(gold) if not ans.refused else 0.0)
                found = sum(any(is_gold(s, g) for s in ranking[:5]) for g in gold)
                m["recall@5_ranked"].append(found / len(gold) if not ans.refused else 0.0)
            m["false_refusal"].append(float(ans.refused))
            if not ans.refused:
                for s in ans.sources:
                    good = any(is_gold(s, g) for g in gold)
                    cited_total += 1
                    cited_gold += good
                    if typ == "multi":
                        multi_cited += 1
                        multi_gold += good
        else:
            m["refused"].append(float(ans.refused))
        if "filters" in q:
            want = q["filters"] or {}
            m["filter_exact"].append(float(ans.filters == want))
            top = ranking[:10] if not ans.refused else []
            if gold:
                m["filter_recall@10"].append(sum(any(is_gold(s, g) for s in top) for g in gold) / len(gold))
            if top:
                m["filter_precision@10"].append(sum(satisfies(s, want) for s in top) / len(top))
        if q.get("answer_contains"):
            m["contains"].append(float(contains(ans.text, q["answer_contains"]) and not ans.refused))
        rows.append({"id": q["id"], "type": typ, "refused": ans.refused, "signals": ans.signals,
                     "filters": ans.filters, "sources": [s.title or s.abstract[:50] for s in ans.sources],
                     "text": ans.text})
        if verbose:
            print(f"{q['id']} {typ:12} refused={ans.refused} {ans.signals} {[s.title for s in ans.sources][:3]}")
    def mean(xs):
        return round(sum(xs) / len(xs), 3) if xs else None

    answerable = [v for t, mm in by_type.items() for v in mm["false_refusal"]]
    summary = {
        "questions": len(questions),
        "per_type": {t: {k: mean(v) for k, v in mm.items()} for t, mm in sorted(by_type.items())},
        "multi_recall@5": mean(by_type["multi"]["recall@5"]),
        "multi_recall@5_ranked": mean(by_type["multi"]["recall@5_ranked"]),
        "multi_citation_precision": round(multi_gold / multi_cited, 3) if multi_cited else None,
        "lookup_hit@1": mean(by_type["lookup"]["hit@1"]),
        "filter_exact": mean([v for mm in by_type.values() for v in mm["filter_exact"]]),
        "filter_recall@10": mean([v for mm in by_type.values() for v in mm["filter_recall@10"]]),
        "filter_precision@10": mean([v for mm in by_type.values() for v in mm["filter_precision@10"]]),
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
    for key in ("lookup_hit@1", "multi_recall@5", "multi_recall@5_ranked", "multi_citation_precision",
                "refusal_recall", "false_refusals", "answer_contains", "citation_precision", "filter_exact",
                "filter_recall@10", "filter_precision@10", "latency_p50_ms", "latency_p95_ms"):
        if s.get(key) is not None:
            lines.append(f"{key:26} {s[key]}")
    return "\n".join(lines)
