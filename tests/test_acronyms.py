"""Acronyms a question spells out, where the collection defines them that way (rag.acronyms; session 27, written for
these tests after a question naming a workshop's papers on finite-state transducers refused all three of them, which
write 'FSTs')."""

from __future__ import annotations

from rag.acronyms import (
    _definition,
    defined_acronyms,
    spelled_out,
    with_acronyms,
    with_spelled,
    written_in_capitals,
)
from rag.relevance import tokens


def test_runs_of_three_or_four_plain_words_are_candidate_acronyms():
    known = {"fst", "fs", "st", "mt", "ner", "smt", "pos"}
    assert spelled_out("Which papers rely on finite-state transducers?", known) == {"fst": "finite-state transducers"}
    assert spelled_out("statistical machine translation for named entity recognition", known) == {
        "smt": "statistical machine translation", "ner": "named entity recognition"}
    assert spelled_out("part of speech tagging", known) == {}  # a stopword breaks the run
    assert spelled_out("machine translation", known) == {}  # two words make no acronym
    assert spelled_out("finite-state transducers", set()) == {}  # initials the collection never writes
    assert spelled_out("Welche Arbeiten befassen sich mit Kontinuierliches Sprachlernen Sammlungen?", {"kss"}) == {}


def test_a_definition_is_the_words_then_the_acronym_or_the_other_way_round():
    pattern = _definition("fst", "finite-state transducers")
    assert pattern.search("We compile finite-state transducers (FSTs) for Sami.")
    assert pattern.search("an FST (finite state transducer) based analyser")
    assert not pattern.search("A finite-state transducer is compiled; the FST is small.")
    assert not _definition("smt", "school mathematics teaching").search("statistical machine translation (SMT)")


def test_a_defined_acronym_is_searched_and_counts_as_its_words():
    acronyms = {"fst": frozenset(tokens("finite-state transducers"))}
    assert with_acronyms("Which papers rely on finite-state transducers?", acronyms).endswith(" FST")
    assert with_acronyms("FST or finite-state transducers?", acronyms) == "FST or finite-state transducers?"
    text = "FST morphology for the endangered Skolt Sami language, built with FSTs"
    assert tokens("finite state transducers") <= with_spelled(tokens(text), written_in_capitals(acronyms, text))
    text = "the fst of populations"  # 'fst' in lower case is something else (the fixation index)
    assert with_spelled(tokens(text), written_in_capitals(acronyms, text)) == tokens(text)


def test_only_acronyms_the_collection_defines_with_those_words_count(seed_ready):
    """The bundled corpus defines 'neural architecture search (NAS)' and 'convolutional neural networks (CNNs)';
    'computer network nodes' has CNN's initials, and no paper spells CNN out that way."""
    from rag.pipeline import get_engine

    eng = get_engine()
    assert set(defined_acronyms(eng, "papers on neural architecture search for detection")) == {"nas"}
    assert set(defined_acronyms(eng, "convolutional neural networks on phones")) == {"cnn"}
    assert defined_acronyms(eng, "counting the computer network nodes of a campus") == {}
