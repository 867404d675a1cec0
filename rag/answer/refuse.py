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


def missing_named_terms(question: str, vocab: dict, authors_text: str = "") -> list[str]:
    from rag.lexical import query_tokens
    from rag.text import named_terms

    missing = []
    for term in named_terms(question):
        toks = query_tokens(term)
        if toks and not any(t in vocab for t in toks) and term.lower() not in authors_text:
            missing.append(term)
    return missing


def refusal_text(reason: str = "") -> str:
    phrase = refusal_phrase()
    return f"{phrase} {reason}".strip()
