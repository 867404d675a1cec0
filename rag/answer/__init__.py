"""Answer orchestration: condense -> retrieve -> gather evidence -> refuse or answer -> cite."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from rag.answer import offline
from rag.answer.evidence import Evidence, gather
from rag.answer.refuse import missing_named_terms, refusal_text
from rag.chat import ANAPHORA, Condensed, Thread, condense, resolve_references
from rag.cite import renumber
from rag.retrieval import Filters, Hit, hit_to_source
from rag.text import named_terms
from rag.types import Answer

LIST_Q = re.compile(
    r"\b(which|what|any|list|find|show)\b.{0,40}\b(papers|works|studies|approaches|methods|articles)\b|"
    r"\bpapers?\s*\??$|\bwhich papers\b|\bare there\b.{0,30}\b(papers|works|approaches)\b|"
    r"\bpapers (on|about|that|in the collection)\b|"
    r"\bwhat (did|has|have|else did)\b.{0,40}\b(work(ed)? on|written|write|wrote|published|publish)\b",
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
    search_question: str | None = None,
) -> Answer:
    s = eng.settings
    t0 = time.perf_counter()
    full_question = question
    question = search_question or question  # filter phrases removed
    cond = condense(question, history)
    if filters is not None and filters.active() and not ANAPHORA.search(question):
        cond = Condensed(question=question, standalone=question)  # a new, filtered question
    thread = Thread.from_history(history)
    ref_ids, ref_mode = resolve_references(question, thread)
    retr = eng.retriever
    boost = None
    query = question
    if ref_ids:
        cond.is_followup, cond.focus_ids, cond.reference = True, ref_ids, ref_mode
        names = "; ".join(offline.describe(retr.papers[retr.by_id[pid]], with_year=False)
                          for pid in ref_ids if pid in retr.by_id)
        cond.standalone = f"{question} (about {names})"
    elif cond.is_followup:
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
    kind = classify(full_question)
    if cond.reference == "papers":
        hits = retr.hits_for(ref_ids, qvec)
        if kind != "authors":
            kind = "compare" if len(hits) > 1 else "single"
    elif cond.reference == "authors":
        others = retr.papers_by_authors_of(ref_ids)
        hits = retr.hits_for(others, qvec)
        hits.sort(key=lambda h: -h.dense)
        kind = "others"
    else:
        hits = retr.search(query, k=s.top_k, filters=filters, qvec=qvec, boost_ids=boost)
    timings = {"retrieve": time.perf_counter() - t0}
    answer = Answer(text="", sources=[], refused=False, mode="offline", question=full_question,
                    standalone_question=cond.standalone, timings=timings,
                    filters={k: v for k, v in (filters.__dict__ if filters else {}).items() if v is not None})
    if cond.is_followup and cond.focus_ids and not cond.reference:
        hits = [h for h in hits if h.paper.paper_id in cond.focus_ids] or hits
        if kind == "list":
            kind = "single"
    if not hits:
        answer.refused = True
        if cond.reference == "authors":
            authors = sorted({a for pid in ref_ids if pid in retr.by_id for a in retr.papers[retr.by_id[pid]].authors})
            answer.text = refusal_text(
                f"The collection has no other papers by {offline.author_list(authors, short=True).rstrip('.')}." if authors
                else "The cited papers do not list their authors.")
        else:
            from rag.filters import chips_for

            answer.text = refusal_text(
                f"No indexed paper matches the filters ({', '.join(chips_for(filters))})." if filters and filters.active()
                else "No indexed paper matches the question.")
        return _emit(answer, stream)
    t = time.perf_counter()
    qvec_q = retr.embed_query(question) if cond.is_followup else qvec
    evs = gather(eng, question, qvec_q, hits[:EVIDENCE_PAPERS], listing=kind in ("list", "others", "compare"))
    timings["evidence"] = time.perf_counter() - t
    top = evs[0]
    strength = max(0.5 * (ev.hit.dense + ev.best_cos) for ev in evs[:3])
    answer.signals = {
        "top_dense": round(top.hit.dense, 4),
        "top_sentence": round(top.best_cos, 4),
        "strength": round(strength, 4),
        "followup": float(cond.is_followup),
    }
    verdict = "" if cond.reference else _refusal(eng, question, qvec_q, evs, kind, strength, cond.is_followup)
    if cond.reference and kind == "authors":
        verdict = _refusal(eng, question, qvec_q, evs, kind, strength, True)
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
            return _stable(done, thread)
        answer.mode = "offline"
    answer = _offline(answer, evs, kind, s.max_cited, retr.near_top)
    from rag.cite import check_claims

    answer.claims = check_claims(eng, answer.text, answer.sources)
    return _emit(_stable(answer, thread), stream)


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


def _offline(
    answer: Answer, evs: list[Evidence], kind: str, max_cited: int, near_top: Callable[[Hit, Hit, float], bool]
) -> Answer:
    candidates = [hit_to_source(ev.hit, i, snippet=ev.sentences[ev.best(1)[0]]) for i, ev in enumerate(evs, 1)]
    top = evs[0]
    if kind == "authors":
        text = "\n".join(offline.authors_answer(ev, i) for i, ev in enumerate(evs, 1) if ev.hit.paper.authors)
    elif kind == "compare":
        text = offline.listing(list(enumerate(evs, 1)), "What each of the papers says on this:")
    elif kind == "others":
        chosen = list(enumerate(evs, 1))[:max_cited]
        text = offline.listing(chosen, f"Other indexed papers by the same author{'s' if len(chosen) > 1 else ''}:")
    elif kind == "list":
        best_dense = max(ev.hit.dense for ev in evs)
        chosen = [
            (i, ev)
            for i, ev in enumerate(evs, 1)
            if i == 1 or near_top(ev.hit, top.hit, best_dense)
        ][:max_cited]
        intro = f"{len(chosen)} indexed paper{'s' if len(chosen) > 1 else ''} address this:"
        text = offline.listing(chosen, intro)
    else:
        text = offline.single(top, 1)
    answer.text, answer.sources, _ = renumber(text, candidates)
    return answer


def _stable(answer: Answer, thread: Thread) -> Answer:
    """Renumber citations so a paper keeps its number for the whole conversation."""
    mapping = {s.n: thread.number_for(s.paper_id) for s in answer.sources}
    if all(k == v for k, v in mapping.items()):
        return answer
    answer.text = re.sub(r"\[(\d+)\]", lambda m: f"[{mapping.get(int(m.group(1)), m.group(1))}]", answer.text)
    for src in answer.sources:
        src.n = mapping[src.n]
    for claim in answer.claims:
        claim.cited = [mapping.get(n, n) for n in claim.cited]
    return answer


def _emit(answer: Answer, stream: Callable[[str], None] | None) -> Answer:
    if stream is not None and answer.mode == "offline":
        from rag.text import split_sentences

        for piece in split_sentences(answer.text.replace("\n", "\n ")) or [answer.text]:
            stream(piece + " ")
    return answer
