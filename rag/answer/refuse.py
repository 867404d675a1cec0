"""When to say "the indexed abstracts don't cover this", instead of guessing.

Signals (calibrated on the dev set, see `rag eval`):
- named terms in the question (CamelCase, ACRONYMS, names with digits) that occur nowhere in
  the collection: the thing asked about is simply not there;
- the dense similarity of the best paper and of its best sentence;
- for a question that names a specific paper, whether that paper's abstract speaks to the rest
  of the question at all (e.g. training hyper-parameters that abstracts rarely state).
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.prompts import refusal_phrase


@dataclass
class Verdict:
    refused: bool
    reason: str = ""


def missing_named_terms(question: str, terms: set[str]) -> list[str]:
    """Named terms of the question (CamelCase, ACRONYMS, names with digits) absent from the corpus."""
    from rag.text import named_terms, squash

    missing = []
    for term in named_terms(question):
        t = squash(term)
        if not t or t in terms or t.rstrip("s") in terms:
            continue
        parts = [squash(x) for x in term.replace("‐", "-").split("-") if len(x) >= 3]
        if len(parts) > 1 and any(p in terms for p in parts[:1]):
            continue  # 'GAN-based' is about GANs, which are mentioned
        missing.append(term)
    return missing


def refusal_text(reason: str = "") -> str:
    phrase = refusal_phrase()
    return f"{phrase} {reason}".strip()
