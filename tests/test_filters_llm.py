"""Filters proposed by the LLM as JSON are applied only where the collection's metadata confirms them
(#11 item 5). The scripted server injects the model's replies (hallucinated venue, author and years,
prose around the JSON, no JSON at all); the real-model check is in test_llm_real.py."""

from __future__ import annotations

import pytest

import rag
from rag.filters_llm import parse_json, validate
from rag.retrieval import Filters
from rag.settings import load_settings

from .conftest import DATA


@pytest.fixture(scope="module")
def venue_collection(rag_home):
    settings = load_settings(collection="llmfilters")
    rag.ingest(str(DATA / "acl_venues"), collection="llmfilters", settings=settings)
    return "llmfilters"


def _ask(server, question, **kw):
    return rag.ask(question, collection="llmfilters", llm_base_url=server.base_url, llm_api_key="sk-x",
                   llm_model="scripted", llm_filters=True, llm_retries=0, **kw)


def test_only_confirmed_fields_are_applied(venue_collection, llm_server):
    from rag.pipeline import get_engine

    retr = get_engine(load_settings(), venue_collection).retriever
    iwslt = [p for p in retr.papers if p.venue and p.venue.startswith("IWSLT")]
    year = iwslt[0].year
    llm_server.script = [
        {"text": f'Sure! Here it is: {{"year_min": {year}, "year_max": 3000, "venue": "iwslt", '
                 f'"author": "Nobody Realname"}} Hope that helps.'},
        {"text": "ok [1]."},
    ]
    ans = _ask(llm_server, "system descriptions for spoken language translation")
    assert ans.filters == {"year_min": year, "venue": "IWSLT"}, ans.filters
    assert ans.signals["llm_filters_accepted"] == 2 and ans.signals["llm_filters_rejected"] == 2
    assert ans.sources and all(s.venue.startswith("IWSLT") and s.year >= year for s in ans.sources)
    prompt = llm_server.requests[0]["body"]["messages"][0]["content"]
    assert "IWSLT" in prompt and "system descriptions for spoken language translation" in prompt


def test_the_question_s_own_filters_win_and_junk_is_ignored(venue_collection, llm_server):
    llm_server.script = [{"text": "I think it is probably about ACL, maybe?"}, {"text": "ok [1]."}]
    ans = _ask(llm_server, "spoken language translation systems")
    assert ans.filters == {} and ans.signals["llm_filters_accepted"] == 0
    llm_server.script = [{"text": '{"venue": "TACL", "year_min": null}'}, {"text": "ok [1]."}]
    ans = _ask(llm_server, "IWSLT system descriptions for spoken language translation")
    assert ans.filters.get("venue") == "IWSLT"  # typed in the question: the parser's reading stands


def test_failed_proposal_leaves_the_answer_alone(venue_collection, llm_server):
    llm_server.script = [{"status": 500}, {"text": "ok [1]."}]
    ans = _ask(llm_server, "spoken language translation systems")
    assert ans.filters == {} and not ans.refused


def test_explicit_filters_skip_the_proposal(venue_collection, llm_server):
    llm_server.script = [{"text": "ok [1]."}]
    _ask(llm_server, "spoken language translation systems", filters={"venue": "IWSLT"})
    assert all("JSON" not in r["body"]["messages"][-1]["content"] for r in llm_server.requests)


@pytest.mark.parametrize(("reply", "expected"), [
    ('```json\n{"venue": "TACL"}\n```', {"venue": "TACL"}),
    ('{"venue": "TACL", "author": 3}', {"venue": "TACL", "author": 3}),
    ("no json here", {}),
    ('{"broken": }', {}),
])
def test_parse_json_reads_the_first_object(reply, expected):
    assert parse_json(reply) == expected


def test_validate_explains_each_rejection(venue_collection):
    from rag.pipeline import get_engine

    retr = get_engine(load_settings(), venue_collection).retriever
    author = next(a for p in retr.papers for a in p.authors if len(a.split()) >= 2)
    ok, why = validate({"venue": "tacl", "author": author.upper(), "year_min": "1850", "year_max": True}, retr)
    assert ok == Filters(venue="TACL", author=author.upper())
    assert set(why) == {"year_min", "year_max"} and "outside" in why["year_min"] and "not a year" in why["year_max"]
    ok, why = validate({"venue": "NeurIPS", "author": 42}, retr)
    assert not ok.active() and "no venue" in why["venue"] and "not a name" in why["author"]
