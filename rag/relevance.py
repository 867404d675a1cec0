"""P(this paper answers this question): one calibrated judgement that drives the answer.

The retriever ranks papers; this module decides whether each one *answers* the question. Its
probability chooses how many papers an answer lists, whether to refuse, and which sources an
LLM is given. It is a logistic regression over signals the pipeline already computes, fitted by
`python -m benchmarks.train_relevance` on labelled data that is not the dev set (SciFact train
claims with their qrels; questions generated from ACL Anthology and bundled-corpus metadata;
unanswerable cases made by leaving the gold paper out and by asking about absent topics).

Every feature is independent of how many papers the collection holds: similarities are
absolute, term weights come from a fixed reference vocabulary (`rag/data/idf.json.gz`, document
frequencies over ~35k real abstracts) rather than from the collection, and the remaining ones are
relative to the other candidates of the same question.
"""

from __future__ import annotations

import gzip
import json
import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.lexical import query_tokens

DATA = Path(__file__).resolve().parent / "data"
IDF_FILE = DATA / "idf.json.gz"
MODEL_FILE = DATA / "relevance.json"

FEATURES = (
    "cos",  # dense cosine of question and paper (title + abstract)
    "sent_cos",  # cosine of the question and the paper's best sentence
    "cov",  # reference-IDF-weighted share of the question's terms found in title, authors or abstract
    "cov_title",  # ... found in the title
    "cov_sent",  # ... found in the single best-covering sentence
    "named_hit",  # share of the question's named terms (methods, datasets, acronyms) found in the paper
    "named_absent",  # share of the question's named terms found nowhere in the collection
    "rank",  # log(1 + rank) among the candidates
    "cos_gap",  # best candidate cosine minus this one's
    "sent_gap",  # best candidate sentence cosine minus this one's
    "cov_gap",  # best candidate coverage minus this one's
    "bm25_rel",  # BM25 score relative to the best candidate's
    "author",  # the question names this paper's authors
    "title",  # the question quotes this paper's distinctive title
    "q_len",  # log(1 + number of question terms)
    "cos_margin",  # cosine minus the median cosine of this question's candidates
    "cos_x_cov",  # interaction: cosine x coverage
    "sent_x_cov",  # interaction: best-sentence cosine x sentence coverage
    "miss_max",  # reference IDF of the most specific question term the paper lacks, / the question's highest
    # (1: its most specific term is missing, as in a near miss; 0: every term is there)
)
# Question-level context, computed from the columns above over the question's candidates: how
# dominant the best paper is and how broad the topic (many similar papers make a list, one far
# ahead of the rest a focused answer).
CONTEXT = (
    "top_gap",  # best cosine minus the second best (same for every candidate of the question)
    "n_close",  # candidates within 0.08 cosine of the best, / JUDGED
    "cov_rel",  # coverage relative to the best-covering candidate
    "n_full",  # candidates covering >= 75% of the question's term weight, / JUDGED
    "sent_rel",  # best-sentence cosine relative to the best candidate's
    "cov_rank",  # log(1 + rank by coverage)
)
N_BASE = len(FEATURES)
# Features that need the candidates' sentence vectors (embedded on demand in large collections).
SENTENCE_FEATURES = ("sent_cos", "sent_gap", "sent_x_cov", "sent_rel")
FEATURES = FEATURES + CONTEXT
JUDGED = 8  # candidates judged per question
SCREEN_FEATURES = tuple(f for f in FEATURES if f not in SENTENCE_FEATURES)


