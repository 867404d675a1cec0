"""An author typed in a question: 'by X', "X's papers", 'what has X written on', or a full name the
collection lists, in any case and position. `author_phrase` finds the span to cut from the question and the
papers it selects; `corpus_spelling` gives the author filter the collection's own spelling of the name. A
leaf module of `rag.filters`."""

from __future__ import annotations

import re

from rag.retrieval import AuthorIndex, fold
from rag.retrieval.names import LATIN
from rag.types import Paper

# A particle inside a name ('Charles de Gaulle', 'Vincent van Gogh'), which runs the name on.
PARTICLE = r"(?:de|da|del|della|der|den|di|du|van|von|le|la|ter|ten|zu|dos|das)"
# A person's own works or words: the person is the papers' topic, not their author.
_WORKS = (r"novels?|plays?|poems?|poetry|speeches?|tweets?|letters?|writings?|books?|songs?|lyrics|sermons?|"
          r"theor(?:y|ies)|essays?")
# ... after a possessive ("Dickens's novels", "Chomsky's theories", "Trump's tweets")
WORKS = re.compile(r"['’]s\s+(?:\w+\s+)?(?:" + _WORKS + r"|films?|movies?|diar(?:y|ies)|philosophy|presidency|"
                   r"administration|style|prose|oeuvre|dialogues?|manuscripts?|texts?|language|legacy|life)\b", re.I)
# ... and before 'of' / 'de' / 'von' ('the speeches of X', 'los discursos de X', 'les romans de X')
WORKS_OF = re.compile(r"\b(?:" + _WORKS + r"|discours|discursos|romans?|novelas?|poèmes|poemas|lettres|cartas|écrits|"
                      r"escritos|œuvres?|oeuvres?|obras?|reden|romane|gedichte|briefe|schriften)\s+"
                      r"(?:of|de|del|des|du|von|by)\s+(?:the\s+)?$", re.I)


# The nouns after which 'of <Name>' names the author ('the papers of Jane Doe', 'les travaux de Jean Dupont').
OWN_WORK = re.compile(r"\b(?:papers?|works?|publications?|articles?|research|contributions?|studies|writings?|output|"
                      r"travaux|recherches)\s+$", re.I)


# A capitalised word heading the question, then where or when ('at LREC', 'before 2020', 'in the 2010s') and a colon or a
# dash: a surname, where two papers or more list it.
HEADING_SURNAME = re.compile(r"\W*([A-Z][^\W\d_A-Z’'-]*(?:[’'-][^\W\d_]+)*)(?=\s+(?:at|in|before|after|since|until|till|from|between|during|"
                             r"up\s+to)\s+[^:;–—?]{1,40}?(?::|\s[–—-]\s))")


def heading_surname(asked: str, q: str, authors: AuthorIndex) -> tuple[int, int, str, dict[int, int]] | None:
    """A surname heading the question as asked (`asked`) before a venue or years and a colon ('Cieri at LREC: …',
    'Okumura before 2020 – …'), where two papers or more list it: its span in `q` (the question with the venue and
    years cut), the name and the papers it selects; else None (session 39)."""
    m = HEADING_SURNAME.match(asked)
    if m is None:
        return None
    matched = authors.match(m.group(1))
    at = re.match(r"\W*" + re.escape(m.group(1)) + r"\b", q)
    return (at.start(), at.end(), m.group(1), matched) if at and len(matched) >= 2 else None


