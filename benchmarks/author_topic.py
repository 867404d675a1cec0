"""Choose and measure the answer threshold for an author filter with a topic (`AUTHOR_TOPIC_THRESHOLD`).

    python -m benchmarks.author_topic      # about 2 minutes; writes benchmarks/results/author_topic.json

Questions are generated from the ACL Anthology's own metadata (deterministic: seed 24), one pair per
author with 15 or more records in the ingested `acl` collection (default RAG_HOME
benchmarks/.work/shared_acl):
- answerable: the author's name and a 2-3 word phrase from the title of one of their papers;
- not answerable: the author's name and a phrase from the title of someone else's paper, where no
  record of the author holds all the phrase's words.
Eight templates ("What has {a} published on {p}?", "{p} papers by {a}", ...). The authors are split in
two halves by a hash of their name: the threshold is chosen on the `fit` half by the cost used for the
other thresholds (false refusals / 3% + missed refusals / 10%; ties go to the lower threshold), and the
`val` half is reported, never used for the choice. The questions are asked with the rule off
(`AUTHOR_TOPIC_THRESHOLD = None`); a question counts as refused at threshold T where it was refused or its
best paper's relevance is below T (the rule also turns the support rule off).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

from benchmarks.common import WORK, write_json

TEMPLATES = ("What has {a} published on {p}?", "{a}'s work on {p}", "papers by {a} about {p}", "{p} papers by {a}",
             "Which of {a}'s papers are about {p}?", "{a} on {p}", "anything by {a} on {p}?", "{p}: work by {a}")
MIN_RECORDS = 15
GRID = [t / 100 for t in range(50, 96)]


def _phrase(title: str, rng: random.Random, stop: frozenset[str]) -> str:
    words = [w for w in re.findall(r"[a-z][a-z-]+", (title or "").lower()) if w not in stop and len(w) > 2]
    if len(words) < 2:
        return ""
    k = min(len(words), rng.choice((2, 3)))
    i = rng.randrange(0, len(words) - k + 1)
    return " ".join(words[i:i + k])


def questions(papers: list, n_authors: int, seed: int = 24, min_records: int = MIN_RECORDS) -> list[dict]:
    from rag.lexical import query_tokens
    from rag.relevance import tokens
    from rag.text import STOPWORDS, fold

    by: dict[str, list] = defaultdict(list)
    for p in papers:
        for a in p.authors:
            if len(a.split()) >= 2:
                by[fold(a)].append(p)
    names = sorted(k for k, v in by.items() if len(v) >= min_records)
    rng = random.Random(seed)
    rng.shuffle(names)
    out = []
    for key in names[:n_authors]:
        theirs = by[key]
        name = next(a for a in theirs[0].authors if fold(a) == key)
        split = "fit" if int(hashlib.md5(key.encode()).hexdigest(), 16) % 2 == 0 else "val"
        held = [tokens(f"{q.title} {q.abstract}") for q in theirs]
        row = {"author": name, "records": len(theirs), "split": split}
        phrase = _phrase(rng.choice(theirs).title, rng, STOPWORDS)
        if phrase:
            out.append(row | {"question": rng.choice(TEMPLATES).format(a=name, p=phrase), "label": 1})
        for _ in range(20):
            other = rng.choice(papers)
            phrase = _phrase(other.title, rng, STOPWORDS)
            words = set(query_tokens(phrase)) if phrase else set()
            if words and not any(words <= h for h in held) and not any(fold(a) == key for a in other.authors):
                out.append(row | {"question": rng.choice(TEMPLATES).format(a=name, p=phrase), "label": 0})
                break
    return out


def cost_table(rows: list[dict]) -> list[dict]:
    pos = [r for r in rows if r["label"] == 1]
    neg = [r for r in rows if r["label"] == 0]
    table = []
    for t in GRID:
        fr = sum(r["refused"] or r["p1"] < t for r in pos) / max(len(pos), 1)
        rr = sum(r["refused"] or r["p1"] < t for r in neg) / max(len(neg), 1)
        table.append({"threshold": t, "false_refusals": round(fr, 3), "refusal_recall": round(rr, 3),
                      "cost": round(fr / 0.03 + (1 - rr) / 0.1, 3)})
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", default=str(WORK / "shared_acl"), help="RAG_HOME holding the ingested `acl` collection")
    ap.add_argument("--authors", type=int, default=400, help="authors sampled (one question pair each)")
    ap.add_argument("--out", default=None, help="report (default: benchmarks/results/author_topic.json)")
    args = ap.parse_args(argv)
    os.environ["RAG_HOME"] = args.home
    from rag.pipeline import ask, get_engine

    judge_module = importlib.import_module("rag.answer.judge")  # the module (rag.answer exports a function `judge`)
    shipped = judge_module.AUTHOR_TOPIC_THRESHOLD
    judge_module.AUTHOR_TOPIC_THRESHOLD = None  # measure without the rule
    try:
        eng = get_engine(collection="acl")
    except Exception as exc:  # noqa: BLE001
        sys.exit(f"no `acl` collection under {args.home} ({exc}): ingest the ACL XML first (benchmarks/data/README.md)")
    rows = questions(eng.retriever.papers, args.authors)
    for i, r in enumerate(rows, 1):
        a = ask(r["question"], collection="acl")
        r.update(refused=a.refused, p1=a.signals.get("p1", 0.0), author_filter=bool(a.filters.get("author")))
        if i % 100 == 0:
            print(f"  {i}/{len(rows)} asked", file=sys.stderr)
    judge_module.AUTHOR_TOPIC_THRESHOLD = shipped
    rows = [r for r in rows if r["author_filter"]]  # the rule applies only where the name was read as a filter
    report: dict = {"questions": {s: {"answerable": sum(r["label"] == 1 and r["split"] == s for r in rows),
                                      "not": sum(r["label"] == 0 and r["split"] == s for r in rows)}
                                  for s in ("fit", "val")}}
    for split in ("fit", "val"):
        report[split] = cost_table([r for r in rows if r["split"] == split])
    best = min(report["fit"], key=lambda x: (x["cost"], x["threshold"]))
    report["chosen_on_fit"] = best["threshold"]
    report["shipped"] = shipped
    without = {s: {"false_refusals": round(sum(r["refused"] for r in rows if r["split"] == s and r["label"] == 1)
                                           / max(report["questions"][s]["answerable"], 1), 3),
                   "refusal_recall": round(sum(r["refused"] for r in rows if r["split"] == s and r["label"] == 0)
                                           / max(report["questions"][s]["not"], 1), 3)} for s in ("fit", "val")}
    report["without_rule"] = without
    at = {s: next(x for x in report[s] if x["threshold"] == shipped) for s in ("fit", "val")} if shipped else {}
    report["at_shipped"] = at
    report["rows"] = rows
    print(f"questions (read with an author filter): {report['questions']}")
    print(f"without the rule: {without}")
    print(f"chosen on fit: {best}; shipped: {shipped}")
    for s, x in at.items():
        print(f"  {s} at {shipped}: false refusals {x['false_refusals']}, refusal recall {x['refusal_recall']}")
    write_json("author_topic", report, Path(args.out) if args.out else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
