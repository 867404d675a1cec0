"""The refusal sentence (defined once, in prompts/refusal.md) and the reasons given with it.

Whether to refuse is decided by the relevance model (`rag.answer.judge`); this module only words
the refusal (the reasons, such as the question's named terms that no candidate mentions and the collection
never uses, come from `rag.answer.judge.absent_names`).
"""

from __future__ import annotations

from rag.prompts import refusal_phrase


def refusal_text(reason: str = "") -> str:
    phrase = refusal_phrase()
    return f"{phrase} {reason}".strip()
