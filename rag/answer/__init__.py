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
from rag.retrieval import Filters, Hit, hit_to_source
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
            cond.standalone = f"{question} (about {offline.describe(prev[0].paper, with_year=False)})"
            boost = {pid: 4.0 for pid in cond.focus_ids}
        query = f"{question} {cond.context}"
        if s.llm_enabled and prev:
            from rag.answer.llm import condense_question

            rewritten = condense_question(s, question, history, offline.describe(prev[0].paper))
            if rewritten:
                cond.standalone = rewritten
                query = f"{rewritten} {cond.context}"
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
    evs = gather(eng, question, qvec_q, hits[:EVIDENCE_PAPERS], listing=kind == "list")
    timings["evidence"] = time.perf_counter() - t
    top = evs[0]
    strength = max(0.5 * (ev.hit.dense + ev.best_cos) for ev in evs[:3])
    answer.signals = {
        "top_dense": round(top.hit.dense, 4),
        "top_sentence": round(top.best_cos, 4),
        "strength": round(strength, 4),
        "followup": float(cond.is_followup),
    }
    verdict = _refusal(eng, question, qvec_q, evs, kind, strength, cond.is_followup)
    if verdict:
        answer.refused = True
        answer.text = refusal_text(verdict)
        return _emit(answer, stream)
    if s.llm_enabled:
        from rag.answer.llm import llm_answer

        done = llm_answer(eng, answer, evs, history, stream)
        if done is not None:
            from rag.cite import check_claims

            done.claims = check_claims(eng, done.text, done.sources)
            return done
        answer.mode = "offline"
    answer = _offline(answer, evs, kind, s.max_cited)
    from rag.cite import check_claims

    answer.claims = check_claims(eng, answer.text, answer.sources)
    return _emit(answer, stream)


def _refusal(eng, question, qvec, evs: list[Evidence], kind: str, strength: float, followup: bool) -> str:
    """A reason to refuse, or '' to answer. Thresholds are calibrated with `rag eval`."""
    s = eng.settings
    top = evs[0]
    if not followup:
        missing = missing_named_terms(question, eng.retriever.lexical.terms)
        if missing:
            return f"None of them mentions {', '.join(missing)}."
        names_top = top.hit.author_match or top.hit.title_match or _naming_terms(question, top.hit)
        if strength < s.refuse_threshold and not names_top:
            return "The closest abstracts are about something else."
    if kind == "authors":
        if not top.hit.paper.authors:
            p = top.hit.paper
            label = f"“{p.title}”" if p.title else "the closest abstract"
            return f"The collection includes {label}, but its author list is not given."
        return ""
    named = [] if followup else _naming_terms(question, top.hit)
    if named:
        # The question names this paper; does its abstract speak to the rest of the question?
        rest = question
        for term in named:
            rest = re.sub(re.escape(term), " ", rest, flags=re.I)
        if len(rest.split()) >= 4:
            rvec = eng.embedder.embed([rest])[0]
            cos = float((eng.sentences.get(top.hit.paper) @ rvec).max())
            if cos < s.residual_threshold:
                label = f"“{top.hit.paper.title}”" if top.hit.paper.title else "the matching abstract"
                return f"The abstract of {label} does not say."
    return ""


def _naming_terms(question: str, hit: Hit) -> list[str]:
    p = hit.paper
    haystack = f"{p.title or ''} {p.abstract[:400]}".lower()
    terms = [t for t in named_terms(question) if len(t) >= 4 and t.lower() in haystack]
    if hit.title_match and p.title:
        short = p.title.split(":")[0]
        if short.lower() in question.lower():
            terms.append(short)
    return terms


def _offline(answer: Answer, evs: list[Evidence], kind: str, max_cited: int) -> Answer:
    candidates = [hit_to_source(ev.hit, i, snippet=ev.sentences[ev.best(1)[0]]) for i, ev in enumerate(evs, 1)]
    top = evs[0]
    if kind == "authors":
        text = offline.authors_answer(top, 1)
    elif kind == "list":
        best_dense = max(ev.hit.dense for ev in evs)
        chosen = [
            (i, ev)
            for i, ev in enumerate(evs, 1)
            if i == 1 or ev.hit.score >= 0.97 * top.hit.score or ev.hit.dense >= best_dense - 0.06
        ][:max_cited]
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
