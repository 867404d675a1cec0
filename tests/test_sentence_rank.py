"""The sentence ranker (rag.answer.sentence_rank): which sentences of an abstract an answer quotes,
learned from the answer sentences of labelled questions (benchmarks.train_sentences)."""

from __future__ import annotations

import numpy as np
import pytest

from rag.answer.sentence_rank import FEATURES, SentenceRanker, feature_matrix, load_ranker


def _abstract(n: int = 5, nan_from: int | None = None) -> np.ndarray:
    rng = np.random.default_rng(7)
    cos = rng.uniform(0.1, 0.7, n)
    if nan_from is not None:
        cos[nan_from:] = np.nan
    flags = {f: rng.integers(0, 2, n).astype(float) for f in FEATURES[5:11]}
    return feature_matrix(cos, rng.uniform(0, 1, n), rng.uniform(0, 1, n), rng.uniform(0, 1, n), flags)


def test_exported_ranker_scores_what_scikit_learn_scores():
    """The exported coefficients, applied with numpy at answer time, give scikit-learn's own log-odds; a
    sentence that was never embedded (NaN cosine) gets no score."""
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from benchmarks.train_sentences import export

    rng = np.random.default_rng(3)
    X = np.vstack([_abstract(6) for _ in range(40)]) + rng.normal(0, 0.01, (240, len(FEATURES)))
    y = (X[:, 0] + 0.5 * X[:, 2] + rng.normal(0, 0.1, len(X)) > 0.7).astype(float)
    scaler = StandardScaler().fit(X)
    model = LogisticRegression(C=0.1, max_iter=5000).fit(scaler.transform(X), y)
    ranker = SentenceRanker(export(scaler, model))
    probe = _abstract(7)
    assert np.allclose(ranker.score(probe), model.decision_function(scaler.transform(probe)), atol=1e-5)
    partial = _abstract(7, nan_from=4)
    got = ranker.score(partial)
    assert np.isnan(got[4:]).all() and not np.isnan(got[:4]).any()


def test_a_model_fitted_on_other_features_is_refused():
    spec = {"features": list(FEATURES[:-1]), "mean": [0.0], "scale": [1.0], "coef": [1.0], "intercept": 0.0}
    with pytest.raises(ValueError, match="other features"):
        SentenceRanker(spec)


def test_features_describe_each_sentence_within_its_abstract():
    cos = np.array([0.2, 0.6, np.nan, 0.4])
    idf = np.array([0.1, 0.0, 0.5, 0.3])
    asked = np.array([0.0, 0.5, 0.25, 0.0])
    X = feature_matrix(cos, np.zeros(4), asked, idf, {"figure": np.array([0, 1, 0, 0.0])})
    col = {f: X[:, i] for i, f in enumerate(FEATURES)}
    assert X.shape == (4, len(FEATURES))
    assert np.allclose(col["cos_rel"][[0, 1, 3]], [-0.4, 0.0, -0.2]) and np.isnan(col["cos_rel"][2])
    assert col["figure"].tolist() == [0, 1, 0, 0] and col["ratio"].tolist() == [0, 0, 0, 0]
    assert col["position"].tolist() == [0, 1 / 3, 2 / 3, 1] and col["first"].tolist() == [1, 0, 0, 0]
    assert np.allclose(np.expm1(col["cos_rank"]), [2, 0, 3, 1])  # an unembedded sentence ranks last
    assert np.allclose(np.expm1(col["idf_rank"]), [2, 3, 0, 1])
    assert np.allclose(col["idf_rel"], idf - 0.5) and np.allclose(col["asked_rel"], asked - 0.5)
    assert feature_matrix(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), {}).shape == (0, len(FEATURES))


def test_the_shipped_ranker_is_the_fitted_one():
    """The model file is a scikit-learn fit of the current features (not the hand weights it replaced)."""
    ranker = load_ranker()
    assert ranker.coef.shape == (len(FEATURES),) and (ranker.scale > 0).all()
    assert not np.allclose(ranker.mean, 0.0)  # standardised on real sentences


@pytest.mark.parametrize(("question", "answer"), [
    ("DFIV: how are the instrument and treatment feature networks trained?", "alternating training regime"),
    ("meta-gradient D4PG with soft constraints: which simulated benchmark domains was it tested in?", "Mujoco"),
])
def test_a_focused_answer_quotes_the_sentence_that_answers(seed_ready, question, answer):
    """The sentence holding the answer is the abstract's last one and shares few words with the question; the
    hand weights of session 18 quoted three others."""
    import rag

    ans = rag.ask(question)
    assert not ans.refused and answer in ans.text, ans.text
