"""Conversation handling: spot follow-ups and turn them into standalone questions.

Offline this is deterministic: a follow-up ("what dataset did they use?") is answered about the
papers the previous turn was about, found by retrieving with that turn's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.text import content_terms, named_terms, strip_citations

ANAPHORA = re.compile(
    r"\b(they|them|their|theirs|it|its|this|that|these|those|he|she|his|her|the (paper|papers|work|"
    r"authors?|method|model|approach|study|dataset|system|framework|technique|results?)|same|above|"
    r"previous|earlier|former|latter|first one|second one)\b",
    re.I,
)


@dataclass
class Condensed:
    question: str  # what the user typed
    standalone: str  # self-contained version used for retrieval / shown to the user
    context: str = ""  # text of the previous turn(s) the follow-up refers to
    is_followup: bool = False
    focus_ids: list[str] = field(default_factory=list)


def is_followup(question: str, history: list[dict[str, str]]) -> bool:
    if not history:
        return False
    if ANAPHORA.search(question):
        return True
    terms = content_terms(question)
    return len(terms) <= 2 and not named_terms(question)


def previous_context(history: list[dict[str, str]], turns: int = 1) -> str:
    """The last `turns` user+assistant exchanges as plain text (citations stripped)."""
    msgs = history[-2 * turns :]
    return " ".join(strip_citations(m["content"]) for m in msgs)


def condense(question: str, history: list[dict[str, str]]) -> Condensed:
    if not is_followup(question, history):
        return Condensed(question=question, standalone=question)
    context = previous_context(history)
    last_user = next((m["content"] for m in reversed(history) if m["role"] == "user"), "")
    standalone = f"{question} (follow-up to: {strip_citations(last_user)[:300]})"
    return Condensed(question=question, standalone=standalone, context=context, is_followup=True)
