"""BibTeX / BibLaTeX loader (`.bib`), parsed with bibtexparser 2.

Only entries with an `abstract` field become papers; the others are skipped and counted. LaTeX
accents and markup are decoded (`{\\"o}` -> ö, `\\emph{x}` -> x, braces dropped, math kept as is),
`author = {Last, First and First Last}` becomes ["First Last", ...], the venue comes from
journal/journaltitle/booktitle, and DOI, URL and arXiv eprint ids are kept as links.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rag.corpus.bibliographic import arxiv_in_text, collapse_versions, delatex, make_paper, year_of
from rag.corpus.common import LoadReport
from rag.corpus.seed import read_text_file
from rag.types import Paper

VENUE_FIELDS = ("journal", "journaltitle", "booktitle")


def bib_authors(raw: str) -> list[str]:
    """BibTeX name list -> ["First von Last Jr", ...]; 'and others' is dropped."""
    from bibtexparser.middlewares.names import (
        InvalidNameError,
        parse_single_name_into_parts,
        split_multiple_persons_names,
    )

    names = []
    for person in split_multiple_persons_names(raw or ""):
        if person.strip().lower() in ("others", "et al.", "et al"):
            continue
        try:
            parts = parse_single_name_into_parts(person, strict=False)
            words = [delatex(w) for w in (*parts.first, *parts.von, *parts.last, *parts.jr)]
            name = " ".join(w for w in words if w)
        except InvalidNameError:
            name = delatex(person)
        if name:
            names.append(name)
    return names


def _arxiv_id(fields: dict[str, str]) -> str | None:
    archive = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    eprint = (fields.get("eprint") or "").strip()
    if eprint and archive in ("", "arxiv"):
        found = arxiv_in_text(eprint if archive == "" else "arXiv:" + eprint)
        if found:
            return found
    for key in ("arxivid", "arxiv", "journal", "url", "note", "howpublished"):
        found = arxiv_in_text(fields.get(key))
        if found:
            return found
    return None


def _venue(fields: dict[str, str]) -> str | None:
    for key in VENUE_FIELDS:
        venue = delatex(fields.get(key))
        if venue:
            return "arXiv" if venue.lower().startswith(("arxiv preprint", "arxiv e-prints")) else venue
    return None


def parse_bibtex_file(path: Path, report: LoadReport) -> Iterator[Paper]:
    import bibtexparser
    from bibtexparser.middlewares import NormalizeFieldKeys

    library = bibtexparser.parse_string(read_text_file(path), append_middleware=[NormalizeFieldKeys()])
    for block in library.failed_blocks:
        key = getattr(block, "key", None) or f"line {block.start_line}"
        error = getattr(block, "error", None)
        report.skip(f"{path.name}#{key}", f"unreadable BibTeX entry ({type(error).__name__ if error else 'error'})")
    for entry in library.entries:
        where = f"{path.name}#{entry.key}"
        fields = {f.key: f.value if isinstance(f.value, str) else str(f.value) for f in entry.fields}
        abstract = delatex(fields.get("abstract"))
        if not abstract:
            report.skip(where, "no abstract")
            continue
        urls = [fields.get("url")]
        howpublished = fields.get("howpublished") or ""
        if "http" in howpublished:
            urls.append(delatex(howpublished))
        yield make_paper(
            abstract=abstract,
            source=where,
            title=delatex(fields.get("title")) or None,
            authors=bib_authors(fields.get("author", "")),
            year=year_of(fields.get("year")) or year_of(fields.get("date")),
            venue=_venue(fields),
            doi=fields.get("doi"),
            arxiv_id=_arxiv_id(fields),
            urls=urls,
            exported_id=fields.get("paperqa-id"),
        )


def load_bibtex(path: Path, report: LoadReport | None = None) -> Iterator[Paper]:
    """Load one .bib file or every .bib file in a directory (preprints folded into publications)."""
    report = report if report is not None else LoadReport()
    files = sorted(path.glob("*.bib")) if path.is_dir() else [path]
    papers = [p for f in files for p in parse_bibtex_file(f, report)]
    yield from collapse_versions(papers)
