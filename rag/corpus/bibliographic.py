"""Shared code for the abstract-native bibliographic loaders (BibTeX, RIS, OpenAlex/arXiv JSON).

Each loader turns a record into keyword fields and calls `make_paper`, which normalises the DOI
and arXiv id, picks the link (DOI > arXiv abs page > any given URL; the rest go to `extra_urls`)
and sets the stable `identity_id`. `collapse_versions` then folds each arXiv preprint into its
published version found in the same load, so one paper keeps the published metadata and both links.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from rag.corpus.common import (
    clean_text,
    finalise,
    identity_id,
    is_arxiv_doi,
    normalise_arxiv_id,
    normalise_doi,
    normalise_for_id,
)
from rag.types import Paper

MAX_EXTRA_URLS = 10
_ARXIV_IN_TEXT = re.compile(r"\barxiv\s*:?\s*(?:abs/)?((?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7})(?:v\d+)?)",
                            re.I)
_UNESCAPED = re.compile(r"(?<!\\)([%&#])")  # LaTeX specials that exporters often leave unescaped
_LATEX_HINT = re.compile(r"[\\$~^]|--|``|''")  # what needs the LaTeX parser (braces alone do not)
_MACRO = re.compile(r"\\[a-zA-Z]+\*?|\\.")
_HTML_TAG = re.compile(r"</?(?:i|b|u|em|strong|sup|sub|sc|scp|span|p|br|jats:[a-z-]+|mml:[a-z]+)\b[^>]*>", re.I)


def year_of(value: Any) -> int | None:
    """2017, '2017', '2017-06-12T17:57:34Z', '2017///' -> 2017; anything else -> None."""
    if isinstance(value, bool) or value is None:
        return None
    m = re.match(r"\s*(\d{4})", str(value))
    year = int(m.group(1)) if m else None
    return year if year is not None and 1000 < year < 3000 else None


def flip_name(name: str) -> str:
    """'Vaswani, Ashish' -> 'Ashish Vaswani'; 'King, Jr., Martin' -> 'Martin King Jr.'; others as is."""
    parts = [p.strip() for p in clean_text(name).split(",")]
    parts = [p for p in parts if p]
    if len(parts) == 2:
        return f"{parts[1]} {parts[0]}"
    if len(parts) == 3:
        return f"{parts[2]} {parts[0]} {parts[1]}"
    return " ".join(parts)


def arxiv_in_text(text: str | None) -> str | None:
    """An arXiv id mentioned in free text ('arXiv preprint arXiv:1810.04805') or an arXiv URL."""
    if not text:
        return None
    found = normalise_arxiv_id(text)
    if found:
        return found
    m = _ARXIV_IN_TEXT.search(text)
    return normalise_arxiv_id(m.group(1)) if m else None


def strip_html(text: str) -> str:
    """Drop the inline markup OpenAlex/Crossref titles and abstracts carry (<i>, <sup>, <jats:p>...)."""
    return _HTML_TAG.sub("", text)


@lru_cache(maxsize=1)
def _latex_decoder():
    import pylatexenc.latex2text as l2t
    from pylatexenc.latexwalker import get_default_latex_context_db

    context = l2t.get_default_latex_context_db()
    context.add_context_category("rag-bib", prepend=True, macros=[l2t.MacroTextSpec("url", simplify_repl="%s")])
    return l2t.LatexNodes2Text(latex_context=context, math_mode="verbatim"), get_default_latex_context_db()


def delatex(text: str | None) -> str:
    """LaTeX field text -> plain Unicode: accents decoded, braces and markup macros dropped, math kept.

    Unescaped % & # (common in exported abstracts) are taken literally instead of starting a
    comment that would silently swallow the rest of the abstract. Text with no LaTeX in it skips
    the (slow) LaTeX parser.
    """
    if not text:
        return ""
    text = str(text)
    if not _LATEX_HINT.search(text):
        return clean_text(text.replace("{", "").replace("}", ""))  # plain text, at most {Protected} words
    text = _UNESCAPED.sub(r"\\\1", text)
    decoder, walker_context = _latex_decoder()
    try:
        out = decoder.latex_to_text(text, latex_context=walker_context)
    except Exception:  # pylatexenc chokes on some macros (e.g. \href); fall back to stripping markup
        out = _MACRO.sub(lambda m: m.group(0)[1:] if len(m.group(0)) == 2 else "", text)
        out = out.replace("{", "").replace("}", "")
    return clean_text(out)


def doi_url(doi: str) -> str:
    return f"https://doi.org/{doi}"


def arxiv_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def _link_key(url: str) -> tuple[str, str]:
    """Two links are the same link when they name the same DOI or the same arXiv paper (abs page or
    arXiv DOI); anything else is compared without scheme, 'www.' and trailing slash."""
    low = url.lower()
    if "doi.org/" in low:
        doi = normalise_doi(url)
        if doi:
            return ("arxiv", normalise_arxiv_id(doi) or doi) if is_arxiv_doi(doi) else ("doi", doi)
    if "arxiv.org/abs/" in low:
        arxiv = normalise_arxiv_id(url)
        if arxiv:
            return ("arxiv", arxiv)
    return ("url", re.sub(r"^https?://(?:www\.)?", "", low).rstrip("/"))


def _links(doi: str | None, arxiv_id: str | None, urls: Iterable[str | None]) -> list[str]:
    """Ordered, de-duplicated links: journal DOI, arXiv abs page, arXiv DOI, then the given URLs."""
    ordered: list[str] = []
    if doi and not is_arxiv_doi(doi):
        ordered.append(doi_url(doi))
    if arxiv_id:
        ordered.append(arxiv_url(arxiv_id))
    if doi and is_arxiv_doi(doi):
        ordered.append(doi_url(doi))
    for u in urls:
        u = clean_text(u or "")
        if u.lower().startswith("www."):
            u = "https://" + u
        if re.match(r"https?://\S+$", u, re.I):
            ordered.append(u)
    seen: set[tuple[str, str]] = set()
    out = []
    for u in ordered:
        key = _link_key(u)
        if key not in seen:
            seen.add(key)
            out.append(u)
    return out[: MAX_EXTRA_URLS + 1]


def _set_links(paper: Paper, urls: Iterable[str | None]) -> None:
    links = _links(paper.doi, paper.arxiv_id, urls)
    paper.url = links[0] if links else None
    paper.extra_urls = links[1:]


def make_paper(
    *,
    abstract: str,
    source: str,
    title: str | None = None,
    authors: Iterable[str] = (),
    year: int | None = None,
    venue: str | None = None,
    doi: str | None = None,
    arxiv_id: str | None = None,
    urls: Iterable[str | None] = (),
    exported_id: str | None = None,
) -> Paper:
    """Build a `Paper` with normalised ids, links and its stable `identity_id`.

    `exported_id`: the paper id this app wrote into its own BibTeX/RIS export (`rag.export`); when
    valid it is kept, so re-importing an export matches the papers it came from."""
    urls = [u for u in urls if u]
    ndoi = normalise_doi(doi)
    if not ndoi:  # a DOI given only as a doi.org link
        ndoi = next((normalise_doi(u) for u in urls if "doi.org/" in u.lower() and normalise_doi(u)), None)
    narxiv = (
        normalise_arxiv_id(arxiv_id)
        or arxiv_in_text(arxiv_id)
        or (normalise_arxiv_id(ndoi) if is_arxiv_doi(ndoi) else None)
        or next((a for a in (normalise_arxiv_id(u) for u in urls if "arxiv.org/" in u.lower()) if a), None)
    )
    names = [clean_text(a) for a in authors]
    paper = Paper(
        paper_id="",
        abstract=clean_text(abstract),
        title=clean_text(title or "") or None,
        authors=[a for a in names if a],
        year=year,
        venue=clean_text(venue or "") or None,
        source=source,
        doi=ndoi,
        arxiv_id=narxiv,
    )
    from rag.export import valid_exported_id

    own_id = valid_exported_id(exported_id)
    if own_id:  # our own export: its links are the paper's links, in order (the first is its own)
        given = [u for raw in urls for u in clean_text(raw).split() if re.match(r"https?://\S+$", u, re.I)]
        links = list(dict.fromkeys(given)) or _links(paper.doi, paper.arxiv_id, [])
        paper.url, paper.extra_urls = (links[0] if links else None), links[1:]
        paper.arxiv_id = normalise_arxiv_id(arxiv_id) or arxiv_in_text(arxiv_id)
        if doi and normalise_doi(doi) == ndoi:
            paper.doi = clean_text(doi)  # as the store had it (DOIs are case-insensitive)
    else:
        _set_links(paper, urls)
    paper.paper_id = own_id or identity_id(paper)
    return finalise(paper)


# --- preprint + published collapse ------------------------------------------------------------


def is_published(p: Paper) -> bool:
    """Has a journal/proceedings DOI (not arXiv's own)."""
    return bool(p.doi) and not is_arxiv_doi(p.doi)


def is_preprint(p: Paper) -> bool:
    """An arXiv record with no DOI, or only an arXiv DOI."""
    return bool(p.arxiv_id) and not is_published(p)


def _surnames(p: Paper) -> set[str]:
    out = set()
    for name in p.authors:
        words = normalise_for_id(name).split()
        if words:
            out.add(words[-1])
    return out


def _same_people(a: Paper, b: Paper) -> bool:
    """A guard against two different papers that share a generic title: authors must overlap."""
    if not a.authors or not b.authors:
        return True
    return bool(_surnames(a) & _surnames(b))


def _absorb(published: Paper, preprint: Paper) -> None:
    """Fold `preprint` into `published`: published metadata wins, both links are kept."""
    published.arxiv_id = published.arxiv_id or preprint.arxiv_id
    if not published.authors:
        published.authors = list(preprint.authors)
    if published.year is None:
        published.year = preprint.year
    if not published.title:
        published.title = preprint.title
    _set_links(published, [published.url, *published.extra_urls, preprint.url, *preprint.extra_urls])
    published.source = f"{published.source}; {preprint.source}"


def collapse_versions(papers: Iterable[Paper]) -> list[Paper]:
    """Fold each arXiv preprint into its published version from the same load.

    A preprint matches a published record (journal DOI) that lists the same arXiv id, or else has
    the same normalised title; in both cases their author lists must share a surname when both
    have one. The published record keeps its id, metadata and DOI link as `url`; the arXiv link
    joins its `extra_urls`. Preprints without a published match are kept as they are.
    """
    papers = list(papers)
    by_arxiv: dict[str, list[Paper]] = defaultdict(list)
    by_title: dict[str, list[Paper]] = defaultdict(list)
    for p in papers:
        if is_published(p):
            if p.arxiv_id:
                by_arxiv[p.arxiv_id].append(p)
            if p.title:
                by_title[normalise_for_id(p.title)].append(p)
    out: list[Paper] = []
    for p in papers:
        if is_preprint(p):
            candidates = by_arxiv.get(p.arxiv_id or "") or by_title.get(normalise_for_id(p.title or ""), [])
            target = next((c for c in candidates if _same_people(c, p)), None)
            if target is not None:
                _absorb(target, p)
                continue
        out.append(p)
    return out
