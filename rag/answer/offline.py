"""The offline answerer: a cited, extractive answer built from the best evidence sentences.

It never generates facts: every sentence it states is copied from an abstract (or from the
paper's metadata) and cited to that paper, so it cannot be prompt-injected by abstract text.
"""

from __future__ import annotations

import re

from rag.answer.evidence import Evidence
from rag.types import Paper


def describe(paper: Paper, with_authors: bool = True, with_year: bool = True) -> str:
    name = f"“{paper.title}”" if paper.title else "an untitled abstract"
    bits = []
    if with_authors and paper.authors:
        bits.append(author_list(paper.authors, short=True))
    if with_year and paper.year:
        bits.append(str(paper.year))
    return f"{name} ({', '.join(bits)})" if bits else name


def author_list(authors: list[str], short: bool = False) -> str:
    if short and len(authors) > 3:
        return f"{authors[0]}, {authors[1]} et al."
    if len(authors) <= 2:
        return " and ".join(authors)
    return ", ".join(authors[:-1]) + f" and {authors[-1]}"


def _sentence(s: str) -> str:
    s = s.strip()
    return s if re.search(r"[.!?]$", s) else s + "."


def _cited(s: str, n: int) -> str:
    s = _sentence(s)
    return f"{s[:-1]} [{n}]{s[-1]}"


def single(ev: Evidence, n: int, max_sentences: int = 3, lead: str = "", at_least: int = 1) -> str:
    """Answer from one paper: what it is, then its best supporting sentences in abstract order
    (`at_least` of them: a question after a detail gets the two best, the detail is often in either)."""
    keep = ev.cover(max_sentences)
    keep += [i for i in ev.best(at_least) if i not in keep][: max(0, at_least - len(keep))]
    body = " ".join(_cited(ev.sentences[i], n) for i in sorted(keep))
    intro = lead or f"The most relevant paper is {describe(ev.hit.paper)} [{n}]."
    return f"{intro} {body}"


def listing(evs: list[tuple[int, Evidence]], intro: str) -> str:
    lines = [intro]
    for n, ev in evs:
        i = ev.best(1)[0]
        lines.append(f"- {describe(ev.hit.paper)}: {_cited(ev.sentences[i], n)}")
    return "\n".join(lines)


def authors_answer(ev: Evidence, n: int) -> str:
    p = ev.hit.paper
    name = f"“{p.title}”" if p.title else "The untitled abstract"
    prefix = f"{name} [{n}]" if p.title else f"The untitled abstract [{n}]"
    text = f"{prefix} is by {author_list(p.authors)}"
    if p.year or p.venue:
        text += f" ({', '.join(str(x) for x in (p.venue, p.year) if x)})"
    return text + f" [{n}]."
