"""Does the question ask for a list of papers? A learned cue for how many papers an answer lists.

A question such as "anything on shortcut learning?" or "graph nets that use attention over
neighbours" wants every paper on its topic, but each of those papers answers only part of a broad
topic, so the relevance model gives the second and third ones a middling probability and the answer
shrank to one paper. This model reads the question's wording, not its topic: a TF-IDF (word 1- and
2-gram) logistic regression fitted on the human-written questions already looked at
(`python -m benchmarks.train_intent`; lists: multi-paper questions over the bundled corpus and filter
questions over ACL; single papers: lookups, details, author questions, follow-ups). Where it gives a
list at least `cut`, `rag.answer.judge.select` lists further papers down to `list_threshold` (fitted
with it, on out-of-fold predictions) instead of the relevance model's own list threshold; where it gives
less, further papers join only from `single_list_threshold`, fitted the same way on the questions it does
not call lists (session 19). A question it calls a list whose best paper misses the answer threshold is
still answered where its best three papers' relevance adds up to `list_support` (session 20; a broad topic
that several papers each answer in part), chosen by the answer threshold's own cost on the questions it
calls lists; refusing otherwise rests on relevance alone.

The transform is scikit-learn's `TfidfVectorizer` (lowercase, token pattern, sublinear tf, smoothed
idf, l2 norm) computed from the exported vocabulary, so answering needs no scikit-learn;
`tests/test_intent.py` checks it against scikit-learn itself.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from threading import Lock

MODEL_FILE = Path(__file__).parent / "data" / "intent.json"
TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


class IntentModel:
    """P(the question asks for a list of papers) from its wording."""

    def __init__(self, spec: dict):
        self.index = {t: i for i, t in enumerate(spec["terms"])}
        self.idf = spec["idf"]
        self.coef = spec["coef"]
        self.intercept = float(spec["intercept"])
        self.cut = float(spec["cut"])
        self.list_threshold = float(spec["list_threshold"])
        # where it gives a list below `cut`: further papers join only from this relevance (None: the relevance
        # model's own list threshold)
        single = spec.get("single_list_threshold")
        self.single_list_threshold = None if single is None else float(single)
        # where it gives a list at least `cut` and the best paper is below the answer threshold: the question is
        # still answered where its best three papers' relevance sums to this (None: no such rule)
        support = spec.get("list_support")
        self.list_support = None if support is None else float(support)

    def vector(self, text: str) -> dict[int, float]:
        """The question's l2-normalised TF-IDF vector (term index -> weight), as TfidfVectorizer makes it."""
        toks = TOKEN.findall(text.lower())
        grams = Counter(toks + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)])
        vec = {self.index[g]: (1.0 + math.log(n)) * self.idf[self.index[g]] for g, n in grams.items()
               if g in self.index}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {i: v / norm for i, v in vec.items()} if norm else {}

    def whole(self, text: str) -> float:
        """The model's probability for the text as one piece."""
        z = self.intercept + sum(self.coef[i] * v for i, v in self.vector(text).items())
        return 1.0 / (1.0 + math.exp(-z))

    def probability(self, text: str) -> float:
        """P(list) of the question: its whole text's, raised halfway to its most list-like clause's (`combine`)."""
        return combine(self.whole(text), [self.whole(c) for c in clauses(text)])


# A question's clauses: split after ':', '?', ';' or '!', at a dash or after a full stop ('Teacher-to-student
# transfer in its various guises (…): list every matching paper.'), each of two words at least.
CLAUSE_BREAK = re.compile(r"(?<=[:?;!])\s+|\s+[—–]\s+|\.\s+")


def clauses(text: str) -> list[str]:
    """The question's clauses, where it has two or more (else none)."""
    parts = [p.strip() for p in CLAUSE_BREAK.split(text)]
    parts = [p for p in parts if len(p.split()) >= 2]
    return parts if len(parts) >= 2 else []


def combine(whole: float, parts: list[float]) -> float:
    """The whole question's probability, raised halfway to its most list-like clause's where that is higher. The
    words that ask for a list sit in one clause ('… : list every matching paper.', '… Which abstracts in here go in
    that pile?'), and the topic's words in the others dilute them in the whole question's TF-IDF vector (session 41:
    on the looked-at, never-fitted v93-v101, bundled lists called lists 0.812 -> 0.882 (v93-v98) and 0.750 -> 0.833
    (v99-v101), single-paper questions called lists 0.063 -> 0.091 and 0.024 -> 0.040; ACL lists 0.955 -> 0.977 and
    0.924 -> 0.985, single-paper questions unchanged)."""
    return max(whole, (whole + max(parts)) / 2) if parts else whole


_model: IntentModel | None = None
_lock = Lock()


def load_intent(path: Path | None = None) -> IntentModel:
    global _model
    if path is not None:
        return IntentModel(json.loads(Path(path).read_text()))
    with _lock:
        if _model is None:
            if not MODEL_FILE.exists():
                raise FileNotFoundError(f"{MODEL_FILE} is missing: rebuild it with `python -m benchmarks.train_intent`")
            _model = IntentModel(json.loads(MODEL_FILE.read_text()))
        return _model
