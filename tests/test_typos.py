"""Words typed wrong, read as the collection writes them (rag.typos; session 33, written for these tests after lookups
typed with typos were refused in the looked-at v74 and v75)."""

from __future__ import annotations

import pytest

from rag.typos import _distance, correct_typos

TERMS = {"text", "classification", "compression", "gzip", "transformer", "transformers", "review", "reviews",
         "adversarial", "attacks", "apply", "modeling", "modelling", "models", "layer", "order", "tuning", "pruning"}


def _doc_freq(word: str) -> int:
    """Papers holding the word's stem: three for each term above, none for anything else."""
    from rag.lexical import query_tokens

    stems = {t for w in TERMS for t in query_tokens(w)}
    return 3 if set(query_tokens(word)) & stems else 0


@pytest.mark.parametrize(("typed", "read"), [
    ("text clasification with gzip compresion", "text classification with gzip compression"),
    ("reveiw of adverserial atacks", "review of adversarial attacks"),  # a swap, a changed letter, a dropped one
    ("transfomer where each input picks its own layer ordr", "transformer where each input picks its own layer ordr"),
    ("apple orchards", "apple orchards"),  # a word of the reference vocabulary: no typo, though 'apply' is near
    ("Clasification of GZIP files", "Clasification of GZIP files"),  # capitalised: may be a name
    ("tunning and prunning", "tuning and pruning"),
])
def test_a_word_the_collection_never_writes_is_read_as_its_one_nearest_word(typed, read):
    assert correct_typos(typed, TERMS, _doc_freq) == read


def test_a_typo_with_two_equally_near_words_or_a_rare_one_is_left_as_typed():
    terms = TERMS | {"modeler"}
    assert correct_typos("modelers", terms, _doc_freq) == "modelers"  # 'modeler' and 'models' are one edit away
    assert correct_typos("compresion", TERMS, lambda w: 1 if w == "compression" else 0) == "compresion"  # one paper


@pytest.mark.parametrize(("model", "mode", "read"), [
    (40, 3, "a model of text"),  # one of two equally near words written by far more papers (session 34)
    (3, 40, "a mode of text"),
    (10, 3, "a modle of text"),  # about as common: left as typed
])
def test_of_equally_near_words_one_written_far_more_often_is_read(model, mode, read):
    counts = {"text": 50, "model": model, "mode": mode}
    assert correct_typos("a modle of text", set(counts), lambda w: counts.get(w, 0)) == read


def test_equally_near_words_of_one_stem_are_one_word():
    """'generation' and 'generator' share a stem: the collection counts them as one, and either reads the same papers."""
    counts = {"text": 50, "generation": 40, "generator": 40}
    assert correct_typos("text generaton", set(counts), lambda w: counts.get(w, 0)) == "text generation"


def test_the_distance_counts_a_swap_as_one_edit_and_stops_past_its_limit():
    assert _distance("reveiw", "review", 1) == 1
    assert _distance("clasification", "classification", 2) == 1
    assert _distance("lavender", "lender", 1) == 2  # past the limit of one
    assert _distance("abc", "abcdef", 2) == 3


def test_an_english_word_rare_in_research_text_is_no_typo():
    """A word the English word list holds ('tarot') stays as typed, though the collection writes a word one edit away
    ('taro', a name); without the list it is read as that word (session 34)."""
    counts = {"card": 5, "taro": 3}
    assert correct_typos("tarot card", set(counts), lambda w: counts.get(w, 0)) == "taro card"
    assert correct_typos("tarot card", set(counts), lambda w: counts.get(w, 0), is_word={"tarot"}.__contains__) == "tarot card"
