"""A topic the question sets aside ('Event ticketing, not lottery tickets: …', 'Blood-sugar spikes rather than spiking
neurons: …').

Such a question names a word the collection uses in another sense, and its best paper is often about that sense: the
words set aside are what it matched. The question is read again without them (`rag.query.without_set_aside`); where
no paper is even weakly relevant to what is left (SET_ASIDE_BELOW), the answer refuses."""

from __future__ import annotations

from collections.abc import Callable

from rag.answer.evidence import Evidence
from rag.query import Query, reread, without_set_aside

__all__ = ["SET_ASIDE_BELOW", "answered_only_by_what_is_set_aside"]

# The relevance below which no paper answers what the question asks once its set-aside topic is gone. Session 42, on
# the seen questions that set a topic aside (bundled dev and v1-v105: 225; ACL v1-v105: 73), read without it: the
# unanswerable ones answered before fall to 0.06, 0.09 and 0.18 (horticultural pruning, crude-oil distillation,
# blood-sugar spikes, all from v104-v105) or stay at 0.59-0.86 (four); of the answerable ones still answered, one
# bundled list falls below 0.2 (0.09: a chest X-ray classifier using hospital tokens rather than pathology, refused)
# and the next are at 0.24 and 0.28-0.30 (ACL). 0.2 refuses three unanswerable questions against one answerable one.
SET_ASIDE_BELOW = 0.2


def answered_only_by_what_is_set_aside(query: Query, choose: Callable[[Query], tuple[list[Evidence], list, str]]) -> bool:
    """Does the question set a topic aside (`rag.query.SET_ASIDE`) and, read without it, find no paper at
    SET_ASIDE_BELOW? `choose` judges a reading (`rag.answer._choose`)."""
    rest = without_set_aside(query.search)
    if rest == query.search or query.has_history:
        return False
    evs, _, _ = choose(reread(query, rest))
    return not evs or max(e.relevance for e in evs) < SET_ASIDE_BELOW
