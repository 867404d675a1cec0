"""Check held-out validation question sets against the corpus they are asked of.

    python -m benchmarks.check_validation                      # every set under benchmarks/data/
    python -m benchmarks.check_validation FILE.jsonl [--corpus PATH] [--format FMT]

For each question it verifies:
- the row shape: unique id, a known type, a question, gold/answer_contains lists, history for follow-ups
  (alternating user/assistant turns ending with the assistant), filters only with known keys;
- every gold entry resolves to exactly one corpus paper: abstract starting with `abstract_prefix`
  (exactly, the first 80 characters) and, when given, the exact title and `url` (the ACL sets carry the
  Anthology URL, an exact id);
- a warning (not a failure) where the evaluator's matcher (`rag.evaluate.is_gold`: same title, or the
  same first 60 normalised characters) would also credit another paper, e.g. yearly system descriptions
  that open with the same sentence, or two tutorials with one title;
- answerable types have gold, "unanswerable" has none;
- every answer_contains entry (or, for a list, at least one alternative) occurs in a gold abstract (for
  author questions, or in a gold paper's author list);
- with `filters`, every gold paper satisfies them (venue, year_min, year_max, author).

The corpus of each set: validation_bundled.jsonl and validation_bundled_v2.jsonl -> data/seed (the bundled
corpus); validation_acl.jsonl and validation_acl_v2.jsonl -> the ACL Anthology XML under
../shared/benchmarks/acl-anthology/xml; validation_libraries/libN.jsonl -> libN.bib beside it.

Across files it also fails where a question of a fresh set (*_v2, *_v3, ...; case and spacing folded) also
occurs in another set or in the dev questions (../shared/eval/dev_questions.jsonl): fresh questions must not
repeat ones seen while tuning. (The library sets ask one question of several libraries on purpose, so other repeats are allowed.)
Exit status 1 if any problem is found.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "benchmarks" / "data"
ACL_XML = REPO.parent / "shared" / "benchmarks" / "acl-anthology" / "xml"
DEV = REPO.parent / "shared" / "eval" / "dev_questions.jsonl"
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
    """The ACL loader writes venues as '<ACRONYM> — <booktitle>': match the acronym, or a name in the booktitle."""
    acronym, _, booktitle = (paper.venue or "").partition(" — ")
    v = venue.lower()
    return v == acronym.lower() or v == (paper.venue or "").lower() or (len(v) > 4 and v in booktitle.lower())


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


class Index:
    """Lookups over one corpus: exact abstract prefixes, and the candidates `rag.evaluate.is_gold` could match."""

    def __init__(self, papers: list) -> None:
        from rag.evaluate import _norm

        self.papers = papers
        self.by_prefix: dict[str, list] = defaultdict(list)
        self.by_norm: dict[str, list] = defaultdict(list)
        self.by_title: dict[str, list] = defaultdict(list)
        for p in papers:
            self.by_prefix[p.abstract[:40]].append(p)
            self.by_norm[_norm(p.abstract)[:40]].append(p)
            if p.title:
                self.by_title[_norm(p.title)].append(p)

    def scored(self, gold: dict) -> list:
        """Every paper the evaluator's matcher counts as this gold entry (checked with is_gold itself)."""
        from rag.evaluate import _norm, is_gold

        key = _norm(gold.get("abstract_prefix") or "")[:60]
        pool = self.papers if len(key) < 40 else self.by_norm.get(key[:40], [])
        pool = pool + self.by_title.get(_norm(gold.get("title") or ""), []) if gold.get("title") else pool
        seen: dict[int, object] = {}
        for p in pool:
            if id(p) not in seen and is_gold(p, gold):
                seen[id(p)] = p
        return list(seen.values())


def check_row(q: dict, index: Index, warnings: list[str] | None = None) -> list[str]:
    """Problems with one question (each makes the check fail); notes about scoring go to `warnings`."""
    by_prefix = index.by_prefix
    warnings = warnings if warnings is not None else []
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
        if g.get("url"):
            hits = [p for p in hits if p.url == g["url"]]
        if len(hits) != 1:
            problems.append(f"gold {g.get('title') or prefix[:50]!r} resolves to {len(hits)} papers")
            continue
        twins = [p for p in index.scored(g) if p is not hits[0]]
        if twins:
            also = "; ".join(f"{(t.title or t.abstract)[:60]!r} ({t.year}, {(t.venue or '').split(' — ')[0]})"
                             for t in twins[:3])
            warnings.append(f"gold {g.get('title') or prefix[:50]!r}: rag.evaluate.is_gold (title, or first 60 "
                            f"normalised characters) also credits {len(twins)} other paper(s): {also}")
        resolved.append(hits[0])
    if len({id(p) for p in resolved}) != len(resolved):
        problems.append("the same paper is listed twice in gold")
    text = "\n".join(p.abstract for p in resolved).lower()
    if q.get("type") == "author":  # an author question's answer comes from the record's author list
        text += "\n" + "\n".join(a for p in resolved for a in p.authors).lower()
    for item in q.get("answer_contains") or []:
        options = item if isinstance(item, list) else [item]
        if not any(str(o).lower() in text for o in options):
            problems.append(f"answer_contains {item!r} not in any gold abstract (or, for author questions, "
                            "author list)")
    problems += check_filters(q, resolved)
    return problems


def check_file(path: Path, corpus: Path | None = None, fmt: str | None = None, papers: list | None = None) -> int:
    if papers is None:
        if corpus is None:
            corpus, fmt = default_corpus(path)
        papers = load_corpus(corpus, fmt)
    index = Index(papers)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = Counter(r.get("id") for r in rows)
    bad = 0
    for dup in [i for i, n in ids.items() if n > 1]:
        print(f"{path.name}: duplicate id {dup}")
        bad += 1
    notes = 0
    for q in rows:
        warnings: list[str] = []
        for problem in check_row(q, index, warnings):
            print(f"{path.name} {q.get('id')}: {problem}")
            bad += 1
        for w in warnings:
            print(f"{path.name} {q.get('id')}: warning: {w}")
            notes += 1
    counts = Counter(r.get("type") for r in rows)
    golds = sum(len(r.get("gold") or []) for r in rows)
    summary = ", ".join(f"{t} {n}" for t, n in sorted(counts.items()))
    print(f"{path.name}: {len(rows)} questions ({summary}); {golds} gold entries over {len(papers)} papers; "
          f"{'OK' if not bad else f'{bad} problems'}" + (f" ({notes} scoring warnings)" if notes else ""))
    return bad


def _question_key(text: str) -> str:
    return " ".join(_fold(text).split())


def check_repeats(files: list[Path]) -> int:
    """Questions of a fresh (*_vN, N >= 2) set that also occur in another set or in the dev questions; returns how many."""
    seen: dict[str, set[str]] = defaultdict(set)
    for f in files + ([DEV] if DEV.exists() else []):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                seen[_question_key(json.loads(line).get("question") or "")].add(f.name)
    bad = 0
    for key, names in sorted(seen.items()):
        if len(names) > 1 and key and any(re.search(r"_v\d+\.jsonl$", n) for n in names):
            print(f"question repeated in {', '.join(sorted(names))}: {key[:80]!r}")
            bad += 1
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
    bad = check_repeats(files)
    for f in files:
        corpus, fmt = (args.corpus, args.format) if args.corpus else default_corpus(f)
        key = (str(corpus), fmt)
        if key not in cache:
            cache[key] = load_corpus(corpus, fmt)
        bad += check_file(f, papers=cache[key])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
