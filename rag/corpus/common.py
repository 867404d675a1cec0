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
