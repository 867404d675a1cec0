"""Author names and distinctive titles quoted in a question."""

from __future__ import annotations

import re
from collections import defaultdict

from rag.text import fold
from rag.types import Paper

# Letters that Unicode does not decompose into a base letter and an accent, as people type them in ASCII.
LATIN = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ß": "ss", "đ": "d", "Đ": "D",
                       "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "ı": "i"})


class AuthorIndex:
    """Find papers whose author names occur in a question."""

    def __init__(self, papers: list[Paper]):
        self.full: dict[str, set[int]] = defaultdict(set)
        self.last: dict[str, set[int]] = defaultdict(set)
        for i, p in enumerate(papers):
            for a in p.authors:
                for name in {fold(a), fold(a.translate(LATIN))}:  # 'Søgaard' typed as written or as 'Sogaard'
                    parts = name.split()
                    if len(parts) >= 2:
                        self.full[name].add(i)
                        self.full[f"{parts[0]} {parts[-1]}"].add(i)
                    if parts and len(parts[-1]) >= 4:
                        self.last[parts[-1]].add(i)

    def lists(self, name: str) -> bool:
        """Is this full name (or its first and last word) an author of some paper?"""
        words = fold(name.translate(LATIN)).split()
        return bool(words) and (" ".join(words) in self.full or f"{words[0]} {words[-1]}" in self.full)

    def match(self, query: str) -> dict[int, int]:
        """paper index -> number of matched authors (full names, or capitalised surnames)."""
        q = " " + fold(re.sub(r"['’]s\b", "", query).translate(LATIN)) + " "
        hits: dict[int, int] = defaultdict(int)
        words = q.split()
        for n in (4, 3, 2):
            for i in range(len(words) - n + 1):
                name = " ".join(words[i : i + n])
                for idx in self.full.get(name, ()):
                    hits[idx] += 2
        capitalised = {fold(w.translate(LATIN)) for w in re.findall(r"\b[A-Z][\w’'-]+", query)}
        for w in capitalised:
            w = re.sub(r" s$", "", w)
            for idx in self.last.get(w, ()):
                hits[idx] += 1
        return dict(hits)


TITLE_PHRASE_MAX_DF = 3  # a quoted name of 2+ words identifies a paper only if at most this many papers contain it


def phrase_in(phrase: str, paper: Paper) -> bool:
    """Whether the folded phrase occurs, as whole words, in the paper's folded title or abstract."""
    return f" {phrase} " in f" {fold(paper.title or '')} {fold(paper.abstract or '')} "


class DistinctiveNames:
    """Which multi-word title names are names rather than topic phrases, cached per name.

    A claim or question that merely uses a field's term ("hematopoietic stem cell", "adverse drug
    events", "T-cell activation") is not a title lookup, even when some paper's title (or the part
    before its ':') is exactly that term; on SciFact such matches put a review of the topic first for
    claims about something else. A name counts when at most TITLE_PHRASE_MAX_DF papers contain the
    phrase in their title or abstract: the same rarity that one-word names must have.
    `phrase_count(name, limit)` counts papers containing the phrase, stopping at `limit`."""

    def __init__(self, phrase_count=None, max_size: int = 4096):
        self.phrase_count = phrase_count
        self.max_size = max_size
        self._known: dict[str, bool] = {}

    def __call__(self, name: str) -> bool:
        if self.phrase_count is None or len(name.split()) < 2:
            return True  # one-word names are checked for rarity when the index is built
        known = self._known.get(name)
        if known is None:
            known = self.phrase_count(name, TITLE_PHRASE_MAX_DF + 1) <= TITLE_PHRASE_MAX_DF
            if len(self._known) >= self.max_size:
                self._known.clear()
            self._known[name] = known
        return known


class TitleIndex:
    """Find papers whose title, or the distinctive short name before/after its ':', is quoted in
    a question ("Network In Network", "GrowNet", "pixelNeRF"). Generic short names ("Obesity",
    "A review") are ignored: a one-word name must be rare in the corpus, a longer one 3+ words and,
    when `phrase_count` is given, a phrase few papers contain (`DistinctiveNames`)."""

    def __init__(self, papers: list[Paper], is_rare=None, phrase_count=None):
        self.distinctive = DistinctiveNames(phrase_count)
        self.names: dict[str, set[int]] = defaultdict(set)
        for i, p in enumerate(papers):
            if not p.title:
                continue
            full = fold(p.title)
            if len(full.split()) >= 3:
                self.names[full].add(i)
            if ":" in p.title:
                head, tail = p.title.split(":", 1)
                for part in (fold(head), fold(tail)):
                    n_words = len(part.split())
                    if part == full or len(part) < 4:
                        continue
                    if n_words >= 3 or (n_words == 1 and (is_rare is None or is_rare(part))):
                        self.names[part].add(i)
        self.max_words = max((len(n.split()) for n in self.names), default=0)

    def match(self, query: str) -> set[int]:
        """Indices of papers whose name the question quotes (distinctive names only)."""
        words = fold(query).split()
        found: set[int] = set()
        for n in range(min(self.max_words, len(words)), 0, -1):
            for i in range(len(words) - n + 1):
                name = " ".join(words[i : i + n])
                if name in self.names and self.distinctive(name):
                    found |= self.names[name]
        return found
