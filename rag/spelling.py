"""British spellings read the way the collection writes them ('generalise' -> 'generalize').

The lexical index and the answer layer's word matching are stemmed (Snowball), and Snowball gives the two
spellings of a word different stems: 'generalise' -> 'generalis', 'generalize' -> 'general'; 'neighbour' ->
'neighbour', 'neighbor' -> 'neighbor'. A question typed in British English then misses every abstract
written in American English, in BM25 and in the relevance and sentence features alike (about one question
in twenty of the human-written bundled sets has such a word). A word of the question is respelled where the
other spelling's stem occurs in AMERICAN_SHARE times as many of the collection's papers as its own: the
collection decides, so a collection written in British English keeps British spellings, one of mixed
authorship keeps both, and a word with no American form ('supervise', 'promise', 'hour') is never changed,
since its respelling occurs in no paper. A question in another language is left as typed ('analyse').
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["respell"]

# -ise / -isation / -yse and their inflections ('normalisation', 'optimising', 'analysed'), -our ('behaviour',
# 'neighbours'), -tre ('centre'). The part before the ending has three letters at least ('rise', 'tour' stay).
_BRITISH = re.compile(
    r"\b(?P<stem>[A-Za-z]{3,}?)(?P<s>[iy])(?P<z>[sS])(?P<end>e|es|ed|ing|ation|ations|er|ers|able)\b|"
    r"\b(?P<ostem>[A-Za-z]{3,}?)(?P<our>our)(?P<oend>s|ed|ing|ite|ites|ful|less|able|al|ally|hood|hoods)?\b|"
    r"\b(?P<tstem>[A-Za-z]{3,}?)(?P<tre>tre)(?P<tend>s|d)?\b")


# How many times as many papers must write a word the American way for a question's British spelling of it to be
# respelled: the collection writes it that way, and the few papers that spell it the British way are given up.
# A collection of mixed authorship keeps both (the ACL Anthology: 'realisation' 57 papers, 'realization' 265;
# 'tokenisation' 33, 'tokenization' 1,275). Chosen, not fitted: nine papers in ten.
AMERICAN_SHARE = 10


def _american(m: re.Match) -> str:
    if m.group("stem"):
        z = "z" if m.group("z") == "s" else "Z"
        return m.group("stem") + m.group("s") + z + m.group("end")
    if m.group("ostem"):
        return m.group("ostem") + "or" + (m.group("oend") or "")
    return m.group("tstem") + "ter" + (m.group("tend") or "")


def respell(text: str, doc_freq: Callable[[str], int]) -> str:
    """`text` with each British spelling whose American form's stem occurs in AMERICAN_SHARE times as many papers
    (`doc_freq(word)`: the papers holding the word's stem, as the lexical indexes count them) respelled the
    American way; everything else as typed."""
    from rag.lexical import query_tokens  # (numpy and bm25s: imported on first use)

    def sub(m: re.Match) -> str:
        word, other = m.group(0), _american(m)
        mine, theirs = query_tokens(word), query_tokens(other)
        if len(mine) != 1 or len(theirs) != 1 or mine == theirs:
            return word  # a stopword either way, or one stem for both spellings ('modelling', 'modeling')
        return other if doc_freq(other) > AMERICAN_SHARE * doc_freq(word) else word

    return _BRITISH.sub(sub, text)