def author_phrase(q: str, authors: AuthorIndex) -> tuple[int, int, str, dict[int, int]] | None:
    """(start, end, name, matched papers) of the author phrase to cut from the question, or None."""
    m = re.search(
        r"(?:\b(?:by|from|of|has|did|have|had|par|de)\s+|\bd['’])([A-Z][\w’'.-]*(?:\s+(?:" + PARTICLE + r"\s+)?"
        r"[A-Z][\w’'.-]*){0,2}?)(?=['’]s\b|\s+(?!" + PARTICLE + r"\s+[A-Z])[a-z]|\s*[,?.!:;]|\s*$)", q)
    name = re.sub(r"['’]s$", "", m.group(1)) if m else None  # "did Shuiwang Ji's group propose"
    if m is not None and (WORKS.match(q, m.end(1) - (2 if m.group(1) != name else 0)) or WORKS_OF.search(q, 0, m.end(0) - len(m.group(1)))):
        m = name = None  # "Dickens's novels": the person the papers are about
    if m is None:
        m = re.search(r"\b((?:[A-Z][\w’'-]+\s+(?:" + PARTICLE + r"\s+)?){0,2}[A-Z][\w’'-]+)['’]s\s+(?:papers?|work|group|lab)\b",
                      q)  # "Gerard de Melo's papers"
        name = m.group(1) if m else None
    if name and re.match(r"(?:The|A|An|Le|La|Les|Un|Une|Der|Die|Das|Ein|Eine)\s", name):
        name = None  # 'a corpus of The Little Prince' names a book, not its author Prince
    if (name and m is not None and " " in name and re.match(r"(?:of|de|d['’])", q[m.start():m.start(1)], re.I)
            and not OWN_WORK.search(q, 0, m.start()) and fold(name) not in authors.full):
        name = None  # 'the killing of George Floyd': a full name no paper lists, after 'of' a noun that is no work
    matched = _surname_match(authors, name) if name else {}
    full = _full_author_name(q, authors)  # in any case and position: "walid magdy sarcasm"
    if full and name and " " not in name and fold(name) not in fold(full[2]).split():
        matched = {}  # 'Aurélie Névéol and colleagues on … of French clinical text': the full name, not 'French'
    if matched and not (full and full[0] <= m.start(1) < full[1] and full[1] >= m.start(1) + len(name)
                        and full[1] - full[0] > len(name)):
        return m.start(), m.end(), name, matched  # unless a longer full name holds it: 'Sabine Schulte im Walde',
        # "Gerard de Melo's papers" (not 'Melo' after a French 'de')
    if full is None:
        return None
    start, end, name = full
    if WORKS_OF.search(q, 0, start):
        return None  # 'los discursos de Hugo Chávez': the person the papers study
    pre = re.search(r"\b(?:by|from|of|par|de)\s+$", q[:start], re.I)
    post = re.match(r"['’]s\b", q[end:])
    matched = authors.match(name)
    if not matched:
        return None
    return (pre.start() if pre else start), end + (post.end() if post else 0), name, matched


def _surname_match(authors: AuthorIndex, name: str) -> dict[int, int]:
    """Papers an author name typed after 'by', 'of' or before "'s" selects. A name of two words or more is
    that author's only where the papers list it in full or its last word is a surname: 'Thomas Aquinas's
    writings' is no paper of Rebecca Thomas."""
    matched = authors.match(name)
    words = re.sub(r"['’]s$", "", name).split()
    if len(words) < 2:
        return matched
    surname = authors.match(words[-1])  # the papers with an author of that surname (either index's `match`)
    return {i: n for i, n in matched.items() if n >= 2 or i in surname}


def _full_author_name(q: str, authors: AuthorIndex) -> tuple[int, int, str] | None:
    """(start, end, name as typed) of the longest run of 2-4 words that is a full author name of the
    collection, matched without regard to case or accents."""
    words = list(re.finditer(r"[^\W\d_][\w’'.-]*", q))
    for n in (4, 3, 2):
        for i in range(len(words) - n + 1):
            run = words[i : i + n]
            last = re.sub(r"['’]s$", "", run[-1].group(0))  # "Kevin Knight's"
            folded = [fold(w.group(0).rstrip(".")) for w in run[:-1]] + [fold(last)]
            if " ".join(folded) in authors.full:
                end = run[-1].start() + len(last)
                return run[0].start(), end, q[run[0].start() : end]
    return None


def corpus_spelling(name: str, papers: list[Paper], matched: dict[int, int]) -> str:
    """The corpus spelling of the author the question named: the same full name (or first and last
    name, or surname and first initial) if the question gave one, else the surname."""
    target = fold(name.translate(LATIN)).split()
    names = [a for idx in matched if idx < len(papers) for a in papers[idx].authors]
    if len(target) > 1:
        for a in names:
            parts = fold(a.translate(LATIN)).split()
            if parts == target or (len(parts) >= 2 and [parts[0], parts[-1]] == [target[0], target[-1]]):
                return a
    for a in names:
        parts = fold(a.translate(LATIN)).split()
        # a full name typed: the same surname with a first name that may be the same person's ('Kathy' for
        # 'Kathleen', 'T.' or 'Chris' for 'Christopher'); otherwise the name as typed, which matches nobody else
        # ('John Smith' is not 'Angus Grieve-Smith', 'Tianqi Chen' is not 'Tianlong Chen')
        if parts and parts[-1] == target[-1] and (len(target) == 1 or same_first_name(target[0], parts[0])):
            return a if len(target) > 1 else a.split()[-1]
    return name


def same_first_name(typed: str, listed: str) -> bool:
    """Could a typed first name (folded) be a listed one's: an initial, one a prefix of the other ('chris',
    'christopher'), or a short form sharing its first three letters ('kathy', 'kathleen')? Two full first
    names that differ ('tianqi', 'tianlong') are two people."""
    typed, listed = typed.rstrip("."), listed.rstrip(".")
    if not typed or not listed or typed[0] != listed[0]:
        return False
    if len(typed) == 1 or len(listed) == 1 or typed.startswith(listed) or listed.startswith(typed):
        return True
    return min(len(typed), len(listed)) <= 5 and typed[:3] == listed[:3]
