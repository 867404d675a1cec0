"""The offline answerer: a cited, extractive answer built from the best evidence sentences.

It never generates facts: every sentence it states is copied from an abstract (or from the
paper's metadata) and cited to that paper, so it cannot be prompt-injected by abstract text.
"""

from __future__ import annotations

import re

from rag.answer.evidence import Evidence, naming_sentence
from rag.types import Paper

INTRO = "The most relevant paper is"  # a focused answer's first sentence: the paper's metadata, then its evidence


def describe(paper: Paper, with_authors: bool = True, with_year: bool = True, keep: tuple[str, ...] = ()) -> str:
    """Title (authors, year); `keep`: authors the question named, never cut from a short author list."""
    name = f"“{paper.title}”" if paper.title else "an untitled abstract"
    bits = []
    if with_authors and paper.authors:
        bits.append(author_list(paper.authors, short=True, keep=keep))
    if with_year and paper.year:
        bits.append(str(paper.year))
    return f"{name} ({', '.join(bits)})" if bits else name


def author_list(authors: list[str], short: bool = False, keep: tuple[str, ...] = ()) -> str:
    if short and len(authors) > 3:
        named = [a for a in authors[2:] if a in keep][:1]  # "… by Junchi Yan?": show him among the first
        return ", ".join([authors[0], authors[1], *named]) + " et al."
    if len(authors) <= 2:
        return " and ".join(authors)
    return ", ".join(authors[:-1]) + f" and {authors[-1]}"


def named_authors(question: str, papers: list[Paper]) -> tuple[str, ...]:
    """The papers' authors whose surname the question uses ('a paper by Junchi Yan on …')."""
    # (a possessive is the name: "I follow Raia Hadsell's research")
    words = {re.sub(r"['’]s$", "", w.lower()) for w in re.findall(r"[^\W\d_][\w'’-]*", question)}
    return tuple(dict.fromkeys(a for p in papers for a in p.authors if a.split() and a.split()[-1].lower() in words))


def _sentence(s: str) -> str:
    s = s.strip()
    return s if re.search(r"[.!?]$", s) else s + "."


def _cited(s: str, n: int) -> str:
    s = _sentence(s)
    return f"{s[:-1]} [{n}]{s[-1]}"


def single(ev: Evidence, n: int, sentences: int = 3, lead: str = "", keep: tuple[str, ...] = (),
           question: str | None = None, stating=None) -> str:
    """Answer from one paper: what it is, then its `sentences` best supporting sentences in abstract
    order. (Three: the detail a question asks for is in the second or third best sentence about a
    quarter of the time; quoting two or a greedy "cover" of the question's terms missed it.) With the
    `question`, when none of them names anything the question and title do not, the sentence that names
    the paper's contribution ('we propose SEP …') is quoted as well: a paper found by what it does is
    then also known by its name. `stating(quoted)` may name one more sentence to quote (the one that states
    the figure asked for, when none of the quoted ones does)."""
    chosen = ev.best(sentences)
    extra = stating(chosen) if stating is not None else None
    if extra is not None:
        chosen = [*chosen, extra]
    naming = naming_sentence(ev, question, chosen) if question is not None else None
    if naming is not None:
        chosen = [*chosen, naming]
    body = " ".join(_cited(ev.sentences[i], n) for i in sorted(chosen))
    intro = lead or f"{INTRO} {describe(ev.hit.paper, keep=keep)} [{n}]."
    return f"{intro} {body}"


def listing(evs: list[tuple[int, Evidence]], intro: str, keep: tuple[str, ...] = ()) -> str:
    lines = [intro]
    for n, ev in evs:
        i = ev.best(1)[0]
        lines.append(f"- {describe(ev.hit.paper, keep=keep)}: {_cited(ev.sentences[i], n)}")
    return "\n".join(lines)


def authors_answer(ev: Evidence, n: int) -> str:
    p = ev.hit.paper
    name = f"“{p.title}”" if p.title else "The untitled abstract"
    prefix = f"{name} [{n}]" if p.title else f"The untitled abstract [{n}]"
    text = f"{prefix} is by {author_list(p.authors)}"
    if p.year or p.venue:
        text += f" ({', '.join(str(x) for x in (p.venue, p.year) if x)})"
    return text + f" [{n}]."
