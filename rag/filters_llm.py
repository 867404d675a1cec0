"""Filters proposed by the LLM as JSON, kept only where the collection's metadata confirms them.

In LLM mode the model is asked (prompts/filters.md) which year range, venue and author a question
restricts itself to. Its reply is untrusted: only a JSON object is read; a venue must be one of the
collection's venue names (mapped to the name the filter shows), an author must be a name (or
surname) some paper of the collection lists, years must be integers within the collection's years.
Everything else is dropped, and the reason is recorded. The rule parser's filters (`rag.filters`)
always win; the model only fills fields the parser left empty.
"""

from __future__ import annotations

import json
import logging
import re
import weakref
from collections import Counter
from dataclasses import dataclass, field

from rag.retrieval import Filters
from rag.text import fold

log = logging.getLogger(__name__)

FIELDS = ("year_min", "year_max", "venue", "author")
DEADLINE_S = 10.0  # the proposal is optional: never wait on it longer than this
MAX_TOKENS = 60
MAX_VENUES_SHOWN = 40


@dataclass
class Proposal:
    """What the model proposed, what survived validation, and why the rest did not."""

    raw: str = ""
    proposed: dict = field(default_factory=dict)
    accepted: Filters = field(default_factory=Filters)
    rejected: dict[str, str] = field(default_factory=dict)  # field -> reason
    error: str | None = None


def parse_json(text: str) -> dict:
    """The first JSON object in a reply (models wrap it in prose or code fences); {} if none."""
    for m in re.finditer(r"\{[^{}]*\}", text or ""):
        try:
            obj = json.loads(m.group(0))
        except ValueError:
            continue
        if isinstance(obj, dict):
            return obj
    return {}


_facts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _collection_facts(retriever) -> tuple[int | None, int | None, str]:
    """(first year, last year, the most common venue names) of a loaded collection, computed once."""
    got = _facts.get(retriever)
    if got is None:
        years = [p.year for p in retriever.papers if p.year is not None]
        counts = Counter(p.venue.partition(" — ")[0] for p in retriever.papers if p.venue)
        names = ", ".join(v for v, _ in counts.most_common(MAX_VENUES_SHOWN)) or "(none recorded)"
        got = (min(years) if years else None, max(years) if years else None, names)
        _facts[retriever] = got
    return got


def validate(proposed: dict, retriever) -> tuple[Filters, dict[str, str]]:
    """Keep the fields the collection's metadata confirms; say why each other one was dropped."""
    accepted, rejected = Filters(), {}
    lo, hi, _ = _collection_facts(retriever)
    for key in FIELDS:
        value = proposed.get(key)
        if value in (None, "", "null", "none", "None"):
            continue
        if key.startswith("year"):
            if isinstance(value, str) and re.fullmatch(r"\d{4}", value.strip()):
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool):
                rejected[key] = f"not a year: {value!r}"
            elif lo is None or not (lo - 1 <= value <= hi + 1):
                rejected[key] = f"{value} is outside the collection's years ({lo}-{hi})"
            else:
                setattr(accepted, key, value)
        elif not isinstance(value, str):
            rejected[key] = f"not a name: {value!r}"
        elif key == "venue":
            canon = retriever.vocabulary.canonical(value) or retriever.vocabulary.names.get(fold(value))
            if canon is None:
                rejected[key] = f"no venue named {value!r} in this collection"
            else:
                accepted.venue = canon
        else:
            if retriever.authors.match(value) or _surname_known(retriever, value):
                accepted.author = value.strip()
            else:
                rejected[key] = f"no author named {value!r} in this collection"
    if accepted.year_min is not None and accepted.year_max is not None and accepted.year_min > accepted.year_max:
        rejected["year_max"] = f"{accepted.year_max} is before year_min {accepted.year_min}"
        accepted.year_max = None
    return accepted, rejected


def _surname_known(retriever, name: str) -> bool:
    words = fold(name).split()
    return len(words) == 1 and bool(retriever.authors.last.get(words[0]))


def propose(eng, question: str) -> Proposal:
    """Ask the LLM for the question's filters and validate them; never raises."""
    from rag.answer.llm import complete, deadline_in
    from rag.prompts import render

    out = Proposal()
    settings = eng.settings.model_copy(update={"llm_max_tokens": MAX_TOKENS})
    try:
        prompt = render("filters", venues=_collection_facts(eng.retriever)[2], question=question)
        out.raw = complete(settings, [{"role": "user", "content": prompt}],
                           deadline=deadline_in(min(DEADLINE_S, settings.llm_deadline)))
    except Exception as exc:  # optional step: the rule parser's filters stand
        out.error = f"{type(exc).__name__}: {exc}"
        log.info("filter proposal failed: %s", out.error)
        return out
    out.proposed = {k: v for k, v in parse_json(out.raw).items() if k in FIELDS}
    out.accepted, out.rejected = validate(out.proposed, eng.retriever)
    return out


def merge(parsed: Filters | None, proposal: Proposal) -> Filters | None:
    """The parser's filters, with empty fields filled from the validated proposal."""
    merged = Filters(**(parsed.__dict__ if parsed else {}))
    for key in FIELDS:
        if getattr(merged, key) is None and getattr(proposal.accepted, key) is not None:
            setattr(merged, key, getattr(proposal.accepted, key))
    return merged if merged.active() else None
