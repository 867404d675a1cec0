"""Export what an answer cites: BibTeX, RIS, and the answer as Markdown with a reference list.

The BibTeX and RIS files carry title, authors, year, venue, DOI, arXiv id, URL and abstract, plus
the paper's own id (`paperqa-id`, RIS `U1  - paperqa-id:<id>`). The loaders honour that id, so
importing an export into the collection it came from adds nothing, and importing it into a fresh
collection gives the same papers (same ids, same text).
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.types import Answer, Paper, Source

ID_FIELD = "paperqa-id"  # BibTeX field / RIS U1 prefix naming the paper's id in this app
_ID_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._/+-]{0,127}")
_BIB_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "~": r"\textasciitilde{}",
}
_BIB_RE = re.compile(r"[\\{}%&#_$~]|-(?=-)|'(?=')|`(?=`)")  # "--", "''", "``" would become dashes/quotes
_VENUE_PROCEEDINGS = re.compile(
    r"proc|conf|workshop|symposium|meeting|congress|\b(?:ACL|EMNLP|NAACL|EACL|COLING|LREC|CoNLL|NeurIPS|NIPS|"
    r"ICML|ICLR|AAAI|IJCAI|CVPR|ICCV|ECCV|KDD|SIGIR|WWW|Findings)\b", re.I)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_CITE = re.compile(r"\[\d+\]")


def valid_exported_id(value: object) -> str | None:
    """The paper id an export carries, if it is one (ids are short and plain; anything else is ignored)."""
    text = str(value or "").strip()
    if text.lower().startswith(ID_FIELD + ":"):
        text = text[len(ID_FIELD) + 1 :].strip()
    return text if _ID_OK.fullmatch(text) else None


def cited_sources(answer: Answer) -> list[Source]:
    """The sources the answer's text cites, in citation-number order."""
    cited = set(answer.citations)
    return sorted((s for s in answer.sources if s.n in cited), key=lambda s: s.n)


def paper_for(source: Source) -> Paper:
    """The full stored record behind a source (DOI, arXiv id, extra links); the source's own fields
    when the paper cannot be looked up (e.g. a hand-built Source)."""
    from rag.types import Paper

    try:
        import rag

        found = rag.get_paper(source.paper_id, collection=source.collection or None)
    except Exception:  # unknown collection, store unavailable: export what the answer itself holds
        found = None
    if found is not None:
        return found
    return Paper(paper_id=source.paper_id, abstract=source.abstract, title=source.title,
                 authors=list(source.authors), year=source.year, venue=source.venue, url=source.url,
                 source=source.source)


def _bib(text: str) -> str:
    """Text -> BibTeX field text that the BibTeX loader decodes back to exactly `text`."""
    return _BIB_RE.sub(lambda m: _BIB_SPECIAL.get(m.group(0)) or m.group(0) + "{}", text)


def _bib_name(name: str) -> str:
    name = _bib(name)
    # A comma or a literal " and " would split or reorder the name: keep it whole.
    return "{" + name + "}" if ("," in name or re.search(r"\sand\s", name, re.I)) else name


def _cite_key(p: Paper, used: set[str]) -> str:
    surname = re.sub(r"[^a-z]", "", (p.authors[0].split()[-1] if p.authors and p.authors[0].split() else "").lower())
    word = next((w for w in re.findall(r"[a-z]+", (p.title or "").lower()) if len(w) > 3), "paper")
    # The id's hash keeps keys of different papers apart across exports: the loader treats an entry
    # key it has seen before (in a file of the same name) as the same paper.
    tag = hashlib.sha1(p.paper_id.encode()).hexdigest()[:6]
    base = f"{surname or 'anon'}{p.year or ''}{word}-{tag}"
    key, i = base, 1
    while key in used:
        i += 1
        key = f"{base}{i}"
    used.add(key)
    return key


def _is_web_url(url: str | None) -> bool:
    return bool(url) and re.match(r"https?://\S+$", url or "") is not None


