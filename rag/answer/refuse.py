"""The refusal sentence (defined once, in prompts/refusal.md) and the reasons given with it.

Whether to refuse is decided by the relevance model (`rag.answer.judge`); this module only words
the refusal, e.g. naming the question's terms that occur nowhere in the collection.
"""

from __future__ import annotations

from rag.prompts import refusal_phrase


def missing_named_terms(named: tuple[str, ...] | list[str], terms: set[str]) -> list[str]:
    """Named terms of the question (as typed) whose normalised form occurs nowhere in the collection."""
    from rag.query import norm_term

    return [t for t in named if norm_term(t) and norm_term(t) not in terms]


def refusal_text(reason: str = "") -> str:
    phrase = refusal_phrase()
    return f"{phrase} {reason}".strip()
