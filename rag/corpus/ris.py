"""RIS loader (`.ris`: EndNote, Zotero, Mendeley, publisher exports), parsed with rispy.

Tags used: TI/T1 title, AU/A1 authors ("Last, First" -> "First Last"), PY/Y1/DA year, AB/N2
abstract, JF/T2/JO (then JA/J2) venue, DO doi, UR urls (arXiv links give the arXiv id).
Records without an abstract are skipped and counted; so are records cut off before `ER`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.corpus.bibliographic import arxiv_in_text, collapse_versions, flip_name, make_paper, year_of
from rag.corpus.common import CorpusError, LoadReport, clean_text
from rag.corpus.seed import read_text_file
from rag.types import Paper

# rispy's names for the tags, in order of preference.
TITLE_KEYS = ("title", "primary_title")  # TI, T1
AUTHOR_KEYS = ("authors", "first_authors")  # AU, A1
YEAR_KEYS = ("year", "publication_year", "date")  # PY, Y1, DA
ABSTRACT_KEYS = ("abstract", "notes_abstract")  # AB, N2
VENUE_KEYS = ("alternate_title3", "secondary_title", "journal_name", "alternate_title2", "alternate_title1")
# JF (full journal name), T2 (journal / proceedings), JO, then the abbreviations JA, J2
_RECORD_START = re.compile(r"^TY  -", re.M)


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if isinstance(value, list):
            value = " ".join(str(v) for v in value if v)
        if value not in (None, ""):
            return value
    return None


def _text(record: dict[str, Any], keys: tuple[str, ...]) -> str:
    value = _first(record, keys)
    return clean_text(str(value)) if value is not None else ""


def _authors(record: dict[str, Any]) -> list[str]:
    for key in AUTHOR_KEYS:
        names = record.get(key)
        if names:
            names = names if isinstance(names, list) else [names]
            return [n for n in (flip_name(str(x)) for x in names) if n]
    return []


def _urls(record: dict[str, Any]) -> list[str]:
    urls = record.get("urls") or []
    urls = urls if isinstance(urls, list) else [urls]
    return [clean_text(str(u)) for u in urls if str(u).strip()]


def parse_ris_file(path: Path, report: LoadReport) -> Iterator[Paper]:
    import rispy

    text = read_text_file(path).replace("\r\n", "\n").replace("\r", "\n")
    try:
        records = rispy.loads(text)
    except Exception as exc:  # rispy raises plain exceptions on garbage
        raise CorpusError(f"{path.name}: not a readable RIS file ({exc})") from None
    started = len(_RECORD_START.findall(text))
    if started > len(records):
        report.skip(path.name, f"{started - len(records)} record(s) without a closing 'ER  -' line")
    if started == 0 and text.strip():
        raise CorpusError(f"{path.name}: no RIS records found (each starts with a 'TY  - ' line)")
    for n, record in enumerate(records, 1):
        rec_id = _text(record, ("id",))
        where = f"{path.name}#{rec_id or n}"
        abstract = _text(record, ABSTRACT_KEYS)
        if not abstract:
            report.skip(where, "no abstract")
            continue
        urls = _urls(record)
        arxiv = next((a for a in (arxiv_in_text(u) for u in urls) if a), None)
        if arxiv is None and _text(record, ("name_of_database", "publisher")).lower().startswith("arxiv"):
            arxiv = arxiv_in_text(_text(record, ("accession_number", "number", "note")))
        yield make_paper(
            abstract=abstract,
            source=where,
            title=_text(record, TITLE_KEYS) or None,
            authors=_authors(record),
            year=year_of(_first(record, YEAR_KEYS)),
            venue=_text(record, VENUE_KEYS) or None,
            doi=_text(record, ("doi",)) or None,
            arxiv_id=arxiv,
            urls=urls,
            exported_id=next((v for v in (record.get("unknown_tag") or {}).get("U1", []) if str(v).startswith("paperqa-id:")),
                             None),
        )


def load_ris(path: Path, report: LoadReport | None = None) -> Iterator[Paper]:
    """Load one .ris file or every .ris file in a directory (preprints folded into publications)."""
    report = report if report is not None else LoadReport()
    files = sorted(path.glob("*.ris")) if path.is_dir() else [path]
    papers = [p for f in files for p in parse_ris_file(f, report)]
    yield from collapse_versions(papers)
