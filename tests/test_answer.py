"""Offline answering end to end: citations, refusals, lists, authors, follow-ups, bad input."""

from __future__ import annotations

import re

import pytest

import rag
from rag.cite import cited_numbers
from rag.pipeline import QuestionError
from rag.prompts import refusal_phrase

ASK = {"collection": "stub"}


def _grounded(ans):
    nums = cited_numbers(ans.text)
    assert nums, ans.text
    assert sorted(nums) == list(range(1, len(ans.sources) + 1))  # every [n] is a cited source, in order
    assert [s.n for s in ans.sources] == list(range(1, len(ans.sources) + 1))
    for s in ans.sources:
        assert s.snippet and s.snippet in s.abstract


def test_answer_cites_the_right_paper(stub_settings):
    ans = rag.ask("How does the network fill holes in videos using other frames?", **ASK)
    assert not ans.refused and ans.mode == "offline"
    _grounded(ans)
    assert ans.sources[0].title == "Copy-and-Paste Networks for Deep Video Inpainting"
    assert ans.claims and all(c.support > 0.5 for c in ans.claims)


def test_the_focused_answers_metadata_sentence_is_checked_against_metadata(stub_settings):
    """"The most relevant paper is “Title” (Authors, year) [1]." names its source: it is supported by the
    source's own metadata (nothing embedded), while the same sentence with another year, or any other
    sentence, is scored against the abstract."""
    from rag.cite import check_claims
    from rag.pipeline import get_engine

    ans = rag.ask("How does the network fill holes in videos using other frames?", **ASK)
    first = ans.claims[0]
    assert first.sentence.startswith("The most relevant paper is") and first.cited == [1]
    assert first.support == 1.0 and first.evidence == ans.sources[0].title
    assert all(c.evidence in ans.sources[0].abstract for c in ans.claims[1:])
    eng = get_engine(stub_settings, "stub")
    # the same sentence naming another year: "(…, 1999)" / "(1999)"
    wrong = (ans.text.replace(") [1].", ", 1999) [1].", 1) if first.sentence.endswith(")")
             else ans.text.replace("” [1].", "” (1999) [1].", 1))
    assert wrong != ans.text
    redone = check_claims(eng, wrong, ans.sources)
    assert redone[0].support < 1.0 and redone[0].evidence in ans.sources[0].abstract
    assert [c.support for c in redone[1:]] == [c.support for c in ans.claims[1:]]


def test_detail_answer_contains_the_fact(stub_settings):
    ans = rag.ask("What new dataset did the attentive local feature paper introduce for evaluation?", **ASK)
    _grounded(ans)
    assert "Google-Landmarks" in ans.text


def test_refuses_when_collection_lacks_the_answer(stub_settings):
    ans = rag.ask("how does LongNet's dilated attention scale to a billion tokens?", **ASK)
    assert ans.refused and ans.sources == [] and cited_numbers(ans.text) == []
    assert ans.text.startswith(refusal_phrase()) and "LongNet" in ans.text


def test_refuses_unstated_authors(stub_settings):
    ans = rag.ask("who wrote Network In Network (the NIN architecture)?", **ASK)
    assert ans.refused and "Network In Network" in ans.text


def test_author_answer_from_metadata(stub_settings):
    ans = rag.ask("Who are the authors of CausalWorld?", **ASK)
    assert not ans.refused and "Ossama Ahmed" in ans.text and "Stefan Bauer" in ans.text
    _grounded(ans)


def test_which_papers_lists_several(stub_settings):
    ans = rag.ask("Which papers are about video prediction or video inpainting?", **ASK)
    assert not ans.refused
    _grounded(ans)
    titles = {s.title for s in ans.sources}
    assert {"Copy-and-Paste Networks for Deep Video Inpainting",
            "Revisiting Hierarchical Approach for Persistent Long-Term Video Prediction"} <= titles
    assert ans.text.count("\n- ") >= 2


def test_followup_uses_history(stub_settings):
    history = [
        {"role": "user", "content": "Is there work on predicting video frames far into the future?"},
        {"role": "assistant", "content": "Yes: 'Revisiting Hierarchical Approach for Persistent Long-Term "
                                         "Video Prediction' predicts semantic structures first [1]."},
    ]
    ans = rag.ask("on which kinds of videos was it evaluated (what scenarios)?", history=history, **ASK)
    assert not ans.refused
    assert ans.sources[0].title.startswith("Revisiting Hierarchical Approach")
    assert "car driving" in ans.text and "human dancing" in ans.text
    assert "Revisiting Hierarchical" in ans.standalone_question


def test_streaming_callback_receives_the_answer(stub_settings):
    pieces: list[str] = []
    ans = rag.ask("What does GrowNet use as weak learners?", stream=pieces.append, **ASK)
    assert len(pieces) >= 2
    assert "".join(pieces).split() == ans.text.split()


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "empty"), ("   \n\t ", "empty"), ("?!...", "no words"), ("x" * 100_000, "too long"), (None, "string")],
)
def test_bad_questions_get_clear_errors(stub_settings, question, message):
    with pytest.raises(QuestionError, match=message):
        rag.ask(question, **ASK)


@pytest.mark.parametrize(
    ("history", "message"),
    [("not a list", "must be a list"), ([{"content": "hi"}], "role"), ([{"role": "bot", "content": "x"}], "role"),
     ([{"role": "user", "content": 3}], "must be a string"), (["hello"], "must be a dict")],
)
def test_bad_history_gets_clear_errors(stub_settings, history, message):
    with pytest.raises(QuestionError, match=message):
        rag.ask("what is GrowNet?", history=history, **ASK)


def test_default_collection_autoingests_bundled_corpus(seed_ready):
    ans = rag.ask("DRAGONN: how much faster does total training throughput get?")
    assert not ans.refused and "3.52" in ans.text
    assert rag.corpora()["seed"] >= 210


# --- answer shape comes from relevance, not phrasing (#11) ----------------------------------------
def test_list_without_the_words_which_papers(stub_settings):
    ans = rag.ask("video: methods for predicting future frames and for filling in missing regions", **ASK)
    assert not ans.refused and len(ans.sources) >= 2
    titles = {s.title for s in ans.sources}
    assert {"Copy-and-Paste Networks for Deep Video Inpainting",
            "Revisiting Hierarchical Approach for Persistent Long-Term Video Prediction"} <= titles


@pytest.mark.parametrize(
    ("question", "title"),
    [("What do GrowNets use as weak learners?", "Gradient Boosting Neural Networks: GrowNet"),
     ("how do pixelNeRF-style models condition a radiance field on input images?",
      "pixelNeRF: Neural Radiance Fields from One or Few Images"),
     ("DELFs: what kind of keypoint selection do they use for landmark retrieval?",
      "Large-Scale Image Retrieval with Attentive Deep Local Features")],
)
def test_named_term_forms_never_veto_a_strong_hit(stub_settings, question, title):
    ans = rag.ask(question, **ASK)
    assert not ans.refused, ans.text
    assert ans.sources[0].title == title


def test_missing_figure_is_said_plainly(stub_settings):
    ans = rag.ask("What word error rate does the copy-and-paste video inpainting network get on Switchboard?", **ASK)
    assert ans.refused and "doesn't state" in ans.text
    assert [s.title for s in ans.sources] == ["Copy-and-Paste Networks for Deep Video Inpainting"]
    assert cited_numbers(ans.text) == [1]


def test_absent_topic_sharing_a_common_word_is_refused(stub_settings):
    ans = rag.ask("what approaches for pruning fruit trees in orchards are covered?", **ASK)
    assert ans.refused and ans.sources == []


@pytest.mark.parametrize(("title", "opening", "question"), [
    ("Simultaneous Weight and Architecture Optimization for Neural Networks",
     "Is there a way to search weights and architectures together by embedding networks?",
     "and what keeps the networks it finds compact?"),
    ("A Brief Review of Hypernetworks in Deep Learning",
     "Has anyone surveyed networks that generate the weights of other networks?",
     "does it explain how to train a network that way?"),
])
def test_a_followup_is_about_the_paper_the_history_names(seed_ready, title, opening, question):
    """A history passed as text names the earlier paper by its title: a follow-up is read against that paper,
    not against whichever of the earlier question's best two papers suits the new words better."""
    history = [{"role": "user", "content": opening},
               {"role": "assistant", "content": f"'{title}' is the closest paper [1]."}]
    ans = rag.ask(question, history=history)
    assert not ans.refused and ans.sources[0].title == title, ans.text


@pytest.mark.parametrize(("history", "questions", "marker"), [
    ([{"role": "user", "content": "Is there a way to pool graph nodes into clusters, layer by layer, for classifying "
                                  "whole graphs?"},
      {"role": "assistant", "content": "Yes: [1] learns a differentiable soft assignment of the nodes to clusters at "
                                       "each layer of a deep GNN."},
      {"role": "user", "content": "Was that missing before?"},
      {"role": "assistant", "content": "[1] says that earlier methods were inherently flat and could not learn "
                                       "hierarchical representations."}],
     ("and by how much do they improve on the others?", "what do they say it beats?"), "DiffPool"),
    ([{"role": "user", "content": "My recommender's embedding tables are huge. Can the size of each feature's "
                                  "embedding be learned?"},
      {"role": "assistant", "content": "Yes: [1] prunes embedding parameters with learnable thresholds."},
      {"role": "user", "content": "Is it tied to one model?"},
      {"role": "assistant", "content": "No: [1] describes it as a general framework for many base models."}],
     ("does it cost extra training time?", "and how much does it shrink them?"), "PEP"),
])
def test_a_followup_after_an_answer_citing_one_paper_is_about_that_paper(seed_ready, history, questions, marker):
    """A history passed as text whose last answer cites one number ('[1] says …') discusses one paper, found by
    the exchanges that cite it: a follow-up that points back is about that paper, though the last exchange
    alone ('Was that missing before?') names nothing of it (session 26, written for this test)."""
    for question in questions:
        ans = rag.ask(question, history=history)
        assert not ans.refused and marker in ans.sources[0].abstract, ans.text
        _grounded(ans)


