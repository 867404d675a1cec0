"""Small text utilities shared by answering and citation checking."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ABBREV = r"(?:e\.g|i\.e|et al|vs|Fig|Eq|cf|approx|resp|Sec|No|Dr|Mr|Ms|Prof)"
_CITE = re.compile(r"\s*\[\d+(?:\s*[,–-]\s*\d+)*\]")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just me more most my no nor not of
    off on once only or other our ours out over own same she should so some such than that the their
    theirs them then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours paper papers work works collection
    propose proposed method approach use used using based show shows new model models also well one two
    there any anything tell describe explain""".split()
)
WH = frozenset("what which who whom whose how why when where is are do does did can could".split())


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations like 'e.g.' and 'et al.' intact."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    protected = re.sub(_ABBREV + r"\.", lambda m: m.group(0).replace(".", "\x00"), text)
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[$\\])", protected)
    return [p.replace("\x00", ".").strip() for p in parts if p.strip()]


def strip_citations(text: str) -> str:
    return _CITE.sub("", text)


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9][A-Za-z0-9+\-.%]*[A-Za-z0-9%]|[A-Za-z0-9]", text)


def content_terms(text: str) -> list[str]:
    """Lower-cased non-stopword terms (numbers kept)."""
    out = []
    for w in words(text):
        lw = w.lower().strip(".")
        if lw and lw not in STOPWORDS and (len(lw) > 1 or lw.isdigit()):
            out.append(lw)
    return out


# A letter joined to a capitalised word ('R-GAP', 'T-Miner', 'k-NN'), CamelCase, camelCase, ACRONYMS, a capitalised word
# joined to a number ('Kinetics-400', not 'Top-5'), digit mixes
NAMED = re.compile(r"\b(?:[A-Za-z]-[A-Z][A-Za-z0-9]*(?:-\w+)*|[A-Z][a-z]+[A-Z][\w-]*|[a-z]+[A-Z][\w-]*|[A-Z]{2,}[\w-]*|(?!Top-)[A-Z][a-z]+-\d[\w-]*|"
                   r"\w*\d\w*-?\w*)\b")


def named_terms(text: str) -> list[str]:
    """Terms that look like names of methods, datasets or systems: CamelCase, ACRONYMS, mixes with digits."""
    out = []
    for m in NAMED.finditer(text):
        t = m.group(0).strip("-")
        if len(t) >= 3 and not t.isdigit():
            out.append(t)
    return out


def has_number(text: str) -> bool:
    return bool(re.search(r"\d", text))


_TERM = re.compile(r"[A-Za-z0-9]+(?:[-‐/][A-Za-z0-9]+)*")
_PARTS = re.compile(r"[-‐/]")


def squashed_variants(text: str) -> set[str]:
    """Lower-cased terms with hyphens squashed, plus every contiguous run of their parts:
    'DC-Bi-LSTM' -> {'dcbilstm', 'dcbi', 'bilstm', 'dc', 'bi', 'lstm'}."""
    out: set[str] = set()
    for m in _TERM.finditer(text):
        term = m.group(0).lower()
        if term.isalnum():  # no hyphen or slash: the term is its only variant
            out.add(term)
            continue
        parts = _PARTS.split(term)
        if len(parts) > 6:
            parts = parts[:6]
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                out.add("".join(parts[i:j]))
    return out


def written(norm: str, variants: set[str]) -> bool:
    """Is a named term (normalised: 'flop' for 'FLOPs') among a text's or a collection's squashed term variants,
    also in its plural form ('3.6x fewer FLOPs' holds 'flops')?"""
    return norm in variants or norm + "s" in variants


def squash(term: str) -> str:
    return re.sub(r"[^a-z0-9]", "", term.lower())


def strip_accents(text: str) -> str:
    """Without accents: 'généralisé' -> 'generalise'."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation: 'Günnemann' -> 'gunnemann'."""
    return re.sub(r"[^a-z0-9]+", " ", strip_accents(text).casefold()).strip()


# Interrogatives and prepositions the bm25s lists lack, with which a French or German question usually opens
# ('Quels articles traitent des …?' had one listed function word and no letter only French writes, so it was
# read as English and searched without its English glosses); none is an English word ('comment' is) or Spanish ('entre')
_MORE_FR_DE = frozenset("quel quels quelle quelles lesquels lesquelles sans pourquoi combien chez selon vers "
                        "parmi warum weshalb wozu wieviel wieviele gibt".split())


@lru_cache(maxsize=1)
def _function_words() -> tuple[frozenset[str], frozenset[str]]:
    """(French and German function words, English ones): bm25s's stopword lists, shared words removed."""
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH, STOPWORDS_GERMAN

    foreign = frozenset(STOPWORDS_FRENCH) | frozenset(STOPWORDS_GERMAN) | _MORE_FR_DE
    english = frozenset(STOPWORDS_EN)
    return foreign - english, english - foreign


# Letters French or German writes and English and Spanish do not ('é' and 'ü' are Spanish too)
_FR_DE_LETTERS = re.compile(r"[àâçèêëîïôûùœæäöß]")


@lru_cache(maxsize=1)
def function_words_of_all() -> frozenset[str]:
    """Function words of every European language bm25s lists ('wat', Dutch 'what', is no lower-case WAT)."""
    import bm25s.stopwords as sw

    return frozenset(w for name in dir(sw) if name.startswith("STOPWORDS_") and name not in ("STOPWORDS_CHINESE",
                     "STOPWORDS_KOREAN") for w in getattr(sw, name))


def non_english(text: str) -> bool:
    """Is the text written in French or German: at least two of their function words, or one and a word
    with a letter only they use ('Welche Beiträge behandeln …?'), and more of them than English ones
    ('Gibt es eine Arbeit, die …', 'Je cherche l'article qui …')?"""
    foreign, english = _function_words()
    # single ASCII letters ('d', 'l' of elisions, '%s') say nothing; 'à' does
    found = [w for w in re.findall(r"[^\W\d_]+", text.lower()) if len(w) > 1 or not w.isascii()]
    theirs = sum(w in foreign for w in found)
    accented = any(_FR_DE_LETTERS.search(w) for w in found if w not in foreign)
    return (theirs >= 2 or (theirs == 1 and accented)) and theirs > sum(w in english for w in found)
