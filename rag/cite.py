"""Citations: parse `[n]`, drop ones that point at no source, renumber in order of first use."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from rag.types import Source

CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def cited_numbers(text: str) -> list[int]:
    """Distinct citation numbers in order of first appearance ('[2][1, 3]' -> [2, 1, 3])."""
    seen: list[int] = []
    for m in CITATION.finditer(text):
        for part in m.group(1).split(","):
            n = int(part)
            if n not in seen:
                seen.append(n)
    return seen


def renumber(text: str, candidates: Sequence[Source]) -> tuple[str, list[Source], list[int]]:
    """Keep only citations of real candidates, renumbered 1..m in order of first use.

    Returns the new text, the cited sources (so `[1]` is `sources[0]`), and the dropped numbers.
    """
    order = [n for n in cited_numbers(text) if 1 <= n <= len(candidates)]
    dropped = [n for n in cited_numbers(text) if not 1 <= n <= len(candidates)]
    mapping = {old: new for new, old in enumerate(order, 1)}

    def sub(m: re.Match) -> str:
        nums = [int(p) for p in m.group(1).split(",")]
        kept = [mapping[n] for n in nums if n in mapping]
        return "".join(f"[{n}]" for n in dict.fromkeys(kept))

    new_text = CITATION.sub(sub, text)
    new_text = re.sub(r"[ \t]+([.,;:])", r"\1", new_text)
    new_text = re.sub(r"[ \t]{2,}", " ", new_text).strip()
    sources = [replace(candidates[old - 1], n=new) for old, new in mapping.items()]
    return new_text, sources, dropped


def check_claims(eng, text: str, sources: Sequence[Source]) -> list:
    """Score how well each answer sentence is supported by the sources it cites.

    Support = 0.7 * best embedding cosine against the cited abstracts' sentences
            + 0.3 * share of the claim's content words, numbers and named terms found there.
    """
    import numpy as np

    from rag.sentences import paper_sentences
    from rag.text import content_terms, split_sentences, strip_citations
    from rag.types import Claim, Paper

    claims: list[Claim] = []
    pieces = [s for line in text.splitlines() for s in split_sentences(line.lstrip("- "))]
    cited_pieces = [(p, [n for n in cited_numbers(p) if 1 <= n <= len(sources)]) for p in pieces]
    cited_pieces = [(p, ns) for p, ns in cited_pieces if ns]
    if not cited_pieces:
        return claims
    plain = [strip_citations(p) for p, _ in cited_pieces]
    vecs = eng.embedder.embed(plain)
    for (_piece, ns), clean, vec in zip(cited_pieces, plain, vecs, strict=True):
        best, evidence = -1.0, ""
        terms = set(content_terms(clean))
        lex = 0.0
        for n in ns:
            src = sources[n - 1]
            paper = Paper(paper_id=src.paper_id, abstract=src.abstract, title=src.title)
            sents = paper_sentences(paper)
            cos = eng.sentences.get(paper) @ vec
            i = int(np.argmax(cos))
            if cos[i] > best:
                best, evidence = float(cos[i]), sents[i]
            pool = set(content_terms(f"{src.title or ''} {' '.join(src.authors)} {src.abstract}"))
            if terms:
                lex = max(lex, len(terms & pool) / len(terms))
        support = round(max(0.0, 0.7 * best + 0.3 * lex), 3)
        claims.append(Claim(sentence=clean.strip(), cited=ns, support=support, evidence=evidence))
    return claims