@pytest.mark.parametrize("question", [
    "How long did the CSE-Autoloss loss search take?",
    "How long does it take to search a detection loss with CSE-Autoloss?",
])
def test_a_duration_with_a_kind_of_time_states_how_long(seed_ready, question):
    """'around 1.5 wall-clock days' states how long the search took: a kind of time ('wall-clock', 'GPU') may
    stand between the amount and its unit (session 27, written for this test; the figure check had refused)."""
    ans = rag.ask(question)
    assert not ans.refused and "1.5 wall-clock days" in ans.text, ans.text
    _grounded(ans)


def test_how_long_a_stretch_of_time_is_stated_by_a_duration(seed_ready):
    """'how long a timespan …' asks for a duration, which '… even if the timespan is 60 seconds' states (session 30;
    written for this test, the figure check had refused)."""
    from rag.answer.figure import DURATION_ASKED

    assert DURATION_ASKED.search("how long a time window does the tracker keep?")
    assert not DURATION_ASKED.search("how long a sequence can the model read?")
    ans = rag.ask("In the large-scale study of unsupervised spatiotemporal representation learning, how long a period "
                  "can the persistency objective span and still help?")
    assert not ans.refused and "60 seconds" in ans.text, ans.text
    _grounded(ans)


def test_what_hardware_and_over_what_period_are_stated_by_cores_and_days(seed_ready):
    """'on what hardware … over what period?' asks for compute and a duration, which '… trained on 2048 TPU v3 cores in
    4 days' states whatever other words the question uses (session 40; written for this test, the figure check had
    refused because a preamble's words weighed more than the sentence shared)."""
    from rag.answer.figure import COMPUTE_ASKED, DURATION_ASKED

    assert COMPUTE_ASKED.search("which model was trained using which accelerators?")
    assert DURATION_ASKED.search("for what duration was it trained?")
    assert not DURATION_ASKED.search("which period of history does the corpus cover?")
    ans = rag.ask("We only have a small lab cluster. The giant conditional-computation translation model with "
                  "automatic sharding: on what hardware was it trained, and for what duration?")
    assert not ans.refused and "2048 TPU v3 cores" in ans.text and "4 days" in ans.text, ans.text
    _grounded(ans)


def test_a_number_right_at_the_metric_asked_states_the_figure(seed_ready):
    """'by 7.06 mAP for NuImages' states the mAP margin asked for, though the sentence shares few other words with
    the question (session 27, written for this test; the figure check had refused)."""
    ans = rag.ask("Thinking Like an Annotator on NuImages: what mAP margin does it report over the best competing "
                  "baseline?")
    assert not ans.refused and "7.06 mAP" in ans.text, ans.text
    _grounded(ans)


@pytest.mark.parametrize("question", ["Hwidong Na turns up on which work in this corpus?",
                                      "Simon Lacoste-Julien appears on which paper of this corpus?"])
def test_a_named_author_asked_where_they_appear_gets_their_paper(seed_ready, question):
    """'… turns up on which work in this corpus?' asks for the author's papers and nothing else ('corpus' and 'turns'
    name no topic; session 27, written for this test; the question had been refused)."""
    ans = rag.ask(question)
    assert not ans.refused and ans.sources[0].title.startswith("Repurposing Pretrained Models"), ans.text


def test_a_speed_up_asked_as_the_largest_is_a_ratio_the_abstract_states(seed_ready):
    """'what is the largest speed-up …' asks for a relative amount, which 'up to 2 times faster' states (session 27,
    written for this test; the figure check had refused)."""
    ans = rag.ask("AccelAT tunes the learning rate from the accuracy gradient: what is the largest speed-up of "
                  "adversarial training it reports?")
    assert not ans.refused and "2 times faster" in ans.text, ans.text


def test_a_change_asked_by_its_size_is_stated_by_a_ratio(seed_ready):
    """'how large a reduction in parameters …?' asks for a relative amount: '10-30 times reduction in parameters' states
    it, though no count of parameters is given (session 28, written for this test; the figure check had refused)."""
    ans = rag.ask("one teacher distilling into a class of student networks: how large a reduction in parameters does "
                  "it reach?")
    assert not ans.refused and "10-30 times" in ans.text, ans.text


def test_a_size_asked_is_stated_by_a_count_in_thousands_or_in_words(seed_ready):
    """'size of the benchmark …' is stated by '12k real-world network architectures', and 'how much data can that
    memory take?' by '… billion-scale data' (session 28, written for this test; both were refused as not stating
    the figure)."""
    ans = rag.ask("size of the benchmark released with the architecture retrieval work")
    assert not ans.refused and "12k" in ans.text, ans.text
    history = [{"role": "user", "content": "a classifier whose knowledge sits in an editable visual memory"},
               {"role": "assistant", "content": "Towards flexible perception with visual memory builds a "
                                                "retrieval-based memory of image embeddings [1]."}]
    ans = rag.ask("and how much data can that memory take?", history=history)
    assert not ans.refused and "billion-scale" in ans.text, ans.text


def test_a_relative_amount_is_not_stated_by_a_count_word(seed_ready):
    """'how much faster is DomiKnowS than Scallop?' asks for a ratio: '… three generic NeSy frameworks - DeepProbLog,
    Scallop, and DomiKnowS' names them with a number but states no speed-up, so the answer says the figure is
    missing; '… more than an order of magnitude cost reduction' does state one (session 28, written for this test)."""
    ans = rag.ask("the characterization of neuro-symbolic frameworks: how much faster is DomiKnowS than Scallop?")
    assert ans.refused and "doesn't state" in ans.text, ans.text
    ans = rag.ask("FLAN, flow attention for NAS: by how much does it reduce the cost of training accuracy predictors?")
    assert not ans.refused and "order of magnitude" in ans.text, ans.text


def test_a_metric_a_few_words_from_its_number_states_the_figure(seed_ready):
    """'+1.8% higher ADE20K val. mIoU than SegFormer': the number and the metric asked for are three words apart
    (session 27, written for this test)."""
    ans = rag.ask("FBNetV5 on ADE20K: how many points of mIoU better than SegFormer is it?")
    assert not ans.refused and "1.8%" in ans.text, ans.text


def test_a_metric_typed_with_its_variant_and_a_score_of_up_to_states_the_figure(seed_ready):
    """'ROUGE-L scores up to 0.52': the metric asked ('ROUGE-L', a variant of ROUGE) and its number a few words apart,
    after 'scores up to' (session 41, written for this test after a v101 detail question had been refused)."""
    ans = rag.ask("Leaking captions from the intermediate features of a split ResNet50: what is CapRecover's highest "
                  "ROUGE-L on COCO2017?")
    assert not ans.refused and "0.52" in ans.text, ans.text


def test_ap_typed_in_its_own_case_is_the_metric_asked_and_a_number_at_it_states_it(seed_ready):
    """'what AP …?' and '… reaching 52.7 AP on COCO test-dev': AP (average precision) typed in capitals is a metric,
    as 'mAP' is (session 41, written for this test after a v103 detail question had been refused)."""
    ans = rag.ask("An attention decoder plugged into detectors to link box, centre-point and corner cues: what AP does "
                  "it end up with on COCO test-dev?")
    assert not ans.refused and "52.7" in ans.text, ans.text


def test_a_sentence_that_only_sets_the_scene_does_not_say_what_figure_is_asked(seed_ready):
    """'I'm benchmarking alternatives to DP-SGD.' sets the scene; the sentence that asks names the figure, and DP-SGD,
    which the abstract never writes, is not a test set the figure must be on (session 41, written for this test after
    a v103 detail question had been refused)."""
    ans = rag.ask("I'm benchmarking alternatives to DP-SGD. In the gradient embedding perturbation paper, what test "
                  "accuracy on SVHN is reported?")
    assert not ans.refused and "95.1" in ans.text, ans.text


@pytest.mark.parametrize("question", ["What PCK does DeepPose reach?",
                                      "Which PCK score do the DeepPose cascaded regressors get?"])
def test_pck_is_a_metric_the_abstract_must_name(seed_ready, question):
    """DeepPose's abstract names no PCK: the figure is missing (session 27, written for this test)."""
    ans = rag.ask(question)
    assert ans.refused and "doesn't state the PCK" in ans.text, ans.text


def test_a_number_beside_an_everyday_metric_of_another_model_states_nothing(seed_ready):
    """'80.67% top-1 accuracy' is MEAL V2's, not Dynamic Perceiver's: a number beside 'accuracy' states the figure only
    through the asked words' share (session 27; the metric rule above had answered it)."""
    ans = rag.ask("What top-1 accuracy on ImageNet does the Dynamic Perceiver network get with a ResNet-50?")
    assert ans.refused, ans.text


def test_a_figure_asked_in_a_unit_needs_an_amount_in_that_unit(seed_ready):
    """'What is the largest model, in parameters, …?' asks for an amount though no quantity word opens it; OneFlow's
    abstract counts no parameters (session 27, written for this test; it had been answered)."""
    ans = rag.ask("What is the largest model, in parameters, that the SBP-based distributed training framework trains?")
    assert ans.refused and ans.sources and ans.sources[0].title.startswith("OneFlow"), ans.text


