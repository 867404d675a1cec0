"""Check held-out validation question sets against the corpus they are asked of.

    python -m benchmarks.check_validation                      # every set under benchmarks/data/
    python -m benchmarks.check_validation FILE.jsonl [--corpus PATH] [--format FMT]

For each question it verifies:
- the row shape: unique id, a known type, a question, gold/answer_contains lists, history for follow-ups
  (alternating user/assistant turns ending with the assistant), filters only with known keys;
- every gold entry resolves to exactly one corpus paper: abstract starting with `abstract_prefix`
  (exactly, the first 80 characters) and, when given, the exact title; and that the evaluator's own
  matcher (`rag.evaluate.is_gold`) also picks out exactly that one paper, so scoring cannot credit a twin;
- answerable types have gold, "unanswerable" has none;
- every answer_contains entry (or, for a list, at least one alternative) occurs in a gold abstract;
- with `filters`, every gold paper satisfies them (venue, year_min, year_max, author).

The corpus of each set: validation_bundled.jsonl -> data/seed (the bundled corpus); validation_acl.jsonl ->
the ACL Anthology XML under ../shared/benchmarks/acl-anthology/xml; validation_libraries/libN.jsonl ->
libN.bib beside it. Exit status 1 if any problem is found.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "benchmarks" / "data"
ACL_XML = REPO.parent / "shared" / "benchmarks" / "acl-anthology" / "xml"
TYPES = {"lookup", "detail", "multi", "unanswerable", "author", "followup", "filter"}
FILTER_KEYS = {"venue", "year_min", "year_max", "author"}


def default_corpus(path: Path) -> tuple[Path, str | None]:
    """The corpus a question file is written against, from its name."""
    name = path.name
    if name.startswith("validation_bundled"):
        return REPO / "data" / "seed", "seed"
    if name.startswith("validation_acl"):
        return ACL_XML, "acl"
    bib = path.with_suffix(".bib")
    if bib.exists():
        return bib, "bibtex"
    raise SystemExit(f"{path}: no default corpus for this file; pass --corpus")


def load_corpus(path: Path, fmt: str | None) -> list:
    from rag.corpus import load_papers

    return load_papers(path, format=fmt)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()


def author_matches(paper, name: str) -> bool:
    """A filter author matches when every word of the name occurs in one of the paper's author names."""
    words = _fold(name).replace(".", " ").split()
    return any(all(w in _fold(a).replace(".", " ").split() for w in words) for a in paper.authors or [])


def venue_matches(paper, venue: str) -> bool:
    v = venue.lower()
    return v == (paper.venue or "").lower() or v in (paper.venue or "").lower().split()


def check_filters(q: dict, papers: list) -> list[str]:
    problems = []
    f = q.get("filters") or {}
    for p in papers:
        if "venue" in f and not venue_matches(p, f["venue"]):
            problems.append(f"gold {p.title!r} has venue {p.venue!r}, filter says {f['venue']!r}")
        if "year_min" in f and (p.year is None or p.year < f["year_min"]):
            problems.append(f"gold {p.title!r} year {p.year} < year_min {f['year_min']}")
        if "year_max" in f and (p.year is None or p.year > f["year_max"]):
            problems.append(f"gold {p.title!r} year {p.year} > year_max {f['year_max']}")
        if "author" in f and not author_matches(p, f["author"]):
            problems.append(f"gold {p.title!r} has no author matching {f['author']!r}")
    return problems


