"""The `[n]` citation mark: its pattern and the numbers a text cites. A leaf module (no rag
imports), shared by `rag.types` and `rag.cite` so that neither imports the other for it."""

from __future__ import annotations

import re

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