def test_a_fraction_in_words_is_a_relative_amount():
    from rag.answer.evidence import RATIO

    assert RATIO.search("only 18 of XLNet's 72 answer F1 points need it")
    assert RATIO.search("in 5 out of the 6 networks")
    assert not RATIO.search("one of the datasets")
    # a fraction of something, in digits or words (session 35; written for this test); a threshold is none
    assert RATIO.search("it needs only $\\sim1/8$ of the usual decoding steps")
    assert RATIO.search("with a third of the labels")
    assert not RATIO.search("robust at eps 8/255 on CIFAR-10") and not RATIO.search("a third party")


def test_a_focused_answer_quotes_the_sentence_that_states_the_figure(seed_ready):
    """The figure check found 'around 1.5 wall-clock days' among the paper's best sentences, so the answer quotes
    that sentence, though the three it quotes anyway are others (session 27, written for this test)."""
    history = [{"role": "user", "content": "is there work on searching loss functions for object detectors?"},
               {"role": "assistant", "content": "CSE-Autoloss [1] searches combinations of primitive operators for "
                                                "detection losses."}]
    ans = rag.ask("and how long did the search take?", history=history)
    assert not ans.refused and "1.5 wall-clock days" in ans.text, ans.text
    _grounded(ans)


def test_a_focused_answer_quotes_the_sentence_holding_what_is_asked(seed_ready):
    """The question's words that are not the paper's title words say what is asked of it: the sentence
    holding them is quoted, though the question asks for neither a figure nor a name."""
    ans = rag.ask("Up to which factors is the shared-representation multi-task linear bandit algorithm minimax optimal?")
    assert not ans.refused and "poly-logarithmic" in ans.text, ans.text


def test_fresh_question_with_a_pronoun_is_not_a_followup(stub_settings):
    history = [
        {"role": "user", "content": "Is there work on predicting video frames far into the future?"},
        {"role": "assistant", "content": "Yes: 'Revisiting Hierarchical Approach for Persistent Long-Term "
                                         "Video Prediction' predicts semantic structures first [1]."},
    ]
    ans = rag.ask("Is it possible to boost shallow neural networks as weak learners, and how does that work?",
                  history=history, **ASK)
    assert not ans.refused and ans.sources[0].title == "Gradient Boosting Neural Networks: GrowNet"


def _seed_author_paper():
    """A bundled paper whose first author wrote no other bundled paper (found from the data, not hard-coded)."""
    from collections import Counter

    from rag.corpus import load_papers
    from rag.settings import REPO_ROOT

    papers = [p for p in load_papers(REPO_ROOT / "data" / "seed", "seed") if p.authors and p.title]
    counts = Counter(a for p in papers for a in p.authors)
    return next(p for p in papers if counts[p.authors[0]] == 1 and len(p.authors[0].split()) >= 2)


@pytest.mark.parametrize("template", ["anything by {a}?", "what did {a} work on", "{lower}'s papers"])
def test_author_questions_are_answered_from_metadata(stub_settings, template):
    paper = _seed_author_paper()
    name = paper.authors[0]
    ans = rag.ask(template.format(a=name, lower=name.lower()), **ASK)
    assert not ans.refused, ans.text
    assert ans.sources[0].title == paper.title
    _grounded(ans)


@pytest.mark.parametrize("question", [
    "top-1 accuracy of the copy-and-paste video inpainting network on CIFAR-10",
    "copy-and-paste video inpainting: how many GPU days did training take?",
])
def test_figure_on_a_named_set_the_abstract_never_mentions(stub_settings, question):
    ans = rag.ask(question, **ASK)
    assert ans.refused and "doesn't state" in ans.text, ans.text
    assert [s.title for s in ans.sources] == ["Copy-and-Paste Networks for Deep Video Inpainting"]


def test_how_well_is_answered_by_a_figure_or_by_the_abstracts_words_on_how_well(stub_settings):
    """'How well do they work?' asks how a method performed: an abstract that says so in words ('outperforms',
    'state-of-the-art results') answers it without a figure; a named test set the abstract never mentions is
    still not answered (session 20)."""
    ans = rag.ask("Copy-and-paste networks for video inpainting: how well do they work?", **ASK)
    assert not ans.refused, ans.text
    assert [s.title for s in ans.sources] == ["Copy-and-Paste Networks for Deep Video Inpainting"]
    _grounded(ans)
    ans = rag.ask("how well does the copy-and-paste video inpainting network do on ImageNet?", **ASK)
    assert ans.refused and "doesn't state" in ans.text, ans.text


def test_a_figure_asked_after_a_possessive_is_a_figure_question(seed_ready):
    """"What is Dyn-Perceiver's GPU latency in milliseconds?": the possessive had hidden the figure question, and
    the abstract, which gives no latency, was quoted as the answer (session 22, written for this test)."""
    ans = rag.ask("What is Dyn-Perceiver's GPU latency in milliseconds?")
    assert ans.refused and "doesn't state the GPU latency" in ans.text, ans.text


def test_how_a_cost_scales_is_stated_in_words(seed_ready):
    """'How does the runtime … scale with the number of items?' asks for a growth rate, which an abstract states
    in words ('runtime cubic … in M'): it is answered by that sentence, not refused as a missing figure; a figure
    such as an accuracy is still not stated by such words (session 22; written for this test)."""
    ans = rag.ask("How does the runtime of nonsymmetric DPP learning scale with the number of items?")
    assert not ans.refused, ans.text
    assert ans.sources[0].title.startswith("Scalable Learning and MAP Inference for Nonsymmetric")
    _grounded(ans)
    assert "cubic" in ans.text, ans.text
    ans = rag.ask("What accuracy does the nonsymmetric DPP kernel reach?")
    assert ans.refused and "doesn't state the accuracy" in ans.text, ans.text


@pytest.mark.parametrize("question", [
    "what area under the curve does the copy-and-paste video inpainting network reach?",
    "Copy-and-paste networks for video inpainting: what mean reciprocal rank do they get?",
])
def test_a_metric_spelled_out_that_the_abstract_never_names_is_not_stated(stub_settings, question):
    """A metric typed in words ('area under the curve', 'mean reciprocal rank') is asked for as its
    abbreviation is: an abstract that never names it does not state it, whatever numbers it gives."""
    ans = rag.ask(question, **ASK)
    assert ans.refused and "doesn't state" in ans.text, ans.text
    assert [s.title for s in ans.sources] == ["Copy-and-Paste Networks for Deep Video Inpainting"]


@pytest.mark.parametrize(("question", "name"), [
    ("pixelNeRF was shown on which real scenes dataset?", "DTU"),
    ("the network-in-network paper: reasonable results on which digit datasets?", "SVHN"),
])
def test_a_name_question_quotes_the_sentence_that_names_it(stub_settings, question, name):
    ans = rag.ask(question, **ASK)
    assert not ans.refused, ans.text
    _grounded(ans)
    assert name in ans.text, ans.text


def test_the_named_detail_outranks_the_papers_headline(seed_ready):
    """The sentence that names the benchmark says little else about the paper (low similarity to the
    question); a question asking for the benchmark still gets it quoted."""
    ans = rag.ask("Deformable DETR: on what benchmark were the experiments run?")
    assert not ans.refused and ans.sources[0].title.startswith("Deformable DETR")
    _grounded(ans)
    assert "COCO" in ans.text, ans.text


def test_a_link_question_quotes_the_url(stub_settings):
    """'Got a link?' after an answer about a paper is answered by the sentence with its URL, which
    answers to other questions leave out (it is penalised as boilerplate there)."""
    history = [
        {"role": "user", "content": "predicting a neural radiance field from one or a few images"},
        {"role": "assistant", "content": "The most relevant paper is “pixelNeRF: Neural Radiance Fields from One "
                                         "or Few Images” [1]. It predicts a scene from one or few images [1]."},
    ]
    ans = rag.ask("got a link?", history=history, **ASK)
    assert not ans.refused and ans.sources[0].title.startswith("pixelNeRF")
    _grounded(ans)
    assert "alexyu.net/pixelnerf" in ans.text, ans.text
    plain = rag.ask("pixelNeRF: how does it predict a scene from a few images?", **ASK)
    assert "alexyu.net" not in plain.text


@pytest.mark.parametrize("question", [
    "By what factor does FBNetV5 cut FLOPs compared with SegFormer on semantic segmentation?",
    "how much fewer FLOPs does FBNetV5 need than SegFormer for segmentation?",
])
def test_a_plural_named_term_is_found_as_the_abstract_writes_it(seed_ready, question):
    """'FLOPs' is the named term 'flop', which the abstract writes 'FLOPs' ('3.6x fewer FLOPs'): the figure is
    stated (before, the abstract was taken not to mention FLOPs, and the figure to be missing; session 22,
    written for this test)."""
    ans = rag.ask(question)
    assert not ans.refused, ans.text
    assert ans.sources[0].title.startswith("FBNetV5") and "3.6x" in ans.text, ans.text


def test_a_link_follow_up_that_names_nothing_else_is_about_the_paper_discussed(seed_ready):
    """'Is the code public, and where?' after two exchanges on a paper: that paper's URL, not the abstract of
    another paper that says its own code is public (session 22, written for this test)."""
    history = [
        {"role": "user", "content": "predicting a neural radiance field from one or a few images"},
        {"role": "assistant", "content": "The most relevant paper is “pixelNeRF: Neural Radiance Fields from One "
                                         "or Few Images” [1]. It predicts a scene from one or few images [1]."},
        {"role": "user", "content": "what does it condition on?"},
        {"role": "assistant", "content": "[1] It conditions the radiance field on spatial image features of the "
                                         "input views [1]."},
    ]
    for question in ("Is the code public, and where?", "is the code online somewhere?"):
        ans = rag.ask(question, history=history)
        assert not ans.refused and ans.sources[0].title.startswith("pixelNeRF"), ans.text
        assert "alexyu.net/pixelnerf" in ans.text, ans.text


