"""Wires the pieces together: one cached Engine per (index-defining settings, corpus), and the
public `ask()` / `retrieve()` functions that the CLI and the UI call.

Engines are keyed on `Settings.index_key()` only (corpus, store, embedder, model, token limit,
chunking, BM25 parameters), so per-call options (top_k, filters, fusion, thresholds, LLM settings)
share one loaded index: `get_engine()` hands out a cheap view of it carrying the caller's settings.
The cache holds at most `engine_cache_size` corpora (least recently used dropped first). Every
request compares the store's revision (one metadata read, ~0.3 ms embedded) with the one the engine
was built from and reloads when another process has written, so a running app sees `rag ingest`
runs without a restart. Only an explicit ingest (or the bundled corpus in the default collection)
creates a collection: an unknown corpus name raises UnknownCorpusError and leaves no state behind.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections import OrderedDict
from typing import Any

from rag.retrieval import Filters, HybridRetriever, hit_to_source
from rag.sentences import SentenceVectors
from rag.settings import Settings, get_settings, load_settings, normalise_corpus_name
from rag.types import Answer, Source

log = logging.getLogger(__name__)

# How long the first load of a corpus waits for a running ingest into it when there is no
# previous index on disk to serve meanwhile.
FIRST_LOAD_WAIT_S = 3600.0


class QuestionError(ValueError):
    """The question or history cannot be answered as given (empty, too long, wrong type...)."""


class Engine:
    """Everything needed to answer questions over one corpus, loaded once.

    `revision` is the store revision the loaded BM25 index, catalogue and vectors were read at.
    """

    def __init__(self, settings: Settings, corpus: str | None = None, wait: float = FIRST_LOAD_WAIT_S):
        from rag.store import Store, UnknownCorpusError

        self.settings = settings
        corpus = corpus or settings.collection
        try:
            store = Store(settings, corpus)
        except UnknownCorpusError:
            if not _is_seed_corpus(settings, corpus):
                raise
            store = None
        if store is None or store.count() == 0 and _is_seed_corpus(settings, corpus):
            from rag.index import ingest

            log.info("empty collection %s: ingesting the bundled corpus %s", corpus, settings.seed_corpus)
            ingest(settings.seed_corpus, collection=corpus, settings=settings, progress=False)
            store = Store(settings, corpus)
        self.store = store
        self.corpus = store.corpus
        self.embedder = _embedder(settings)
        loaded = _load_index(store, wait)
        if loaded is None:
            from rag.index import IngestLockedError

            raise IngestLockedError(f"corpus {self.corpus!r} is being ingested by another process; try again later")
        self.lexical, self.revision, self.sentences = loaded
        self.retriever = _retriever(settings, store, self.lexical, self.embedder)

    def reloaded(self) -> Engine | None:
        """A fresh engine over the store's current data, or None when an ingest holds the collection's
        lock right now (the caller keeps serving this one and tries again on a later request)."""
        loaded = _load_index(self.store, wait=0)
        if loaded is None:
            return None
        new = copy.copy(self)
        new.lexical, new.revision, new.sentences = loaded
        new.retriever = _retriever(self.settings, self.store, new.lexical, self.embedder)
        return new

    def for_question(self) -> Engine:
        """This engine as one question sees it: a shallow copy whose sentence vectors are the question's own
        (`rag.sentences.QuestionView`), so that its answer never depends on the questions asked before it."""
        from rag.sentences import QuestionView

        view = copy.copy(self)
        view.sentences = QuestionView(self.sentences, len(self.retriever.papers) > self.settings.sentence_precompute_max)
        return view

    def with_settings(self, settings: Settings) -> Engine:
        """This loaded index seen with other per-call options (top_k, fusion, thresholds, LLM...):
        a shallow copy sharing the index, the embedder, the caches and the retriever's filter masks."""
        if settings is self.settings:
            return self
        view = copy.copy(self)
        view.settings = settings
        view.retriever = copy.copy(self.retriever)
        view.retriever.settings = settings
        return view


def _retriever(settings: Settings, store, lexical, embedder):
    if settings.retriever != "memory":
        from rag.backends import retriever_class

        return retriever_class(settings.retriever)(settings, store, lexical, embedder)
    retriever = HybridRetriever(settings, store, lexical, embedder)
    # Per-call views are shallow copies of this retriever: build its lazily-made filter state (the
    # year array) now, so the views share it instead of each building its own.
    retriever.mask(Filters())
    return retriever


def _is_seed_corpus(settings: Settings, corpus: str) -> bool:
    return (normalise_corpus_name(corpus) == normalise_corpus_name(settings.collection)
            and settings.seed_corpus.exists())


def _embedder(settings: Settings):
    from rag.embed import get_embedder

    return get_embedder(settings)


def _load_index(store, wait: float):
    """(lexical index, revision it reflects, sentence vectors), read under the collection's ingest lock
    so no ingest writes while it is read. When the lock is busy and an index is already on disk, that
    one is served (it is consistent, only older: its stamp's revision makes the next check reload it);
    with nothing on disk the load waits up to `wait` seconds. None: busy and `wait` is 0."""
    from filelock import Timeout

    from rag.index import bm25_dir, ingest_lock, rebuild_lexical, sentence_dir
    from rag.lexical import LexicalIndex, read_stamp

    settings = store.settings
    if settings.retriever == "engine":  # the ingester's on-disk index, opened read-only: nothing rebuilt
        from rag.catalogue import EngineLexical
        from rag.engine_index import load_for_engine

        opened = load_for_engine(store, wait, ingest_lock(settings, store.name))
        if opened is None:
            return None
        index, revision = opened
        return EngineLexical(index), revision, SentenceVectors(sentence_dir(settings, store.name),
                                                               _embedder(settings))
    directory = bm25_dir(settings, store.name)
    lock = ingest_lock(settings, store.name)
    have_disk = (directory / "catalogue.jsonl").exists() and read_stamp(directory) is not None
    try:
        lock.acquire(timeout=0 if (have_disk or wait <= 0) else wait)
    except Timeout:
        if not have_disk or wait <= 0:
            return None
        log.info("%s: an ingest is running; serving the index on disk until it ends", store.corpus)
        lexical = LexicalIndex.load(directory)
        stamp = read_stamp(directory) or {}
        return lexical, f"stale:{stamp.get('revision')}", SentenceVectors(sentence_dir(settings, store.name),
                                                                           _embedder(settings))
    try:
        lexical = rebuild_lexical(store) or LexicalIndex.load(directory)
        revision = (read_stamp(directory) or {}).get("revision")
        sentences = SentenceVectors(sentence_dir(settings, store.name), _embedder(settings))
    finally:
        lock.release()
    return lexical, str(revision), sentences


