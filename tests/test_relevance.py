"""The relevance model: P(paper answers question) drives how many papers an answer lists and when
it refuses, and must mean the same in a 2-paper library as in a large collection (#11)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import rag
from rag.relevance import FEATURES, load_model

from .conftest import DATA, Judged

# Features that must not change with the size of the collection (the rest are relative to the
# other candidates of the same question, by design).
ABSOLUTE = ["cos", "sent_cos", "cov", "cov_title", "cov_sent", "named_hit", "q_len", "author", "title", "miss_max"]


def _acl_papers():
    from rag.corpus import load_papers

    return {p.title: p for p in load_papers(DATA / "acl", "acl")}


def _library(tmp_path, name: str, titles: list[str]) -> str:
    """A personal library of real Anthology records, written as JSONL and ingested into its own collection."""
    papers = _acl_papers()
    path = tmp_path / f"{name}.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for t in titles:
            p = papers[t]
            fh.write(json.dumps({"title": p.title, "authors": p.authors, "year": p.year, "venue": p.venue,
                                 "abstract": p.abstract, "url": p.url}) + "\n")
    rag.ingest(str(path), collection=name)
    return name


DST = ["Dialogue State Tracking with Explicit Slot Connection Modeling",
       "Dual Slot Selector via Local Reliability Verification for Dialogue State Tracking"]
MT_EVAL = ["Statistical Power and Translationese in Machine Translation Evaluation",
           "Automatic Machine Translation Evaluation in Many Languages via Zero-Shot Paraphrasing"]
OTHERS = ["Designing Precise and Robust Dialogue Response Evaluators", "An Effective Transition-based Model for Discontinuous NER",
          "ToTTo: A Controlled Table-To-Text Generation Dataset", "Fully Quantized Transformer for Machine Translation",
          "A Hierarchical Network for Abstractive Meeting Summarization with Cross-Domain Pretraining",
          "Contextual Modulation for Relation-Level Metaphor Identification",
          "Modeling Intra and Inter-modality Incongruity for Multi-Modal Sarcasm Detection",
          "Semi-Supervised Disfluency Detection", "Two Local Models for Neural Constituent Parsing",
          "Restoring ancient text using deep learning: a case study on Greek epigraphy",
          "Simple and Effective Multi-Paragraph Reading Comprehension", "CCG Parsing Algorithm with Incremental Tree Rotation",
          "Neural Text Summarization: A Critical Evaluation", "Semi-Supervised Disfluency Detection",
          "Phylogenic Multi-Lingual Dependency Parsing", "Accelerating Neural Transformer via an Average Attention Network"]


def test_model_file_is_the_fitted_model():
    model = load_model()
    assert tuple(model.spec["features"]) == FEATURES
    assert 0.05 < model.threshold < 0.95 and model.spec["trained_on"]["pairs"] > 1000
    # a paper that holds the question's words and is close in meaning beats two that are neither, with the
    # question-level columns computed from the candidates as in an answer (not set by hand)
    from rag.lexical import query_tokens
    from rag.relevance import Candidate, features, tokens

    q = query_tokens("graph neural network pooling for molecule property prediction")
    good = "Hierarchical graph pooling in graph neural networks predicts molecule properties."
    cands = [Candidate(cos=cos, sent_cos=cos, tokens=tokens(text), title_tokens=tokens(text),
                       sentence_tokens=[tokens(text)], named_hit=0.0, bm25=bm, author=0, title=False)
             for cos, text, bm in ((0.78, good, 12.0), (0.12, "Speech recognition for tonal languages.", 0.0),
                                   (0.10, "A corpus of legal contracts.", 0.0))]
    p = model.predict(features(cands, q, 0.0))
    assert p.shape == (3,) and np.all((p >= 0) & (p <= 1)) and p[0] > max(p[1], p[2])


def test_the_most_specific_term_a_paper_lacks_is_a_feature():
    """A near miss (a paper on video inpainting, asked about video inpainting *with diffusion*) lacks a
    specific term of the question: miss_max is that term's reference IDF over the question's highest, so
    it grows with how specific the missing term is, and is 0 where every term occurs."""
    from rag.lexical import query_tokens
    from rag.relevance import Candidate, features, tokens

    def cand(text: str) -> Candidate:
        return Candidate(cos=0.6, sent_cos=0.6, tokens=tokens(text), title_tokens=set(), sentence_tokens=[tokens(text)],
                         named_hit=0.0, bm25=1.0, author=0, title=False)

    q = query_tokens("video inpainting with a diffusion model")
    f = features([cand("Video inpainting with a diffusion model that fills missing regions."),
                  cand("Video inpainting with a diffusion network that fills missing regions."),  # lacks 'model'
                  cand("Video inpainting with a transformer model that fills missing regions."),  # lacks 'diffusion'
                  cand("Video completion with a diffusion model that fills missing regions.")], q, 0.0)
    miss = f[:, FEATURES.index("miss_max")]
    assert miss[0] == 0.0 and 0.0 < miss[1] < miss[2] < miss[3] == 1.0


def _features(collection: str, question: str) -> dict[str, np.ndarray]:
    from rag.answer.judge import feature_matrix, judge
    from rag.pipeline import get_engine
    from rag.query import analyse

    eng = get_engine(collection=collection)
    query = analyse(question, [], eng, parse_filters=False)
    qvec = eng.retriever.embed_query(query.search)
    evs = judge(eng, query, eng.retriever.search(query.search, k=8, qvec=qvec), qvec)
    return {e.hit.paper.title: row for e, row in zip(evs, feature_matrix(eng, query, evs), strict=True)}


def test_features_do_not_depend_on_collection_size(tmp_path, own_collection):
    small = _library(tmp_path, own_collection, DST)
    big = _library(tmp_path, own_collection + "-20", DST + MT_EVAL + OTHERS)
    question = "how do models track slot values across the turns of a task-oriented dialogue?"
    f_small, f_big = _features(small, question), _features(big, question)
    idx = [FEATURES.index(f) for f in ABSOLUTE]
    for title in DST:
        # int8 activations are quantised per batch, so embeddings differ between batches: by < 0.01 with VNNI,
        # by up to about 0.015 with the 7-bit weights used on CPUs without it (an AVX2-only EPYC). A feature
        # that depended on the collection's size would move far more (z-scores over 2 or 20 candidates).
        assert np.allclose(f_small[title][idx], f_big[title][idx], atol=0.03), (title, f_small[title], f_big[title])
        assert f_small[title][FEATURES.index("cov")] == f_big[title][FEATURES.index("cov")]


def test_small_libraries_list_refuse_and_focus(tmp_path, own_collection):
    """The issue's case: a tiny personal library where both papers match must not be refused."""
    lib2 = _library(tmp_path, own_collection, DST)
    both = rag.ask("papers on dialogue state tracking", collection=lib2)
    assert not both.refused and {s.title for s in both.sources} == set(DST)
    off = rag.ask("How is protein structure predicted from amino-acid sequences?", collection=lib2)
    assert off.refused and off.sources == []

    lib20 = _library(tmp_path, own_collection + "-20", DST + MT_EVAL + OTHERS)
    listed = rag.ask("evaluation of machine translation output", collection=lib20)
    assert not listed.refused and set(MT_EVAL) <= {s.title for s in listed.sources}
    one = rag.ask("restoring damaged inscriptions in ancient Greek with neural networks", collection=lib20)
    assert not one.refused and [s.title for s in one.sources] == [
        "Restoring ancient text using deep learning: a case study on Greek epigraphy"]
    assert rag.ask("How is protein structure predicted from amino-acid sequences?", collection=lib20).refused