def test_a_link_question_with_an_appositive_quotes_the_url(stub_settings):
    """'the code for X, the Y with Z': the comma sets off a description of the one paper, not a list of topics,
    so the evidence stays the one chosen for the link (the description's own reading, which matches the title,
    had brought its topic sentences in place of the URL sentence)."""
    from rag.corpus import load_papers
    from rag.settings import REPO_ROOT

    paper = next(p for p in load_papers(REPO_ROOT / "data" / "seed", "seed")
                 if (p.title or "").startswith("pixelNeRF"))
    url = re.search(r"https?://\S+?(?=[\s)}]|\.?$)", paper.abstract).group(0).rstrip(".")
    ans = rag.ask("Where is the code for pixelNeRF, neural radiance fields from one or few images?", **ASK)
    assert not ans.refused and ans.sources[0].title.startswith("pixelNeRF")
    _grounded(ans)
    assert url.split("//", 1)[1] in ans.text, (url, ans.text)


def test_an_author_the_question_names_stays_in_the_short_author_list(seed_ready):
    """'a paper by <fourth author> on …': the answer's short author list shows that author."""
    from rag.corpus import load_papers
    from rag.settings import REPO_ROOT

    papers = [p for p in load_papers(REPO_ROOT / "data" / "seed", "seed") if p.title and len(p.authors) >= 4]
    paper = next(p for p in papers if len(p.authors[3].split()) == 2 and p.authors[3].isascii())
    name = paper.authors[3]
    ans = rag.ask(f"is there a paper by {name} on {paper.title.split(':')[0].lower()}?")
    assert not ans.refused and ans.sources[0].title == paper.title, ans.text
    assert name in ans.text and "et al." in ans.text
    surname = name.split()[-1]  # named in the possessive (session 39)
    ans = rag.ask(f"I read {surname}'s work on {paper.title.split(':')[0].lower()}. Is it here?")
    assert not ans.refused and ans.sources[0].title == paper.title, ans.text
    assert name in ans.text, ans.text


@pytest.mark.parametrize(("question", "figure"), [
    ("How much quicker than existing MoE systems is DynaMoE, with no recompilation at all?", "1.8x"),
    ("xUnit activations: by how much do they cut the size of image restoration nets?", "50%"),
    ("By what factor does DynaMoE speed up training over the existing MoE systems?", "1.8x"),
])
def test_a_relative_figure_is_stated_by_a_ratio_in_other_words(seed_ready, question, figure):
    """'How much quicker' is answered by 'a 1.8x speedup', 'by how much … cut the size' by 'reduce … by
    nearly 50%': the abstract states the figure in words the question does not use."""
    ans = rag.ask(question)
    assert not ans.refused, ans.text
    assert figure in ans.text


def test_a_relative_figure_the_abstract_lacks_is_still_missing(stub_settings):
    ans = rag.ask("How much less memory than earlier video inpainting methods does the copy-and-paste network need?",
                  **ASK)
    assert ans.refused and "doesn't state" in ans.text, ans.text


@pytest.mark.parametrize(("sentence", "states"), [
    ("We release speeches delivered from 1951 to 2018 by the heads of state.", False),
    ("Since 2016, the campaign has grown (Smith et al., 2019).", False),
    ("Work of the 1990s relied on hand-written grammars.", False),
    ("The corpus holds 2000 speeches.", True),
    ("It has 1,234 speeches delivered between 1951 and 2018.", True),
])
def test_a_year_that_dates_something_is_not_a_figure(sentence, states):
    """'How many words does the corpus contain?' is not answered by the years the corpus spans."""
    from rag.answer.evidence import has_figure

    assert has_figure(sentence) is states


@pytest.mark.parametrize("question", ["papers by Yann LeCun", "Is Yann LeCun an author of any of these papers?",
                                      "did Yann LeCun write any of them?", "anything by Yann LeCun on pruning",
                                      "which of these did Yann LeCun himself write?",
                                      # the name in the sentence that sets the scene (session 42; written for this test)
                                      "Pruning folk cite Yann LeCun for optimal brain damage. Is he credited as an "
                                      "author on any record here?"])  # (session 35)
def test_a_person_the_abstracts_only_cite_is_no_author(seed_ready, question):
    """An abstract of the bundled corpus cites LeCun ('the Optimal Brain Surgeon framework of [LeCun, Denker,
    and Solla, 1990]'), but no paper lists him as an author: asked as an author, he gets a plain refusal
    instead of the paper that cites him."""
    from rag.pipeline import get_engine

    papers = get_engine().retriever.papers
    assert any("LeCun" in p.abstract for p in papers) and not any("LeCun" in a for p in papers for a in p.authors)
    ans = rag.ask(question)
    assert ans.refused and not ans.sources
    assert ans.text.startswith(refusal_phrase()) and "No paper in the collection lists Yann LeCun as an author." in ans.text


def test_a_list_of_papers_asked_as_whose_is_answered_without_author_lists(seed_ready):
    """'whose papers use the Penn Treebank?' asks for papers (rag.intent calls it a list): the bundled corpus gives no
    author list for the papers that do, and the answer lists them instead of refusing over the missing names; a
    question for one paper's authors still refuses (session 35; written for this test)."""
    from rag.pipeline import get_engine
    from rag.query import analyse

    question = "whose papers use the Penn Treebank?"
    query = analyse(question, [], get_engine())
    assert query.wants_authors and query.wants_list
    ans = rag.ask(question)
    assert not ans.refused and ans.sources, ans.text
    papers = {p.paper_id: p for p in get_engine().retriever.papers}
    assert not any(papers[s.paper_id].authors for s in ans.sources[:1])  # the best paper has no author list
    one = rag.ask("who wrote the paper that replaces multiplications in convolutions with additions?")
    assert one.refused and "author list is not given" in one.text


def test_a_one_word_side_opening_a_comparison_is_also_read_alone(seed_ready):
    """'Distiller compared with Captum: …': the first side is one capitalised word, a name though capitalised only as
    the question's first word; read alone it finds the Distiller toolkit, where the question's other words had found a
    paper on explaining knowledge distillation (session 35; written for this test)."""
    ans = rag.ask("Distiller compared with Captum: which one explains predictions?")
    titles = [s.title or "" for s in ans.sources]
    assert any(t.startswith("Neural Network Distiller") for t in titles), titles
    assert any(t.startswith("Captum") for t in titles), titles


def test_a_full_name_that_shares_only_a_surname_and_an_initial_is_another_person(seed_ready):
    """'Tianqi Chen' is not 'Tianlong Chen', whose surname and initial the bundled corpus lists: the author filter
    keeps the name as typed, which selects no paper, instead of the other Chen's papers (session 22, written for
    this test). A short form or an initial of the listed first name is still that author."""
    from rag.author_phrase import same_first_name
    from rag.pipeline import get_engine

    authors = {a for p in get_engine().retriever.papers for a in p.authors}
    assert "Tianlong Chen" in authors and "Tianqi Chen" not in authors
    ans = rag.ask("papers by Tianqi Chen on pruning")
    assert ans.refused and not ans.sources and ans.filters.get("author") == "Tianqi Chen", ans.text
    assert rag.ask("papers by Tianlong Chen on pruning").filters.get("author") == "Tianlong Chen"
    assert same_first_name("kathy", "kathleen") and same_first_name("t", "tianlong")
    assert same_first_name("chris", "christopher") and not same_first_name("tianqi", "tianlong")


def test_a_full_name_asked_as_an_author_is_only_a_name():
    """Only a capitalised first name and surname (particles allowed) asked about as an author is read as one."""
    from rag.query import AUTHOR_ASKED

    def asked(q):
        m = AUTHOR_ASKED.search(q)
        return m and next(n for n in m.group("name", "name2", "name3", "name4", "name5") if n)

    assert asked("papers by Jürgen Schmidhuber?") == "Jürgen Schmidhuber"
    assert asked("work by Nando de Freitas on meta-learning") == "Nando de Freitas"
    assert asked("Which papers here did Andrew Ng co-author?") == "Andrew Ng"
    assert asked("Which of them did Andrew Ng himself write?") == "Andrew Ng"  # (session 35)
    assert asked("Andrew Ng — does he have any papers in here?") == "Andrew Ng"
    assert asked("Fei-Fei Li: has she written anything on parsing?") == "Fei-Fei Li"
    assert asked("Andrew Ng's papers on transfer learning?") == "Andrew Ng"
    assert asked("Fei-Fei Li, of ImageNet fame: is any of her work indexed?") == "Fei-Fei Li"
    for q in ("models trained by SGD", "papers by Hinton", "the method proposed by Vaswani et al.",
              "anything by Monte Carlo tree search?", "papers by Gaussian Process regression",
              "is Deformable DETR better than DETR?"):
        assert not asked(q), q


