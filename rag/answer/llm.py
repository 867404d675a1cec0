"""LLM answers through the `openai` client: the only module that talks to an LLM.

The model gets short numbered sources (title plus the abstract's best evidence sentences) inside
delimited <source> blocks (data, never instructions). Whatever it writes is then verified sentence
by sentence against the retrieved abstracts (`rag.cite.verify`): its `[n]` are hints only, each
kept sentence cites the source(s) that support it, unsupported ones are dropped.

The LLM answer is never worse than the offline one. It is replaced by the offline answer, with
`mode="offline"` and `fallback_reason` set, when the endpoint fails (timeouts, refused
connections, 429/5xx after bounded retries, malformed or empty replies, a stream cut
mid-answer), when one total deadline (`llm_deadline`, retries and backoff included) runs out,
when the model declines although the offline answerer found an answer, when no sentence survives
verification, or when what survives covers fewer of the question's terms than the offline answer.
With `llm_fallback = false`, endpoint failures raise `LLMError` instead.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from rag.answer.evidence import Evidence
from rag.cite import WEAK_SUPPORT, verify
from rag.prompts import refusal_phrase, render
from rag.retrieval import hit_to_source
from rag.types import Answer

log = logging.getLogger(__name__)
MAX_SOURCE_CHARS = 3000
SOURCE_SENTENCES = 4  # evidence sentences per source shown to the model


class LLMError(RuntimeError):
    pass


class DeadlineExceeded(LLMError):
    """The total deadline ran out; `partial` holds what a stream had delivered by then."""

    def __init__(self, message: str, partial: str = ""):
        super().__init__(message)
        self.partial = partial


def _client(settings, timeout: float):
    # openai's own Timeout: it is the class of the HTTP library the client is built on (httpx2 for
    # openai 3.x), which rejects another library's Timeout (httpx2 2.17 raises TypeError for httpx's)
    from openai import OpenAI, Timeout

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    timeout = max(0.05, timeout)
    return OpenAI(base_url=settings.llm_base_url, api_key=key, max_retries=0,
                  timeout=Timeout(timeout, connect=min(5.0, timeout)))


def fence(text: str) -> str:
    """Neutralise anything in abstract text that could close or open a source block."""
    return re.sub(r"</?\s*source[^>]*>", "[tag removed]", text, flags=re.I)


def source_text(ev: Evidence, max_sentences: int = SOURCE_SENTENCES) -> str:
    """The abstract cut to its best evidence sentences, in abstract order (short sources are
    what small models follow); the whole abstract when it is that short anyway."""
    if len(ev.sentences) <= max_sentences:
        text = " ".join(ev.sentences)
    else:
        text = " ".join(ev.sentences[i] for i in sorted(ev.best(max_sentences)))
    return text[:MAX_SOURCE_CHARS]


def format_sources(evs: list[Evidence]) -> str:
    blocks = []
    for n, ev in enumerate(evs, 1):
        p = ev.hit.paper
        lines = [f"Title: {fence(p.title) if p.title else '(untitled abstract)'}"]
        if p.authors:
            lines.append(f"Authors: {fence(', '.join(p.authors[:6]))}{' et al.' if len(p.authors) > 6 else ''}")
        if p.year or p.venue:
            lines.append(f"Published: {fence(' '.join(str(x) for x in (p.venue, p.year) if x))}")
        lines.append(f"Text: {fence(source_text(ev))}")
        blocks.append(f'<source id="{n}">\n' + "\n".join(lines) + "\n</source>")
    return "\n\n".join(blocks)


def format_history(history: list[dict[str, str]], max_turns: int = 6) -> str:
    if not history:
        return "(none)"
    return "\n".join(f"{m['role']}: {m['content'][:1500]}" for m in history[-max_turns:])


def build_messages(question: str, evs: list[Evidence], history: list[dict[str, str]]) -> list[dict]:
    from rag.prompts import load_prompt, variables

    values = {"sources": format_sources(evs), "history": format_history(history), "question": question}
    if "refusal" in variables(load_prompt("answer")):  # variants without a refusal line are compared too
        values["refusal"] = refusal_phrase()
    return [{"role": "system", "content": render("system")}, {"role": "user", "content": render("answer", **values)}]


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


def _retryable(exc: BaseException) -> bool:
    import openai

    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return isinstance(exc, openai.APIConnectionError)  # includes APITimeoutError


def _backoff(exc: BaseException, attempt: int) -> float:
    """Retry-After when the server sends one (seconds), else 0.5 s, 1 s, 2 s, ..."""
    resp = getattr(exc, "response", None)
    value = resp.headers.get("retry-after") if resp is not None else None
    try:
        return max(0.0, float(value)) if value is not None else 0.5 * 2**attempt
    except ValueError:
        return 0.5 * 2**attempt


def _once(settings, messages, stream, deadline: float, timings: dict) -> str:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise DeadlineExceeded(f"the LLM did not finish within the {settings.llm_deadline:g}s deadline")
    client = _client(settings, min(settings.llm_timeout, remaining))
    args = {"model": settings.llm_model, "messages": messages, "temperature": settings.llm_temperature,
            "max_tokens": settings.llm_max_tokens}
    t = time.monotonic()
    if stream is None:
        resp = client.chat.completions.create(**args)
        if not getattr(resp, "choices", None):
            raise LLMError("the LLM endpoint returned no choices")
        timings["first_token"] = timings.get("first_token", time.monotonic() - t)
        return resp.choices[0].message.content or ""
    return _stream_until(settings, client, args, stream, deadline, timings)


def _stream_until(settings, client, args, stream, deadline: float, timings: dict) -> str:
    """Stream a completion on a worker thread; hand pieces to `stream` here, and stop waiting at
    the deadline even when the server stalls between tokens (a hard bound, whatever the socket does)."""
    import queue
    import threading

    import httpx2  # the HTTP library of openai 3.x: a stalled stream raises its timeout unwrapped
    import openai

    events: queue.Queue = queue.Queue()
    stop = threading.Event()

    def worker() -> None:
        try:
            with client.chat.completions.create(**args, stream=True) as chunks:
                for chunk in chunks:
                    if stop.is_set():
                        return
                    if not chunk.choices:
                        continue
                    choice = chunk.choices[0]
                    piece = choice.delta.content if choice.delta else None
                    if piece:
                        events.put(("piece", piece))
                    if choice.finish_reason:
                        events.put(("finish", None))
            events.put(("end", None))
        except BaseException as exc:  # handed to the waiting thread
            events.put(("error", exc))

    t = time.monotonic()
    threading.Thread(target=worker, daemon=True, name="llm-stream").start()
    parts: list[str] = []
    finished = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            stop.set()
            raise DeadlineExceeded(f"the LLM did not finish within the {settings.llm_deadline:g}s deadline",
                                   partial="".join(parts))
        try:
            kind, value = events.get(timeout=remaining)
        except queue.Empty:
            continue
        if kind == "piece":
            if not parts:
                timings["first_token"] = time.monotonic() - t
            parts.append(value)
            timings["chunks"] = timings.get("chunks", 0) + 1
            stream(value)
        elif kind == "finish":
            finished = True
        elif kind == "end":
            break
        else:
            if parts and isinstance(value, httpx2.TimeoutException | openai.APITimeoutError):
                # The model stalled mid-answer until our own timeout: keep what it had written.
                raise DeadlineExceeded(f"the LLM stalled mid-answer for {settings.llm_timeout:g}s",
                                       partial="".join(parts)) from value
            raise value
    if not finished:
        raise LLMError("the LLM stream was cut off before the answer finished")
    return "".join(parts)


def deadline_in(seconds: float) -> float:
    """A deadline `seconds` from now (a `time.monotonic()` value), started after the client library is
    loaded: its first import takes 1-2 s on a slow CPU, and a deadline bounds the exchange with the
    server, not that."""
    import openai  # noqa: F401

    return time.monotonic() + seconds


def complete(settings, messages: list[dict], stream: Callable[[str], None] | None = None,
             deadline: float | None = None, timings: dict | None = None) -> str:
    """One chat completion, streamed when a callback is given. Retries 429/5xx/connection errors
    (`llm_retries`, honouring Retry-After), all within one deadline (`llm_deadline` from now
    unless given, as a `time.monotonic()` value). Raises on any failure."""
    deadline = deadline if deadline is not None else deadline_in(settings.llm_deadline)
    timings = timings if timings is not None else {}
    attempt = 0
    while True:
        try:
            return _once(settings, messages, stream, deadline, timings)
        except Exception as exc:
            if attempt >= settings.llm_retries or not _retryable(exc) or timings.get("chunks"):
                raise
            wait = _backoff(exc, attempt)
            if time.monotonic() + wait >= deadline:
                raise
            log.info("LLM attempt %d failed (%s); retrying in %.1fs", attempt + 1,
                     _describe_error(exc, settings.llm_timeout), wait)
            time.sleep(wait)
            attempt += 1


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


def coverage(question: str, answer: Answer) -> float:
    """Share of the question's content terms (stopwords dropped, stemmed) that the answer's text states."""
    from rag.lexical import query_tokens
    from rag.text import content_terms, strip_citations

    terms = set(query_tokens(" ".join(content_terms(question))))
    if not terms:
        return 1.0
    return len(terms & set(query_tokens(strip_citations(answer.text)))) / len(terms)


def _fallback(answer: Answer, offline: Answer | None, reason: str, model: str) -> Answer | None:
    """The offline answer with the reason recorded (None with the old call site: it falls back)."""
    log.info("LLM answer not used: %s", reason)
    answer.mode, answer.fallback_reason, answer.model = "offline", reason, model
    if offline is None:
        return None
    offline.mode, offline.fallback_reason, offline.model = "offline", reason, model
    offline.timings.update({k: v for k, v in answer.timings.items() if k.startswith("llm")})
    offline.signals.update({k: v for k, v in answer.signals.items() if k.startswith("llm_")})
    return offline


def _complete_sentences(text: str) -> str:
    """The text up to its last sentence end (with the citations that follow it)."""
    m = list(re.finditer(r"[.!?](?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s|$)", text))
    return text[: m[-1].end()].strip() if m else ""


def llm_answer(eng, answer: Answer, evs: list[Evidence], history, stream,
               offline: Answer | None = None) -> Answer | None:
    """The verified LLM answer for `answer` (the skeleton), or the offline answer when the LLM one
    would be worse or fails. With `offline=None` (the old call site) returns None to fall back.

    `stream` gets the model's raw tokens as they come (unverified: the returned Answer's text is
    what was verified). If `stream` also has an `offline_ready(answer)` method, it first gets the
    offline answer, so that a UI can show it at once.
    """
    s = eng.settings
    deadline = deadline_in(s.llm_deadline)
    t = time.perf_counter()
    ready = getattr(stream, "offline_ready", None)
    if offline is not None and callable(ready):
        ready(offline)  # a UI shows the offline answer at once, while the LLM works
    messages = build_messages(answer.question, evs, history)
    llm_t: dict = {}
    try:
        try:
            text = complete(s, messages, stream, deadline=deadline, timings=llm_t)
        except DeadlineExceeded as exc:
            # A stream cut at the deadline: its complete sentences are verified like any reply.
            text = _complete_sentences(exc.partial)
            if not text:
                raise
            answer.signals["llm_truncated"] = 1.0
        if not text.strip():
            raise LLMError("the LLM endpoint returned an empty answer")
    except Exception as exc:
        reason = _describe_error(exc, s.llm_timeout)
        answer.timings["llm"] = time.perf_counter() - t
        log.warning("LLM failed: %s", reason)
        if not s.llm_fallback:
            raise LLMError(reason) from None
        return _fallback(answer, offline, reason, s.llm_model)
    answer.timings["llm"] = time.perf_counter() - t
    if "first_token" in llm_t:
        answer.timings["llm_first_token"] = llm_t["first_token"]
    candidates = [hit_to_source(ev.hit, i, snippet=ev.sentences[ev.best(1)[0]]) for i, ev in enumerate(evs, 1)]
    t = time.perf_counter()
    v = verify(eng, text, candidates, refusal=refusal_phrase(), threshold=WEAK_SUPPORT, question=answer.question)
    answer.timings["verify"] = time.perf_counter() - t
    answer.model, answer.claims = s.llm_model, v.claims
    answer.signals.update({"llm_sentences": float(v.generated), "llm_kept": float(v.kept),
                           "llm_recited": float(v.recited), "llm_dropped": float(v.dropped)})
    answer.signals.update({"claims_recited": float(v.recited), "claims_dropped": float(v.dropped)})
    if v.dangling:
        answer.signals["dropped_citations"] = float(len(v.dangling))
    if not v.sources:
        if v.declined:
            reason = ("the model declined to answer, but the retrieved abstracts do answer it; "
                      "showing the offline answer")
        elif v.generated:
            reason = (f"no sentence of the LLM answer is supported by the retrieved abstracts "
                      f"({v.dropped} of {v.generated} dropped)")
        else:
            reason = "the LLM answer cited none of the retrieved sources"
        return _fallback(answer, offline, reason, s.llm_model)
    answer.text, answer.sources = v.text, v.sources
    if offline is not None and not offline.refused:
        mine, theirs = coverage(answer.question, answer), coverage(answer.question, offline)
        answer.signals.update({"llm_coverage": round(mine, 3), "llm_coverage_offline": round(theirs, 3)})
        if mine < theirs:
            reason = (f"the verified LLM answer covers fewer of the question's terms than the offline answer "
                      f"({mine:.0%} vs {theirs:.0%})")
            return _fallback(answer, offline, reason, s.llm_model)
    answer.mode, answer.refused = "llm", False
    return answer