def test_relevance_orders_and_is_reported(stub_settings):
    ans = rag.ask("boosting with shallow neural nets as the weak learners", collection="stub")
    assert not ans.refused and ans.sources[0].title == "Gradient Boosting Neural Networks: GrowNet"
    assert ans.signals["p1"] >= load_model().threshold > ans.signals.get("p2", 0.0)


def test_tree_model_file_predicts_what_scikit_learn_predicts():
    """The trees are stored as JSON node arrays and evaluated with numpy: the same probabilities as
    the fitted scikit-learn model, missing values included."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from rag.relevance import RelevanceModel, export_trees

    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, len(FEATURES)))
    y = (x[:, 0] + x[:, 2] * x[:, 4] + rng.normal(size=len(x)) > 0).astype(int)
    x[rng.random(x.shape) < 0.02] = np.nan
    clf = HistGradientBoostingClassifier(max_iter=40, random_state=0).fit(x, y)
    model = RelevanceModel(json.loads(json.dumps(export_trees(clf) | {"features": list(FEATURES), "threshold": 0.5})))
    test = rng.normal(size=(300, len(FEATURES)))
    test[rng.random(test.shape) < 0.05] = np.nan
    assert np.allclose(model.predict(test), clf.predict_proba(test)[:, 1], atol=1e-9)


def test_answer_and_list_thresholds(monkeypatch):
    """The best paper must reach the answer threshold; others join it from the (lower) list threshold."""
    from rag.answer.judge import select

    E = Judged

    model = load_model()
    assert 0 < model.list_threshold <= model.threshold < 1
    hi, mid, lo = model.threshold + 0.01, (model.list_threshold + model.threshold) / 2, model.list_threshold - 0.01
    evs = [E(hi), E(mid), E(lo)]
    # (an explicit list threshold: without one, the intent model's own thresholds apply, tested in test_intent)
    assert [e.relevance for e in select(evs, list_threshold=model.list_threshold)] == [hi, mid]
    # no paper reaches the answer threshold: refuse (an explicit threshold; the support rule is tested below)
    below = model.threshold - 0.01
    assert select([E(below), E(below)], threshold=model.threshold) == []
    assert select([E(below)]) == [] or (model.support_threshold or 2) <= below
    assert len(select([E(hi)] + [E(mid)] * 10, cap=4, list_threshold=model.list_threshold)) == 4
    assert select(evs, threshold=0.0, list_threshold=0.0) == evs


def test_several_half_relevant_papers_answer_a_broad_question(monkeypatch):
    """With a support threshold, three papers below the answer threshold answer together when their
    probabilities sum to it; two weak ones do not, and an explicit threshold turns the rule off. (The
    shipped fit may choose no support rule, so then the rule is checked on a copy that has one.)"""
    import copy
    import importlib

    judge = importlib.import_module("rag.answer.judge")
    select = judge.select

    E = Judged

    model = load_model()
    if model.support_threshold is None:
        model = copy.copy(model)
        model.support_threshold = 1.5 * model.threshold
        monkeypatch.setattr(judge, "load_model", lambda: model)
    support = model.support_threshold
    below = support / 3 + 0.001
    if below >= model.threshold:
        pytest.skip("three papers below the answer threshold cannot reach the support threshold")
    # together they answer: the best one, and the others where they reach the list threshold
    listed = [below] * (3 if below >= model.list_threshold else 1)
    assert [e.relevance for e in select([E(below)] * 3)] == listed
    assert [e.relevance for e in select([E(below)] * 3, list_threshold=0.0)] == [below] * 3
    assert select([E(below), E(0.0), E(0.0)]) == []  # one half-relevant paper alone does not
    assert select([E(below)] * 3, threshold=model.threshold) == []  # an explicit threshold: best paper only
    # no word of the question occurs in any candidate: only a strong best paper answers
    assert select([E(below)] * 3, lexical=False) == []
    assert [e.relevance for e in select([E(model.threshold + 0.01)] * 3, lexical=False)][:1] == [model.threshold + 0.01]


def test_a_name_the_collection_lacks_needs_a_strong_hit(monkeypatch):
    """A question using a name found nowhere in the collection is answered only by a paper that reaches
    the model's own (higher) threshold for such questions; an explicit threshold turns the rule off.
    (The shipped fit may not need a separate threshold, so the rule is checked on a copy that has one.)"""
    import copy
    import importlib

    judge = importlib.import_module("rag.answer.judge")  # the module (the package exports a function of that name)

    E = Judged

    model = copy.copy(load_model())
    model.absent_threshold = min(0.95, model.threshold + 0.2)
    monkeypatch.setattr(judge, "load_model", lambda: model)
    mid = (model.threshold + model.absent_threshold) / 2
    assert judge.select([E(mid)]) and judge.select([E(mid)], absent_name=True) == []
    assert judge.select([E(mid)] * 3, absent_name=True) == []  # no support rule for such questions
    assert judge.select([E(model.absent_threshold)], absent_name=True)
    assert judge.select([E(mid)], absent_name=True, threshold=model.threshold)


def test_a_name_the_collection_lacks_turns_the_support_rule_off(monkeypatch):
    """Half-relevant papers that add up never answer a question whose name the collection lacks, even
    where the fit chose no separate threshold for such questions (the support rule is off for them)."""
    import copy
    import importlib

    judge = importlib.import_module("rag.answer.judge")

    E = Judged

    model = copy.copy(load_model())
    model.absent_threshold, model.support_threshold = None, 1.5 * model.threshold
    monkeypatch.setattr(judge, "load_model", lambda: model)
    below = model.support_threshold / 3 + 0.001
    assert below < model.threshold
    assert judge.select([E(below)] * 3)  # the support rule answers a question without such a name
    assert judge.select([E(below)] * 3, absent_name=True) == []
    assert judge.select([E(model.threshold)], absent_name=True)  # a strong best paper still answers


def test_a_comparison_lists_the_best_paper_of_each_side():
    """'A vs B': a paper that is the best of one side's reading and reaches the answer threshold there is
    listed although the whole question scores it below the list threshold; without a comparison, or
    below the answer threshold on its side, it is not."""
    from rag.answer.judge import select

    E = Judged

    model = load_model()
    lo = model.list_threshold / 2
    evs = [E(model.threshold + 0.1), E(lo, item=model.threshold + 0.05), E(lo)]
    assert select(evs) == evs[:1]
    assert select(evs, compares=True) == evs[:2]
    assert select([evs[0], E(lo, item=model.threshold - 0.01)], compares=True) == evs[:1]
    assert select([E(lo), E(lo, item=model.threshold + 0.05)], compares=True, threshold=model.threshold) == []


def test_an_author_with_a_topic_lists_only_papers_that_reach_the_author_topic_threshold(monkeypatch):
    """With an author filter and a topic, every paper is the author's, so the pool-relative signals flatter the
    author's other papers: each further paper listed must reach AUTHOR_TOPIC_THRESHOLD, as the best paper must
    (session 34). Without the rule, or without the topic, the list threshold of a filter applies."""
    import importlib

    judge = importlib.import_module("rag.answer.judge")
    tau = judge.AUTHOR_TOPIC_THRESHOLD
    evs = [Judged(0.95), Judged(tau + 0.02), Judged(tau - 0.05), Judged(tau - 0.1)]
    assert judge.FILTERED_LIST_THRESHOLD < tau - 0.1
    assert judge.select(evs, author_topic=True, filtered=True, wants_list=True) == evs[:2]
    assert judge.select(evs, filtered=True, wants_list=True) == evs
    monkeypatch.setattr(judge, "AUTHOR_TOPIC_THRESHOLD", None)
    assert judge.select(evs, author_topic=True, filtered=True, wants_list=True) == evs


def test_a_list_about_an_event_of_a_year_keeps_the_papers_of_that_year():
    """'systems of the 2018 shared task': where the best paper is of the year named (or the next), further papers of
    other years leave the list; where it is not, the year dates no paper asked for and the list stays (session 34)."""
    from types import SimpleNamespace

    from rag.answer.judge import of_the_year_named
    from rag.years import named_years

    def ev(year):
        return SimpleNamespace(hit=SimpleNamespace(paper=SimpleNamespace(year=year)))

    years = named_years("which teams took part in the 2018 shared task on metaphor detection?")
    assert years == [2018]
    listed = [ev(2018), ev(2020), ev(2019), ev(None), ev(2016)]
    assert of_the_year_named(listed, years) == [listed[0], listed[2], listed[3]]
    other = [ev(2021), ev(2018), ev(2022)]
    assert of_the_year_named(other, years) == other  # the best paper is of another year: the year dates no paper
    assert of_the_year_named(listed, []) == listed
    assert named_years("corpora of fewer than 2000 speakers") == [] and named_years("a set of 2015 sentences") == []


def test_an_enumerated_question_lists_a_paper_for_each_item(tmp_path, own_collection, monkeypatch, request):
    """'A, B or C': each item is judged as a reading of its own, so a paper that answers one item is
    listed even when the whole question matches it only in part; absent items still get a refusal."""
    import importlib

    judge = importlib.import_module("rag.answer.judge")
    lib = _library(tmp_path, own_collection, DST + MT_EVAL + OTHERS)
    want = {"sarcasm, metaphor or disfluency detection": {
                "Modeling Intra and Inter-modality Incongruity for Multi-Modal Sarcasm Detection",
                "Contextual Modulation for Relation-Level Metaphor Identification", "Semi-Supervised Disfluency Detection"},
            "summarising meetings or reading comprehension over several paragraphs": {
                "A Hierarchical Network for Abstractive Meeting Summarization with Cross-Domain Pretraining",
                "Simple and Effective Multi-Paragraph Reading Comprehension"}}
    answers = {}
    for question, titles in want.items():
        answers[question] = ans = rag.ask(question, collection=lib)
        assert not ans.refused and {s.title for s in ans.sources} == titles
    assert rag.ask("protein folding, weather forecasting or stock prices", collection=lib).refused
    # the whole question alone, and no list cue from its wording (rag.intent): the list shrinks, or its
    # last paper is judged less relevant than the item readings judged it
    monkeypatch.setattr(judge, "ASPECT_WEIGHT", 0.0)
    request.getfixturevalue("no_list_intent")
    for question, titles in want.items():
        alone, last = rag.ask(question, collection=lib), f"p{min(len(titles), 3)}"
        assert len(alone.sources) < len(titles) or alone.signals[last] < answers[question].signals[last] - 0.01


def test_a_question_in_french_or_german_has_its_own_answer_threshold(seed_ready, monkeypatch):
    """The embedding model is English, so a question in French or German needs only the lower
    FOREIGN_THRESHOLD: with the model's answer threshold raised above both questions' best
    probability, the French question (no English glosses: `lexicon_dir='off'`) is still answered and
    the same question in English is refused. A French question about an absent topic is still refused."""
    import importlib

    from rag.text import non_english

    judge = importlib.import_module("rag.answer.judge")
    off = {"lexicon_dir": "off"}
    question = "Quel article étudie la mémoire visuelle pour une perception flexible ?"
    english = "Which paper studies visual memory for flexible perception?"
    assert non_english(question) and not non_english(english)
    assert not non_english("%s %d %(x)s")  # single letters are no function words (elisions, format strings)
    ans, en = rag.ask(question, **off), rag.ask(english, **off)
    assert not ans.refused and ans.sources[0].title == "Towards flexible perception with visual memory"
    assert ans.signals["p1"] >= judge.FOREIGN_THRESHOLD
    model = load_model()
    monkeypatch.setattr(model, "threshold", max(ans.signals["p1"], en.signals["p1"]) + 0.01)
    monkeypatch.setattr(model, "support_threshold", None)
    assert not rag.ask(question, **off).refused
    assert rag.ask(english, **off).refused
    assert rag.ask("Y a-t-il des travaux sur la prévision de la météo par satellite ?", **off).refused
    monkeypatch.setattr(judge, "FOREIGN_THRESHOLD", 1.0)  # the raised threshold holds for it too: refused
    assert rag.ask(question, **off).refused


def _synthetic_questions(shift: float, n: int = 400, seed: int = 0):
    """Questions of 8 candidates: an answerable one's best paper is gold at p 0.9; every further
    candidate's p is uniform and it is gold with probability sigmoid(logit(p) + shift)."""
    rng = np.random.default_rng(seed)
    probs, ys = [], []
    for _ in range(n):
        p = np.concatenate([[0.9], rng.uniform(0.01, 0.99, 7)])
        logit = np.log(p[1:] / (1 - p[1:])) + shift
        y = np.concatenate([[1], rng.random(7) < 1 / (1 + np.exp(-logit))]).astype(int)
        probs.append(p)
        ys.append(y)
    return probs, ys


