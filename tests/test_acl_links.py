"""ACL Anthology links: every paper links to its Anthology id, built by the Anthology's own rule.

Rule (https://aclanthology.org/info/ids/): new-style ids are `<collection>-<volume>.<paper>`
(`2020.wmt-1.45`); old-style ids are `<collection>-<volume><paper, 3 digits>` (`P19-1001`); W
collections and D19 volumes from 5 up use a two-digit volume and paper (`W18-6401`, `D19-5001`).
The XML's own `<url>` wins whenever it holds an id. The old code built `L12-1.153` for `L12-1153`.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import rag
from rag.corpus import load_papers
from rag.corpus.acl import build_anthology_id, load_acl
from rag.settings import load_settings
from rag.store import Store

from .conftest import DATA, REPO

LINKS = DATA / "acl_links"
BASE = "https://aclanthology.org/"
# Written out here, independently of rag.corpus.acl, so a wrong pattern there cannot pass this test.
NEW_STYLE = re.compile(r"\d{4}\.[a-z0-9]+-[a-z0-9]+\.\d+")
OLD_STYLE = re.compile(r"[A-Z]\d{2}-\d{4}")
ACL_XML = Path(os.environ.get("RAG_BENCH_DATA") or REPO.parent / "shared" / "benchmarks") / "acl-anthology" / "xml"


def _is_anthology_id(text: str) -> bool:
    return bool(NEW_STYLE.fullmatch(text) or OLD_STYLE.fullmatch(text))


def _xml_papers(files):
    """(file name, collection, volume, paper id, XML <url> text, title) for every paper with an abstract."""
    for f in files:
        root = ET.parse(f).getroot()
        for volume in root.iter("volume"):
            for paper in volume.iter("paper"):
                abstract = paper.find("abstract")
                if abstract is None or not "".join(abstract.itertext()).strip():
                    continue
                url = paper.find("url")
                title = " ".join("".join(paper.find("title").itertext()).split())
                yield (f.name, root.get("id"), volume.get("id"), paper.get("id"),
                       "".join(url.itertext()).strip() if url is not None else "", title)


# --- the whole bundled Anthology dump (about 30k papers, parsed only) ------------------------------
@pytest.fixture(scope="module")
def full_dump():
    if not ACL_XML.is_dir():
        pytest.skip(f"ACL Anthology XML not found at {ACL_XML} (set RAG_BENCH_DATA)")
    files = sorted(ACL_XML.glob("*.xml"))
    return list(_xml_papers(files)), list(load_acl(ACL_XML))


def test_every_acl_paper_links_to_its_anthology_id(full_dump):
    xml, papers = full_dump
    assert len(papers) == len(xml) > 29_000
    not_ids = [p.url for p in papers if not (p.url.startswith(BASE) and _is_anthology_id(p.url[len(BASE):]))]
    assert not_ids == [], f"{len(not_ids)} links are not Anthology ids, e.g. {not_ids[:5]}"
    assert len({p.url for p in papers}) == len(papers), "two papers share one link"

    loaded = {(p.source.split("#")[0], p.url) for p in papers}
    with_id = [(f, url) for f, _, _, _, url, _ in xml if _is_anthology_id(url)]
    assert len(with_id) > 25_000
    missing = [(f, url) for f, url in with_id if (f, BASE + url) not in loaded]
    assert missing == [], f"{len(missing)} papers do not link to their XML <url> id, e.g. {missing[:5]}"
    # The papers whose XML has no id (LREC, R17, some W17/W19/D14-D19) are the ones the old code broke.
    assert len(xml) - len(with_id) > 3_000


def test_the_rule_reproduces_every_old_style_xml_id(full_dump):
    """Where the XML holds an id, the rule used for the papers without one must give that same id."""
    xml, _ = full_dump
    old = [(c, v, p, url) for _, c, v, p, url, _ in xml if OLD_STYLE.fullmatch(url)]
    new = [(c, v, p, url) for _, c, v, p, url, _ in xml if NEW_STYLE.fullmatch(url)]
    assert len(old) > 9_000 and len(new) > 14_000
    assert [t for t in old if build_anthology_id(*t[:3]) != t[3]] == []
    # New-style ids are the plain concatenation; the dump has one XML <url> that disagrees with its own
    # paper number (2010.amta-government paper 18 says ".19"), which the loader keeps as the XML says.
    wrong_new = [t for t in new if build_anthology_id(*t[:3]) != t[3]]
    assert len(wrong_new) <= len(new) // 1000


# --- small real-format fixtures for the tricky cases -----------------------------------------------
TRICKY = {  # (file, volume, paper) -> the Anthology id
    ("L12.xml", "1", "1"): "L12-1001",  # LREC: <url> is the conference's own PDF
    ("L12.xml", "1", "153"): "L12-1153",  # the example (was L12-1.153)
    ("L04.xml", "1", "151"): "L04-1151",
    ("R17.xml", "1", "1"): "R17-1001",  # RANLP 2017: <url> is a DOI link
    ("W17.xml", "77", "1"): "W17-7701",  # W: two-digit volume and paper
    ("W17.xml", "77", "2"): "W17-7702",
    ("W19.xml", "36", "1"): "W19-3601",  # no <url> at all
    ("W19.xml", "36", "10"): "W19-3610",
    ("D19.xml", "2", "1"): "D19-2001",  # D19 volume below 5: one-digit volume, three-digit paper
    ("D19.xml", "50", "1"): "D19-5001",  # D19 volume 5x: from the XML <url>
    ("D19.xml", "51", "2"): "D19-5102",  # D19 volume 5x, <url> removed in the fixture: built by the rule
    ("2020.winlp.xml", "1", "1"): "2020.winlp-1.1",  # new style without <url>
    ("P19.xml", "1", "1"): "P19-1001",
}


def test_tricky_fixtures_link_to_the_anthology():
    xml = {(f, v, p): (url, title) for f, _, v, p, url, title in _xml_papers(sorted(LINKS.glob("*.xml")))}
    assert set(xml) == set(TRICKY)
    by_title = {p.title: p for p in load_acl(LINKS)}
    assert len(by_title) == len(TRICKY)
    for key, want in TRICKY.items():
        url, title = xml[key]
        paper = by_title[title]
        assert paper.url == BASE + want, key
        assert paper.source == f"{key[0]}#{want}"
        if url.startswith("http"):  # the external link (LREC PDF, DOI) is kept beside the Anthology link
            assert paper.extra_urls == [url]
        else:
            assert paper.extra_urls == []


# --- re-ingesting data loaded with the old ids replaces it ----------------------------------------
def _old_scheme_id(file: str, collection: str, volume: str, paper: str, url: str) -> str:
    """What the loader built before the fix: the XML <url> when not http, else collection-volume.paper."""
    return url if url and not url.startswith("http") else f"{collection}-{volume}.{paper}"


def test_reingest_replaces_records_stored_with_the_old_ids(own_collection):
    from rag.index import bm25_dir, ingest_papers
    from rag.lexical import LexicalIndex

    settings = load_settings(collection=own_collection)
    xml = {title: t for *t, title in _xml_papers(sorted(LINKS.glob("*.xml")))}
    old_papers = load_papers(LINKS)
    changed = 0
    for p in old_papers:  # write the records exactly as the old loader made them
        aid = _old_scheme_id(*xml[p.title])
        changed += p.url != BASE + aid
        p.url, p.source, p.extra_urls = BASE + aid, f"{xml[p.title][0]}#{aid}", []
    assert changed >= 8  # L12, L04, R17, W17, W19 and D19 volume 2 papers were linked wrongly
    first = ingest_papers(old_papers, settings, own_collection)
    assert first.added == len(old_papers) == len(TRICKY)

    again = rag.ingest(str(LINKS), collection=own_collection, settings=settings)
    assert again.added == 0 and again.updated + again.unchanged == len(TRICKY)
    assert again.updated >= changed
    store = Store(settings, own_collection)
    stored = list(store.iter_papers())
    assert len(stored) == store.count() == len(TRICKY)
    assert sorted(p.url for p in stored) == sorted(BASE + want for want in TRICKY.values())
    lexical = LexicalIndex.load(bm25_dir(settings, store.name))
    assert sorted(p.url for p in lexical.papers) == sorted(p.url for p in stored)

    hits = rag.retrieve("shallow-transfer machine translation for Spanish and Aragonese", k=3,
                        collection=own_collection)
    assert hits[0].url == BASE + "L12-1153"
    assert [h.paper_id for h in hits].count(hits[0].paper_id) == 1
