"""LLM answers through the `openai` client: the only module that talks to an LLM.

Sources go to the model inside delimited <source> blocks (data, never instructions). Its
citations are parsed, dangling ones dropped and the rest renumbered. Failures (timeouts,
refused connections, 429/5xx after bounded retries, malformed or empty replies, a stream cut
mid-answer) fall back to the offline answer with the reason recorded, unless
`llm_fallback = false`, in which case `LLMError` is raised.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from rag.answer.evidence import Evidence
from rag.cite import normalise_placement, renumber, repair
from rag.prompts import refusal_phrase, render
from rag.retrieval import hit_to_source
from rag.types import Answer

log = logging.getLogger(__name__)
MAX_SOURCE_CHARS = 3000


class LLMError(RuntimeError):
    pass


def _client(settings):
    import httpx
    from openai import OpenAI

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    return OpenAI(
        base_url=settings.llm_base_url,
        api_key=key,
        max_retries=settings.llm_retries,
        timeout=httpx.Timeout(settings.llm_timeout, connect=min(5.0, settings.llm_timeout)),
    )


def fence(text: str) -> str:
    """Neutralise anything in abstract text that could close or open a source block."""
    return re.sub(r"</?\s*source[^>]*>", "[tag removed]", text, flags=re.I)


def format_sources(evs: list[Evidence]) -> str:
    blocks = []
    for n, ev in enumerate(evs, 1):
        p = ev.hit.paper
        lines = [f"Title: {fence(p.title) if p.title else '(untitled abstract)'}"]
        if p.authors:
            lines.append(f"Authors: {fence(', '.join(p.authors))}")
        if p.year or p.venue:
            lines.append(f"Published: {fence(' '.join(str(x) for x in (p.venue, p.year) if x))}")
        lines.append(f"Abstract: {fence(p.abstract[:MAX_SOURCE_CHARS])}")
        blocks.append(f'<source id="{n}">\n' + "\n".join(lines) + "\n</source>")
    return "\n\n".join(blocks)


def format_history(history: list[dict[str, str]], max_turns: int = 6) -> str:
    if not history:
        return "(none)"
    return "\n".join(f"{m['role']}: {m['content'][:1500]}" for m in history[-max_turns:])


def build_messages(question: str, evs: list[Evidence], history: list[dict[str, str]]) -> list[dict]:
    refusal = refusal_phrase()
    return [
        {"role": "system", "content": render("system", refusal=refusal)},
        {"role": "user", "content": render("answer", sources=format_sources(evs),
                                           history=format_history(history), question=question,
                                           refusal=refusal)},
    ]


def _describe_error(exc: BaseException, timeout: float) -> str:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return f"the LLM endpoint did not answer within {timeout:g}s"
    if isinstance(exc, openai.APIConnectionError):
        return "could not connect to the LLM endpoint (connection refused or dropped)"
    if isinstance(exc, openai.RateLimitError):
        return "the LLM endpoint kept rate-limiting (HTTP 429) after retries"
    if isinstance(exc, openai.APIStatusError):
        return f"the LLM endpoint returned HTTP {exc.status_code}"
    if isinstance(exc, LLMError):
        return str(exc)
    return f"the LLM endpoint sent an unusable reply ({type(exc).__name__})"


def complete(settings, messages: list[dict], stream: Callable[[str], None] | None = None) -> str:
    """One chat completion, streamed when a callback is given. Raises on any failure."""
    client = _client(settings)
    deadline = time.monotonic() + settings.llm_timeout * (settings.llm_retries + 1) + 5
    if stream is None:
        resp = client.chat.completions.create(model=settings.llm_model, messages=messages,
                                              temperature=settings.llm_temperature)
        if not getattr(resp, "choices", None):
            raise LLMError("the LLM endpoint returned no choices")
        return resp.choices[0].message.content or ""
    parts: list[str] = []
    finished = False
    with client.chat.completions.create(model=settings.llm_model, messages=messages,
                                        temperature=settings.llm_temperature, stream=True) as chunks:
        for chunk in chunks:
            if time.monotonic() > deadline:
                raise LLMError(f"the LLM stream exceeded {settings.llm_timeout:g}s per attempt")
            if not chunk.choices:
                continue
            choice = chunk.choices[0]
            piece = choice.delta.content if choice.delta else None
            if piece:
                parts.append(piece)
                stream(piece)
            if choice.finish_reason:
                finished = True
    if not finished:
        raise LLMError("the LLM stream was cut off before the answer finished")
    return "".join(parts)


def condense_question(settings, question: str, history: list[dict[str, str]], cited: str) -> str | None:
    """Standalone rewrite of a follow-up via the LLM; None if the endpoint fails."""
    try:
        text = complete(settings, [{"role": "user", "content": render(
            "condense", history=format_history(history), cited=cited or "(none)", question=question)}])
    except Exception as exc:  # the offline condensation is used instead
        log.info("condense failed: %s", _describe_error(exc, settings.llm_timeout))
        return None
    text = text.strip().strip('"').splitlines()[0] if text.strip() else ""
    return text or None


def llm_answer(eng, answer: Answer, evs: list[Evidence], history, stream) -> Answer | None:
    """Fill `answer` from the LLM. Returns None to fall back to the offline answerer."""
    s = eng.settings
    t = time.perf_counter()
    messages = build_messages(answer.question, evs, history)
    try:
        text = complete(s, messages, stream)
        if not text.strip():
            raise LLMError("the LLM endpoint returned an empty answer")
    except Exception as exc:
        reason = _describe_error(exc, s.llm_timeout)
        log.warning("LLM failed: %s", reason)
        if not s.llm_fallback:
            raise LLMError(reason) from None
        answer.fallback_reason = reason
        answer.model = s.llm_model
        return None
    answer.timings["llm"] = time.perf_counter() - t
    answer.mode, answer.model = "llm", s.llm_model
    if refusal_phrase().rstrip(".").lower() in text.lower():
        answer.refused, answer.text, answer.sources = True, refusal_phrase(), []
        return answer
    candidates = [hit_to_source(ev.hit, i, snippet=ev.sentences[ev.best(1)[0]]) for i, ev in enumerate(evs, 1)]
    text, changes = repair(eng, normalise_placement(text), candidates)
    for key, count in changes.items():
        if count:
            answer.signals[f"claims_{key}"] = float(count)
    new_text, sources, dropped = renumber(text, candidates)
    if dropped:
        answer.signals["dropped_citations"] = float(len(dropped))
    if not sources:
        answer.mode = "offline"
        answer.fallback_reason = "the LLM answer cited none of the retrieved sources"
        return None
    answer.text, answer.sources = new_text, sources
    return answer
