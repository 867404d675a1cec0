"""Loaders: the messy seed pages and every other supported format produce clean `Paper`s."""

from __future__ import annotations

import pytest

from rag.corpus import CorpusError, LoadReport, detect_format, load_papers
from rag.corpus.seed import parse_seed_text
from rag.settings import REPO_ROOT

from .conftest import DATA

SEED = REPO_ROOT / "data" / "seed"


def test_bundled_seed_corpus_shape():
    papers = load_papers(SEED)
    assert 210 <= len(papers) <= 230
    assert 145 <= sum(not p.authors for p in papers) <= 165
    assert 30 <= sum(p.title is None for p in papers) <= 40
    assert len({p.paper_id for p in papers}) == len(papers)
    text = " ".join(f"{p.title} {p.abstract}" for p in papers)
    for chrome in ("Get trending papers", "Skip to yearly", "Chat is not available", "PDT", "Poster Session"):
        assert chrome not in text
    assert not any((p.title or "").startswith("Subscribe") for p in papers)
    assert all(p.url for p in papers)


def test_seed_duplicate_abstract_across_files_collapses():
    papers = load_papers(SEED)
    dup = [p for p in papers if p.abstract.startswith("We present a large-scale study on unsupervised spatiotemporal")]
    assert len(dup) == 1
    assert "000_" in dup[0].source and "003_" in dup[0].source


def test_seed_parses_titles_authors_continuations():
    papers = {p.title: p for p in load_papers(DATA / "stub")}
    adamp = papers["AdamP: Slowing Down the Slowdown for Momentum Optimizers on Scale-invariant Weights"]
    assert adamp.authors[:2] == ["Byeongho Heo", "Sanghyuk Chun"]
    private = papers["Private Image Reconstruction from System Side Channels Using Generative Models"]
    assert private.abstract.startswith("System side channels")
    assert "This research proposes an attack framework" in private.abstract  # second paragraph joined
    untitled = [p for p in papers.values() if p.title is None]
    assert len(untitled) == 1 and untitled[0].abstract.startswith("Despite their popularity")
    assert untitled[0].url == f"/paper/{untitled[0].paper_id}"
    assert "Copy-and-Paste Networks for Deep Video Inpainting" in papers  # 'Subscribe' prefix removed
    titled = papers["Network In Network"]
    assert titled.url.startswith("https://scholar.google.com/scholar?q=")


def test_paper_id_is_stable_and_text_derived():
    a = parse_seed_text("Title\n" + "x " * 150 + "Some abstract text. More.", "a.txt")
    b = parse_seed_text("Other title\n" + "x  " * 150 + "Some abstract   text. More.", "b.txt")
    assert a[0].paper_id == b[0].paper_id


def test_acl_loader():
    papers = load_papers(DATA / "acl_sample.xml")
    assert len(papers) == 2  # the entry without an abstract is not a paper here
    p = papers[0]
    assert p.title == "Learning to Understand Child-directed and Adult-directed Speech"
    assert p.authors == ["Lieke Gelderloos", "Grzegorz Chrupała"]
    assert p.year == 2020 and "Computational Linguistics" in p.venue
    assert p.url == "https://aclanthology.org/2020.acl-main.1"
    assert "JLPC" in papers[1].abstract and "F_1" in papers[1].abstract  # inline markup flattened


def test_scifact_loader():
    papers = load_papers(DATA / "scifact_sample.csv")
    assert [p.url for p in papers] == [
        "https://api.semanticscholar.org/CorpusID:4983",
        "https://api.semanticscholar.org/CorpusID:5836",
    ]
    assert papers[0].abstract.startswith("Alterations of the architecture") and "17 preterm infants" in papers[0].abstract


def test_jsonl_loader_keeps_good_lines_and_reports_bad_ones():
    report = LoadReport()
    papers = load_papers(DATA / "papers.jsonl", report=report)
    assert [p.title for p in papers] == ["Attention Is All You Need", "Deep Residual Learning for Image Recognition"]
    assert report.skipped == 1 and "papers.jsonl:2" in report.problems[0]
    assert papers[1].authors == ["Kaiming He", "Xiangyu Zhang"] and papers[1].year == 2016


def test_csv_loader():
    report = LoadReport()
    papers = load_papers(DATA / "papers.csv", report=report)
    assert len(papers) == 1 and papers[0].authors == ["Jacob Devlin", "Ming-Wei Chang"]
    assert report.skipped == 1


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("acl_sample.xml", "acl"), ("scifact_sample.csv", "scifact"), ("papers.jsonl", "jsonl"),
     ("papers.csv", "csv"), ("stub", "seed")],
)
def test_detect_format(name, fmt):
    assert detect_format(DATA / name) == fmt


def test_missing_path_and_unsafe_xml(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        load_papers(tmp_path / "nope.xml")
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
                    "<collection>&b;</collection>")
    with pytest.raises(CorpusError, match="unsafe XML"):
        load_papers(bomb)
    broken = tmp_path / "broken.xml"
    broken.write_text("<collection><volume><paper><abstract>cut")
    with pytest.raises(CorpusError, match="malformed XML"):
        load_papers(broken)