def check_row(q: dict, by_prefix: dict, papers: list) -> list[str]:
    from rag.evaluate import is_gold

    problems = []
    typ = q.get("type")
    if typ not in TYPES:
        problems.append(f"unknown type {typ!r}")
    if not isinstance(q.get("question"), str) or not q["question"].strip():
        problems.append("empty question")
    gold = q.get("gold")
    if not isinstance(gold, list) or not isinstance(q.get("answer_contains", []), list):
        return problems + ["gold and answer_contains must be lists"]
    if typ == "unanswerable" and gold:
        problems.append("unanswerable question has gold papers")
    if typ not in ("unanswerable", None) and not gold:
        problems.append("answerable question without gold")
    unknown = set(q.get("filters") or {}) - FILTER_KEYS
    if unknown:
        problems.append(f"unknown filter keys {sorted(unknown)}")
    if typ == "followup":
        hist = q.get("history") or []
        roles = [t.get("role") for t in hist]
        if not hist or roles != ["user", "assistant"] * (len(hist) // 2) or len(hist) % 2:
            problems.append(f"follow-up history must alternate user/assistant, got {roles}")
    elif q.get("history"):
        problems.append("history on a non-follow-up question")
    resolved = []
    for g in gold:
        prefix = g.get("abstract_prefix") or ""
        if len(prefix) < 40:
            problems.append(f"abstract_prefix too short: {prefix!r}")
            continue
        hits = [p for p in by_prefix.get(prefix[:40], []) if p.abstract.startswith(prefix)]
        if g.get("title") is not None:
            hits = [p for p in hits if p.title == g["title"]]
        if len(hits) != 1:
            problems.append(f"gold {g.get('title') or prefix[:50]!r} resolves to {len(hits)} papers")
            continue
        scored = [p for p in papers if is_gold(p, g)]
        if scored != hits:
            problems.append(f"gold {g.get('title') or prefix[:50]!r}: the evaluator's matcher picks {len(scored)} papers")
        resolved.append(hits[0])
    if len({id(p) for p in resolved}) != len(resolved):
        problems.append("the same paper is listed twice in gold")
    text = "\n".join(p.abstract for p in resolved).lower()
    for item in q.get("answer_contains") or []:
        options = item if isinstance(item, list) else [item]
        if not any(str(o).lower() in text for o in options):
            problems.append(f"answer_contains {item!r} not in any gold abstract")
    problems += check_filters(q, resolved)
    return problems


def check_file(path: Path, corpus: Path | None = None, fmt: str | None = None, papers: list | None = None) -> int:
    if papers is None:
        if corpus is None:
            corpus, fmt = default_corpus(path)
        papers = load_corpus(corpus, fmt)
    by_prefix: dict[str, list] = defaultdict(list)
    for p in papers:
        by_prefix[p.abstract[:40]].append(p)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = Counter(r.get("id") for r in rows)
    bad = 0
    for dup in [i for i, n in ids.items() if n > 1]:
        print(f"{path.name}: duplicate id {dup}")
        bad += 1
    for q in rows:
        for problem in check_row(q, by_prefix, papers):
            print(f"{path.name} {q.get('id')}: {problem}")
            bad += 1
    counts = Counter(r.get("type") for r in rows)
    golds = sum(len(r.get("gold") or []) for r in rows)
    summary = ", ".join(f"{t} {n}" for t, n in sorted(counts.items()))
    print(f"{path.name}: {len(rows)} questions ({summary}); {golds} gold entries over {len(papers)} papers; "
          f"{'OK' if not bad else f'{bad} problems'}")
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path, help="question files (default: every set under benchmarks/data)")
    ap.add_argument("--corpus", type=Path, help="corpus path (default: chosen from the file name)")
    ap.add_argument("--format", help="corpus format for --corpus (seed, acl, bibtex, ...)")
    args = ap.parse_args(argv)
    files = args.files or sorted(DATA.glob("validation_*.jsonl")) + sorted(DATA.glob("validation_libraries/*.jsonl"))
    if not files:
        print(f"no question files under {DATA}")
        return 1
    cache: dict[tuple, list] = {}
    bad = 0
    for f in files:
        corpus, fmt = (args.corpus, args.format) if args.corpus else default_corpus(f)
        key = (str(corpus), fmt)
        if key not in cache:
            cache[key] = load_corpus(corpus, fmt)
        bad += check_file(f, papers=cache[key])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
