"""Loader for the scraped seed pages: bare abstracts, HF trending, NeurIPS posters, ICML sessions.

All four shapes reduce to one line grammar once page chrome is dropped:
    [title] [authors] abstract [continuation paragraph]
A long prose line is an abstract; a line with '·' separators (or a short name-like line right
after a title) is an author list; any other short line is a title.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from rag.corpus.common import CorpusError, LoadReport, clean_text, finalise, paper_id_for, split_authors
from rag.types import Paper

CHROME = [
    re.compile(p, re.I)
    for p in (
        r"^get trending papers in your email inbox",
        r"^skip to ",
        r"^(poster |oral )?session( \d+)?$",
        r"^room\b",
        r"^moderator:",
        r"^abstract:?$",
        r"^chat is not available\.?$",
        r"^(mon|tue|wed|thu|fri|sat|sun)\w* \d{1,2} \w+ \d{1,2}:\d{2}",
        r"^(spotlight|oral|poster|break|invited talk)s?$",
        r"^(deep learning|session \d+)$",
    )
]
CHROME_PREFIX = re.compile(r"^Subscribe(?=[A-Z0-9])")
CONTINUATION_START = re.compile(
    r"^(This|These|Such|However|Moreover|Furthermore|Additionally|In addition|To this end|"
    r"To address|Our|Here,? we)\b"
)
MIN_ABSTRACT_CHARS = 200


def _is_chrome(line: str) -> bool:
    return any(p.search(line) for p in CHROME)


def _is_abstract(line: str) -> bool:
    return len(line) >= MIN_ABSTRACT_CHARS and bool(re.search(r"[.!?)\]]\s|[.!?]$", line))


def _looks_like_names(line: str) -> bool:
    if "·" in line:
        return True
    words = line.split()
    if not 2 <= len(words) <= 5 or re.search(r"[:?!]|\d", line):
        return False
    return all(w[0].isupper() or w.lower() in {"de", "van", "von", "der", "da"} for w in words)


def page_kind(text: str) -> str | None:
    """Which scraped page a seed file is, recorded in each paper's `source` (filterable in chat)."""
    head = text[:5000]
    if "Get trending papers" in head:
        return "Hugging Face trending"
    if re.search(r"^Poster Session", head, re.M):
        return "NeurIPS poster list"
    if "Chat is not available" in head or re.search(r"^Spotlight$", head, re.M):
        return "ICML session"
    return None


def parse_seed_text(text: str, source_name: str, report: LoadReport | None = None) -> list[Paper]:
    """Parse one seed page into Papers (continuation paragraphs joined, chrome dropped)."""
    report = report or LoadReport()
    kind = page_kind(text)
    suffix = f" ({kind})" if kind else ""
    papers: list[Paper] = []
    title: str | None = None
    authors: list[str] = []
    prev_kind = ""
    for raw in text.splitlines():
        line = CHROME_PREFIX.sub("", clean_text(raw))
        if not line or _is_chrome(line):
            continue
        if _is_abstract(line):
            prev = papers[-1] if papers else None
            if (
                prev is not None
                and prev_kind == "abstract"
                and title is None
                and len(prev.abstract) < 1000
                and CONTINUATION_START.search(line)
            ):
                prev.abstract = f"{prev.abstract} {line}"
                prev.paper_id = paper_id_for(prev.abstract)
                continue
            papers.append(
                Paper(
                    paper_id=paper_id_for(line),
                    abstract=line,
                    title=title,
                    authors=authors,
                    source=f"{source_name}#{len(papers) + 1}{suffix}",
                )
            )
            title, authors, prev_kind = None, [], "abstract"
        elif title is not None and not authors and _looks_like_names(line):
            authors, prev_kind = split_authors(line), "authors"
        else:
            if title is not None:
                report.skip(source_name, f"title without abstract dropped: {title[:60]!r}")
            title, authors, prev_kind = line, [], "title"
    if title is not None:
        report.skip(source_name, f"trailing title without abstract dropped: {title[:60]!r}")
    return [finalise(p) for p in papers]


def read_text_file(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        return ""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    head = data[:4096]
    control = sum(b < 32 and b not in (9, 10, 13) for b in head)
    if b"\x00" in head or control > len(head) * 0.05:
        raise CorpusError(f"{path.name}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def load_seed(path: Path, report: LoadReport | None = None) -> Iterator[Paper]:
    """Load one seed .txt file or every .txt file in a directory."""
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    for f in files:
        yield from parse_seed_text(read_text_file(f), f.name, report)
