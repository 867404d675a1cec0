"""The list-intent model (rag.intent): a question's wording says whether it wants every paper on a
topic, and such a question lists further papers down to the intent model's own threshold (#11)."""

from __future__ import annotations

import numpy as np
import pytest

from rag.intent import IntentModel, load_intent
from rag.relevance import load_model

from .conftest import Judged

# Written for these tests: wording not taken from the dev set or any validation set.
TRAIN = [
    ("gather every study here that touches protein folding", 1), ("round up the work on speech codecs", 1),
    ("what does this library hold about federated averaging?", 1), ("all the articles about beam search", 1),
    ("give me a reading list on graph sparsification", 1), ("everything on curriculum learning, please", 1),
    ("the paper that introduced a gated memory cell", 0), ("who wrote the article on sparse transformers?", 0),
    ("find the one study proposing a causal adapter", 0), ("which dataset did the pruning paper evaluate on?", 0),
    ("what accuracy does the capsule network report?", 0), ("the article that sketches a quantum kernel", 0),
]


def _spec_from(pipeline) -> dict:
    from benchmarks.train_intent import export

    return {**export(pipeline), "cut": 0.5, "list_threshold": 0.3}


def test_transform_is_scikit_learns():
    """The exported model (no scikit-learn at answer time) gives scikit-learn's own probabilities,
    including for words and bigrams it never saw, repeated words and an empty question."""
    pytest.importorskip("sklearn")
    from benchmarks.train_intent import pipeline

    texts, labels = zip(*TRAIN, strict=True)
    fitted = pipeline().fit(list(texts), list(labels))
    model = IntentModel(_spec_from(fitted))
    probe = ["round up the round up papers on beam search beam search", "who wrote the pruning paper?",
             "Gather EVERY study on speech", "unrelated words only", "", "the the the"]
    ours = [model.whole(t) for t in probe]
    theirs = fitted.predict_proba(probe)[:, 1]
    assert np.allclose(ours, theirs, atol=1e-9)


def test_a_question_of_several_clauses_is_read_whole_and_clause_by_clause():
    """The question's probability is its whole text's, raised halfway to its most list-like clause's: as
    train_intent computes it with scikit-learn, and never lower than the whole text's (session 41)."""
    pytest.importorskip("sklearn")
    from benchmarks.train_intent import pipeline, predict
    from rag.intent import clauses

    texts, labels = zip(*TRAIN, strict=True)
    fitted = pipeline().fit(list(texts), list(labels))
    model = IntentModel(_spec_from(fitted))
    probe = ["Networks that output another network's weights: round up every paper on them.",
             "Dropout regularisation. Who wrote the first paper?", "beam search — list them all", "one clause only"]
    assert [len(clauses(t)) for t in probe] == [2, 2, 2, 0]
    ours = [model.probability(t) for t in probe]
    assert np.allclose(ours, predict(fitted, probe), atol=1e-9)
    whole = fitted.predict_proba(probe)[:, 1]
    assert all(o >= w - 1e-6 for o, w in zip(ours, whole, strict=True))  # (the exported weights are rounded)
    assert ours[0] > whole[0] and ours[-1] == pytest.approx(whole[-1])


def test_the_shipped_model_reads_wording_not_topic():
    """Same topic, different wording: a request for every paper on it scores higher than a request for
    one paper or one detail of it."""
    model = load_intent()
    pairs = [
        ("round up the studies on dropout regularisation", "the study that first proposed dropout regularisation"),
        ("anything here about knowledge graphs?", "who wrote the knowledge graph completion paper?"),
        ("survey what we have on video prediction", "what frame rate does the video prediction paper use?"),
        ("list the work that uses reinforcement learning for chip design",
         "find the paper that uses reinforcement learning for chip design"),
    ]
    for wants_list, wants_one in pairs:
        assert model.probability(wants_list) > model.probability(wants_one), (wants_list, wants_one)
    assert model.list_threshold <= load_model().list_threshold  # it only ever lists more


