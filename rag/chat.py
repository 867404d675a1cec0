"""Conversation handling: spot follow-ups and turn them into standalone questions.

Offline this is deterministic: a follow-up ("what dataset did they use?") is answered about the
papers the previous turn was about, found by retrieving with that turn's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.text import content_terms, named_terms, strip_citations

ANAPHORA = re.compile(
    r"\b(they|them|their|theirs|it|its|this|that|these|those|he|she|his|her|the (paper|papers|work|"
    r"authors?|method|model|approach|study|dataset|system|framework|technique|results?)|same|above|"
    r"previous|earlier|former|latter|first one|second one)\b",
    re.I,
)


ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
            "fifth": 4, "5th": 4, "last": -1, "latter": -1, "former": 0}
ORDINAL_REF = re.compile(
    r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|latter|former)\s+(?:one|paper|source|"
    r"work|result|reference|citation|study|article)\b|\bthe\s+(latter|former)\b", re.I)
EXPLICIT_REF = re.compile(r"\[(\d+)\]")
SAME_AUTHORS = re.compile(
    r"\b(?:those|these|the same|their|same|its|the)\s+authors?\b.*\b(?:else|other|more|also)\b|"
    r"\b(?:what|which)\s+(?:else|other (?:papers|work))\b.*\b(?:they|those authors|these authors|them)\b|"
    r"\bother (?:papers|work) by (?:them|those authors|these authors|the same authors)\b", re.I)


@dataclass
class Thread:
    """Citation numbers that stay fixed for a whole conversation ([1] in turn 1 is [1] in turn 3)."""

    numbers: dict[str, int] = field(default_factory=dict)  # paper_id -> n
    last_cited: list[str] = field(default_factory=list)  # paper_ids cited by the last answer, in order

    @classmethod
    def from_history(cls, history: list[dict]) -> Thread:
        t = cls()
        for msg in history:
            refs = msg.get("sources") if msg.get("role") == "assistant" else None
            if refs is None:
                continue
            for ref in refs:
                t.numbers.setdefault(ref["paper_id"], ref["n"])
            t.last_cited = [r["paper_id"] for r in sorted(refs, key=lambda r: r["n"])] if refs else t.last_cited
        return t

    def by_number(self, n: int) -> str | None:
        return next((pid for pid, k in self.numbers.items() if k == n), None)

    def number_for(self, paper_id: str) -> int:
        if paper_id not in self.numbers:
            self.numbers[paper_id] = max(self.numbers.values(), default=0) + 1
        return self.numbers[paper_id]


def _at_place(m: re.Match, items: list):
    """The item at the place an ORDINAL_REF match names ('the second one', 'the latter'), or None past the list's end."""
    idx = ORDINALS[(m.group(1) or m.group(2)).lower()]
    return items[idx] if -len(items) <= idx < len(items) else None


def resolve_references(question: str, thread: Thread) -> tuple[list[str], str]:
    """Papers the question points at: '[1] and [3]', 'the second paper', 'those authors'.

    Returns (paper_ids, mode) with mode 'papers', 'authors' (what else did they write) or ''.
    """
    if not thread.numbers:
        return [], ""
    explicit = [thread.by_number(int(n)) for n in EXPLICIT_REF.findall(question)]
    explicit = [pid for pid in explicit if pid]
    if explicit:
        return list(dict.fromkeys(explicit)), "authors" if SAME_AUTHORS.search(question) else "papers"
    picked = [pid for m in ORDINAL_REF.finditer(question) if (pid := _at_place(m, thread.last_cited)) is not None]
    if picked:
        return list(dict.fromkeys(picked)), "authors" if SAME_AUTHORS.search(question) else "papers"
    if SAME_AUTHORS.search(question):
        return list(thread.last_cited), "authors"
    return [], ""


@dataclass
class Condensed:
    question: str  # what the user typed
    standalone: str  # self-contained version used for retrieval / shown to the user
    context: str = ""  # text of the previous turn(s) the follow-up refers to
    is_followup: bool = False
    focus_ids: list[str] = field(default_factory=list)
    reference: str = ""  # 'papers' or 'authors' when the question points at earlier citations


# A question that opens by going on from the last answer ('and how much faster did training get?', 'so what do they
# recommend?', 'what about energy?'): in a conversation it points back as a pronoun does
CONTINUES = re.compile(r"^\W*(?:and|also|so|plus|but|then|what about|how about)\b", re.I)


_DEFINITE = re.compile(r"\bthe ([a-z][a-z-]{3,})\b", re.I)


def points_back(question: str, context: str = "") -> bool:
    """Does the question point back at the conversation (a pronoun, 'the paper', or an opening 'and …')? With the
    conversation's last exchange as `context`, a definite noun it uses there points back too ('How long did the
    search take?' after an answer on a method that searches for losses)."""
    if ANAPHORA.search(question) or CONTINUES.match(question):
        return True
    if not context:
        return False
    from rag.lexical import query_tokens

    said = set(query_tokens(context))
    return any(set(query_tokens(m.group(1))) & said for m in _DEFINITE.finditer(question))


