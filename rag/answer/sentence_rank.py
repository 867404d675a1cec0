"""Which sentences of an abstract answer the question: a learned ranker over per-sentence signals.

A focused answer quotes an abstract's best three sentences, and a list its best one per paper. Which
sentences those are was a hand-weighted sum until session 18 (cosine + 0.35 x term overlap + 0.6 x the
asked-for terms + small bonuses). Now a logistic regression fitted with scikit-learn by
`python -m benchmarks.train_sentences` weighs those signals and six more about the sentence's place in its
abstract; its coefficients live in `rag/data/sentences.json` and are applied here with numpy (no
scikit-learn at answer time).

Labels: the human-written question sets already fitted on (benchmarks/data, v1-v19 and v22): in the gold
abstract of a detail, lookup or follow-up question, the sentences holding its `answer_contains` text are
the answer sentences (a URL sentence only where the question asks for a link). v20-v21 are the validation
sets (never fitted), as for the relevance model.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_FILE = Path(__file__).resolve().parent.parent / "data" / "sentences.json"

FEATURES = (
    "cos",  # embedding cosine of the sentence and the question
    "cos_rel",  # cosine minus the abstract's best sentence cosine
    "overlap",  # share of the question's terms in the sentence
    "asked",  # share of the question's terms that are not the paper's title words (what is asked of it)
    "idf_overlap",  # IDF-weighted share of the question's terms in the sentence
    "low_value",  # a URL or "code is available" sentence (-1 where the question asks for a link)
    "contribution",  # "we propose / this paper presents …", where the answer lists papers
    "figure",  # states a number, where the question asks for one
    "counts",  # a number counts what a 'how many <unit>' question counts
    "ratio",  # states a ratio or percentage, where the question asks for a relative amount
    "names",  # names a dataset, model or language the question and title do not, where a name is asked
    "position",  # index in the abstract / (sentences - 1)
    "first",  # the abstract's first sentence (often background)
    "cos_rank",  # log(1 + rank by cosine within the abstract)
    "idf_rank",  # log(1 + rank by IDF-weighted overlap within the abstract)
    "idf_rel",  # IDF-weighted overlap minus the abstract's best
    "asked_rel",  # asked-for share minus the abstract's best
)


class SentenceRanker:
    """Standardise, then a linear score (the logistic regression's log-odds)."""

    def __init__(self, spec: dict):
        if tuple(spec["features"]) != FEATURES:
            raise ValueError(f"sentence ranker was fitted on other features: {spec['features']}")
        self.mean = np.asarray(spec["mean"], dtype=np.float64)
        self.scale = np.asarray(spec["scale"], dtype=np.float64)
        self.coef = np.asarray(spec["coef"], dtype=np.float64)
        self.intercept = float(spec["intercept"])

    def score(self, X: np.ndarray) -> np.ndarray:
        """Log-odds that each sentence (row of X, columns FEATURES) answers the question. A sentence whose
        cosine is unknown (NaN: a large collection did not embed it) gets NaN, and `Evidence.best` ranks it
        after the scored ones by its term overlap."""
        if not len(X):
            return np.zeros(0, dtype=np.float32)
        z = ((np.nan_to_num(X, nan=0.0) - self.mean) / self.scale) @ self.coef + self.intercept
        return np.where(np.isnan(X[:, 0]), np.nan, z).astype(np.float32)


@lru_cache(maxsize=1)
def load_ranker() -> SentenceRanker:
    return SentenceRanker(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


def feature_matrix(cos: np.ndarray, overlap: np.ndarray, asked: np.ndarray, idf_overlap: np.ndarray,
                   flags: dict[str, np.ndarray]) -> np.ndarray:
    """FEATURES for each sentence of one abstract, in abstract order; `flags` holds the 0/1 columns from
    `low_value` to `names` (already zero where the question does not ask for that kind of thing)."""
    n = len(cos)
    if not n:
        return np.zeros((0, len(FEATURES)))
    cos = np.asarray(cos, dtype=np.float64)
    idf_overlap = np.asarray(idf_overlap, dtype=np.float64)
    asked = np.asarray(asked, dtype=np.float64)
    known = np.nan_to_num(cos, nan=0.0)
    best = np.nanmax(cos) if not np.isnan(cos).all() else np.nan

    def rank(v: np.ndarray) -> np.ndarray:
        return np.log1p(np.argsort(np.argsort(-v, kind="stable"), kind="stable"))

    cols = [cos, cos - best, overlap, asked, idf_overlap, *(flags.get(f, np.zeros(n)) for f in FEATURES[5:11]),
            np.arange(n) / max(n - 1, 1), (np.arange(n) == 0), rank(known), rank(idf_overlap),
            idf_overlap - idf_overlap.max(), asked - asked.max()]
    return np.column_stack([np.asarray(c, dtype=np.float64) for c in cols])
