"""Export what an answer cites (BibTeX, RIS, Markdown) and import it back: same papers, nothing added."""

from __future__ import annotations

import re
import uuid

import pytest

from .conftest import DATA


def _stored(collection: str) -> dict:
    """paper_id -> content hash of everything stored in a collection (read through the store)."""
    from rag.settings import load_settings
    from rag.store import Store, content_hash

    return {p.paper_id: content_hash(p) for p in Store(load_settings(collection=collection), collection).iter_papers()}


def _answer_citing(question: str, collection: str, k: int = 2):
    """An answer citing the top `k` papers retrieved for `question` (export does not depend on how the
    answer text was written, only on what it cites)."""
    import rag
    from rag.types import Answer

    sources = rag.retrieve(question, k=k + 1, collection=collection)
    text = " ".join(f"Claim {s.n} [{s.n}]." for s in sources[:k])
    return Answer(text=text, sources=sources, refused=False, mode="offline")


@pytest.fixture(scope="module")
def melt(rag_home):
    """A collection loaded from a .bib file (ids from DOI / title + year)."""
    import rag
    from rag.settings import load_settings

    name = f"exp-melt-{uuid.uuid4().hex[:6]}"
    rag.ingest(str(DATA / "upload" / "meltwater.bib"), collection=name, settings=load_settings(collection=name))
    return name


@pytest.mark.parametrize("fmt", ["bib", "ris"])
def test_round_trip_fresh_collection_and_back(fmt, melt, stub_settings, tmp_path):
    """Importing an export into a fresh collection gives the same papers (ids and every stored field);
    importing it into the collection it came from adds and changes nothing. Holds for papers whose
    ids come from their abstract (the stub corpus), not only for bibliographic ones."""
    import rag
    from rag.settings import load_settings

    for origin, question in ((melt, "tardigrades surviving desiccation in meltwater"),
                             ("stub", "predicting video frames thousands of steps into the future")):
        ans = _answer_citing(question, origin)
        text = ans.to_bibtex() if fmt == "bib" else ans.to_ris()
        cited = {s.paper_id for s in ans.sources if s.n in ans.citations}
        assert cited
        f = tmp_path / f"{origin}.{fmt}"
        f.write_text(text)
        fresh = f"exp-{fmt}-{uuid.uuid4().hex[:6]}"
        res = rag.ingest(str(f), collection=fresh, settings=load_settings(collection=fresh))
        assert (res.added, res.updated, res.skipped) == (len(cited), 0, 0), res.summary()
        origin_store = _stored(origin)
        assert _stored(fresh) == {pid: origin_store[pid] for pid in cited}
        back = rag.ingest(str(f), collection=origin, settings=load_settings(collection=origin))
        assert (back.added, back.updated, back.unchanged) == (0, 0, len(cited)), back.summary()
        assert _stored(origin) == origin_store


def test_bibtex_fields_and_hostile_or_latex_text_survive(tmp_path):
    from rag.corpus import load_papers
    from rag.export import papers_to_bibtex, papers_to_ris
    from rag.store import content_hash
    from rag.types import Paper

    nasty = Paper(
        paper_id="p0123456789abcdef",
        title="Costs --- and {braces}: 50% of $x^2$ & #tags_with ~tildes `` '' \\backslash",
        abstract="An abstract with <script>alert('x')</script>, a {brace}, 100% and $\\alpha$---math. "
                 "It continues for a while so that it is long enough.",
        authors=["Martin King, Jr.", "Smith and Co", "Eve <img src=x onerror=alert(1)>", "Ludwig van Beethoven"],
        year=2019, venue="Proceedings of EMNLP", url="https://example.org/a_b%20c", doi="10.1000/ABC_def",
        arxiv_id="1706.03762", extra_urls=["https://arxiv.org/abs/1706.03762", "https://example.org/2"],
    )
    bib = papers_to_bibtex([nasty])
    assert bib.startswith("@inproceedings{") and "booktitle = {Proceedings of EMNLP}" in bib
    for field in ("title", "author", "year", "doi", "url", "abstract", "eprint"):
        assert re.search(rf"^  {field} = \{{", bib, re.M), field
    # RIS has no way to keep a comma inside a name ("Last, First" is its name syntax).
    ris_safe = Paper(**{**nasty.to_dict(), "authors": [a for a in nasty.authors if "," not in a]})
    for name, text, paper in (("x.bib", bib, nasty), ("x.ris", papers_to_ris([ris_safe]), ris_safe)):
        f = tmp_path / name
        f.write_text(text)
        (back,) = load_papers(f)
        assert back.paper_id == paper.paper_id
        assert (back.title, back.authors, back.abstract, back.doi) == (paper.title, paper.authors, paper.abstract,
                                                                        paper.doi)
        assert content_hash(back) == content_hash(paper), (back, paper)


def test_foreign_ids_are_not_taken_as_ours(tmp_path):
    """Only a well-formed `paperqa-id` (RIS: `U1  - paperqa-id:<id>`) overrides the identity id."""
    from rag.corpus import load_papers

    abstract = "A plain abstract that is certainly long enough to be kept by the loader."
    (tmp_path / "a.bib").write_text(
        "@article{a, title={T One}, year={2020}, paperqa-id={../../etc/passwd x}, abstract={" + abstract + "}}\n")
    (tmp_path / "b.ris").write_text(
        f"TY  - JOUR\nTI  - T One\nPY  - 2020\nU1  - p0123456789abcdef\nAB  - {abstract}\nER  - \n")
    (tmp_path / "c.ris").write_text(
        f"TY  - JOUR\nTI  - T One\nPY  - 2020\nU1  - paperqa-id:pfeedface00000000\nAB  - {abstract}\nER  - \n")
    (a,) = load_papers(tmp_path / "a.bib")
    (b,) = load_papers(tmp_path / "b.ris")
    (c,) = load_papers(tmp_path / "c.ris")
    assert a.paper_id.startswith("title:") and a.paper_id == b.paper_id
    assert c.paper_id == "pfeedface00000000"


def test_markdown_has_numbered_references_and_literal_text():
    from rag.types import Answer, Source

    srcs = [
        Source(n=1, paper_id="p1", title="First <b>bold</b> *paper*", authors=["A. Author", "B. Author"], year=2020,
               venue="ICML", url="https://example.org/1", abstract="x"),
        Source(n=2, paper_id="p2", title="Never cited", authors=[], year=None, venue=None, url="/paper/p2",
               abstract="y"),
        Source(n=3, paper_id="p3", title=None, authors=[], year=2021, venue=None, url="https://e.org/<x>",
               abstract="z"),
    ]
    ans = Answer(text="Two papers address this:\n- “First”: it works [1].\n- An untitled one [3].", sources=srcs,
                 refused=False, mode="offline")
    md = ans.to_markdown()
    body, refs = md.split("\n\n## References\n\n")
    assert "[1]" in body and "[3]" in body and body.count("\n- ") == 2
    lines = refs.strip().split("\n\n")
    assert [ln.split()[0] for ln in lines] == ["[1]", "[3]"]  # only what is cited, with its own number
    assert "A. Author, B. Author (2020)." in lines[0] and "<https://example.org/1>" in lines[0]
    assert "\\<b\\>bold\\</b\\> \\*paper\\*" in lines[0]  # no HTML or emphasis can form
    assert "*Untitled abstract*" in lines[1] and "%3Cx%3E" in lines[1]
    refusal = Answer(text="The indexed abstracts don't cover this.", sources=srcs, refused=True, mode="offline")
    assert refusal.to_bibtex() == "" and refusal.to_ris() == "" and "References" not in refusal.to_markdown()