def test_a_paper_found_by_what_it_does_is_also_named(stub_settings, tmp_path):
    """A focused answer whose best sentences name nothing the question and title lack also quotes the
    sentence that names the paper's contribution ('We propose ZetaPool …'), in abstract order."""
    from types import SimpleNamespace

    from rag.answer import offline
    from rag.answer.evidence import gather, naming_sentence
    from rag.embed import get_embedder
    from rag.retrieval import Hit
    from rag.sentences import SentenceVectors
    from rag.types import Paper

    abstract = ("Graph pooling coarsens graphs for classification. Pooling layers usually fix a compression ratio "
                "per layer. Fixed ratios damage the local structure of pooled graphs. We propose ZetaPool, a method "
                "guided by entropy. It computes every cluster assignment at once.")
    paper = Paper(paper_id="z1", abstract=abstract, title="Entropy-Guided Graph Pooling")
    question = "graph pooling with a fixed compression ratio per layer damages local structure"
    emb = get_embedder(stub_settings)
    engine = SimpleNamespace(sentences=SentenceVectors(tmp_path / "sv", emb))
    ev = gather(engine, question, emb.embed([question])[0], [Hit(paper=paper, score=1.0)])[0]
    assert naming_sentence(ev, question) == 3
    assert 3 not in ev.best(3)  # the three best sentences do not name the method
    plain = offline.single(ev, 1)
    named = offline.single(ev, 1, question=question)
    assert "ZetaPool" not in plain and "We propose ZetaPool, a method guided by entropy [1]." in named
    assert named.index("local structure") < named.index("ZetaPool")  # in abstract order
    # a question that already uses the name gets no extra sentence
    assert naming_sentence(ev, "what does ZetaPool do with a fixed compression ratio per layer?") is None


def test_a_count_in_words_is_favoured_for_a_figure_question(stub_settings, tmp_path):
    """'How many datasets …' is answered by 'Experiments on six benchmark datasets …': a sentence that states a
    number in words gets the same preference as one with digits, the rule the missing-figure check uses."""
    from types import SimpleNamespace

    from rag.answer.evidence import gather
    from rag.embed import get_embedder
    from rag.retrieval import Hit
    from rag.sentences import SentenceVectors
    from rag.types import Paper

    abstract = ("We study graph pooling for classification. Experiments on six benchmark datasets show gains. "
                "Experiments on standard benchmark datasets show robustness.")
    paper = Paper(paper_id="c1", abstract=abstract, title="Pooling Graphs")
    question = "on how many benchmark datasets are experiments run?"
    emb = get_embedder(stub_settings)
    engine = SimpleNamespace(sentences=SentenceVectors(tmp_path / "sv", emb))
    plain, asked = (gather(engine, question, emb.embed([question])[0], [Hit(paper=paper, score=1.0)],
                           wants_number=w)[0] for w in (False, True))
    assert asked.scores[1] - plain.scores[1] > 0.1  # the sentence with 'six'
    assert asked.scores[2] == plain.scores[2]  # no number: no preference


def test_a_figure_asked_in_a_unit_needs_an_amount_in_a_unit_of_its_kind(seed_ready):
    """'in milliseconds' is stated by a time ('in 4 days' answers 'in hours'), not by a speed-up: an abstract that
    gives '4.8x speedup in inference latency' doesn't state the latency in milliseconds (session 26, written for
    this test)."""
    for question in ("What inference latency in milliseconds does CBNet reach on the Google Cloud instance?",
                     "inference latency of CBNet on image-classification datasets, in milliseconds"):
        ans = rag.ask(question)
        assert ans.refused and "doesn't state the inference latency" in ans.text, ans.text
    ans = rag.ask("How long did training the 600-billion-parameter GShard translation model take, in hours?")
    assert not ans.refused and "4 days" in ans.text, ans.text
    _grounded(ans)


@pytest.mark.parametrize(("question", "sentence", "stated"), [
    ("How many parameters does it predict?", "It predicts all 24 million parameters of a ResNet-50.", True),
    ("how many datasets did they evaluate it on?", "Experiments on six benchmark datasets show gains.", True),
    ("How many labelled examples are needed?", "With only 100 labelled examples it matches full supervision.", True),
    ("How many datasets did they use?", "One of the datasets was collected in 2019.", False),  # 'one of': no count
    ("How many datasets did they use?", "The datasets were released in 2019.", False),  # a year dates something
    ("How many GPUs were used?", "Training takes 3 days on a cluster.", False),  # a number of something else
    ("How many kinds of metrics did they design?", "We design three types of mathematical metrics.", True),
    ("how many hypotheses about its success are put forward?", "Three hypotheses are proposed as follows.", True),
    ("How many datasets?", "Experiments on six benchmark datasets show gains.", True),  # punctuation ends the unit
    # four words between the number and its unit, and 'the number of <unit>' asked (session 26)
    ("how many corpora did they test on?", "It sets new records on eight widely-studied sentiment analysis corpora.",
     True),
    ("and the number of corpora where it wins?", "It wins on eight widely-studied sentiment analysis corpora.", True),
    # a magnitude passes the count on past its 'of'
    ("How many parameters do the networks have?", "Industrial networks with hundreds of millions of parameters.", True),
    ("How many parameters do the networks have?", "Millions of users click on ads every day.", False),
    # 'how many of those <unit>' (session 35; written for this test)
    ("In how many of those corpora did the tagger win?", "It wins on 5 out of the 7 corpora.", True),
    ("In how many of those corpora did the tagger win?", "It wins on 5 out of the 7 languages.", False),
    ("Its parameter count at depth 12?", "Trained at depths up to 12, it beats baselines with fewer parameters.", False),
    ("Its parameter count at depth 12?", "At depth 12 it has 9 million parameters.", True),
    # the datasets a paper evaluates on are its benchmarks, either way round (session 38; written for this test)
    ("and on how many datasets was it tested?", "Results on five standard benchmarks confirm it.", True),
    ("How many benchmarks does it report?", "We release three new datasets.", True),
    ("How many datasets?", "We compare against five strong baselines.", False),
    # hardware is counted in processors, not the other way round (session 40; written for this test)
    ("What hardware count did the speech model need?", "It trains on 64 GPUs in a week.", True),
    ("and its hardware count?", "Inference runs on 8 TPU v4 chips.", True),
    ("How many cores does the router use?", "It needs less hardware than 2 baselines.", False),
])
def test_a_number_that_counts_what_is_asked_states_the_figure(question, sentence, stated):
    """'How many <unit>' is answered by a number that quantifies that unit, whatever other words the sentence has."""
    from rag.answer.evidence import counts
    from rag.query import count_unit

    assert counts(sentence, count_unit(question)) is stated


@pytest.mark.parametrize(("sentence", "figure"), [
    # a bound in symbols states a figure (session 32; written for this test)
    (r"Our sampler mixes in $\widetilde{O}(d\sqrt{n})$ steps.", True),
    ("The index answers queries in O(log n) time.", True),
    ("An Ω(n) lower bound shows this is tight.", True),
    ("We propose OPT (Open Pretrained Transformers) for research.", False),
    ("The sampler mixes quickly in practice.", False),
])
def test_a_bound_in_symbols_is_a_figure(sentence, figure):
    from rag.answer.figure import gives_figure

    assert gives_figure(sentence) is figure


