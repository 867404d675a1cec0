"""Words typed wrong ('transfomer', 'clasification'), read as the collection writes them.

A question typed in a hurry ('text clasification with gzip compresion') misses every abstract in BM25, and the
relevance model's term coverage counts the word as absent, so a lookup whose every other word fits its paper was
refused (held-out sets carry one such question each). A word of the question that the collection never writes is
read as the collection's word one edit away (a letter added, dropped, changed, or two neighbours swapped; two edits
for a word of nine letters or more), where one such word is closest (words of one stem count as one), or written far
more often than any other as close (DOMINANT), and at least MIN_PAPERS papers write it.
The collection decides, as for British spellings (rag.spelling): a word it does not hold and that is no near miss of
one it holds ('lavender', 'kerosene') is left as typed, and so are words of the reference vocabulary that are not rare
there ('apple' is no typo of 'apply'), English words the bilingual dictionaries hold ('tarot' is no typo of 'taro'),
names, acronyms and short words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from threading import Lock

__all__ = ["correct_typos"]

MIN_LETTERS = 5  # shorter words are left as typed ('ordr'): one edit away lie too many other words
LONG_WORD = 9  # from this length two edits are allowed
MIN_PAPERS = 2  # papers that must write the word read in place of a typo
# Where several words of different stems lie equally near, the one written by this many times as many papers as any
# other is read (as a spelling corrector takes the likeliest word); closer counts leave the typo as typed. Words of
# one stem ('generaton': 'generation', 'generator') count as one: the search reads their stem. Chosen, not fitted.
DOMINANT = 4
# A word whose stem the reference vocabulary (rag.relevance.reference_idf) holds below this IDF is a word, not a typo
# ('apple' 7.3, 'wheat' 9.0); rarer stems there include typos of its own texts ('transfom' 9.2). Chosen, not fitted.
COMMON_IDF = 9.0
_WORD = re.compile(r"(?<![\w'’-])([a-z]+)(?![\w'’-])")  # lower case: a capitalised word may be a name


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (insertions, deletions, substitutions, adjacent swaps), or limit + 1 once it
    exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


_index: list = []  # [(the vocabulary, its length, its words by first letter and length)]: the engine in use
_lock = Lock()


def _words_by_start(terms: set[str]) -> dict[tuple[str, int], list[str]]:
    """The collection's plain words of four letters or more, by first letter and length (built once per vocabulary;
    the vocabulary itself is kept with them, so another set at the same address is never taken for it)."""
    with _lock:
        if _index and _index[0][0] is terms and _index[0][1] == len(terms):
            return _index[0][2]
        found: dict[tuple[str, int], list[str]] = {}
        for t in terms:
            if len(t) >= MIN_LETTERS - 1 and t.isalpha() and t.isascii():
                found.setdefault((t[0], len(t)), []).append(t)
        _index[:] = [(terms, len(terms), found)]
        return found


def _nearest(word: str, terms: set[str], doc_freq: Callable[[str], int]) -> str | None:
    limit = 2 if len(word) >= LONG_WORD else 1
    index = _words_by_start(terms)
    best: list[str] = []
    best_d = limit + 1
    for n in range(len(word) - limit, len(word) + limit + 1):
        for cand in index.get((word[0], n), ()):
            d = _distance(word, cand, limit)
            if d < best_d:
                best, best_d = [cand], d
            elif d == best_d and d <= limit:
                best.append(cand)
    if not best:
        return None
    from rag.lexical import query_tokens

    by_stem: dict[tuple[str, ...], str] = {}
    for cand in sorted(best):  # words of one stem ('generation', 'generator') are one word to the search, and the
        by_stem.setdefault(tuple(query_tokens(cand)), cand)  # collection counts them together: the first is read
    counts = sorted(((doc_freq(c), c) for c in by_stem.values()), reverse=True)
    top, word_read = counts[0]
    if top < MIN_PAPERS or (len(counts) > 1 and top < DOMINANT * max(counts[1][0], 1)):
        return None  # no near word written by enough papers, or several equally near and about as common: not read
    return word_read


def correct_typos(text: str, terms: set[str], doc_freq: Callable[[str], int],
                  is_word: Callable[[str], bool] | None = None) -> str:
    """`text` with each lower-case word of MIN_LETTERS or more that the collection (`terms`: its lower-cased words)
    never writes, in this or another form, and whose stem is not common in the reference vocabulary (COMMON_IDF),
    replaced by the one word it writes within one edit (two from LONG_WORD letters), or the one of several as near that
    DOMINANT times as many papers write, where at least MIN_PAPERS papers hold it; everything else as typed.
    `is_word` (an English word list: the bilingual dictionaries' English side) keeps words that are English but rare
    in research text as typed."""
    from rag.lexical import query_tokens
    from rag.relevance import reference_idf

    idf = reference_idf()[0]

    def sub(m: re.Match) -> str:
        word = m.group(1)
        if len(word) < MIN_LETTERS or word in terms or doc_freq(word) > 0:
            return word  # short, or written by the collection in this or another form ('explains' and 'explain')
        if any(idf.get(t, COMMON_IDF) < COMMON_IDF for t in query_tokens(word)):
            return word  # a word of the reference vocabulary ('apple', 'trading'): no typo, however near another
        if is_word is not None and is_word(word):
            return word  # an English word rare in research text ('tarot' is no typo of 'taro')
        return _nearest(word, terms, doc_freq) or word

    return _WORD.sub(sub, text)
