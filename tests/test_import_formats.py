"""Abstract-native imports: BibTeX, RIS and OpenAlex/arXiv JSON exports become `Paper`s with stable
identity ids (DOI > arXiv id > title+year > abstract), and a preprint folds into its publication."""

from __future__ import annotations

import hashlib

import pytest

import rag
from rag.corpus import FORMATS, LoadReport, detect_format, load_papers
from rag.corpus.bibliographic import collapse_versions, make_paper
from rag.corpus.common import identity_id, paper_id_for
from rag.settings import load_settings
from rag.store import Store
from rag.types import Paper

from .conftest import DATA

IMPORT = DATA / "import"
BERT_DOI = "10.18653/v1/n19-1423"


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _load(name: str) -> tuple[list[Paper], LoadReport]:
    report = LoadReport()
    return load_papers(IMPORT / name, report=report), report


def _by_title(papers: list[Paper]) -> dict[str, Paper]:
    return {p.title: p for p in papers}


# --- identity ------------------------------------------------------------------------------------


def test_identity_prefers_doi_then_arxiv_then_title_year_then_abstract():
    abstract = "An abstract that is long enough to be one."
    doi = Paper(paper_id="", abstract=abstract, doi="https://doi.org/10.1038/NATURE16961", arxiv_id="1602.01783",
                title="T", year=2016)
    assert identity_id(doi) == "doi:" + _sha("10.1038/nature16961")
    assert identity_id(Paper(paper_id="", abstract=abstract, doi="doi:10.1038/nature16961")) == identity_id(doi)

    arxiv = Paper(paper_id="", abstract=abstract, arxiv_id="arXiv:1706.03762v5", title="T", year=2017)
    assert identity_id(arxiv) == "arxiv:1706.03762"
    assert identity_id(Paper(paper_id="", abstract="other", arxiv_id="https://arxiv.org/abs/1706.03762v1")) \
        == "arxiv:1706.03762"
    # arXiv's own DOI names the preprint: same id as the bare arXiv id
    assert identity_id(Paper(paper_id="", abstract=abstract, doi="10.48550/arXiv.1706.03762")) == "arxiv:1706.03762"
    assert identity_id(Paper(paper_id="", abstract=abstract, arxiv_id="hep-th/9901001v2")) == "arxiv:hep-th/9901001"

    a = Paper(paper_id="", abstract=abstract, title="Deep Residual Learning for Image Recognition", year=2016)
    b = Paper(paper_id="", abstract="a different abstract text", title="deep residual learning: for image RECOGNITION",
              year=2016)
    c = Paper(paper_id="", abstract=abstract, title="Deep Residual Learning for Image Recognition", year=2015)
    assert identity_id(a).startswith("title:")
    assert identity_id(a) == identity_id(b)
    assert identity_id(a) != identity_id(c)

    untitled = Paper(paper_id="", abstract=abstract, year=2016)
    assert identity_id(untitled) == paper_id_for(abstract)
    no_year = Paper(paper_id="", abstract=abstract, title="A title")
    assert identity_id(no_year) == paper_id_for(abstract)


# --- BibTeX --------------------------------------------------------------------------------------


def test_bibtex_skips_entries_without_abstract_and_counts_them():
    papers, report = _load("papers.bib")
    assert len(papers) == 2  # 4 entries: preprint + published collapse to one, one has no abstract
    assert report.skipped == 1
    assert "he2016deep" in report.problems[0] and "no abstract" in report.problems[0]
    assert not any("Residual" in (p.title or "") for p in papers)


def test_bibtex_decodes_latex_and_names():
    papers, _ = _load("papers.bib")
    opus = _by_title(papers)["OPUS-MT – Building open translation services for the World"]
    assert opus.authors == ["Jörg Tiedemann", "Santhosh Thottingal"]
    assert opus.year == 2020
    assert opus.venue == "Proceedings of the 22nd Annual Conference of the European Association for Machine Translation"
    assert "development of free resources" in opus.abstract
    assert not any(ch in opus.abstract for ch in "\\{}")
    assert opus.doi is None and opus.arxiv_id is None
    assert opus.url == "https://aclanthology.org/2020.eamt-1.61"
    assert opus.paper_id.startswith("title:")  # no DOI, no arXiv id
    assert opus.source == "papers.bib#tiedemann-thottingal-2020-opus"