@pytest.mark.parametrize(("question", "abstract", "stated"), [
    ("What RMSE does the forecaster reach?", "We propose a traffic forecaster. It reduces the RMSE to 3.21 on sensor data.",
     True),
    ("What RMSE does the forecaster reach?", "We propose a traffic forecaster. It runs 5 times faster on sensor data.",
     False),  # another number, and no RMSE named
    ("What MAE does the forecaster reach?", "We propose a traffic forecaster. Its mean absolute error is 1.9 on sensor data.",
     True),  # the metric spelled out
    ("What exponent does the scaling law have?", "We fit a scaling law. The fitted law has an exponent of 0.27.", True),
    ("What exponent does the scaling law have?", "We fit a scaling law. It holds for up to 512 experts.", False),
    # how fast, said in words
    ("How fast is the customisation?", "We customise models. It generates a model within a few seconds.", True),
    ("How fast is the customisation?", "We customise models. It uses a supernet of 12 modules.", False),
    # 'how many <unit>' is stated only by a count of that unit, not by other numbers near the question's words
    ("How many gigabytes of memory does the retriever need?",
     "Our retriever needs a tiny fraction of the memory of 3 competing retrievers, evaluated on 20 datasets.", False),
    ("How many gigabytes of memory does the retriever need?", "Our retriever needs 2 gigabytes of memory.", True),
    ("How many sentences does the refined dataset contain?",
     "We introduce a dataset refined from MIMLRE (2014) and evaluate on SemEval-2010 Task 8.", False),
    # a name the question writes as two words and the abstract solid (session 32; written for this test)
    ("On ImageNet, what accuracy do the zebra networks reach?",
     "We design cheaper layers. The resulting ZebraNets reach 71.2% accuracy on ImageNet.", True),
    ("On ImageNet, what accuracy do the zebra networks reach?",
     "We design cheaper layers. The resulting ResNets reach 71.2% accuracy on ImageNet.", False),
    # a superlative the stemmer keeps apart from its adjective ('weakest' and 'weak')
    ("What accuracy does the weakest quantised student reach?",
     "We distil a teacher into students. The weak student reaches 72% accuracy with 1% of the FLOPs.", True),
    # how often: a frequency, stated by a share of cases; how much compute: by processors and time (session 34;
    # written for this test)
    ("how often did people prefer its sketches to the originals?",
     "We draw sketches with a diffusion model. In more than 70% of cases raters prefer ours over artists' drawings.", True),
    ("how often did people prefer its sketches to the originals?",
     "We draw sketches with a diffusion model. Raters judged 400 sketches against artists' drawings.", False),
    ("and how much compute did the search need?",
     "We parallelise tree search. Running on 512 GPU cores for 20 minutes matches a week of serial search.", True),
    ("and how much compute did the search need?",
     "We parallelise tree search. It matches the serial search in quality on 12 benchmarks.", False),
    # what training cost is compute; verbs of reporting and superlatives are not what is asked (session 37; written
    # for this test)
    ("what does its training cost come to?",
     "We pretrain a tagger at scale. Training runs on 64 TPU chips for 3 weeks and beats prior taggers.", True),
    ("what does its training cost come to?", "We pretrain a tagger at scale. Training beats prior taggers on 5 treebanks.",
     False),
    ("what is the biggest accuracy margin that it claims against rivals?",
     "We propose a sampler. It outperforms prior work by margins of up to 2.4% in accuracy.", True),
    ("what is the biggest accuracy margin that it claims against rivals?",
     "We propose a sampler. It outperforms prior work by wide margins in accuracy.", False),
    # an acronym the abstract writes for words the question spells out; an amount after 'by' states how much (session
    # 39; written for this test)
    ("The channel-pruning study with a saliency schedule: what accuracy on german traffic sign recognition?",
     "We prune channels by a saliency schedule. The pruned net keeps 98.1% accuracy on GTSR while halving FLOPs.",
     True),
    ("The channel-pruning study with a saliency schedule: what accuracy on german traffic sign recognition?",
     "We prune channels by a saliency schedule. The pruned net keeps 98.1% accuracy on CIFAR-10 while halving FLOPs.",
     False),
    ("the attention-free tagger they propose: does it beat the recurrent ones, and by how much?",
     "We propose an attention-free tagger. It outperforms recurrent taggers by 1.4 F1 on four treebanks.", True),
    ("the attention-free tagger they propose: does it beat the recurrent ones, and by how much?",
     "We propose an attention-free tagger. It outperforms recurrent taggers on all four treebanks we tried.", False),
    # an acronym naming a field ('NLP', 'RL') is no name the abstract must write (session 42; written for this test)
    ("the backdoor detector for NLP classifiers: what share of models did it flag correctly?",
     "We detect backdoors in text classifiers. It flags trojaned and clean models with 97.1% overall accuracy.", True),
    ("the backdoor detector for NLP classifiers: what share of models did it flag correctly on TrojAI?",
     "We detect backdoors in text classifiers. It flags trojaned and clean models with 97.1% overall accuracy.", False),
    # a size written 'NxM' gives each side; 'exact' and 'came out' ask no word (session 42; written for this test)
    ("so with the plain ViT-B and 384 crops, which exact number came out?",
     "We distil a plain ViT-B. It obtains 85.1% top-1 accuracy using a single crop of 384x384 pixels.", True),
    ("so with the plain ViT-B and 384 crops, which exact number came out?",
     "We distil a plain ViT-B. It obtains 85.1% top-1 accuracy with longer training.", False),
    # 'map' the verb is no mAP (session 34; written for this test)
    ("What mAP does the lifting network reach on 2D/3D part transfer?",
     "We map 2D features to 3D volumes. We evaluate it on 2D/3D part transfer.", False),
    ("What mAP does the lifting network reach on 2D/3D part transfer?",
     "We map 2D features to 3D volumes. It reaches 41.2 mAP on 2D/3D part transfer.", True),
])
def test_a_figure_is_stated_where_its_quantity_is_named_with_a_number(stub_settings, tmp_path, question, abstract, stated):
    """An error metric (MAE, RMSE, MSE, MAPE) or an exponent is stated by a sentence that names it with a number;
    an abstract that never names it does not state it, whatever other numbers it gives. How fast something is
    may be said in words ('within a few seconds')."""
    from types import SimpleNamespace

    from rag.answer.evidence import gather
    from rag.answer.figure import states_figure
    from rag.embed import get_embedder
    from rag.query import analyse
    from rag.retrieval import Hit
    from rag.sentences import SentenceVectors
    from rag.types import Paper

    query = analyse(question, [], None)
    assert query.wants_number
    emb = get_embedder(stub_settings)
    engine = SimpleNamespace(sentences=SentenceVectors(tmp_path / "sv", emb))
    ev = gather(engine, question, emb.embed([question])[0], [Hit(paper=Paper(paper_id="f1", abstract=abstract), score=1.0)],
                wants_number=True)[0]
    assert states_figure(ev, query) is stated


@pytest.mark.parametrize(("question", "authors", "stated"), [
    # the authors' names name the paper, not the figure asked (session 33; written for this test)
    ("What accuracy did Okafor, Brennan and Ilunga report?", ["Ada Okafor", "Tom Brennan", "Joy Ilunga"], True),
    ("What accuracy did Okafor, Brennan and Ilunga report?", ["Ada Okafor"], False),  # two names the paper lacks
    # a chat's asides and light verbs are not what is asked
    ("ok, and how much did latency go down?", [], True),
])
def test_names_and_asides_are_not_the_figure_asked(stub_settings, tmp_path, question, authors, stated):
    """A figure question's words that name the paper's authors, or only carry the chat ('ok', 'go'), are set aside
    before the share of the asked-for words a stating sentence must hold is measured."""
    from types import SimpleNamespace

    from rag.answer.evidence import gather
    from rag.answer.figure import states_figure
    from rag.embed import get_embedder
    from rag.query import analyse
    from rag.retrieval import Hit
    from rag.sentences import SentenceVectors
    from rag.types import Paper

    abstract = "We co-design chips and networks. The design reaches 71.2% accuracy and cuts latency by 17.77%."
    query = analyse(question, [], None)
    assert query.wants_number
    emb = get_embedder(stub_settings)
    engine = SimpleNamespace(sentences=SentenceVectors(tmp_path / "sv", emb))
    paper = Paper(paper_id="f2", abstract=abstract, authors=authors)
    ev = gather(engine, question, emb.embed([question])[0], [Hit(paper=paper, score=1.0)], wants_number=True)[0]
    assert states_figure(ev, query) is stated


def test_a_count_is_found_where_the_unit_is_a_title_word(seed_ready):
    """'Parameter Prediction for Unseen Deep Architectures' states '24 million parameters of a ResNet-50' in a
    sentence without the question's other words (hypernetwork, single pass): the count answers the question, and
    the unit is asked although the title also holds it."""
    ans = rag.ask("How many parameters of a ResNet-50 can the graph hypernetwork produce in a single pass?")
    assert not ans.refused and "24 million parameters" in ans.text, ans.text


def test_a_name_in_a_quoted_sentence_does_not_stand_for_the_contribution_name(stub_settings, tmp_path):
    """A quoted sentence that mentions another method's acronym ('convergent cross mapping (CCM)') does not
    name the paper's contribution: the sentence that does ('We propose Latent-CCM …') is still quoted."""
    from types import SimpleNamespace

    from rag.answer.evidence import gather, naming_sentence
    from rag.embed import get_embedder
    from rag.retrieval import Hit
    from rag.sentences import SentenceVectors
    from rag.types import Paper

    abstract = ("Causal discovery from short time series is hard. The classical convergent cross mapping (CCM) "
                "fails on sparse observations. We propose Latent-CCM, which fits latent neural ODE processes.")
    paper = Paper(paper_id="n1", abstract=abstract, title=None)
    question = "causal discovery on sparse time series where cross mapping fails"
    emb = get_embedder(stub_settings)
    engine = SimpleNamespace(sentences=SentenceVectors(tmp_path / "sv", emb))
    ev = gather(engine, question, emb.embed([question])[0], [Hit(paper=paper, score=1.0)])[0]
    assert naming_sentence(ev, question, chosen=[0, 1]) == 2
    assert naming_sentence(ev, question, chosen=[0, 2]) is None  # already quoted


@pytest.mark.parametrize(("question", "metric"), [
    ("What precision does the state-of-the-art classification with NIN reach on CIFAR-100?", "precision"),
    ("what recall did the micro network classification get on CIFAR-10 and CIFAR-100", "recall"),
    ("Which AUROC does the network-in-network classifier reach on CIFAR-100?", "AUROC"),  # (session 27)
])
def test_a_metric_the_abstract_never_names_is_not_stated_by_its_other_numbers(stub_settings, question, metric):
    """NIN's abstract gives 'CIFAR-10 and CIFAR-100' in the sentence on its classification results, but no
    precision or recall: the figure asked for is missing, and the answer names the metric."""
    ans = rag.ask(question, **ASK)
    assert ans.refused, ans.text
    assert f"doesn't state the {metric}" in ans.text, ans.text
    assert ans.sources[0].title == "Network In Network"


def test_a_count_of_a_unit_is_not_stated_by_how_memory_grows(seed_ready):
    """'How many gigabytes …?' of the NDPP paper, whose abstract says its memory grows linearly (and the old methods'
    quadratically) but counts no gigabytes: the figure is missing, whatever words say how memory scales (session 29,
    written for this test)."""
    ans = rag.ask("How many gigabytes of memory does the scalable NDPP learning method need for large item collections?")
    assert ans.refused and "doesn't state the number of gigabytes" in ans.text, ans.text
    assert ans.sources[0].title.startswith("Scalable Learning and MAP Inference for Nonsymmetric")


@pytest.mark.parametrize("template", ["{a} appears as an author somewhere in the collection; which paper is it?",
                                      "Tell me which abstract {a} co-wrote",
                                      # 'co-write' (session 29; written for this test)
                                      "Which abstract here did {a} co-write?",
                                      # 'counts … among its authors' (session 29; written for this test)
                                      "Which abstract in this collection counts {a} among its authors?",
                                      # 'shows up as a co-author on which record' (session 30; written for this test)
                                      "{a} shows up among the co-authors of which entry here?",
                                      "Is {a} on any paper in this set, and which one?",
                                      # 'something' (session 34; written for this test)
                                      "{a} is an author of something in this library. What is it?",
                                      # 'carry a name', 'say in a line what it does' (session 35; written for this test)
                                      "Which of the entries here carry the name {a}?",
                                      "{a}: list what they co-wrote and say in a line what it does."])
