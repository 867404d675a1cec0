"""Acronyms a question spells out, where the collection defines them that way.

A question that writes 'finite-state transducers' misses a paper that only writes 'FSTs', in BM25 and in the
relevance model's term coverage alike (session 27: a workshop's three papers on FSTs were refused). The initials of
a run of three or four plain words ('finite-state transducers' -> FST) are such an acronym only where some paper of
the collection defines it with those words ('finite-state transducers (FSTs)', 'FST (finite-state transducer)'):
initials alone are mostly something else ('school mathematics teaching' -> SMT, 'interpreting tarot card' -> ITC).
A defined acronym is added to the lexical search, and a paper that writes it in capitals counts as holding the
words the question spells it out with.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from threading import Lock

__all__ = ["defined_acronyms", "spelled_out", "with_acronyms", "with_spelled", "written_in_capitals"]

_WORD = re.compile(r"[A-Za-z]+")
DEFINITION_HITS = 10  # papers searched for a definition of each candidate acronym


def spelled_out(text: str, known: set[str] | frozenset[str]) -> dict[str, str]:
    """Candidate acronyms of an English text and the words that spell each out, as typed: 'finite-state
    transducers' -> {'fst': 'finite-state transducers'}, for runs of three or four plain words (no acronym, no
    stopword, joined by spaces or hyphens; the longest run from a word) whose initials are a term of the collection
    (`known`). Two words make none (two-letter terms are mostly something else: 'et al.'), nor French or German."""
    from rag.text import STOPWORDS, non_english

    if non_english(text):
        return {}  # initials of French or German words, or of a gloss's list of translations, spell nothing
    words = list(_WORD.finditer(text))
    out: dict[str, str] = {}
    i = 0
    while i < len(words):
        found = 0  # the longest run from here
        for n in (2, 3, 4):
            run = words[i:i + n]
            if len(run) < n or any(not re.fullmatch(r"[\s-]+", text[a.end():b.start()])
                                   for a, b in zip(run, run[1:], strict=False)):
                break
            if any(w.group().lower() in STOPWORDS or (len(w.group()) > 1 and w.group().isupper()) for w in run):
                break
            if n > 2 and "".join(w.group()[0] for w in run).lower() in known:
                found = n
        if found:
            run = words[i:i + found]
            out.setdefault("".join(w.group()[0] for w in run).lower(), text[run[0].start():run[-1].end()])
        i += found or 1
    return out


def _definition(acr: str, phrase: str) -> re.Pattern:
    """'finite-state transducers (FSTs)' or 'FST (finite-state transducer)': each word by its first letters (at
    least four, all but two), any ending."""
    words = r"[\s-]+".join(re.escape(w[:max(4, len(w) - 2)]) + r"\w*" for w in _WORD.findall(phrase))
    a = re.escape(acr.upper()) + "s?"
    return re.compile(rf"\b{words}\s*\(\s*{a}\s*[),;]|\b{a}\s*\(\s*{words}\s*[),;]", re.I)


_defined: OrderedDict[tuple, bool] = OrderedDict()  # (retriever, its size, acronym, words) -> defined?
_lock = Lock()


def defined_acronyms(eng, text: str, qvec=None) -> dict[str, frozenset[str]]:
    """The acronyms the text spells out that some paper of the collection defines with those words, each with
    the stemmed words ('fst' -> {'finit', 'state', 'transduc'}): a search per candidate (its dense leg on the
    question's own vector `qvec` where given), remembered per collection state."""
    from rag.lexical import query_tokens

    out = {}
    for acr, phrase in spelled_out(text, eng.lexical.terms).items():
        key = (id(eng.retriever), len(eng.retriever.papers), acr, phrase.lower())
        with _lock:
            known = _defined.get(key)
        if known is None:
            pattern = _definition(acr, phrase)
            hits = eng.retriever.search(f"{phrase} {acr.upper()}", k=DEFINITION_HITS, qvec=qvec)
            known = any(pattern.search(f"{h.paper.title or ''} {h.paper.abstract}") for h in hits)
            with _lock:
                _defined[key] = known
                if len(_defined) > 4096:
                    _defined.popitem(last=False)
        if known:
            out[acr] = frozenset(query_tokens(phrase))
    return out


def with_acronyms(text: str, acronyms: dict[str, frozenset[str]]) -> str:
    """The text with the defined acronyms it spells out added ('… finite-state transducers? FST'), for the
    lexical search: a paper that only writes 'FSTs' is found by the question's words for them."""
    typed = {w.lower() for w in _WORD.findall(text)}
    extra = [acr.upper() for acr in acronyms if acr not in typed]
    return f"{text} {' '.join(extra)}" if extra else text


def written_in_capitals(acronyms: dict[str, frozenset[str]], raw: str) -> dict[str, frozenset[str]]:
    """The acronyms a paper writes in capitals (`raw`: its text as written), where 'fst' in lower case is something
    else."""
    return {acr: words for acr, words in acronyms.items() if re.search(rf"\b{acr.upper()}s?\b", raw)}


def with_spelled(tokens: set[str], written: dict[str, frozenset[str]]) -> set[str]:
    """Tokens (of a paper, its title or a sentence), with the words of each acronym among them that the paper writes
    in capitals (`written_in_capitals`): 'FSTs' counts as 'finite-state transducers'."""
    extra = [words for acr, words in written.items() if acr in tokens]
    return tokens.union(*extra) if extra else tokens