@pytest.mark.parametrize("shift", [0.0, 1.0, 2.0])
def test_list_threshold_is_where_a_further_paper_is_gold_at_even_odds(shift):
    """train_relevance's list threshold: the relevance at which a further candidate is as likely gold
    as not (capped at the answer threshold), whatever the F1 of the listed papers says."""
    from benchmarks.train_relevance import choose

    probs, ys = _synthetic_questions(shift)
    tau, tau_list, _ = choose(probs, ys, ["topic"] * len(probs), [True] * len(probs))
    even = 1 / (1 + np.exp(shift))  # logit(p) + shift = 0
    assert tau_list <= tau
    assert tau_list == pytest.approx(min(even, tau), abs=0.04)


def test_a_comparison_one_side_answers_is_answered_and_a_named_paper_is_the_answer():
    """'A vs B' where the whole question scores its best paper just under the answer threshold: answered when
    that paper reaches the threshold on its own side and the list threshold on the whole, refused when it
    only matches its side ('poisonous versus edible mushrooms': a backdoor-poisoning paper). A question that
    names one paper by its title is answered by that paper alone, unless it compares or asks for a list. A
    comparison lists further papers only where they reach the answer threshold themselves."""
    from rag.answer.judge import select

    model = load_model()
    tau, tau_list = model.threshold, model.list_threshold
    near = Judged((tau + tau_list) / 2, item=tau + 0.05)
    assert select([near, Judged(tau_list / 2)], compares=True) == [near]
    assert select([near, Judged(tau_list / 2)]) == []
    weak = Judged(tau_list - 0.1, item=tau + 0.1)
    assert select([weak, Judged(tau_list / 2)], compares=True) == []
    named, other = Judged(tau + 0.3, titled=True), Judged(tau + 0.2)
    assert select([named, other]) == [named]
    assert select([named, other], compares=True) == [named, other]
    assert select([named, other], wants_list=True) == [named, other]
    first, second = Judged(tau + 0.3, titled=True), Judged(tau + 0.2, titled=True)  # two named: both
    assert select([first, second]) == [first, second]
    # a further paper between the list and the answer threshold joins a list, not a comparison
    assert tau_list < tau
    side, between = Judged(tau + 0.1, item=tau + 0.1), Judged((tau + tau_list) / 2)
    assert select([side, between], wants_list=True) == [side, between]
    assert select([side, between], compares=True) == [side]