def test_a_question_only_about_whose_paper_it_is_answers_with_that_authors_paper(seed_ready, template):
    """With the author taken as a filter, what is left ('appears as an author somewhere …') only says
    the paper is theirs: the author's papers answer, as 'papers by X' would."""
    paper = _seed_author_paper()
    ans = rag.ask(template.format(a=paper.authors[0]))
    assert not ans.refused, ans.text
    assert [s.title for s in ans.sources] == [paper.title]


def test_a_question_naming_one_paper_by_its_title_is_answered_by_it_alone(seed_ready):
    """'In HyperShot, why is …': other few-shot papers score high on the topic, but the question is about
    the paper it names."""
    ans = rag.ask("In HyperShot, why is few-shot learning difficult?")
    assert [s.title for s in ans.sources] == ["HyperShot: Few-Shot Learning by Kernel HyperNetworks"], ans.text


def test_two_papers_named_side_by_side_are_both_cited(seed_ready):
    """'GShard and the scaling-laws paper: what does each say …': judged on the whole question, the second
    paper scores low (half the question is about the other), but each side of the 'and' has its own paper,
    and the two are the whole question's best two. A question describing one paper with 'both … and …'
    stays about that paper: both sides find it."""
    ans = rag.ask("GShard and the Mixture-of-Experts scaling laws paper: what does each say about routing?")
    titles = [s.title for s in ans.sources]
    assert len(titles) == 2 and titles[0].startswith("GShard"), ans.text
    assert titles[1] == "Unified Scaling Laws for Routed Language Models", ans.text
    one = rag.ask("Which work makes both the encoder and the decoder of a video inpainting network copy content "
                  "from other frames?")
    assert [s.title for s in one.sources] == ["Copy-and-Paste Networks for Deep Video Inpainting"], one.text


def test_two_papers_named_side_by_side_are_cited_where_a_third_outranks_one(seed_ready):
    """Judged on the whole question, a third paper may rank between the two papers a comparison names (HyperShot
    shares its words); each side still finds its own paper, and both are cited (PAIR_AMONG). 'Ha et al.' is no 'and'
    (session 33; written for this test)."""
    ans = rag.ask("The HyperNetworks of Ha et al. and SMASH one-shot architecture search, the latter building on "
                  "the former: how?")
    titles = sorted(s.title for s in ans.sources)
    assert titles == ["HyperNetworks", "SMASH: One-Shot Model Architecture Search through HyperNetworks"], ans.text


def test_a_side_named_by_a_name_the_collection_holds_is_a_paper_that_names_it(seed_ready):
    """'R-GAP': read alone, the side finds papers that write 'gap' (the search words are 'r' and 'gap'), and one of
    them was listed as R-GAP's paper. The collection holds the name, so a side's paper is one that names it: every
    paper listed names one of the two sides (session 29, written for this test)."""
    ans = rag.ask("How does R-GAP relate to CapRecover, and what does each reconstruct?")
    assert not ans.refused and ans.sources, ans.text
    for s in ans.sources:
        assert re.search(r"R-GAP|CapRecover", f"{s.title} {s.abstract}"), s.title


@pytest.mark.parametrize("question", ["What sets SMASH apart from the HyperNetworks paper in how each uses a hypernetwork?",
                                      "HyperShot compared with SMASH: what does each hypernetwork produce?"])
def test_two_papers_compared_are_the_answer_without_others_on_the_subject(seed_ready, question, monkeypatch):
    """Each side of the comparison names its own paper, and both are listed on the whole question: those two are
    the answer. Other hypernetwork papers score high on the subject too, and were listed beside them."""
    import importlib

    ans = rag.ask(question)
    assert len(ans.sources) == 2 and all(s.title.startswith(("SMASH", "HyperNetworks", "HyperShot"))
                                         for s in ans.sources), ans.text
    answer = importlib.import_module("rag.answer")
    select = answer.select
    monkeypatch.setattr(answer, "select", lambda evs, **kw: select(evs, **(kw | {"sides": 0})))
    monkeypatch.setattr(answer, "BARE_SIDE_WORDS", 0)  # (the names read alone, too)
    monkeypatch.setattr(answer, "_naming", lambda eng, side, evs: evs)  # (and a side's papers that do not name it)
    assert len(rag.ask(question).sources) > 2  # without the sides, the subject's other papers join


def test_a_side_of_a_comparison_that_is_a_name_is_also_read_alone(seed_ready, monkeypatch):
    """'SN-Net and Dynamic Perceiver both let one deployed network trade accuracy for compute': read with the
    question's other words, the Dynamic Perceiver side finds SN-Net again (the words suit it better); read alone, the
    name finds its own paper, and both are the answer. A side that is a kind of thing ('convolutional') is not a
    name, and is read with the question's words only."""
    import importlib

    from rag.query import analyse

    answer = importlib.import_module("rag.answer")
    question = "SN-Net and Dynamic Perceiver both let one deployed network trade accuracy for compute: how does each do it?"
    titles = [s.title for s in rag.ask(question).sources]
    assert len(titles) == 2 and titles[0] == "Stitchable Neural Networks" and titles[1].startswith("Dynamic Perceiver")
    query = analyse("convolutional versus recurrent networks for text classification", [], None)
    assert query.compares and query.items and not any(answer._name_like(x, query) for x in query.items)
    monkeypatch.setattr(answer, "BARE_SIDE_WORDS", 0)
    assert [s.title for s in rag.ask(question).sources] == ["Stitchable Neural Networks"]


def test_a_figure_asked_beside_another_question_is_noted_missing_not_refused(seed_ready):
    """'What does DeepPose regress from the image, and how many GPUs did its training use?': the abstract says what it
    regresses and gives no GPU count, so the answer gives the one and says the other is missing; asked alone, the
    figure the abstract doesn't state is a refusal, as before (session 38, written for this test)."""
    both = rag.ask("What does DeepPose regress from the image, and how many GPUs did its training use?")
    assert not both.refused and both.sources[0].title.startswith("DeepPose"), both.text
    assert both.text.endswith("doesn't state the number of GPUs."), both.text
    alone = rag.ask("How many GPUs did DeepPose's training use?")
    assert alone.refused and "doesn't state the number of GPUs" in alone.text, alone.text


def test_a_comparison_that_also_asks_a_figure_lists_both_papers(seed_ready, monkeypatch):
    """'SITHCon versus the efficient spherical CNNs: what symmetry does each build in, and what does it cost in
    compute?' compares two papers and asks a figure besides: each side is read, and both papers answer (a figure asked
    alone is asked of one paper, whose side readings are skipped; session 38, written for this test)."""
    import importlib

    answer = importlib.import_module("rag.answer")
    question = "SITHCon versus the efficient spherical CNNs: what symmetry does each build in, and what does it cost in compute?"
    titles = [s.title for s in rag.ask(question).sources]
    assert len(titles) == 2 and any(t.startswith("Efficient Generalized Spherical") for t in titles) \
        and any("invariant to time" in t for t in titles), titles
    monkeypatch.setattr(answer, "_one_paper_asked", lambda query: query.wants_number)  # the sides skipped again
    monkeypatch.setattr(answer, "other_side", lambda *args: None)  # (and the other side's reading, session 42)
    assert len(rag.ask(question).sources) == 1


def test_years_asked_of_a_collection_that_dates_no_paper_are_not_applied(seed_ready, monkeypatch):
    """The bundled abstracts carry no years, so 'since 2020' selects none of them: the years are not applied, and the
    answer says so, instead of refusing as if no paper of those years existed. A collection that dates its papers
    keeps the filter (session 38, written for this test)."""
    import importlib

    answer = importlib.import_module("rag.answer")
    ans = rag.ask("anything on spiking neural networks since 2020?")
    assert not ans.refused and ans.sources and ans.text.endswith(answer.UNDATED_NOTE), ans.text
    assert "year_min" not in ans.filters and all("spik" in f"{s.title} {s.abstract}".lower() for s in ans.sources)
    monkeypatch.setattr(answer, "_dates_papers", lambda eng, query: True)
    dated = rag.ask("anything on spiking neural networks since 2020?")
    assert dated.refused and "No indexed paper matches the filters" in dated.text, dated.text


def test_a_described_side_whose_reading_finds_the_other_sides_paper_is_read_alone(seed_ready, monkeypatch):
    """'the triplet embedding network vs Matching Networks - which of them needs fine-tuning on new classes?': read with
    the question's other words (few-shot classes, fine-tuning), the described side finds Matching Networks again, the
    other side's paper. Two sides compared are two papers, so the side is read alone too and finds the triplet
    network's paper (session 38, written for this test)."""
    import importlib

    answer = importlib.import_module("rag.answer")
    question = "the triplet embedding network vs Matching Networks - which of them needs fine-tuning on new classes?"
    titles = sorted(s.title for s in rag.ask(question).sources)
    assert len(titles) == 2 and titles[0].startswith("Deep metric learning using Triplet") \
        and titles[1].startswith("Matching Networks"), titles
    monkeypatch.setattr(answer, "BARE_SIDE_WORDS", 0)  # no side read alone: the triplet network's paper is lost
    assert not any(s.title.startswith("Deep metric") for s in rag.ask(question).sources)


