"""SciFact corpus loader (`corpus_train.csv`: doc_id, title, abstract as a list literal, structured)."""

from __future__ import annotations

import ast
import csv
import sys
from collections.abc import Iterator
from pathlib import Path

from rag.corpus.common import CorpusError, LoadReport, clean_text, finalise, paper_id_for
from rag.types import Paper


def _sentences(raw: str) -> list[str]:
    raw = raw.strip()
    if raw.startswith("["):
        try:
            value = ast.literal_eval(raw)
            if isinstance(value, list | tuple):
                return [str(s) for s in value]
        except (ValueError, SyntaxError):
            pass
    return [raw]


def load_scifact(path: Path, report: LoadReport | None = None) -> Iterator[Paper]:
    report = report or LoadReport()
    if path.is_dir():
        path = path / "corpus_train.csv"
    csv.field_size_limit(sys.maxsize)
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"doc_id", "title", "abstract"} - set(reader.fieldnames or [])
        if missing:
            raise CorpusError(f"{path.name}: not a SciFact corpus file (missing columns {sorted(missing)})")
        for line_no, row in enumerate(reader, 2):
            abstract = clean_text(" ".join(_sentences(row["abstract"] or "")))
            if not abstract:
                report.skip(f"{path.name}:{line_no}", "empty abstract")
                continue
            doc_id = (row["doc_id"] or "").strip()
            yield finalise(
                Paper(
                    paper_id=paper_id_for(abstract),
                    abstract=abstract,
                    title=clean_text(row["title"] or "") or None,
                    url=f"https://api.semanticscholar.org/CorpusID:{doc_id}",
                    source=f"{path.name}#{doc_id}",
                    venue="SciFact",
                )
            )