def test_merge_readings_leaves_out_an_item_best_paper_below_the_whole_question():
    """An item reading's best paper that the whole question never saw, with an item relevance below every paper
    the whole question judged, stays out of the answer; it used to raise KeyError (found on a bundled
    validation run), which failed the whole ask()."""
    from rag.answer.evidence import Evidence
    from rag.answer.judge import merge_readings
    from rag.retrieval import Hit
    from rag.types import Paper

    def ev(pid: str, p: float) -> Evidence:
        return Evidence(hit=Hit(paper=Paper(paper_id=pid, abstract="x"), score=1.0), sentences=["x"],
                        scores=np.zeros(1), cosines=np.zeros(1), overlap=np.zeros(1), relevance=p)

    whole = [ev("a", 0.9), ev("b", 0.4)]
    merged = merge_readings(whole, [[ev("c", 0.05)], [ev("a", 0.8)]])
    assert [e.hit.paper.paper_id for e in merged] == ["a", "b"]
    assert merged[0].item == 0.8
    # an item's best paper that gains is listed, with its item relevance
    merged = merge_readings([ev("a", 0.9), ev("b", 0.4)], [[ev("c", 0.7)], [ev("a", 0.8)]])
    assert [e.hit.paper.paper_id for e in merged][:2] == ["a", "c"] and merged[1].item == 0.7