def papers_to_bibtex(papers: list[Paper]) -> str:
    used: set[str] = set()
    entries = []
    for p in papers:
        venue = p.venue or ""
        if not venue:
            kind, venue_field = "misc", None
        elif _VENUE_PROCEEDINGS.search(venue):
            kind, venue_field = "inproceedings", "booktitle"
        else:
            kind, venue_field = "article", "journal"
        fields: list[tuple[str, str]] = []
        if p.title:
            fields.append(("title", _bib(p.title)))
        if p.authors:
            fields.append(("author", " and ".join(_bib_name(a) for a in p.authors)))
        if p.year is not None:
            fields.append(("year", str(p.year)))
        if venue_field:
            fields.append((venue_field, _bib(venue)))
        if p.doi:
            fields.append(("doi", p.doi))
        if p.arxiv_id:
            fields += [("eprint", p.arxiv_id), ("archiveprefix", "arXiv")]
        if _is_web_url(p.url):
            fields.append(("url", p.url.replace("{", "%7B").replace("}", "%7D")))
        extra = [u for u in p.extra_urls if _is_web_url(u)]
        if extra:  # BibTeX has one url field; the other links go where the loader reads links too
            fields.append(("howpublished", _bib(" ".join(extra))))
        fields.append(("abstract", _bib(p.abstract)))
        fields.append((ID_FIELD, p.paper_id))
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
        entries.append(f"@{kind}{{{_cite_key(p, used)},\n{body}\n}}\n")
    return "\n".join(entries)


def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(str(value).split())}"


def papers_to_ris(papers: list[Paper]) -> str:
    records = []
    for p in papers:
        venue = p.venue or ""
        kind = "GEN" if not venue else ("CONF" if _VENUE_PROCEEDINGS.search(venue) else "JOUR")
        lines = [_ris_line("TY", kind)]
        if p.title:
            lines.append(_ris_line("TI", p.title))
        lines += [_ris_line("AU", a) for a in p.authors]
        if p.year is not None:
            lines.append(_ris_line("PY", str(p.year)))
        if venue:
            lines.append(_ris_line("T2", venue))
        if p.doi:
            lines.append(_ris_line("DO", p.doi))
        lines += [_ris_line("UR", u) for u in (p.url, *p.extra_urls) if _is_web_url(u)]
        lines.append(_ris_line("AB", p.abstract))
        lines.append(_ris_line("U1", f"{ID_FIELD}:{p.paper_id}"))
        lines.append("ER  - ")
        records.append("\n".join(lines) + "\n")
    return "\n".join(records)


def _md(text: str) -> str:
    """Literal Markdown text: no emphasis, link, HTML tag or heading can form."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_keep_citations(text: str) -> str:
    out, pos = [], 0
    for m in _CITE.finditer(text):
        out += [_md(text[pos : m.start()]), m.group(0)]
        pos = m.end()
    out.append(_md(text[pos:]))
    return "".join(out)


def answer_to_markdown(answer: Answer) -> str:
    """The answer text (citations kept as [n]) and a numbered list of the sources it cites."""
    lines = [_md_keep_citations(line) if not line.startswith("- ") else "- " + _md_keep_citations(line[2:])
             for line in answer.text.split("\n")]
    body = "  \n".join(lines)
    refs = []
    for s in cited_sources(answer):
        authors = ", ".join(s.authors[:6]) + (" et al." if len(s.authors) > 6 else "")
        parts = [f"[{s.n}]"]
        if authors:
            parts.append(_md(authors) + (f" ({s.year})." if s.year else "."))
        elif s.year:
            parts.append(f"({s.year}).")
        parts.append(f"*{_md(s.title)}*." if s.title else "*Untitled abstract*.")
        if s.venue:
            parts.append(_md(s.venue) + ".")
        if _is_web_url(s.url):
            parts.append("<" + s.url.replace("<", "%3C").replace(">", "%3E") + ">")
        refs.append(" ".join(parts))
    if not refs:
        return body + "\n"
    return body + "\n\n## References\n\n" + "\n\n".join(refs) + "\n"


def answer_to_bibtex(answer: Answer) -> str:
    return papers_to_bibtex([paper_for(s) for s in cited_sources(answer)])


def answer_to_ris(answer: Answer) -> str:
    return papers_to_ris([paper_for(s) for s in cited_sources(answer)])
