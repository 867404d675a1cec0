"""The refusal sentence (defined once, in prompts/refusal.md) and the reasons given with it.

Whether to refuse is decided by the relevance model (`rag.answer.judge`); this module only words
the refusal (the reasons, such as the question's terms found nowhere in the collection, come from
`Query.absent_named`).
"""

from __future__ import annotations

from rag.prompts import refusal_phrase


def refusal_text(reason: str = "") -> str:
    phrase = refusal_phrase()
    return f"{phrase} {reason}".strip()