class _Slot:
    """One cached corpus: its engine, guarded so one thread loads or reloads it while others wait
    (first load) or keep answering from the previous engine (reload)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.engine: Engine | None = None
        self.reloading = False


_engines: OrderedDict[tuple, _Slot] = OrderedDict()
_engines_lock = threading.RLock()


def _engine_key(settings: Settings, corpus: str | None) -> tuple:
    return settings.index_key(corpus)


def get_engine(settings: Settings | None = None, corpus: str | None = None, collection: str | None = None) -> Engine:
    """The loaded engine for this corpus, seen with `settings`' per-call options.

    Raises UnknownCorpusError (a CorpusError) for a corpus that was never ingested, creating nothing."""
    settings = settings or get_settings()
    corpus = corpus or collection
    key = _engine_key(settings, corpus)
    with _engines_lock:
        slot = _engines.get(key)
        if slot is None:
            slot = _engines[key] = _Slot()
        _engines.move_to_end(key)
    with slot.lock:
        eng = slot.engine
        if eng is None:
            try:
                eng = slot.engine = Engine(settings, corpus)
            except BaseException:
                with _engines_lock:
                    if _engines.get(key) is slot:
                        del _engines[key]
                raise
            _evict(settings.engine_cache_size, keep=key)  # only a corpus that loaded evicts another
            return eng.with_settings(settings)
        if slot.reloading or eng.store.revision() == eng.revision:
            return eng.with_settings(settings)
        slot.reloading = True
    try:
        fresh = eng.reloaded()
    finally:
        with slot.lock:
            slot.reloading = False
    if fresh is not None:
        with slot.lock:
            if slot.engine is eng:
                slot.engine = fresh
        log.info("%s: store revision changed; reloaded (%d papers)", fresh.corpus, len(fresh.lexical.papers))
        eng = fresh
    return eng.with_settings(settings)


def prepare(settings: Settings | None = None, corpus: str | None = None, progress: bool = True) -> Engine:
    """Load a corpus before serving it (used by `rag chat` at start-up): the bundled corpus is ingested
    into an empty default collection with a visible progress bar, so no user's first question waits
    behind that ingest. The French/German lexicon (rag.lexicon) is loaded, or built once (about 15 s),
    on a background thread, so no first French or German question waits for it either."""
    settings = settings or get_settings()
    corpus = corpus or settings.collection
    import threading

    from rag.lexicon import load as load_lexicon

    threading.Thread(target=load_lexicon, args=(settings.lexicon_dir,), name="lexicon", daemon=True).start()
    if _is_seed_corpus(settings, corpus):
        from rag.store import Store, UnknownCorpusError

        try:
            empty = Store(settings, corpus).count() == 0
        except UnknownCorpusError:
            empty = True
        if empty:
            from rag.index import ingest

            print(f"Indexing the bundled corpus {settings.seed_corpus} into {corpus!r} (first start only)…",
                  flush=True)
            res = ingest(settings.seed_corpus, collection=corpus, settings=settings, progress=progress)
            print(res.summary(), flush=True)
    return get_engine(settings, corpus)


def _evict(size: int, keep: tuple) -> None:
    """Drop the least recently used loaded corpora beyond `size` (never `keep`, nor one still loading)."""
    with _engines_lock:
        loaded = [k for k, slot in _engines.items() if slot.engine is not None and k != keep]
        for k in loaded[: max(0, len(loaded) + 1 - size)]:
            del _engines[k]


def cached_engines() -> int:
    """How many corpora are loaded in this process."""
    with _engines_lock:
        return sum(1 for slot in _engines.values() if slot.engine is not None)


def invalidate(settings: Settings | None = None, corpus: str | None = None) -> None:
    """Drop cached engines (all, or this corpus's). Not needed after an ingest: engines notice the
    store's new revision on their next request."""
    with _engines_lock:
        if settings is None:
            _engines.clear()
        else:
            _engines.pop(_engine_key(settings, corpus), None)


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
    from rag.query import analyse

    query = analyse(question, turns, eng, filters=Filters.coerce(filters), parse_filters=parse_filters)
    proposal = None
    if filters is None and parse_filters and settings.llm_enabled and settings.llm_filters:
        from rag.filters_llm import merge, propose

        proposal = propose(eng, question)
        query.filters = merge(query.filters, proposal)
    answer = answer_question(eng.for_question(), query, stream=stream)
    if proposal is not None:
        answer.signals["llm_filters_accepted"] = float(sum(v is not None for v in proposal.accepted.__dict__.values()))
        answer.signals["llm_filters_rejected"] = float(len(proposal.rejected))
    for src in answer.sources:  # which corpus each source is from: /paper links and exports look it up there
        src.collection = src.collection or eng.corpus
    answer.timings["total"] = time.perf_counter() - t0
    return answer
