"""JSON exports of works (`.json`): OpenAlex, arXiv-style records, CSL-JSON, plain objects.

The file holds a list of works, an object with a `results` list (what the OpenAlex API returns),
or one work. Per work:

- OpenAlex: `display_name`/`title`, `authorships[].author.display_name`, `publication_year`,
  `primary_location.source.display_name` venue, `doi`, landing pages, and the abstract rebuilt from
  `abstract_inverted_index` ({word: [positions]}).
- arXiv-style: `id`/`arxiv_id` (an arXiv id or abs URL), `title`, `authors` (names, {name}, or an
  "A, B and C" string; `authors_parsed` is used when present), `summary`/`abstract`, `published`,
  `journal_ref`, `doi`, `links`.
- CSL-JSON (Zotero "Export as CSL JSON"): `author[].given/family`, `issued.date-parts`,
  `container-title`, `DOI`, `URL`.

Works without an abstract are skipped and counted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.corpus.bibliographic import (
    arxiv_in_text,
    collapse_versions,
    delatex,
    is_preprint,
    make_paper,
    strip_html,
    year_of,
)
from rag.corpus.common import CorpusError, LoadReport, clean_text
from rag.corpus.seed import read_text_file
from rag.types import Paper

_NAME_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&)\s*")


def works_in(data: Any) -> list[Any] | None:
    """The list of works in a parsed JSON document, or None if it holds none."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if isinstance(data.get("results"), list):
            return data["results"]
        return [data]
    return None


def inverted_index_to_text(index: Any) -> str:
    """OpenAlex `abstract_inverted_index` {word: [positions]} -> the abstract as text."""
    if isinstance(index, str):
        try:
            index = json.loads(index)
        except json.JSONDecodeError:
            return ""
    if not isinstance(index, dict):
        return ""
    slots: dict[int, str] = {}
    for word, positions in index.items():
        for pos in positions if isinstance(positions, list) else [positions]:
            if isinstance(pos, int) and not isinstance(pos, bool) and pos >= 0:
                slots[pos] = str(word)
    return " ".join(slots[i] for i in sorted(slots))


def _str(value: Any) -> str:
    return clean_text(str(value)) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _has_latex(text: str) -> bool:
    return "\\" in text or "{" in text


def _name(item: Any) -> str:
    """One author: a string, {name}, {display_name}, OpenAlex {author: {display_name}}, CSL {given, family}."""
    if isinstance(item, str):
        name = clean_text(item)
    elif isinstance(item, dict):
        if isinstance(item.get("author"), dict):  # OpenAlex authorship
            name = _str(item["author"].get("display_name")) or _str(item.get("raw_author_name"))
        elif item.get("family") or item.get("given"):  # CSL-JSON
            name = " ".join(p for p in (_str(item.get("given")), _str(item.get("family"))) if p)
        else:
            name = _str(item.get("name")) or _str(item.get("display_name")) or _str(item.get("literal"))
    else:
        name = ""
    return delatex(name) if _has_latex(name) else name


def _authors(work: dict[str, Any]) -> list[str]:
    if isinstance(work.get("authorships"), list):
        items: Any = work["authorships"]
    elif isinstance(work.get("authors_parsed"), list):  # arXiv metadata snapshot: [last, first, suffix]
        items = [" ".join(str(x) for x in (p[1:2] + p[0:1] + p[2:3]) if x) for p in work["authors_parsed"]
                 if isinstance(p, list)]
    else:
        items = work.get("authors", work.get("author"))
    if isinstance(items, str):
        items = [n for n in _NAME_SPLIT.split(items) if n.strip()]
    if not isinstance(items, list):
        return []
    return [n for n in (_name(x) for x in items) if n]


def _year(work: dict[str, Any]) -> int | None:
    for key in ("publication_year", "year", "published", "publication_date", "issued", "update_date"):
        value = work.get(key)
        if isinstance(value, dict):  # CSL {"date-parts": [[2017, 6, 12]]}
            parts = value.get("date-parts") or [[None]]
            value = parts[0][0] if parts and isinstance(parts[0], list) and parts[0] else None
        year = year_of(value)
        if year is not None:
            return year
    return None


def _location_urls(work: dict[str, Any]) -> list[str]:
    urls = []
    for loc in [work.get("primary_location"), work.get("best_oa_location"), *(work.get("locations") or [])]:
        if isinstance(loc, dict):
            urls.append(_str(loc.get("landing_page_url")))
    return urls


