"""Offline answering end to end: citations, refusals, lists, authors, follow-ups, bad input."""

from __future__ import annotations

import pytest

import rag
from rag.cite import cited_numbers
from rag.pipeline import QuestionError
from rag.prompts import refusal_phrase

ASK = {"collection": "stub"}


def _grounded(ans):
    nums = cited_numbers(ans.text)
    assert nums, ans.text
    assert sorted(nums) == list(range(1, len(ans.sources) + 1))  # every [n] is a cited source, in order
    assert [s.n for s in ans.sources] == list(range(1, len(ans.sources) + 1))
    for s in ans.sources:
        assert s.snippet and s.snippet in s.abstract


def test_answer_cites_the_right_paper(stub_settings):
    ans = rag.ask("How does the network fill holes in videos using other frames?", **ASK)
    assert not ans.refused and ans.mode == "offline"
    _grounded(ans)
    assert ans.sources[0].title == "Copy-and-Paste Networks for Deep Video Inpainting"
    assert ans.claims and all(c.support > 0.5 for c in ans.claims)


def test_detail_answer_contains_the_fact(stub_settings):
    ans = rag.ask("What new dataset did the attentive local feature paper introduce for evaluation?", **ASK)
    _grounded(ans)
    assert "Google-Landmarks" in ans.text


def test_refuses_when_collection_lacks_the_answer(stub_settings):
    ans = rag.ask("How does FlashAttention make exact attention faster on GPUs?", **ASK)
    assert ans.refused and ans.sources == [] and cited_numbers(ans.text) == []
    assert ans.text.startswith(refusal_phrase())


def test_refuses_unstated_authors(stub_settings):
    ans = rag.ask("Who are the authors of the Network In Network paper?", **ASK)
    assert ans.refused and "Network In Network" in ans.text


def test_author_answer_from_metadata(stub_settings):
    ans = rag.ask("Who are the authors of CausalWorld?", **ASK)
    assert not ans.refused and "Ossama Ahmed" in ans.text and "Stefan Bauer" in ans.text
    _grounded(ans)


def test_which_papers_lists_several(stub_settings):
    ans = rag.ask("Which papers are about video prediction or video inpainting?", **ASK)
    assert not ans.refused
    _grounded(ans)
    titles = {s.title for s in ans.sources}
    assert {"Copy-and-Paste Networks for Deep Video Inpainting",
            "Revisiting Hierarchical Approach for Persistent Long-Term Video Prediction"} <= titles
    assert ans.text.count("\n- ") >= 2


def test_followup_uses_history(stub_settings):
    history = [
        {"role": "user", "content": "Is there work on predicting video frames far into the future?"},
        {"role": "assistant", "content": "Yes: 'Revisiting Hierarchical Approach for Persistent Long-Term "
                                         "Video Prediction' predicts semantic structures first [1]."},
    ]
    ans = rag.ask("which two scenarios did they test it on?", history=history, **ASK)
    assert not ans.refused
    assert ans.sources[0].title.startswith("Revisiting Hierarchical Approach")
    assert "car driving" in ans.text and "human dancing" in ans.text
    assert "Revisiting Hierarchical" in ans.standalone_question


def test_streaming_callback_receives_the_answer(stub_settings):
    pieces: list[str] = []
    ans = rag.ask("What does GrowNet use as weak learners?", stream=pieces.append, **ASK)
    assert len(pieces) >= 2
    assert "".join(pieces).split() == ans.text.split()


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "empty"), ("   \n\t ", "empty"), ("?!...", "no words"), ("x" * 100_000, "too long"), (None, "string")],
)
def test_bad_questions_get_clear_errors(stub_settings, question, message):
    with pytest.raises(QuestionError, match=message):
        rag.ask(question, **ASK)


@pytest.mark.parametrize(
    ("history", "message"),
    [("not a list", "must be a list"), ([{"content": "hi"}], "role"), ([{"role": "bot", "content": "x"}], "role"),
     ([{"role": "user", "content": 3}], "must be a string"), (["hello"], "must be a dict")],
)
def test_bad_history_gets_clear_errors(stub_settings, history, message):
    with pytest.raises(QuestionError, match=message):
        rag.ask("what is GrowNet?", history=history, **ASK)


def test_default_collection_autoingests_bundled_corpus(seed_ready):
    ans = rag.ask("What speedup in total training throughput does DRAGONN report?")
    assert not ans.refused and "3.52" in ans.text
    assert rag.corpora()["seed"] >= 210
