"""Corpus loaders: every format yields the same `Paper` records.

`load_papers(path, format=None)` picks the loader from `format` or the file type, collapses
duplicate abstracts (keeping the richest metadata) and reports what it skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from rag.corpus.common import CorpusError, LoadReport, paper_id_for
from rag.types import Paper

Loader = Callable[[Path, LoadReport], Iterator[Paper]]

__all__ = ["FORMATS", "CorpusError", "LoadReport", "detect_format", "load_papers", "paper_id_for"]


def _lazy(module: str, func: str) -> Loader:
    """A loader imported on first use, so `rag --help` and unrelated formats stay fast."""

    def load(p: Path, r: LoadReport) -> Iterator[Paper]:
        import importlib

        return getattr(importlib.import_module(f"rag.corpus.{module}"), func)(p, r)

    load.__name__ = func
    return load


FORMATS: dict[str, Loader] = {
    "seed": _lazy("seed", "load_seed"),
    "acl": _lazy("acl", "load_acl"),
    "scifact": _lazy("scifact", "load_scifact"),
    "jsonl": _lazy("tabular", "load_jsonl"),
    "csv": _lazy("tabular", "load_csv"),
    "bibtex": _lazy("bibtex", "load_bibtex"),
    "ris": _lazy("ris", "load_ris"),
    "json": _lazy("jsonworks", "load_json"),
}


def detect_format(path: Path) -> str:
    """Guess the format from the path: a directory by its files, a file by suffix and header."""
    if path.is_dir():
        suffixes = {f.suffix.lower() for f in path.iterdir() if f.is_file()}
        if (path / "corpus_train.csv").exists():
            return "scifact"
        for suffix, fmt in ((".xml", "acl"), (".txt", "seed"), (".jsonl", "jsonl"), (".csv", "csv"),
                            (".bib", "bibtex"), (".ris", "ris"), (".json", "json")):
            if suffix in suffixes:
                return fmt
        raise CorpusError(f"{path}: no corpus files found (.txt, .xml, .jsonl, .csv, .bib, .ris, .json)")
    suffix = path.suffix.lower()
    if suffix == ".xml":
        return "acl"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":  # one JSON document (a list of works, OpenAlex `results`) or JSON lines
        from rag.corpus.jsonworks import sniff_json

        return sniff_json(path)
    if suffix == ".bib":
        return "bibtex"
    if suffix == ".ris":
        return "ris"
    if suffix == ".csv":
        with open(path, encoding="utf-8", errors="replace") as fh:
            header = fh.readline().lower()
        return "scifact" if "doc_id" in header and "structured" in header else "csv"
    if suffix in (".txt", ".md", ""):
        return "seed"
    raise CorpusError(f"{path.name}: unknown file type {suffix!r}; pass --format ({', '.join(FORMATS)})")


def _richness(p: Paper) -> int:
    return (p.title is not None) * 4 + bool(p.authors) * 2 + (p.year is not None)


MIN_ABSTRACT_CHARS = 20
MAX_ABSTRACT_CHARS = 20_000


def _checked(paper: Paper, report: LoadReport) -> Paper | None:
    """Reject abstracts too short to be one; cap absurdly long ones (keeping whole sentences)."""
    n = len(paper.abstract)
    if n < MIN_ABSTRACT_CHARS:
        report.skip(paper.source, f"abstract too short ({n} characters)")
        return None
    if n > MAX_ABSTRACT_CHARS:
        text_derived = paper.paper_id == paper_id_for(paper.abstract)
        cut = paper.abstract[:MAX_ABSTRACT_CHARS]
        end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
        paper.abstract = cut[: end + 1] if end > MAX_ABSTRACT_CHARS // 2 else cut
        if text_derived:
            paper.paper_id = paper_id_for(paper.abstract)
        report.problems.append(f"{paper.source}: abstract truncated from {n:,} to {len(paper.abstract):,} characters")
    return paper


def load_papers(path: str | Path, format: str | None = None, report: LoadReport | None = None) -> list[Paper]:
    """Load every paper under `path`, de-duplicated by `paper_id`.

    Identical abstracts collapse into one paper (keeping the richest metadata). Two different
    abstracts claiming the same source id (e.g. a repeated ACL id or SciFact doc_id) keep the
    first and report the second.
    """
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"{path}: no such file or directory")
    fmt = format or detect_format(path)
    if fmt not in FORMATS:
        raise CorpusError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    report = report if report is not None else LoadReport()
    by_id: dict[str, Paper] = {}
    by_key: dict[str, str] = {}
    try:
        for raw in FORMATS[fmt](path, report):
            paper = _checked(raw, report)
            if paper is None:
                continue
            key = paper.source
            if key in by_key and by_key[key] != paper.paper_id:
                report.skip(key, "duplicate id with different text; kept the first")
                continue
            by_key[key] = paper.paper_id
            old = by_id.get(paper.paper_id)
            if old is None:
                by_id[paper.paper_id] = paper
            elif _richness(paper) > _richness(old):
                paper.source = f"{paper.source}; {old.source}"
                by_id[paper.paper_id] = paper
            else:
                old.source = f"{old.source}; {paper.source}"
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path.name}: cannot decode text ({exc.reason}); save it as UTF-8") from None
    return list(by_id.values())