@lru_cache(maxsize=1)
def reference_idf() -> tuple[dict[str, float], float]:
    """IDF of stemmed terms over the reference abstracts, and the IDF given to unseen terms."""
    with gzip.open(IDF_FILE, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    n = data["n_docs"]
    idf = {t: math.log(1.0 + (n - df + 0.5) / (df + 0.5)) for t, df in data["df"].items()}
    return idf, math.log(1.0 + (n + 0.5) / 1.5)


def term_weights(terms: list[str]) -> dict[str, float]:
    idf, unseen = reference_idf()
    return {t: idf.get(t, unseen) for t in dict.fromkeys(terms)}


def _coverage(weights: dict[str, float], tokens: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in tokens) / total if total else 0.0


@dataclass
class Candidate:
    """The per-paper inputs of the model (built from a retrieval Hit and its Evidence)."""

    cos: float
    sent_cos: float
    tokens: set[str]  # stemmed tokens of title + authors + abstract
    title_tokens: set[str]
    sentence_tokens: list[set[str]]
    named_hit: float
    bm25: float
    author: int
    title: bool


def features(cands: list[Candidate], q_terms: list[str], named_absent: float) -> np.ndarray:
    """Feature matrix (len(cands) x len(FEATURES)) for one question's candidates, in rank order."""
    if not cands:
        return np.zeros((0, len(FEATURES)), dtype=np.float64)
    w = term_weights(q_terms)
    cov = [_coverage(w, c.tokens) for c in cands]
    cov_t = [_coverage(w, c.title_tokens) for c in cands]
    cov_s = [max((_coverage(w, s) for s in c.sentence_tokens), default=0.0) for c in cands]
    best_cos = max(c.cos for c in cands)
    sent = [c.sent_cos for c in cands if not math.isnan(c.sent_cos)]  # NaN: screened out, not embedded
    best_sent = max(sent) if sent else math.nan
    best_cov = max(cov)
    best_bm = max(c.bm25 for c in cands)
    median_cos = float(np.median([c.cos for c in cands]))
    top_w = max(w.values(), default=0.0)
    miss = [max((v for t, v in w.items() if t not in c.tokens), default=0.0) / top_w if top_w else 0.0
            for c in cands]
    rows = []
    for i, c in enumerate(cands):
        rows.append([
            c.cos, c.sent_cos, cov[i], cov_t[i], cov_s[i], c.named_hit, named_absent,
            math.log1p(i), best_cos - c.cos, best_sent - c.sent_cos, best_cov - cov[i],
            c.bm25 / best_bm if best_bm > 0 else 0.0, min(c.author, 2) / 2.0, float(c.title),
            math.log1p(len(set(q_terms))), c.cos - median_cos, c.cos * cov[i], c.sent_cos * cov_s[i], miss[i],
        ])
    return with_context(np.asarray(rows, dtype=np.float64))


def with_context(base: np.ndarray) -> np.ndarray:
    """The base feature rows of one question's candidates, plus the question-level CONTEXT columns."""
    n = len(base)
    if not n:
        return np.zeros((0, len(FEATURES)), dtype=np.float64)
    base = base[:, :N_BASE]
    cos, sent, cov = base[:, 0], base[:, 1], base[:, 2]
    order = np.sort(cos)[::-1]
    gap = order[0] - (order[1] if n > 1 else 0.0)

    def col(v: float) -> np.ndarray:
        return np.full(n, v, dtype=np.float64)

    best_sent = np.nanmax(sent) if not np.isnan(sent).all() else np.nan
    ctx = np.column_stack([
        col(gap), col(np.count_nonzero(cos >= order[0] - 0.08) / JUDGED), cov / max(cov.max(), 1e-9),
        col(np.count_nonzero(cov >= 0.75) / JUDGED), sent / max(best_sent, 1e-9),
        np.log1p(np.argsort(np.argsort(-cov, kind="stable"), kind="stable")),
    ])
    return np.hstack([base, ctx])


class RelevanceModel:
    """Standardise, then logistic regression, or gradient-boosted trees: either lives in a small JSON
    file (trees as flat node arrays, evaluated here with numpy; no pickle)."""

    def __init__(self, spec: dict, features: tuple[str, ...] = ()):
        features = features or FEATURES
        if tuple(spec["features"]) != features:
            raise ValueError(f"relevance model was fitted on other features: {spec['features']}")
        self.columns = [FEATURES.index(f) for f in features]
        # A cheaper model without the sentence features screens candidates before their sentences
        # are embedded: below `drop_below` a candidate is judged by it alone.
        screen = spec.get("screen")
        self.screen = RelevanceModel(screen, SCREEN_FEATURES) if screen else None
        self.drop_below = float(screen["drop_below"]) if screen else 0.0
        self.kind = spec.get("kind", "logistic")
        if self.kind == "trees":
            self.forest = _flatten(spec["trees"])
            self.baseline = float(spec["baseline"])
        else:
            self.mean = np.asarray(spec["mean"], dtype=np.float64)
            self.scale = np.asarray(spec["scale"], dtype=np.float64)
            self.coef = np.asarray(spec["coef"], dtype=np.float64)
            self.intercept = float(spec["intercept"])
        self.threshold = float(spec.get("threshold", 0.5))  # the best paper below it: refuse
        self.list_threshold = float(spec.get("list_threshold", self.threshold))  # other papers at or above it are listed
        # the best three papers' probabilities summed: at or above it a broad question is answered even
        # when no single paper reaches the threshold (None: the best paper alone decides)
        support = spec.get("support_threshold")
        self.support_threshold = None if support is None else float(support)
        # the answer threshold for a question using a name the collection never mentions (None: the same)
        absent = spec.get("absent_threshold")
        self.absent_threshold = None if absent is None else float(absent)
        self.spec = spec

    def predict(self, x: np.ndarray) -> np.ndarray:
        if not len(x):
            return np.zeros(0)
        x = x[:, self.columns] if len(self.columns) != x.shape[1] else x
        if self.kind == "trees":
            z = self.baseline + forest_values(self.forest, x).sum(axis=1)
        else:
            z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


def _flatten(trees: list[dict]) -> dict[str, np.ndarray]:
    """All trees' nodes in one set of arrays, child indices made global; `roots` holds each tree's root."""
    out: dict[str, list] = {k: [] for k in ("feature", "threshold", "left", "right", "missing_left", "leaf", "value")}
    roots, offset, depth = [], 0, 0
    for t in trees:
        roots.append(offset)
        for k in out:
            v = np.asarray(t[k])
            out[k].append(v + offset if k in ("left", "right") else v)
        offset += len(t["value"])
        depth = max(depth, int(t["depth"]))
    flat = {k: np.concatenate(v) for k, v in out.items()}
    flat["leaf"] = flat["leaf"].astype(bool)
    flat["missing_left"] = flat["missing_left"].astype(bool)
    flat["roots"] = np.asarray(roots, dtype=np.int64)
    flat["depth"] = np.asarray(depth)
    return flat


def forest_values(forest: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Leaf value of every tree for every row (rows x trees). Numeric splits: x[f] <= threshold goes
    left, NaN follows `missing_left`. All trees descend together, one level per step."""
    node = np.broadcast_to(forest["roots"], (len(x), len(forest["roots"]))).copy()
    rows = np.arange(len(x))[:, None]
    for _ in range(int(forest["depth"]) + 1):
        leaf = forest["leaf"][node]
        if leaf.all():
            break
        v = x[rows, forest["feature"][node]]
        left = np.where(np.isnan(v), forest["missing_left"][node], v <= forest["threshold"][node])
        node = np.where(leaf, node, np.where(left, forest["left"][node], forest["right"][node]))
    return forest["value"][node].astype(np.float64)


def export_trees(clf) -> dict:
    """A fitted scikit-learn HistGradientBoostingClassifier (binary, numeric features) as plain lists."""
    trees = []
    for (pred,) in clf._predictors:
        nodes = pred.nodes
        trees.append({
            "feature": nodes["feature_idx"].tolist(), "threshold": nodes["num_threshold"].tolist(),
            "left": nodes["left"].tolist(), "right": nodes["right"].tolist(),
            "missing_left": nodes["missing_go_to_left"].astype(int).tolist(),
            "leaf": nodes["is_leaf"].astype(int).tolist(), "value": nodes["value"].tolist(),
            "depth": int(nodes["depth"].max()),
        })
    return {"kind": "trees", "baseline": float(np.ravel(clf._baseline_prediction)[0]), "trees": trees}


_model: RelevanceModel | None = None
_model_lock = threading.Lock()


def load_model(path: Path | None = None) -> RelevanceModel:
    global _model
    if path is not None:
        return RelevanceModel(json.loads(Path(path).read_text()))
    with _model_lock:
        if _model is None:
            if not MODEL_FILE.exists():
                raise FileNotFoundError(
                    f"{MODEL_FILE} is missing: rebuild it with `python -m benchmarks.train_relevance`")
            _model = RelevanceModel(json.loads(MODEL_FILE.read_text()))
        return _model


def tokens(text: str) -> set[str]:
    return set(query_tokens(text)) if text else set()