@pytest.mark.parametrize(("question", "figure"), [
    ("Which exponent does the routed language model scaling study fit for the number of experts?", "the exponent"),
    ("What is the power-law exponent of the GShard scaling curve?", "the power-law exponent"),
])
def test_a_quantity_the_abstract_never_names_is_not_stated(seed_ready, question, figure):
    """The abstract gives other numbers (experts, parameter counts) near the question's words, but never says
    'exponent': it does not state one."""
    ans = rag.ask(question)
    assert ans.refused and f"doesn't state {figure}" in ans.text, ans.text


def test_a_quantity_an_abstract_states_in_other_words_is_still_stated(seed_ready):
    """A speed-up is stated as '… times faster' without the word; written 'speed-up' or 'speedup' alike."""
    ans = rag.ask("What speed-up do the executables compiled by DyCL get over running in the original frameworks?")
    assert not ans.refused and "times faster" in ans.text, ans.text


@pytest.mark.parametrize(("question", "figure"), [
    ("How big is the GShard translation model, and how long did its training take?", "600 billion parameters"),
    ("How long did it take to train the GShard model?", "4 days"),
    ("How large is the GShard model?", "600 billion parameters"),
    # 'how big a <noun>' (session 25; written for this test)
    ("How big a collection of trained networks does the FLAN analysis rest on?", "1.5 million"),
    # a duration in words (session 25; written for this test)
    ("how long does predicting the parameters of an unseen deep architecture with a graph hypernetwork take?",
     "fraction of a second"),
])
def test_how_long_and_how_big_are_stated_by_a_number_with_its_unit(seed_ready, question, figure, monkeypatch):
    """'How long did training take?' is stated by a number of days or hours, 'how big is the model?' by a number
    of parameters, whatever other words the sentence uses; without those readings both were refused as figures
    the abstract does not state."""
    import importlib
    import re

    ans = rag.ask(question)
    assert not ans.refused and figure in ans.text, ans.text
    figure_module = importlib.import_module("rag.answer.figure")
    monkeypatch.setattr(figure_module, "IN_ITS_OWN_WORDS", tuple(
        (re.compile("(?!)"), stated, number) if asked in (figure_module.DURATION_ASKED, figure_module.SIZE_ASKED)
        else (asked, stated, number) for asked, stated, number in figure_module.IN_ITS_OWN_WORDS))
    assert rag.ask(question).refused


def test_weights_are_counted_as_parameters(seed_ready, monkeypatch):
    """'How many weights …?' is stated by '24 million parameters' (a network's weights are its parameters); without
    that equivalence the count of parameters did not count weights, and the figure was refused as missing (session 25;
    written for this test)."""
    import rag.query

    question = "how many weights does the graph hypernetwork predict for a ResNet-50 in one go?"
    ans = rag.ask(question)
    assert not ans.refused and "24 million" in ans.text, ans.text
    monkeypatch.setattr(rag.query, "_SAME_UNITS", ())
    assert rag.ask(question).refused


@pytest.mark.parametrize("question", [
    "is there a download link for the implementation of collective robustness certification of bagging?",
    "Where is the implementation of the collective robustness certificate for bagging hosted?",
])
def test_a_download_asked_of_one_thing_is_answered_from_one_paper(seed_ready, question):
    """'Where can I get the code for X?' asks for the address one paper gives, as a figure question asks for one
    paper's figure: the answer cites that paper alone (it had listed a second paper on the same subject). A question
    worded as a list ('which papers release their code?') still lists (session 25)."""
    ans = rag.ask(question)
    assert not ans.refused and len(ans.sources) == 1, ans.text
    assert len(rag.ask("Which papers release their code on GitHub?").sources) > 1


def test_how_much_something_helps_is_answered_in_words_too(seed_ready):
    """'How much does X help …' asks how well it works: an abstract that says it improves answers it, as for
    'how well'. A question naming the figure it wants is still a figure question."""
    from rag.query import analyse

    question = "How much does sharing a low-dimensional representation help across many linear bandit tasks?"
    assert analyse(question, [], None).evaluative
    assert not analyse("How much does the adapter help, in BLEU?", [], None).evaluative
    ans = rag.ask(question)
    assert not ans.refused and "representation" in ans.text, ans.text


def test_two_figures_asked_together_are_a_figure_question(seed_ready):
    """'What top-1 and top-5 ImageNet accuracy does …': four words before the quantity still ask for it, so the
    answer is the one paper that states it (it had listed a second paper as for a topic)."""
    from rag.query import analyse

    question = "What top-1 and top-5 ImageNet accuracy does MEAL V2 get with ResNet-50?"
    assert analyse(question, [], None).wants_number
    ans = rag.ask(question)
    assert [s.title[:7] for s in ans.sources] == ["MEAL V2"] and not ans.refused, ans.text


def test_two_papers_said_to_have_something_in_common_are_both_cited(seed_ready):
    """'What do A and B have in common?' sets the two side by side as 'both' and 'each' do."""
    titles = [s.title for s in rag.ask("What do SMASH and the HyperNetworks paper have in common?").sources]
    assert len(titles) == 2 and {t.split(":")[0] for t in titles} == {"HyperNetworks", "SMASH"}, titles


@pytest.mark.parametrize("question", [
    "What do the Deep Interest Network paper and the Differentiable Neural Input Search paper share?",
    "'Deep Interest Network for Click-Through Rate Prediction' and 'Differentiable Neural Input Search for Recommender "
    "Systems': what do the two share?",
])
def test_two_papers_said_to_share_something_are_both_cited(seed_ready, question):
    """'What do A and B share?' asks what two papers have in common (session 25): the verb is no figure asked ('what
    share of …' is), and the two are read side by side; it was refused as a figure the abstract lacks, or as about
    something else."""
    ans = rag.ask(question)
    titles = {s.title.split(" for ")[0] for s in ans.sources}
    assert not ans.refused and titles == {"Deep Interest Network", "Differentiable Neural Input Search"}, ans.text


def test_whats_asks_for_a_figure_as_what_is_does(seed_ready):
    """"What's the word error rate of …" is a figure question, as "What is the word error rate …" is."""
    from rag.query import analyse

    assert analyse("What's the word error rate of the video inpainting network?", [], None).wants_number
    ans = rag.ask("What's the word error rate of the Copy-and-Paste video inpainting network?")
    assert ans.refused and "doesn't state the word error rate" in ans.text, ans.text


def test_results_on_a_dataset_no_abstract_mentions_are_refused_naming_it(seed_ready):
    """Click-through-rate papers exist, but none mentions Criteo: no paper reports results on it. Results on
    a dataset the collection does mention are answered."""
    ans = rag.ask("click-through rate prediction: any results on the Criteo dataset?")
    assert ans.refused and "None of them mentions Criteo" in ans.text, ans.text
    assert not rag.ask("click-through rate prediction: results on the Amazon dataset?").refused


def test_datasets_offered_in_brackets_that_no_abstract_mentions_are_refused_naming_them(seed_ready):
    """'which datasets (X? Y?) …': the names offered are the data asked about (session 36; written for this test)."""
    from rag.query import data_names

    assert data_names("the attacked classifier (ResNet-50): which benchmarks?") == ()  # a bracket after no data word
    assert data_names("which image benchmarks (e.g. Caltech-101) did it use?") == ("Caltech-101",)
    ans = rag.ask("the AdvGAN attack: which image datasets (GTSRB? LSUN?) were attacked?")
    assert ans.refused and "None of them mentions GTSRB, LSUN" in ans.text, ans.text
    assert not rag.ask("the AdvGAN attack: which image datasets (MNIST?) were attacked?").refused


def test_an_example_asked_is_answered_by_the_sentence_that_gives_one(seed_ready):
    """'what is an example of such information?': the TRAM abstract gives one ('e.g. the ID of the annotator') in a
    sentence outside its three best, which the focused answer now quotes too (session 35; written for this test). A
    topic that only contains the word ('adversarial examples') asks for none."""
    from rag.query import analyse, asks_example

    assert analyse("Label noise with privileged information: what is an example of such information?", [], None).wants_example
    ans = rag.ask("Label noise with privileged information: what is an example of such information?")
    assert not ans.refused and ans.sources[0].title.startswith("Transfer and Marginalize"), ans.text
    assert "annotator" in ans.text
    assert asks_example("which example factors does it name?") and asks_example("give an example of a proxy task")
    assert not asks_example("which papers defend against adversarial examples?")


def test_a_question_in_words_the_collection_never_writes_is_refused(seed_ready):
    # most of its weight lies in words no abstract uses; the best paper (knowledge distillation) is no strong hit
    # (session 36; written for this test)
    ans = rag.ask("distillation of rosemary essential oil: steam or hydro?")
    assert ans.refused and "No abstract mentions" in ans.text and "rosemary" in ans.text, ans.text
    assert ans.sources == []


def test_words_the_collection_never_writes_do_not_refuse_a_strong_hit(seed_ready):
    from rag.answer.judge import UNWRITTEN_BELOW, unwritten, unwritten_share
    from rag.pipeline import get_engine
    from rag.query import analyse

    eng = get_engine()
    query = analyse("distillation of rosemary essential oil: steam or hydro?", [], eng)
    assert {"rosemary", "steam"} <= set(unwritten(eng, query, UNWRITTEN_BELOW - 0.01))
    assert unwritten(eng, query, UNWRITTEN_BELOW) == []
    # a question whose words the collection writes has none, however weak its best paper
    assert unwritten(eng, analyse("knowledge distillation from a teacher network", [], eng), 0.1) == []
    # words are looked up as typed ('noisy' is written, 'noise' too), and a request's words ('anything') do not count
    share, missing = unwritten_share(eng, "anything on denoising noisy images?")
    assert missing == [] and share == 0.0
