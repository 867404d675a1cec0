"""Answer orchestration: condense -> retrieve -> gather evidence -> refuse or answer -> cite."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from rag.answer import offline
from rag.answer.evidence import Evidence, gather
from rag.answer.refuse import missing_named_terms, refusal_text
from rag.chat import condense
from rag.cite import renumber
from rag.retrieve import Filters, Hit, hit_to_source
from rag.text import named_terms
from rag.types import Answer

LIST_Q = re.compile(
    r"\b(which|what|any|list|find|show)\b.{0,40}\b(papers|works|studies|approaches|methods|articles)\b|"
    r"\bpapers?\s*\??$|\bwhich papers\b|\bare there\b.{0,30}\b(papers|works|approaches)\b|"
    r"\bpapers (on|about|that|in the collection)\b",
    re.I,
)
AUTHOR_Q = re.compile(r"\b(who (are|were|is) the authors?|who (wrote|authored)|authors? of|written by|"
                      r"who are the (researchers|people)|^(the )?authors\??$)", re.I)
EVIDENCE_PAPERS = 6


def classify(question: str) -> str:
    if AUTHOR_Q.search(question):
        return "authors"
    if LIST_Q.search(question):
        return "list"
    return "single"


def _names_paper(question: str, hit: Hit) -> bool:
    """Does the question name this paper (a distinctive term of its title or abstract)?"""
    p = hit.paper
    haystack = f"{p.title or ''} {p.abstract[:400]}".lower()
    return any(t.lower() in haystack for t in named_terms(question) if len(t) >= 4)


def answer_question(
    eng,
    question: str,
    history: list[dict[str, str]],
    filters: Filters | None = None,
    stream: Callable[[str], None] | None = None,
) -> Answer:
    s = eng.settings
    t0 = time.perf_counter()
    cond = condense(question, history)
    retr = eng.retriever
    boost = None
    query = question
    if cond.is_followup:
        prev = retr.search(cond.context, k=3, filters=filters)
        if prev:
            cond.focus_ids = [prev[0].paper.paper_id]
            boost = {pid: 4.0 for pid in cond.focus_ids}
        query = f"{question} {cond.context}"
    qvec = retr.embed_query(query)
    hits = retr.search(query, k=s.top_k, filters=filters, qvec=qvec, boost_ids=boost)
    timings = {"retrieve": time.perf_counter() - t0}
    answer = Answer(text="", sources=[], refused=False, mode="offline", question=question,
                    standalone_question=cond.standalone, timings=timings,
                    filters={k: v for k, v in (filters.__dict__ if filters else {}).items() if v is not None})
    kind = classify(question)
    if cond.is_followup and cond.focus_ids:
        hits = [h for h in hits if h.paper.paper_id in cond.focus_ids] or hits
        if kind == "list":
            kind = "single"
    if not hits:
        answer.refused = True
        answer.text = refusal_text("No indexed paper matches the question" + (" and filters." if filters else "."))
        return _emit(answer, stream)
    t = time.perf_counter()
    qvec_q = retr.embed_query(question) if cond.is_followup else qvec
    evs = gather(eng, question, qvec_q, hits[:EVIDENCE_PAPERS])
    timings["evidence"] = time.perf_counter() - t
    top = evs[0]
    answer.signals = {
        "top_dense": round(top.hit.dense, 4),
        "top_sentence": round(top.best_cos, 4),
        "top_overlap": round(float(top.overlap.max()), 4),
        "followup": float(cond.is_followup),
    }
    # --- refusal ---------------------------------------------------------------------------
    missing = missing_named_terms(question, retr.lexical.bm25.vocab_dict)
    if missing and not cond.is_followup:
        answer.refused = True
        answer.text = refusal_text(f"None of them mentions {', '.join(missing)}.")
        return _emit(answer, stream)
    strength = max(top.hit.dense, top.best_cos)
    answer.signals["strength"] = round(strength, 4)
    if not cond.is_followup and strength < s.refuse_threshold:
        answer.refused = True
        answer.text = refusal_text("The closest abstracts are about something else.")
        return _emit(answer, stream)
    if kind == "authors":
        p = top.hit.paper
        if not p.authors:
            answer.refused = True
            label = f"“{p.title}”" if p.title else "the closest abstract"
            answer.text = refusal_text(f"The collection includes {label}, but its author list is not given.")
            return _emit(answer, stream)
    if s.llm_enabled:
        from rag.answer.llm import llm_answer

        done = llm_answer(eng, answer, evs, history, stream)
        if done is not None:
            return done
    return _emit(_offline(answer, evs, kind, s.max_cited), stream)


def _offline(answer: Answer, evs: list[Evidence], kind: str, max_cited: int) -> Answer:
    candidates = [hit_to_source(ev.hit, i, snippet=ev.sentences[ev.best(1)[0]]) for i, ev in enumerate(evs, 1)]
    top = evs[0]
    if kind == "authors":
        text = offline.authors_answer(top, 1)
    elif kind == "list":
        floor = max(0.30, top.hit.dense - 0.20)
        chosen = [(i, ev) for i, ev in enumerate(evs, 1) if i == 1 or ev.hit.dense >= floor][:max_cited]
        intro = f"{len(chosen)} indexed paper{'s' if len(chosen) > 1 else ''} address this:"
        text = offline.listing(chosen, intro)
    else:
        text = offline.single(top, 1)
    answer.text, answer.sources, _ = renumber(text, candidates)
    return answer


def _emit(answer: Answer, stream: Callable[[str], None] | None) -> Answer:
    if stream is not None and answer.mode == "offline":
        from rag.text import split_sentences

        for piece in split_sentences(answer.text.replace("\n", "\n ")) or [answer.text]:
            stream(piece + " ")
    return answer
