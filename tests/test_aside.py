"""A topic the question sets aside (rag.answer.aside, rag.query.without_set_aside). Questions written for these
tests (session 42)."""

import pytest

import rag
from rag.prompts import refusal_phrase
from rag.query import without_set_aside


@pytest.mark.parametrize(("question", "rest"), [
    ("Ferry timetables, not graph pooling: delays at the harbour?", "Ferry timetables, : delays at the harbour?"),
    ("Soil moisture rather than dropout rates: forecasting it from sensors?", "Soil moisture : forecasting it from sensors?"),
    ("Not pruning -- I mean hedges: trimming robots?", "-- I mean hedges: trimming robots?"),
    ("models that learn their features instead of hand-crafting them", "models that learn their features"),
    ("which GNNs do not need a given graph?", "which GNNs do not need a given graph?"),  # 'not' inside a clause
])
def test_what_a_question_sets_aside_is_cut_to_its_clause_end(question, rest):
    assert without_set_aside(question) == rest


def test_a_question_answered_only_by_the_topic_it_sets_aside_is_refused(seed_ready):
    """'… rather than hypernetworks that generate weights' names the bundled HyperNetworks paper, which answered the
    question; without the set-aside topic no paper is relevant to what is asked (dental implants, bone healing)."""
    ans = rag.ask("Dental implants rather than hypernetworks that generate weights: predicting bone healing?")
    assert ans.refused and not ans.sources and ans.text.startswith(refusal_phrase()), ans.text


def test_a_topic_set_aside_beside_one_the_collection_holds_is_answered(seed_ready):
    ans = rag.ask("Memory networks rather than plain recurrent nets: which papers read and write an external memory?")
    assert not ans.refused and ans.sources[0].title == "End-To-End Memory Networks", [s.title for s in ans.sources]
