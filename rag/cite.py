"""Citations: parse `[n]`, drop ones that point at no source, renumber in order of first use."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from rag.types import Source

CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def normalise_placement(text: str) -> str:
    """'claim. [1]' -> 'claim [1].' so each citation stays with the sentence it follows."""
    return re.sub(r"([.!?])[ \t]*((?:\[\d+(?:\s*,\s*\d+)*\][ \t]*)+)(?=\s|$)",
                  lambda m: " " + m.group(2).strip() + m.group(1), text)


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


RECITE_MARGIN = 0.08  # another retrieved source this much better supported than the cited one wins
WEAK_SUPPORT = 0.45  # below this a claim is flagged as weakly supported (UI) or repaired (LLM mode)


def _support(eng, clean: str, vec, src: Source) -> tuple[float, str]:
    """How well one source supports one claim (0..1), and its best-matching sentence.

    0.5 x best sentence cosine + 0.25 x share of the claim's content words in that sentence or
    the title + 0.25 x share of the claim's numbers and named terms found in the abstract
    (0.65 / 0.35 on the first two when the claim has no numbers or named terms).
    """
    import numpy as np

    from rag.lexical import query_tokens
    from rag.sentences import paper_sentences
    from rag.text import named_terms
    from rag.types import Paper

    paper = Paper(paper_id=src.paper_id, abstract=src.abstract, title=src.title)
    sents = paper_sentences(paper)
    cos = eng.sentences.get(paper) @ vec
    i = int(np.argmax(cos))
    terms = set(query_tokens(clean))
    near = set(query_tokens(f"{sents[i]} {src.title or ''} {' '.join(src.authors)}"))
    lex = len(terms & near) / len(terms) if terms else 1.0
    keys = {t.lower() for t in named_terms(clean)} | set(re.findall(r"\d+(?:\.\d+)?", clean))
    haystack = f"{src.title or ''} {src.abstract}".lower()
    if not keys:
        return max(0.0, 0.65 * float(cos[i]) + 0.35 * lex), sents[i]
    key = sum(k in haystack for k in keys) / len(keys)
    return max(0.0, 0.5 * float(cos[i]) + 0.25 * lex + 0.25 * key), sents[i]


def _cited_sentences(text: str, n_sources: int) -> list[tuple[str, list[int]]]:
    from rag.text import split_sentences

    pieces = [s for line in text.splitlines() for s in split_sentences(line.lstrip("- "))]
    out = [(p, [n for n in cited_numbers(p) if 1 <= n <= n_sources]) for p in pieces]
    return [(p, ns) for p, ns in out if ns]


def check_claims(eng, text: str, sources: Sequence[Source]) -> list:
    """Score how well each answer sentence is supported by the sources it cites."""
    from rag.text import strip_citations
    from rag.types import Claim

    cited = _cited_sentences(text, len(sources))
    if not cited:
        return []
    plain = [strip_citations(p).strip() for p, _ in cited]
    vecs = eng.embedder.embed(plain)
    claims = []
    for (_piece, ns), clean, vec in zip(cited, plain, vecs, strict=True):
        best, evidence = max((_support(eng, clean, vec, sources[n - 1]) for n in ns), key=lambda x: x[0])
        claims.append(Claim(sentence=clean, cited=ns, support=round(best, 3), evidence=evidence))
    return claims


def repair(eng, text: str, candidates: Sequence[Source], threshold: float = WEAK_SUPPORT) -> tuple[str, dict]:
    """LLM mode: re-cite a sentence to the retrieved source that supports it best when its cited
    source supports it weakly (or clearly worse than another one), or drop it when no retrieved
    source supports it. Returns the new text and counts of what changed."""
    from rag.text import strip_citations

    changes = {"recited": 0, "dropped": 0}
    cited = _cited_sentences(text, len(candidates))
    if not cited:
        return text, changes
    plain = [strip_citations(p).strip() for p, _ in cited]
    vecs = eng.embedder.embed(plain)
    for (piece, ns), clean, vec in zip(cited, plain, vecs, strict=True):
        scored = [(_support(eng, clean, vec, c)[0], i) for i, c in enumerate(candidates, 1)]
        cited_support = max(sc for sc, i in scored if i in ns)
        best, n_best = max(scored)
        if cited_support >= threshold and (n_best in ns or best - cited_support < RECITE_MARGIN):
            continue
        if best >= threshold + 0.05:
            fixed = CITATION.sub("", piece).rstrip()
            fixed = re.sub(r"([.!?])$", rf" [{n_best}]\1", fixed) if re.search(r"[.!?]$", fixed) else f"{fixed} [{n_best}]"
            text = text.replace(piece, fixed, 1)
            changes["recited"] += 1
        else:
            text = text.replace(piece, "", 1)
            changes["dropped"] += 1
    text = re.sub(r"[ \t]{2,}", " ", text).strip()
    return text, changes
