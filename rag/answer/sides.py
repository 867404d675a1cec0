"""The other side of a comparison answered with one paper.

A question that sets two papers side by side ('Weigh up A and B', 'Is A basically the same thing as B?', 'A (ChipNet)
or B (OBC): how do they compare?') names each by words of its own. Where the question's clauses do not cut it into
its sides (`rag.query.enumeration`), the best paper of the whole question is one side, and its title's words name it:
the question without them names the other. That reading is searched on its own, and its best paper other than the
first joins the answer where it is clearly relevant to it (SECOND_SIDE_THRESHOLD)."""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.answer.evidence import Evidence
from rag.query import COMPARISON, SIDE_BY_SIDE, Query, reread

__all__ = ["SECOND_SIDE_THRESHOLD", "other_side", "without_title_words"]

# How relevant the other reading's best paper must be to join a comparison answered with one paper. Session 42, on
# the seen sets' questions with a comparison word (bundled dev and v1-v104: 1,418; ACL v1-v104: 159), the papers it
# would add are, by this threshold: 0.5, 22 gold and 26 wrong (bundled), 2 and 7 (ACL, all lookups); 0.7, 13 and 4,
# 1 and 3; 0.75, 11 and 3, 1 and 1; 0.8, 8 and 1, 1 and 0. 0.75 adds three gold papers for each wrong one. (Dropping
# the first paper's abstract words as well as its title's found more wrong papers: 31 against 11 gold at 0.75.)
SECOND_SIDE_THRESHOLD = 0.75

_WORD = re.compile(r"[\w'’-]+|[^\w\s]")


def without_title_words(search: str, title: str) -> str:
    """The question without the words that name a paper by its title ('SMASH', 'one-shot', 'hypernetwork' of
    'SMASH: One-Shot Model Architecture Search through HyperNetworks'), its other words as written."""
    from rag.relevance import tokens

    naming = tokens(title)
    kept = [w for w in _WORD.findall(search) if not (tokens(w) and tokens(w) <= naming)]
    return " ".join(kept)


def other_side(eng, query: Query, chosen: list[Evidence],
               choose: Callable[[Query], tuple[list[Evidence], list[Evidence], str]]) -> Evidence | None:
    """The paper on the other side of a comparison (`SIDE_BY_SIDE`, `COMPARISON`) whose answer holds one paper:
    the best paper, other than that one, of the question read without its title's words, at
    SECOND_SIDE_THRESHOLD; else None. `choose` judges a reading (`rag.answer._choose`)."""
    if len(chosen) != 1 or query.refs or query.figure_only or query.wants_authors:
        return None
    if not (SIDE_BY_SIDE.search(query.search) or COMPARISON.search(query.search)):
        return None
    first = chosen[0].hit.paper
    residual = without_title_words(query.search, first.title or "")
    if residual == query.search or not residual.strip():
        return None
    evs, _, _ = choose(reread(query, residual))
    other = next((e for e in evs if e.hit.paper.paper_id != first.paper_id), None)
    return other if other is not None and other.relevance >= SECOND_SIDE_THRESHOLD else None
