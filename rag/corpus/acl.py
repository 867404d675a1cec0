"""ACL Anthology XML loader (one <collection> per file), parsed safely with defusedxml."""

from __future__ import annotations

import re
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


# The Anthology's own id rule (acl_anthology.utils.ids.build_id; https://aclanthology.org/info/ids/):
# new-style '<collection>-<volume>.<paper>' ('2020.wmt-1.45'); old-style '<collection>-<volume><paper:03d>'
# ('P19-1001', 'L12-1153'); W collections, C69 and D19 volumes from 5 up use two-digit volume and paper
# ('W18-6401', 'D19-5001').
ANTHOLOGY_ID = re.compile(r"(?:\d{4}\.[a-z0-9]+-[a-z0-9]+\.\d+|[A-Z]\d{2}-\d{4})")
ANTHOLOGY_URL = "https://aclanthology.org/"


def build_anthology_id(collection_id: str, volume_id: str, paper_id: str) -> str | None:
    """The Anthology id of a paper from its collection, volume and paper ids; None if they cannot form one."""
    if collection_id[:1].isdigit():
        aid = f"{collection_id}-{volume_id}.{paper_id}"
    elif not (volume_id.isdigit() and paper_id.isdigit()):
        return None
    elif collection_id[:1] == "W" or collection_id == "C69" or (collection_id == "D19" and int(volume_id) >= 5):
        aid = f"{collection_id}-{int(volume_id):02d}{int(paper_id):02d}"
    else:
        aid = f"{collection_id}-{int(volume_id):01d}{int(paper_id):03d}"
    return aid if ANTHOLOGY_ID.fullmatch(aid) else None


def anthology_id(collection_id: str, volume_id: str, paper_id: str, xml_url: str = "") -> str | None:
    """The XML's <url> when it holds an Anthology id, else the id built by the Anthology's rule.

    Before this rule, a missing or external <url> gave '{collection}-{volume}.{paper}' for old-style
    collections too ('L12-1.153' instead of 'L12-1153'): 3,527 of the bundled ACL papers linked nowhere.
    """
    if ANTHOLOGY_ID.fullmatch(xml_url):
        return xml_url
    return build_anthology_id(collection_id, volume_id, paper_id)


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
            xml_url = _text(paper.find("url"))  # an Anthology id, or an external link (LREC PDF, DOI), or none
            aid = anthology_id(collection_id, volume_id, paper.get("id", ""), xml_url)
            where = aid or f"{collection_id}-{volume_id}:{paper.get('id', '')}"
            if aid is None and len(report.problems) < 50:
                report.problems.append(f"{path.name}#{where}: no Anthology id; linked by title search instead")
            p_year = _text(paper.find("year"))
            yield finalise(
                Paper(
                    paper_id=paper_id_for(abstract),
                    abstract=abstract,
                    title=title,
                    authors=[_author(a) for a in paper.findall("author")],
                    year=int(p_year) if p_year.isdigit() else year,
                    venue=f"{venue_acronym(collection_id)} — {venue or collection_id}",
                    url=ANTHOLOGY_URL + aid if aid else None,
                    doi=_text(paper.find("doi")) or None,
                    source=f"{path.name}#{where}",
                    extra_urls=[xml_url] if xml_url.startswith(("http://", "https://")) else [],
                )
            )


def load_acl(path: Path, report: LoadReport | None = None) -> Iterator[Paper]:
    files = sorted(path.glob("*.xml")) if path.is_dir() else [path]
    for f in files:
        yield from parse_acl_file(f, report)
