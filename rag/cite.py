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
