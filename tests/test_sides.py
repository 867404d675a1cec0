"""The other side of a comparison answered with one paper (rag.answer.sides). Questions written for these tests
(session 42)."""

import pytest

import rag
from rag.answer.sides import without_title_words


def test_the_title_words_of_the_first_paper_leave_the_other_side():
    search = "SMASH versus an RNN controller trained by policy gradient to emit architectures?"
    title = "SMASH: One-Shot Model Architecture Search through HyperNetworks"
    assert without_title_words(search, title) == "versus an RNN controller trained by policy gradient to emit ?"
    assert without_title_words("Dropout and batch norm, side by side", "") == "Dropout and batch norm , side by side"


def test_a_comparison_whose_other_side_is_described_cites_both(seed_ready):
    """The question names one side by its title's words and the other by its authors and a description: the clauses
    do not cut it in two, and the whole question's second paper is far below the list threshold. Read without the
    first paper's title words, the question finds the other."""
    ans = rag.ask("Is the modern Hopfield layer much like Sukhbaatar et al.'s memory network with several hops? "
                  "Where do the two part ways?")
    titles = [s.title for s in ans.sources]
    assert not ans.refused
    assert titles[:2] == ["Hopfield Networks is All You Need", "End-To-End Memory Networks"], titles


@pytest.mark.parametrize("question", [
    "How does SMASH compare its one-shot search with running full training for every candidate architecture?",
    "Which paper contrasts its deformable attention with the slow convergence of the original DETR?",
])
def test_one_paper_compared_with_what_it_improves_on_stays_one_paper(seed_ready, question):
    """A comparison word in a question about one paper (its method against a baseline it names in words) adds no
    second paper: the rest of the question names no other paper clearly enough."""
    ans = rag.ask(question)
    assert not ans.refused and len(ans.sources) == 1, [s.title for s in ans.sources]