def test_bibtex_preprint_and_published_collapse_into_one_paper():
    papers, _ = _load("papers.bib")
    bert = [p for p in papers if (p.title or "").startswith("BERT")]
    assert len(bert) == 1
    p = bert[0]
    assert p.title == "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    assert p.authors == ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"]
    # published metadata wins: NAACL 2019, its DOI and its (longer) abstract
    assert p.year == 2019
    assert p.venue.startswith("Proceedings of the 2019 Conference of the North American Chapter")
    assert p.doi == BERT_DOI
    assert "MultiNLI accuracy to 86.7% (4.6% absolute improvement)" in p.abstract
    assert p.paper_id == "doi:" + _sha(BERT_DOI)
    # both links kept: the DOI as the link, the arXiv page (and the Anthology page) as extras
    assert p.url == "https://doi.org/" + BERT_DOI
    assert "https://arxiv.org/abs/1810.04805" in p.extra_urls
    assert "https://aclanthology.org/N19-1423" in p.extra_urls
    assert p.arxiv_id == "1810.04805"
    assert "devlin-etal-2019-bert" in p.source and "devlin2018bert" in p.source


def test_bibtex_edge_cases(tmp_path):
    f = tmp_path / "edge.bib"
    f.write_text(
        "@article{dblp,\n"
        "  author = {Ludwig van Beethoven and King, Jr., Martin and Chrupa{\\l}a, Grzegorz and others},\n"
        "  title = {A {S}ynthetic \\textit{entry}},\n"
        "  journal = {CoRR}, volume = {abs/1810.04805}, year = {2018},\n"
        "  eprinttype = {arXiv}, eprint = {1810.04805},\n"
        "  abstract = {Improves by 50% over R&D \\emph{baselines}. The rest of this abstract must survive.}\n"
        "}\n"
        "@article{biblatex,\n"
        "  author = {{\\'E}mile Zola}, title = {Another synthetic entry}, journaltitle = {Journal of Tests},\n"
        "  date = {2021-03-04}, doi = {https://doi.org/10.5555/ABC.123},\n"
        "  abstract = {Some abstract text that is long enough to count as one.}\n"
        "}\n"
        "@misc{broken, title = {never closed\n",
        encoding="utf-8",
    )
    report = LoadReport()
    papers = _by_title(load_papers(f, report=report))
    dblp = papers["A Synthetic entry"]
    assert dblp.authors == ["Ludwig van Beethoven", "Martin King Jr.", "Grzegorz Chrupała"]  # 'others' dropped
    assert dblp.abstract == "Improves by 50% over R&D baselines. The rest of this abstract must survive."
    assert dblp.paper_id == "arxiv:1810.04805" and dblp.url == "https://arxiv.org/abs/1810.04805"
    zola = papers["Another synthetic entry"]
    assert zola.authors == ["Émile Zola"] and zola.year == 2021 and zola.venue == "Journal of Tests"
    assert zola.doi == "10.5555/abc.123" and zola.url == "https://doi.org/10.5555/abc.123"
    assert report.skipped == 1 and "unreadable" in report.problems[0]


# --- collapse rules ------------------------------------------------------------------------------


def _preprint(**kw) -> Paper:
    fields = dict(abstract="Preprint abstract text.", source="x#pre", title="Graph Attention Networks",
                  authors=["Petar Veličković", "Guillem Cucurull"], year=2017, arxiv_id="1710.10903v3")
    return make_paper(**{**fields, **kw})


def _published(**kw) -> Paper:
    fields = dict(abstract="Published abstract text.", source="x#pub", title="Graph attention networks",
                  authors=["Petar Veličković", "Guillem Cucurull"], year=2018, venue="ICLR",
                  doi="10.5555/gat.2018", urls=["https://openreview.net/forum?id=rJXMpikCZ"])
    return make_paper(**{**fields, **kw})


@pytest.mark.parametrize("preprint_first", [True, False])
def test_collapse_is_order_independent(preprint_first):
    pre, pub = _preprint(), _published()
    out = collapse_versions([pre, pub] if preprint_first else [pub, pre])
    assert len(out) == 1
    p = out[0]
    assert p.paper_id == "doi:" + _sha("10.5555/gat.2018")
    assert (p.abstract, p.year, p.venue) == ("Published abstract text.", 2018, "ICLR")
    assert p.url == "https://doi.org/10.5555/gat.2018"
    assert p.extra_urls[:1] == ["https://arxiv.org/abs/1710.10903"]
    assert "https://openreview.net/forum?id=rJXMpikCZ" in p.extra_urls


