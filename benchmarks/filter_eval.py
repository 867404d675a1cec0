"""How well plain-chat filters are read, judged by the papers they select (issue #11, item 5).

    python -m benchmarks.filter_eval                       # filter_phrasings_a.jsonl; writes filter_eval.json
    python -m benchmarks.filter_eval --sets a,b --show     # both halves, each miss printed
    python -m benchmarks.filter_eval --check FILE.jsonl    # for a set's writer: what each expected filter selects
    python -m benchmarks.filter_eval --sets acl-v2,acl-v29 # the filter questions of validation_acl_vN.jsonl

Each row of `benchmarks/data/filter_phrasings_*.jsonl` is a question over the ACL collection and the filters it
states (`{}` where a venue- or year-like word belongs to the topic). A reading is scored by the papers it selects,
not by how the venue is spelled ('TACL' and 'Transactions of the Association for Computational Linguistics'
select the same papers):
- exact: the question's filters select exactly the expected papers (`{}` expected: no filter read);
- recall / precision: of the expected selection, the share the read filters keep / of what they keep, the share
  expected (a question with no expected filter counts precision 1 when nothing is read, else 0);
- missed (a filter expected, none read) and spurious (none expected, one read).
Set `a` is the tuning half; `b` is held out (run once per change, never tuned on). Needs an ingested `acl`
collection (default RAG_HOME benchmarks/.work/shared_acl). A set named `acl` or `acl-vN` scores the rows with a
`filters` field of `validation_acl.jsonl` / `validation_acl_vN.jsonl` the same way (all looked at: a regression check).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from benchmarks.common import REPO, WORK, write_json

SETS = REPO / "benchmarks" / "data"


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _selection(filters, papers, everything):
    import numpy as np

    if filters is None or not filters.active():
        return everything
    return frozenset(np.flatnonzero(filters.mask(papers)).tolist())


def score(rows: list[dict], papers, vocab, authors, show: bool = False) -> dict:
    from rag.filters import parse
    from rag.retrieval import Filters

    everything = frozenset(range(len(papers)))
    out = {"questions": len(rows), "exact": 0, "recall": [], "precision": [], "missed": 0, "spurious": 0,
           "expected_filters": 0}
    misses = []
    for row in rows:
        want = Filters.coerce(dict(row["filters"]))
        got = parse(row["question"], vocab, authors, papers).filters
        gold = _selection(want, papers, everything)
        read = _selection(got, papers, everything)
        expected = want is not None and want.active()
        out["expected_filters"] += expected
        if expected and not got.active():
            out["missed"] += 1
        if not expected and got.active():
            out["spurious"] += 1
        ok = gold == read
        out["exact"] += ok
        if expected:
            out["recall"].append(len(gold & read) / len(gold) if gold else float(not read or read == everything))
        if expected:
            out["precision"].append(1.0 if read == gold else len(gold & read) / len(read) if read else 0.0)
        else:
            out["precision"].append(float(not got.active()))
        if not ok:
            misses.append({"id": row["id"], "question": row["question"], "want": row["filters"],
                           "got": {k: v for k, v in vars(got).items() if v is not None}})
    n = max(1, out["questions"])
    out["exact"] = round(out["exact"] / n, 3)
    out["recall"] = round(sum(out["recall"]) / max(1, len(out["recall"])), 3)
    out["precision"] = round(sum(out["precision"]) / max(1, len(out["precision"])), 3)
    out["misses"] = [m["id"] for m in misses]
    if show:
        for m in misses:
            print(f"  {m['id']}: {m['question']}\n      want {m['want']}  got {m['got']}")
    return out


def check(path: Path, papers) -> int:
    """Print what each row's expected filters select, for the set's writer (no parsing of the question)."""
    import numpy as np

    from rag.retrieval import Filters

    bad = 0
    for row in _load(path):
        f = Filters.coerce(dict(row.get("filters") or {}))
        if f is None or not f.active():
            print(f"{row['id']}: no filter")
            continue
        idx = np.flatnonzero(f.mask(papers))
        venues = sorted({papers[i].venue or "" for i in idx})[:3]
        years = sorted({papers[i].year for i in idx if papers[i].year})
        span = f"{years[0]}-{years[-1]}" if years else "-"
        print(f"{row['id']}: {len(idx)} papers, years {span}, venues e.g. {venues}")
        bad += not len(idx)
    print(f"{bad} expected filters select nothing")
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--sets", default="a", help="comma-separated halves of filter_phrasings_*.jsonl (default: a)")
    ap.add_argument("--acl-home", type=Path, default=WORK / "shared_acl", help="RAG_HOME holding the acl collection")
    ap.add_argument("--show", action="store_true", help="print every question whose reading selects other papers")
    ap.add_argument("--check", type=Path, help="print what each expected filter of FILE selects, then exit")
    ap.add_argument("--out", type=Path, help="results file (default benchmarks/results/filter_eval.json)")
    args = ap.parse_args(argv)
    if not (args.acl_home / "chroma").exists() and not args.acl_home.exists():
        print(f"no ingested acl collection under {args.acl_home}; see the docstring", file=sys.stderr)
        return 2
    os.environ["RAG_HOME"] = str(args.acl_home)
    from rag.pipeline import get_engine

    eng = get_engine(collection="acl")
    papers = list(eng.lexical.papers)
    if args.check:
        return 1 if check(args.check, papers) else 0
    results = {}
    for name in args.sets.split(","):
        if name == "acl" or name.startswith("acl-v"):
            path = SETS / ("validation_acl.jsonl" if name == "acl" else f"validation_acl_{name[4:]}.jsonl")
            rows = [r for r in _load(path) if "filters" in r]
        else:
            rows = _load(SETS / f"filter_phrasings_{name}.jsonl")
        if args.show:
            print(f"[{name}]")
        results[name] = score(rows, papers, eng.retriever.vocabulary, eng.retriever.authors, args.show)
        r = results[name]
        print(f"{name}: {r['questions']} questions, exact {r['exact']}, recall {r['recall']}, precision "
              f"{r['precision']}, missed {r['missed']}/{r['expected_filters']}, spurious {r['spurious']}")
    write_json("filter_eval", {"sets": results}, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
