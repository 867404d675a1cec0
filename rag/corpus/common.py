"""Helpers shared by the loaders: stable ids, text normalisation, links and load reports."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from rag.types import Paper

_WS = re.compile(r"\s+")


class CorpusError(ValueError):
    """A corpus file that cannot be read at all (wrong format, unsafe XML, binary...)."""


@dataclass
class LoadReport:
    """What a loader skipped, so the CLI can say so instead of silently dropping data."""

    skipped: int = 0
    problems: list[str] = field(default_factory=list)

    def skip(self, where: str, why: str) -> None:
        self.skipped += 1
        if len(self.problems) < 50:
            self.problems.append(f"{where}: {why}")


def clean_text(text: str) -> str:
    """Unicode-normalise and collapse whitespace; strip control characters."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch if (ch.isprintable() or ch in "\n\t") else " " for ch in text)
    return _WS.sub(" ", text).strip()


def normalise_for_id(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


def paper_id_for(abstract: str) -> str:
    """Stable id derived from the normalised abstract text (same text -> same id)."""
    return "p" + hashlib.sha1(normalise_for_id(abstract).encode()).hexdigest()[:16]


def title_search_url(title: str) -> str:
    """A scholarly search link for an exact title (works for any published paper)."""
    return "https://scholar.google.com/scholar?q=" + quote_plus(f'"{title}"')


def local_paper_url(paper_id: str) -> str:
    return f"/paper/{paper_id}"


def finalise(paper: Paper) -> Paper:
    """Fill in the link when the loader had none."""
    if not paper.url:
        paper.url = title_search_url(paper.title) if paper.title else local_paper_url(paper.paper_id)
    return paper


def split_authors(raw: str) -> list[str]:
    """Split an author string on '·', ';', ' and ', or commas between full names."""
    raw = clean_text(raw)
    if not raw:
        return []
    for sep in ("·", ";", " and "):
        if sep in raw:
            parts = re.split(r"\s*(?:·|;|\band\b)\s*", raw)
            return [p.strip(" ,") for p in parts if p.strip(" ,")]
    if "," in raw:
        return [p.strip() for p in raw.split(",") if p.strip()]
    return [raw]


# --- Bibliographic identity: DOI, arXiv id, title + year ---------------------------------------

_DOI = re.compile(r"10\.\d{4,9}/\S+", re.I)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.I)
_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d.])")
_ARXIV_OLD = re.compile(r"(?<![\w-])([a-z][a-z-]*)(?:\.[a-z]{2})?/(\d{7})(?:v\d+)?(?!\d)", re.I)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html)/([^\s?#]+?)(?:\.pdf)?/?(?:[?#].*)?$", re.I)


def normalise_doi(raw: str | None) -> str | None:
    """'https://doi.org/10.1000/ABC.' -> '10.1000/abc' (lower-case, no resolver prefix); None if not a DOI."""
    if not raw:
        return None
    from urllib.parse import unquote

    text = unquote(str(raw).strip())
    text = _DOI_PREFIX.sub("", text)
    m = _DOI.search(text)
    if not m:
        return None
    doi = m.group(0)
    while doi:
        last = doi[-1]
        if last in ".,;:>\"'":
            doi = doi[:-1]  # sentence punctuation after the DOI
        elif last in ")]}" and doi.count(last) > doi.count("([{"[")]}".index(last)]):
            doi = doi[:-1]  # a closing bracket the DOI itself never opened
        else:
            break
    return doi.lower() if _DOI.fullmatch(doi) else None


def normalise_arxiv_id(raw: str | None) -> str | None:
    """'arXiv:1706.03762v5', 'https://arxiv.org/abs/1706.03762v5', '10.48550/arXiv.1706.03762'
    -> '1706.03762'; old-style 'hep-th/9901001v2' or 'math.AG/0309136' -> 'hep-th/9901001',
    'math/0309136'. None if `raw` holds no arXiv id."""
    if not raw:
        return None
    text = str(raw).strip()
    url = _ARXIV_URL.search(text)
    if url:
        text = url.group(1)
    else:
        doi = normalise_doi(text)
        if doi:
            m = _ARXIV_DOI.match(doi)
            if not m:
                return None  # some other publisher's DOI
            text = m.group(1)
    text = re.sub(r"^arxiv:\s*", "", text, flags=re.I)
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        m = pattern.match(text)
        if m:
            return m.group(1) if pattern is _ARXIV_NEW else f"{m.group(1).lower()}/{m.group(2)}"
    return None


def is_arxiv_doi(doi: str | None) -> bool:
    """True for arXiv's own DataCite DOIs (10.48550/arXiv.<id>), which name a preprint."""
    return bool(doi and _ARXIV_DOI.match(doi))


def identity_id(paper: Paper) -> str:
    """Stable id for a bibliographic record, whatever file it came from.

    DOI (normalised) -> 'doi:<sha1[:16]>'; else arXiv id without version -> 'arxiv:<id>'; else
    normalised title + year -> 'title:<sha1[:16]>'; else the abstract hash (`paper_id_for`).
    An arXiv DOI (10.48550/arXiv.<id>) names the preprint, so it gives the 'arxiv:' id: a preprint
    gets the same id whether or not its export carried that DOI.
    """
    doi = normalise_doi(paper.doi)
    if doi and not is_arxiv_doi(doi):
        return "doi:" + hashlib.sha1(doi.encode()).hexdigest()[:16]
    arxiv = normalise_arxiv_id(paper.arxiv_id) or normalise_arxiv_id(doi)
    if arxiv:
        return "arxiv:" + arxiv
    title = normalise_for_id(paper.title or "")
    if title and paper.year is not None:
        return "title:" + hashlib.sha1(f"{title}|{int(paper.year)}".encode()).hexdigest()[:16]
    return paper_id_for(paper.abstract)
