"""Wires the pieces together: one cached Engine per (settings, corpus), and the public
`ask()` / `retrieve()` functions that the CLI and the UI call.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from rag.retrieval import Filters, HybridRetriever, hit_to_source
from rag.sentences import SentenceVectors
from rag.settings import Settings, get_settings, load_settings
from rag.types import Answer, Source

log = logging.getLogger(__name__)

_engines: dict[tuple, Engine] = {}
_engines_lock = threading.RLock()


class QuestionError(ValueError):
    """The question or history cannot be answered as given (empty, too long, wrong type...)."""


class Engine:
    """Everything needed to answer questions over one corpus, loaded once."""

    def __init__(self, settings: Settings, corpus: str | None = None):
        from rag.embed import get_embedder
        from rag.index import bm25_dir, ingest, rebuild_lexical, sentence_dir
        from rag.lexical import LexicalIndex
        from rag.store import Store

        self.settings = settings
        corpus = corpus or settings.collection
        store = Store(settings, corpus)
        if store.count() == 0 and corpus == settings.collection and settings.seed_corpus.exists():
            log.info("empty collection %s: ingesting the bundled corpus %s", store.name, settings.seed_corpus)
            ingest(settings.seed_corpus, collection=corpus, settings=settings, progress=False)
        self.store = store
        built = rebuild_lexical(store)
        self.lexical = built or LexicalIndex.load(bm25_dir(settings, store.name))
        self.revision = store.revision()
        self.embedder = get_embedder(settings)
        self.retriever = HybridRetriever(settings, store, self.lexical, self.embedder)
        self.corpus = store.corpus
        self.sentences = SentenceVectors(sentence_dir(settings, store.name), self.embedder)


def _engine_key(settings: Settings, corpus: str | None) -> tuple:
    return (settings.model_dump_json(), corpus or settings.collection)


def get_engine(settings: Settings | None = None, corpus: str | None = None, collection: str | None = None) -> Engine:
    settings = settings or get_settings()
    corpus = corpus or collection
    key = _engine_key(settings, corpus)
    with _engines_lock:
        eng = _engines.get(key)
        if eng is None:
            eng = Engine(settings, corpus)
            _engines[key] = eng
        return eng


def invalidate(settings: Settings | None = None, corpus: str | None = None) -> None:
    """Drop cached engines (after an ingest) so the next call sees the new data."""
    with _engines_lock:
        if settings is None:
            _engines.clear()
        else:
            _engines.pop(_engine_key(settings, corpus), None)
            _engines.pop(_engine_key(settings, None), None)


def _settings_for(overrides: dict[str, Any]) -> Settings:
    if not overrides:
        return get_settings()
    return load_settings(**overrides)


def retrieve(
    query: str,
    k: int = 10,
    collection: str | None = None,
    filters: Filters | dict | None = None,
    **overrides: Any,
) -> list[Source]:
    """Hybrid search: the `k` best papers for `query`, one Source per paper (n = rank)."""
    query = validate_question(query, get_settings().max_question_chars)
    settings = _settings_for(overrides)
    eng = get_engine(settings, collection)
    hits = eng.retriever.search(query, k=k, filters=Filters.coerce(filters))
    return [hit_to_source(h, i, collection=eng.corpus) for i, h in enumerate(hits, 1)]


def validate_question(question: Any, max_chars: int) -> str:
    if not isinstance(question, str):
        raise QuestionError(f"question must be a string, got {type(question).__name__}")
    cleaned = "".join(c if c.isprintable() or c in "\n\t" else " " for c in question).strip()
    if not cleaned:
        raise QuestionError("question is empty: ask something about the indexed papers")
    if len(cleaned) > max_chars:
        raise QuestionError(
            f"question is too long ({len(cleaned):,} characters; the limit is {max_chars:,}). "
            "Ask a shorter question."
        )
    if not any(c.isalnum() for c in cleaned):
        raise QuestionError("question has no words in it: ask something about the indexed papers")
    return cleaned


def validate_history(history: Any) -> list[dict[str, str]]:
    if history is None:
        return []
    if not isinstance(history, list | tuple):
        raise QuestionError(f"history must be a list of {{'role', 'content'}} dicts, got {type(history).__name__}")
    out = []
    for i, turn in enumerate(history):
        if not isinstance(turn, dict):
            raise QuestionError(f"history[{i}] must be a dict with 'role' and 'content', got {type(turn).__name__}")
        role, content = turn.get("role"), turn.get("content")
        if role not in ("user", "assistant", "system"):
            raise QuestionError(f"history[{i}] has role {role!r}; expected 'user' or 'assistant'")
        if not isinstance(content, str):
            raise QuestionError(f"history[{i}]['content'] must be a string, got {type(content).__name__}")
        if role == "system":
            continue
        msg: dict = {"role": role, "content": content}
        cited = turn.get("sources")
        if role == "assistant" and cited is not None:
            msg["sources"] = _cited_refs(cited, i)
        out.append(msg)
    return out


def _cited_refs(cited: Any, i: int) -> list[dict]:
    """Normalise an assistant turn's `sources` ([{n, paper_id}] or Source dicts) for numbering."""
    if not isinstance(cited, list | tuple):
        raise QuestionError(f"history[{i}]['sources'] must be a list of {{'n', 'paper_id'}} dicts")
    refs = []
    for ref in cited:
        if isinstance(ref, Source):
            ref = {"n": ref.n, "paper_id": ref.paper_id}
        if not isinstance(ref, dict) or not isinstance(ref.get("paper_id"), str) or not isinstance(ref.get("n"), int):
            raise QuestionError(f"history[{i}]['sources'] entries need an int 'n' and a str 'paper_id'")
        refs.append({"n": ref["n"], "paper_id": ref["paper_id"]})
    return refs


def ask(
    question: str,
    history: list[dict] | None = None,
    collection: str | None = None,
    filters: Filters | dict | None = None,
    stream: Any = None,
    parse_filters: bool = True,
    **overrides: Any,
) -> Answer:
    """Answer `question` from the indexed abstracts, citing every claim as [n].

    `history` is the OpenAI-style list of prior turns. `overrides` are settings fields
    (e.g. `top_k=5`, `llm_base_url=...`). `stream`, if given, is called with text pieces as
    the answer is produced. Filters typed in the question ("since 2020", "ACL 2021 papers",
    "by Hochreiter", "only from the NeurIPS list") are applied unless `filters` is given or
    `parse_filters=False`; `answer.filters` shows what was applied.
    """
    from rag.answer import answer_question

    t0 = time.perf_counter()
    settings = _settings_for(overrides)
    question = validate_question(question, settings.max_question_chars)
    turns = validate_history(history)
    eng = get_engine(settings, collection)
    filters = Filters.coerce(filters)
    search_question = question
    if filters is None and parse_filters:
        from rag.filters import parse

        parsed = parse(question, eng.lexical.papers, eng.retriever.authors)
        if parsed.filters.active():
            filters, search_question = parsed.filters, parsed.question
    answer = answer_question(eng, question, turns, filters=filters, stream=stream, search_question=search_question)
    answer.timings["total"] = time.perf_counter() - t0
    return answer
