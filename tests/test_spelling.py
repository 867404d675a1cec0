"""British spellings are searched the way the collection writes them (rag.spelling): Snowball stems the two
spellings apart ('generalise' -> 'generalis', 'generalize' -> 'general'), so a question typed in British English
missed every American-spelled abstract in BM25 and in the answer layer's word features (session 26)."""

from __future__ import annotations

import rag
from rag.lexical import LexicalIndex
from rag.spelling import respell
from rag.types import Paper


def _index(*abstracts: str) -> LexicalIndex:
    return LexicalIndex.build([Paper(paper_id=f"p{i}", title=f"Paper {i}", abstract=a, authors=[], year=2020,
                                     url="", source="test") for i, a in enumerate(abstracts)])


AMERICAN = _index("We study the regularization of deep networks and how they generalize to new data.",
                  "A nearest neighbor classifier normalizes each feature; its behavior is analyzed.",
                  "Optimizing the center of each cluster with color features.",
                  "Supervised training with a promise of fast convergence in hours.")


def test_a_british_spelling_is_respelled_where_the_collection_writes_it_the_american_way():
    text = "Regularisation: how do nets generalise, who normalises neighbours' colour near the centre?"
    assert respell(text, AMERICAN.doc_freq) == (
        "Regularization: how do nets generalize, who normalizes neighbors' color near the center?")


def test_words_without_another_spelling_and_british_collections_are_left_alone():
    # 'supervised' / 'promise' / 'hours' have no American form the collection holds
    text = "supervised training, a promise, four hours, analysed behaviours"
    assert respell(text, AMERICAN.doc_freq) == "supervised training, a promise, four hours, analyzed behaviors"
    british = _index("We study the regularisation of deep networks and how they generalise.",
                     "A nearest neighbour classifier; its behaviour is analysed.")
    assert respell("regularization, neighbors, behavior", british.doc_freq) == "regularization, neighbors, behavior"
    assert respell("regularisation, neighbours, behaviour", british.doc_freq) == "regularisation, neighbours, behaviour"
    assert respell("modelling and labelled data", AMERICAN.doc_freq) == "modelling and labelled data"  # one stem
    # a collection that writes a word both ways keeps the question's spelling: its British papers still match
    mixed = _index("Surface realization for English.", "A surface realization engine.", "A surface realiser for "
                   "Mandarin: realisation of word order.")
    assert respell("a realisation engine", mixed.doc_freq) == "a realisation engine"


def test_a_british_question_is_answered_as_its_american_spelling(seed_ready):
    """The same question in both spellings gets the same answer over the bundled corpus (American English); a
    French question's 'analyse' is French."""
    from rag.pipeline import get_engine
    from rag.query import analyse
    from rag.settings import load_settings

    eng = get_engine(load_settings())
    assert "sans analyse syntaxique ?" in analyse("Quels travaux analysent les réseaux sans analyse syntaxique ?",
                                                  [], eng).search
    assert analyse("which networks are visualised?", [], eng).search == "which networks are visualized?"
    for british, american in (
        ("which papers study how graph neural networks generalise to larger graphs?",
         "which papers study how graph neural networks generalize to larger graphs?"),
        ("visualising what the units of a convolutional network recognise",
         "visualizing what the units of a convolutional network recognize"),
    ):
        a, b = rag.ask(british), rag.ask(american)
        assert (a.refused, [s.paper_id for s in a.sources]) == (b.refused, [s.paper_id for s in b.sources])
        assert a.signals.get("p1") == b.signals.get("p1")