def _venue(work: dict[str, Any]) -> str | None:
    for loc_key in ("primary_location", "host_venue"):
        loc = work.get(loc_key)
        if isinstance(loc, dict):
            source = loc.get("source") if isinstance(loc.get("source"), dict) else loc
            venue = _str(source.get("display_name"))
            if venue:
                return venue
    for key in ("venue", "journal_ref", "journal-ref", "container-title", "journal"):
        venue = work.get(key)
        if isinstance(venue, list):
            venue = venue[0] if venue else None
        if _str(venue):
            return _str(venue)
    return None


def _links(work: dict[str, Any]) -> list[str]:
    urls = [_str(work.get(k)) for k in ("url", "URL", "link", "pdf_url", "abs_url")]
    for link in work.get("links") or []:
        urls.append(_str(link.get("href")) if isinstance(link, dict) else _str(link))
    urls.extend(_location_urls(work))
    wid = _str(work.get("id"))
    if re.match(r"https?://(?:www\.)?(?:openalex\.org|arxiv\.org)/", wid):
        urls.append(wid)  # an OpenAlex work page or an arXiv abs URL (not e.g. a Zotero item URI)
    return urls


def _arxiv_id(work: dict[str, Any]) -> str | None:
    for key in ("arxiv_id", "arxiv", "id", "entry_id"):
        found = arxiv_in_text(_str(work.get(key)))
        if found:
            return found
    ids = work.get("ids")
    if isinstance(ids, dict):
        return arxiv_in_text(_str(ids.get("arxiv")))
    return None


def work_to_paper(work: Any, where: str, report: LoadReport) -> Paper | None:
    if not isinstance(work, dict):
        report.skip(where, "not a JSON object")
        return None
    abstract = _str(work.get("abstract")) or _str(work.get("summary"))
    if not abstract and work.get("abstract_inverted_index"):
        abstract = inverted_index_to_text(work["abstract_inverted_index"])
    abstract = clean_text(strip_html(abstract))
    if not abstract:
        report.skip(where, "no abstract")
        return None
    title = _str(work.get("title")) or _str(work.get("display_name"))
    doi = _str(work.get("doi")) or _str(work.get("DOI"))
    if not doi and isinstance(work.get("ids"), dict):
        doi = _str(work["ids"].get("doi"))
    arxiv = _arxiv_id(work)
    paper = make_paper(
        abstract=abstract,
        source=where,
        title=clean_text(strip_html(title)) or None,
        authors=_authors(work),
        year=_year(work),
        venue=_venue(work),
        doi=doi or None,
        arxiv_id=arxiv,
        urls=_links(work),
    )
    if paper.venue is None and arxiv and is_preprint(paper):
        paper.venue = "arXiv"  # an arXiv record with no journal reference
    return paper


def _work_key(work: Any, n: int) -> str:
    """A stable position for a work: its arXiv id, OpenAlex W-id or citation key, else its index."""
    if isinstance(work, dict):
        arxiv = _arxiv_id(work)
        if arxiv:
            return arxiv
        wid = _str(work.get("id"))
        if wid:
            return wid.rstrip("/").rsplit("/", 1)[-1] if wid.startswith("http") else wid
    return str(n)


def parse_json_file(path: Path, report: LoadReport) -> Iterator[Paper]:
    text = read_text_file(path)
    if not text.strip():
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(
            f"{path.name}: invalid JSON ({exc.msg}, line {exc.lineno}); one object per line is --format jsonl"
        ) from None
    works = works_in(data)
    if works is None:
        raise CorpusError(f"{path.name}: expected a list of works or an object with a 'results' list")
    for n, work in enumerate(works, 1):
        paper = work_to_paper(work, f"{path.name}#{_work_key(work, n)}", report)
        if paper:
            yield paper


def load_json(path: Path, report: LoadReport | None = None) -> Iterator[Paper]:
    """Load one .json export or every .json file in a directory (preprints folded into publications)."""
    report = report if report is not None else LoadReport()
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    papers = [p for f in files for p in parse_json_file(f, report)]
    yield from collapse_versions(papers)


def sniff_json(path: Path) -> str:
    """'json' when a .json file holds one JSON document (array or object), else 'jsonl'."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        head = fh.read(4096).lstrip()
    if head.startswith("["):
        return "json"
    if not head.startswith("{"):
        return "jsonl"
    try:
        json.loads(read_text_file(path))
    except (json.JSONDecodeError, CorpusError):
        return "jsonl"  # several objects (one per line) or broken: the JSONL loader reports bad lines
    return "json"