def is_followup(question: str, history: list[dict[str, str]]) -> bool:
    if not history:
        return False
    if points_back(question):
        return True
    terms = content_terms(question)
    names = re.findall(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]+", question.strip())
    return len(terms) <= 2 and not named_terms(question) and not names


def previous_context(history: list[dict[str, str]], turns: int = 1) -> str:
    """The last `turns` user+assistant exchanges as plain text (citations stripped)."""
    msgs = history[-2 * turns :]
    return " ".join(strip_citations(m["content"]) for m in msgs)


def cited_in_last(history: list[dict[str, str]]) -> int:
    """How many citation numbers the last answer cites ('[1] prunes …' cites one): the papers under discussion."""
    last = history[-1] if history else None
    return len(set(EXPLICIT_REF.findall(last["content"]))) if last and last.get("role") == "assistant" else 0


def ordinal_cited_text(question: str, history: list[dict[str, str]]) -> str:
    """For a question that points at a paper by its place ('the second one', 'the former') after an answer passed as
    text, whose citations name no paper ('… from few images [1]; DWTNeRF adds a wavelet loss [2].'): the words of that
    answer cited with the paper's number, which find it; '' where the question names no place or the last answer cites
    no such number."""
    m = ORDINAL_REF.search(question)
    last = history[-1] if history else None
    if not m or not last or last.get("role") != "assistant":
        return ""
    text = last["content"]
    want = _at_place(m, sorted({int(n) for n in EXPLICIT_REF.findall(text)}))
    if want is None:
        return ""
    # each stretch of text up to a citation belongs to the number(s) cited there
    stretches = [(chunk, {int(n) for n in EXPLICIT_REF.findall(cites)})
                 for chunk, cites in re.findall(r"([^\[]+)((?:\[\d+\]\s*)+)", text)]
    return " ".join(chunk.strip(" ;,.") for chunk, cited in stretches if want in cited)


def cited_context(history: list[dict[str, str]]) -> str:
    """The earlier exchanges whose answers cite a number the last answer cites, then the last exchange, as plain
    text; '' where no earlier answer does. Citation numbers stay fixed for a conversation, so those exchanges are
    about the same paper: a third turn's 'Which layers leak the most?' / 'According to [1], …' does not name the
    paper, the first exchange, which introduced [1], does."""
    last = history[-2:]
    cited = set(EXPLICIT_REF.findall(last[-1]["content"])) if last and last[-1].get("role") == "assistant" else set()
    older = history[: len(history) - len(last)]
    earlier: list[dict[str, str]] = []
    for i, m in enumerate(older):
        if cited and m.get("role") == "assistant" and cited & set(EXPLICIT_REF.findall(m["content"])):
            earlier += older[i - 1: i + 1] if i and older[i - 1].get("role") == "user" else [m]
    return previous_context(earlier + last, turns=len(earlier) + 1) if earlier else ""


def condense(question: str, history: list[dict[str, str]]) -> Condensed:
    if not is_followup(question, history):
        return Condensed(question=question, standalone=question)
    context = previous_context(history)
    last_user = next((m["content"] for m in reversed(history) if m["role"] == "user"), "")
    standalone = f"{question} (follow-up to: {strip_citations(last_user)[:300]})"
    return Condensed(question=question, standalone=standalone, context=context, is_followup=True)


def topic_question(history: list[dict[str, str]]) -> str:
    """The earlier question(s) a follow-up is read with: the last user question, led, where that one only points
    back ('So what do they recommend?', 'How deep could they go?'), by the question of the exchange that introduced
    the paper it is about: the latest earlier one that does not point back, or the conversation's first, going back
    only through exchanges whose answers cite a number the last answer cites (citation numbers stay fixed for a
    conversation). Over the follow-ups of v1-v69, 8 of 425 gain the paper discussed and none loses it against the
    last question alone (the introducing question alone: 7 gained, 1 lost)."""
    users = [i for i, m in enumerate(history) if m.get("role") == "user"]
    if not users:
        return ""
    last = history[users[-1]]["content"]
    tail = history[-1] if history[-1].get("role") == "assistant" else None
    cited = set(EXPLICIT_REF.findall(tail["content"])) if tail else set()
    if not points_back(last) or not cited:
        return last
    for i in reversed(users[:-1]):
        answer = history[i + 1] if i + 1 < len(history) and history[i + 1].get("role") == "assistant" else None
        if answer is None or not cited & set(EXPLICIT_REF.findall(answer["content"])):
            break  # an exchange about other papers
        if i == users[0] or not points_back(history[i]["content"]):  # (the first question has nothing to point
            return f"{history[i]['content']} {last}"  # back at: its 'that' is a relative pronoun)
    return last
