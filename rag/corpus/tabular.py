"""Generic JSONL / CSV loader with columns title, authors, year, venue, abstract, url.

Bad rows are skipped and reported with their line number; good rows are kept.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.corpus.common import CorpusError, LoadReport, clean_text, finalise, paper_id_for, split_authors
from rag.corpus.seed import read_text_file
from rag.types import Paper

COLUMNS = ("title", "authors", "year", "venue", "abstract", "url")


def _year(value: Any) -> int | None:
    try:
        y = int(str(value).strip()[:4])
    except (TypeError, ValueError):
        return None
    return y if 1000 < y < 3000 else None


def row_to_paper(row: dict[str, Any], where: str, report: LoadReport) -> Paper | None:
    abstract = clean_text(str(row.get("abstract") or ""))
    if not abstract:
        report.skip(where, "no abstract")
        return None
    authors = row.get("authors") or []
    if isinstance(authors, str):
        authors = split_authors(authors)
    elif isinstance(authors, list):
        authors = [clean_text(str(a)) for a in authors if str(a).strip()]
    else:
        authors = []
    return finalise(
        Paper(
            paper_id=paper_id_for(abstract),
            abstract=abstract,
            title=clean_text(str(row.get("title") or "")) or None,
            authors=authors,
            year=_year(row.get("year")),
            venue=clean_text(str(row.get("venue") or "")) or None,
            url=clean_text(str(row.get("url") or "")) or None,
            source=where,
        )
    )


def load_jsonl(path: Path, report: LoadReport | None = None) -> Iterator[Paper]:
    report = report or LoadReport()
    text = read_text_file(path)
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{line_no}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            report.skip(where, f"invalid JSON ({exc.msg})")
            continue
        if not isinstance(row, dict):
            report.skip(where, "not a JSON object")
            continue
        paper = row_to_paper(row, where, report)
        if paper:
            yield paper


def load_csv(path: Path, report: LoadReport | None = None) -> Iterator[Paper]:
    report = report or LoadReport()
    csv.field_size_limit(sys.maxsize)
    text = read_text_file(path)
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "abstract" not in [f.strip().lower() for f in reader.fieldnames]:
        raise CorpusError(f"{path.name}: CSV needs an 'abstract' column (columns: {', '.join(COLUMNS)})")
    for line_no, row in enumerate(reader, 2):
        row = {(k or "").strip().lower(): v for k, v in row.items()}
        paper = row_to_paper(row, f"{path.name}:{line_no}", report)
        if paper:
            yield paper