def test_a_list_question_lists_papers_down_to_the_intent_threshold():
    from rag.answer.judge import select

    E = Judged

    rel, intent = load_model(), load_intent()
    if intent.list_threshold >= rel.list_threshold:
        pytest.skip("the fitted intent threshold lists nothing more")
    between = (intent.list_threshold + rel.list_threshold) / 2
    evs = [E(rel.threshold + 0.01), E(between), E(intent.list_threshold - 0.01)]
    assert select(evs) == evs[:1]
    assert select(evs, wants_list=True) == evs[:2]
    assert select(evs, wants_list=True, list_threshold=rel.list_threshold) == evs[:1]  # explicit setting wins
    assert select([E(0.01), E(between)], wants_list=True) == []  # refusing still rests on relevance


def test_a_broad_list_request_lists_more_papers(seed_ready, request):
    """End to end over the bundled corpus: 'give me everything about X' lists the papers above the
    intent threshold; with the intent cue off (cut above 1), the same question lists fewer, and the
    papers it does list come first in the same order."""
    import rag

    question = "give me everything on knowledge distillation"
    on = rag.ask(question)
    assert on.signals["list_intent"] >= load_intent().cut and not on.refused
    request.getfixturevalue("no_list_intent")
    off = rag.ask(question)
    assert not off.refused and 1 <= len(off.sources) < len(on.sources)
    assert [s.paper_id for s in on.sources[: len(off.sources)]] == [s.paper_id for s in off.sources]


def test_a_question_not_worded_as_a_list_lists_further_papers_only_from_its_own_threshold():
    """Where the wording asks for one paper, a further paper joins only from the intent model's single-paper
    threshold (even odds on the questions it does not call lists), above the relevance model's; a list
    question lists it, and a comparison keeps each side's best paper."""
    from rag.answer.judge import select

    rel, intent = load_model(), load_intent()
    assert intent.single_list_threshold is not None and intent.single_list_threshold > rel.list_threshold
    top = min(0.99, rel.threshold + 0.3)
    above = intent.single_list_threshold + 0.01
    between = (rel.list_threshold + intent.single_list_threshold) / 2
    evs = [Judged(top), Judged(above), Judged(between)]
    assert [e.relevance for e in select(evs)] == [top, above]
    assert [e.relevance for e in select(evs, wants_list=True)] == [top, above, between]
    side = Judged(between, item=rel.threshold + 0.01)
    assert side in select([Judged(top), side], compares=True)


def test_two_papers_compared_are_the_answer_where_each_side_names_its_own():
    """'How does A differ from B': where each side's best paper answers its side at the answer threshold and is
    listed on the whole question, those papers alone answer it, however relevant other papers on the same
    subject are; where a side's best paper is not listed on the whole question (it found another paper's
    words), the comparison lists as before: each side's best paper and any other at the answer threshold."""
    from rag.answer.judge import select

    rel = load_model()
    a, b = Judged(0.95, item=0.9), Judged(rel.list_threshold + 0.01, item=rel.threshold + 0.01)
    other = Judged(0.9)
    assert select([a, other, b], compares=True, sides=2) == [a, b]
    assert select([a, other, b], compares=True) == [a, other, b]  # sides unknown: as before
    low = Judged(rel.list_threshold - 0.01, item=0.9)
    assert select([a, other, low], compares=True, sides=2) == [a, other, low]
    assert select([a, other, Judged(0.3, item=rel.threshold - 0.01)], compares=True, sides=2) == [a, other]


def test_a_list_question_is_answered_where_its_best_papers_together_reach_the_support_threshold():
    """A broad topic that several papers each answer in part: no paper reaches the answer threshold, but the
    best three together reach the intent model's support threshold. A question worded as a list is answered
    with those papers; one worded for a single paper is refused, as is a list question whose papers add up to
    less. An explicit answer threshold turns the rule off."""
    from rag.answer.judge import select

    rel, intent = load_model(), load_intent()
    assert intent.list_support is not None and intent.list_support > rel.threshold
    each = min(rel.threshold - 0.01, max(intent.list_threshold + 0.01, intent.list_support / 3 + 0.01))
    evs = [Judged(each), Judged(each - 0.001), Judged(each - 0.002), Judged(0.01)]
    assert sum(e.relevance for e in evs[:3]) >= intent.list_support
    assert select(evs, wants_list=True) == evs[:3]
    assert select(evs) == []
    assert select(evs, wants_list=True, threshold=rel.threshold) == []
    low = intent.list_support / 3 - 0.02
    assert select([Judged(low), Judged(low), Judged(low)], wants_list=True) == []
    assert select(evs, wants_list=True, absent_name=True) == []  # a name nobody mentions: only a strong hit answers