def test_collapse_accepts_arxiv_doi_preprint_and_guards_against_namesakes():
    out = collapse_versions([_preprint(arxiv_id=None, doi="10.48550/arXiv.1710.10903"), _published()])
    assert len(out) == 1 and "https://arxiv.org/abs/1710.10903" in out[0].extra_urls
    # same title, no shared author: two different papers
    stranger = _preprint(authors=["Someone Else"], arxiv_id="2001.00001")
    assert len(collapse_versions([stranger, _published()])) == 2
    # two preprints are not folded into each other
    assert len(collapse_versions([_preprint(), _preprint(arxiv_id="2001.00001", source="x#other")])) == 2


# --- RIS -----------------------------------------------------------------------------------------


def test_ris_fields():
    papers, report = _load("papers.ris")
    assert report.skipped == 1 and "no abstract" in report.problems[0]
    by_title = _by_title(papers)
    assert set(by_title) == {"Mastering the game of Go with deep neural networks and tree search",
                             "Adam: A Method for Stochastic Optimization"}
    go = by_title["Mastering the game of Go with deep neural networks and tree search"]
    assert len(go.authors) == 20
    assert go.authors[:3] == ["David Silver", "Aja Huang", "Chris J. Maddison"]
    assert go.authors[5] == "George van den Driessche"
    assert (go.year, go.venue) == (2016, "Nature")
    assert go.doi == "10.1038/nature16961"  # the file says NATURE16961
    assert go.paper_id == "doi:" + _sha("10.1038/nature16961")
    assert go.url == "https://doi.org/10.1038/nature16961"
    assert go.extra_urls == ["https://www.nature.com/articles/nature16961"]
    assert "99.8% winning rate" in go.abstract

    adam = by_title["Adam: A Method for Stochastic Optimization"]  # T1/A1/Y1/T2/N2 tags
    assert adam.authors == ["Diederik P. Kingma", "Jimmy Ba"]
    assert adam.year == 2015
    assert adam.venue.startswith("3rd International Conference on Learning Representations")
    assert "straightforward to implement, is computationally efficient" in adam.abstract  # continued line
    assert adam.arxiv_id == "1412.6980" and adam.paper_id == "arxiv:1412.6980"
    assert adam.url == "https://arxiv.org/abs/1412.6980"


def test_ris_record_without_end_tag_is_reported(tmp_path):
    f = tmp_path / "cut.ris"
    f.write_text("TY  - JOUR\nTI  - Complete\nAB  - An abstract that is long enough.\nER  - \n\n"
                 "TY  - JOUR\nTI  - Cut off\nAB  - This record never ends.\n", encoding="utf-8")
    report = LoadReport()
    papers = load_papers(f, report=report)
    assert [p.title for p in papers] == ["Complete"]
    assert report.skipped == 1 and "ER" in report.problems[0]


# --- JSON ----------------------------------------------------------------------------------------

RESNET_ABSTRACT = (
    "Deeper neural networks are more difficult to train. We present a residual learning framework to ease the "
    "training of networks that are substantially deeper than those used previously. We explicitly reformulate the "
    "layers as learning residual functions with reference to the layer inputs, instead of learning unreferenced "
    "functions. We provide comprehensive empirical evidence showing that these residual networks are easier to "
    "optimize, and can gain accuracy from considerably increased depth. On the ImageNet dataset we evaluate residual "
    "nets with a depth of up to 152 layers—8× deeper than VGG nets but still having lower complexity. An ensemble "
    "of these residual nets achieves 3.57% error on the ImageNet test set. This result won the 1st place on the "
    "ILSVRC 2015 classification task."
)


def test_openalex_json_rebuilds_abstract_and_collapses_the_arxiv_work():
    papers, report = _load("openalex_works.json")
    assert report.skipped == 1 and "W2117539524" in report.problems[0]  # abstract_inverted_index: null
    assert len(papers) == 1  # the arXiv work (10.48550 DOI) folds into the CVPR one
    p = papers[0]
    assert p.abstract == RESNET_ABSTRACT  # the published version's text, rebuilt from the inverted index
    assert p.title == "Deep Residual Learning for Image Recognition"
    assert p.authors == ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"]
    assert (p.year, p.venue) == (2016, "2016 IEEE Conference on Computer Vision and Pattern Recognition (CVPR)")
    assert p.doi == "10.1109/cvpr.2016.90" and p.paper_id == "doi:" + _sha("10.1109/cvpr.2016.90")
    assert p.url == "https://doi.org/10.1109/cvpr.2016.90"
    assert "https://arxiv.org/abs/1512.03385" in p.extra_urls
    assert p.arxiv_id == "1512.03385"
    assert "W2194775991" in p.source and "W2949650786" in p.source


def test_inverted_index_with_repeated_words():
    from rag.corpus.jsonworks import inverted_index_to_text

    assert inverted_index_to_text({"to": [1, 4], "Learning": [0], "learn.": [5], "how": [2, 3]}) == \
        "Learning to how how to learn."
    assert inverted_index_to_text(None) == ""


