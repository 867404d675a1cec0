"""ACL Anthology XML loader (one <collection> per file), parsed safely with defusedxml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from rag.corpus.common import CorpusError, LoadReport, clean_text, finalise, paper_id_for
from rag.types import Paper


def _text(elem: Element | None) -> str:
    return clean_text("".join(elem.itertext())) if elem is not None else ""


def _author(elem: Element) -> str:
    first, last = _text(elem.find("first")), _text(elem.find("last"))
    return " ".join(p for p in (first, last) if p) or _text(elem)


OLD_STYLE = {"P": "ACL", "D": "EMNLP", "N": "NAACL", "E": "EACL", "C": "COLING", "L": "LREC", "K": "CoNLL",
             "Q": "TACL", "J": "CL", "S": "SemEval", "I": "IJCNLP", "R": "RANLP", "W": "Workshop", "H": "HLT",
             "A": "ANLP", "M": "MUC", "T": "TINLAP", "X": "COLING", "Y": "PACLIC", "O": "ROCLING", "U": "ALTA",
             "F": "JEP/TALN"}


def venue_acronym(collection_id: str) -> str:
    """'2020.acl' -> 'ACL', '2021.findings' -> 'Findings', 'P19' -> 'ACL', 'W18' -> 'Workshop'."""
    if "." in collection_id:
        name = collection_id.split(".", 1)[1]
        return "Findings" if name == "findings" else "CoNLL" if name == "conll" else name.upper()
    return OLD_STYLE.get(collection_id[:1], collection_id)


def _anthology_id(collection_id: str, volume_id: str, paper: Element) -> str:
    url = _text(paper.find("url"))
    if url and not url.startswith("http"):
        return url
    pid = paper.get("id", "")
    return f"{collection_id}-{volume_id}.{pid}" if volume_id else f"{collection_id}.{pid}"


def parse_acl_file(path: Path, report: LoadReport | None = None) -> Iterator[Paper]:
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    report = report or LoadReport()
    try:
        root = DET.parse(str(path)).getroot()
    except DefusedXmlException as exc:
        raise CorpusError(f"{path.name}: refused unsafe XML ({type(exc).__name__})") from None
    except ParseError as exc:
        raise CorpusError(f"{path.name}: malformed XML: {exc}") from None
    collection_id = root.get("id", path.stem)
    for volume in root.iter("volume"):
        volume_id = volume.get("id", "")
        meta = volume.find("meta")
        year_text = _text(meta.find("year")) if meta is not None else ""
        venue = _text(meta.find("booktitle")) if meta is not None else ""
        year = int(year_text) if year_text.isdigit() else None
        for paper in volume.iter("paper"):
            abstract = _text(paper.find("abstract"))
            if not abstract:
                continue  # most older entries have no abstract; that is normal, not an error
            title = _text(paper.find("title")) or None
            aid = _anthology_id(collection_id, volume_id, paper)
            p_year = _text(paper.find("year"))
            yield finalise(
                Paper(
                    paper_id=paper_id_for(abstract),
                    abstract=abstract,
                    title=title,
                    authors=[_author(a) for a in paper.findall("author")],
                    year=int(p_year) if p_year.isdigit() else year,
                    venue=f"{venue_acronym(collection_id)} — {venue or collection_id}",
                    url=f"https://aclanthology.org/{aid}",
                    doi=_text(paper.find("doi")) or None,
                    source=f"{path.name}#{aid}",
                )
            )


def load_acl(path: Path, report: LoadReport | None = None) -> Iterator[Paper]:
    files = sorted(path.glob("*.xml")) if path.is_dir() else [path]
    for f in files:
        yield from parse_acl_file(f, report)