def test_list_support_is_off_for_an_unfiltered_question_over_a_large_collection():
    """Among tens of thousands of abstracts, three middling papers add up on a topic none holds: a list question
    searched without a filter over more than LIST_SUPPORT_MAX_PAPERS papers is answered only by a paper reaching the
    answer threshold. With a filter (a venue's or an author's small pool), or over a small collection, the best three
    still answer it together."""
    from rag.answer.judge import LIST_SUPPORT_MAX_PAPERS, select

    rel, intent = load_model(), load_intent()
    each = min(rel.threshold - 0.01, max(intent.list_threshold + 0.01, intent.list_support / 3 + 0.01))
    evs = [Judged(each), Judged(each - 0.001), Judged(each - 0.002), Judged(0.01)]
    large, small = LIST_SUPPORT_MAX_PAPERS + 1, LIST_SUPPORT_MAX_PAPERS
    assert select(evs, wants_list=True, collection_size=large) == []
    assert select(evs, wants_list=True, collection_size=small) == evs[:3]
    assert select(evs, wants_list=True, collection_size=large, filtered=True)[:1] == evs[:1]
    strong = [Judged(rel.threshold + 0.01)] + evs[1:]
    assert select(strong, wants_list=True, collection_size=large)[:1] == strong[:1]


def test_the_support_threshold_is_chosen_by_the_refusal_costs():
    """benchmarks.train_intent.list_support: where the answerable list questions' best three papers add up to
    more than the unanswerable ones', the threshold falls between them; where they add up to less, no rule."""
    pytest.importorskip("sklearn")
    from benchmarks.train_intent import list_support

    tau = 0.5
    answerable = [[(True, 0.4), (True, 0.35), (False, 0.3)]] * 20 + [[(True, 0.9), (False, 0.1)]] * 80
    unanswerable = [[(False, 0.3), (False, 0.2), (False, 0.1)]] * 30
    sigma, report = list_support(answerable, unanswerable, tau)
    assert sigma is not None and 0.6 < sigma <= 1.05
    assert report["cost"][f"{sigma:.2f}"]["false_refusals"] == 0.0
    assert report["cost"][f"{sigma:.2f}"]["missed_refusals"] == 0.0
    assert list_support(answerable, [[(False, 0.45), (False, 0.45), (False, 0.45)]] * 30, tau)[0] is None


def test_a_filtered_question_lists_further_papers_only_from_the_filtered_list_threshold():
    """A filter makes the candidates a small pool (one venue, years, an author), where weaker papers score higher than
    among the whole collection: further papers join only from FILTERED_LIST_THRESHOLD. The best paper still answers
    at the answer threshold, and an explicit list threshold (a per-call setting) wins."""
    from rag.answer.judge import FILTERED_LIST_THRESHOLD, select

    rel, intent = load_model(), load_intent()
    floor = min(rel.list_threshold, intent.list_threshold)
    top = Judged(rel.threshold + 0.01)
    for wants_list in (False, True):
        # the list threshold without a filter, as select documents it
        own = floor if wants_list else max(rel.list_threshold, intent.single_list_threshold or 0.0)
        strong = Judged(max(own, FILTERED_LIST_THRESHOLD) + 0.01)
        if own >= FILTERED_LIST_THRESHOLD:  # the wording's own threshold is already the stricter one
            evs = [top, strong, Judged(own - 0.01)]
            assert select(evs, wants_list=wants_list, filtered=True) == select(evs, wants_list=wants_list) == [top, strong]
            continue
        weak = Judged((own + FILTERED_LIST_THRESHOLD) / 2)
        evs = [top, strong, weak]
        assert select(evs, wants_list=wants_list) == evs
        assert select(evs, wants_list=wants_list, filtered=True) == [top, strong]
    assert FILTERED_LIST_THRESHOLD > floor  # a list question with a filter is stricter than one without
    evs = [top, Judged(FILTERED_LIST_THRESHOLD + 0.01), Judged((floor + FILTERED_LIST_THRESHOLD) / 2)]
    assert select(evs, filtered=True, list_threshold=floor) == evs
    assert select([top], filtered=True) == [top]