def test_arxiv_style_json():
    papers, report = _load("arxiv_records.json")
    assert report.skipped == 1 and "2101.00001" in report.problems[0]
    by_title = _by_title(papers)
    att = by_title["Attention Is All You Need"]  # "You\n  Need" in the file
    assert att.authors[0] == "Ashish Vaswani" and att.authors[-1] == "Illia Polosukhin" and len(att.authors) == 8
    assert att.year == 2017
    assert att.abstract.startswith("The dominant sequence transduction models are based on complex recurrent or "
                                   "convolutional neural networks")
    assert att.paper_id == "arxiv:1706.03762" and att.arxiv_id == "1706.03762"
    assert att.url == "https://arxiv.org/abs/1706.03762"
    assert "http://arxiv.org/pdf/1706.03762v7" in att.extra_urls
    inception = by_title["Rethinking the Inception Architecture for Computer Vision"]  # arxiv_id + abstract
    assert inception.authors == ["Christian Szegedy", "Vincent Vanhoucke", "Sergey Ioffe", "Jonathon Shlens",
                                 "Zbigniew Wojna"]
    assert inception.year == 2015 and inception.paper_id == "arxiv:1512.00567"


def test_csl_json_export(tmp_path):
    f = tmp_path / "zotero.json"
    f.write_text('[{"id": "http://zotero.org/users/1/items/ABC", "type": "article-journal",'
                 ' "title": "A <i>CSL</i> title", "container-title": "Journal X",'
                 ' "author": [{"family": "Doe", "given": "Jane"}], "issued": {"date-parts": [[2019, 5]]},'
                 ' "DOI": "10.1234/XYZ", "URL": "https://example.org/x",'
                 ' "abstract": "<jats:p>An abstract in JATS markup, long enough.</jats:p>"}]', encoding="utf-8")
    [p] = load_papers(f)
    assert (p.title, p.authors, p.year, p.venue) == ("A CSL title", ["Jane Doe"], 2019, "Journal X")
    assert p.abstract == "An abstract in JATS markup, long enough."
    assert p.url == "https://doi.org/10.1234/xyz" and p.extra_urls == ["https://example.org/x"]


# --- format detection ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("papers.bib", "bibtex"), ("papers.ris", "ris"), ("openalex_works.json", "json"), ("arxiv_records.json", "json")],
)
def test_detect_format(name, fmt):
    assert detect_format(IMPORT / name) == fmt
    assert fmt in FORMATS


def test_json_lines_in_a_json_file_still_go_to_the_jsonl_loader(tmp_path):
    assert detect_format(DATA / "papers.jsonl") == "jsonl"
    f = tmp_path / "lines.json"
    f.write_text('{"title": "A", "abstract": "The first abstract, long enough to keep."}\n'
                 '{"title": "B", "abstract": "The second abstract, long enough to keep."}\n', encoding="utf-8")
    assert detect_format(f) == "jsonl"
    assert [p.title for p in load_papers(f)] == ["A", "B"]
    single = tmp_path / "one.json"
    single.write_text('{"title": "One", "abstract": "A single work object, long enough to keep.", "year": 2020}')
    assert detect_format(single) == "json"
    assert [p.title for p in load_papers(single)] == ["One"]


def test_directory_of_bib_files(tmp_path):
    (tmp_path / "refs.bib").write_text((IMPORT / "papers.bib").read_text(encoding="utf-8"), encoding="utf-8")
    assert detect_format(tmp_path) == "bibtex"
    assert len(load_papers(tmp_path)) == 2


def test_cli_accepts_the_new_formats():
    from rag.cli import build_parser

    for fmt in ("bibtex", "ris", "json"):
        assert build_parser().parse_args(["ingest", "x", "--format", fmt]).format == fmt


# --- ingestion -----------------------------------------------------------------------------------


def test_ingesting_a_bib_twice_adds_nothing_the_second_time(own_collection):
    settings = load_settings(collection=own_collection)
    path = str(IMPORT / "papers.bib")
    first = rag.ingest(path, collection=own_collection, settings=settings)
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    assert first.skipped == 1
    second = rag.ingest(path, collection=own_collection, settings=settings)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 2)
    store = Store(settings, own_collection)
    assert store.count() == 2
    stored = {p.paper_id: p for p in store.iter_papers()}
    bert = stored["doi:" + _sha(BERT_DOI)]
    assert bert.url == "https://doi.org/" + BERT_DOI and "https://arxiv.org/abs/1810.04805" in bert.extra_urls
