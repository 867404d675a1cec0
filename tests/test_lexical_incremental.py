"""The incremental on-disk tantivy BM25 index (rag/lexical_incremental.py), on real ACL sample records."""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from rag.corpus import load_papers
from rag.lexical import LexicalIndex, query_tokens
from rag.lexical_incremental import IncrementalLexicalIndex, IndexBusyError, bm25s_stopwords
from rag.text import squash

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def papers():
    ps = load_papers(DATA / "acl", format="acl")
    assert len(ps) >= 50
    return ps


@pytest.fixture
def writer(tmp_path, papers):
    idx = IncrementalLexicalIndex(tmp_path / "lex", writable=True, heap_mb=32)
    idx.add(papers, revision="r1")
    yield idx
    idx.close()


def test_tokens_match_bm25s_tokenizer(writer, papers):
    """Same stemmed, stopword-free tokens as the shipped bm25s index for (nearly) every abstract."""
    from bm25s.stopwords import STOPWORDS_EN

    assert bm25s_stopwords() == list(STOPWORDS_EN) and len(STOPWORDS_EN) > 20
    same = sum(writer.query_tokens(p.abstract) == query_tokens(p.abstract) for p in papers)
    assert same >= 0.97 * len(papers)


def test_add_search_get(writer, papers):
    assert len(writer) == len(papers)
    assert writer.revision == "r1"
    for p in papers[:15]:
        hits = writer.search(p.title, 5)
        assert hits and hits[0][0] == p.paper_id, p.title
        assert all(a[1] >= b[1] for a, b in zip(hits, hits[1:], strict=False))
    got = writer.get(papers[3].paper_id)
    assert got == papers[3]
    assert writer.get("no-such-id") is None
    assert sorted(p.paper_id for p in writer.papers()) == sorted(p.paper_id for p in papers)
    assert writer.search("", 5) == [] and writer.search("the of and", 5) == []


def test_readd_is_an_upsert(writer, papers):
    writer.add(papers[:20])
    writer.add(papers[:20])
    assert len(writer) == len(papers)
    ids = [pid for pid, _ in writer.search("language model translation dialogue", 100)]
    assert len(ids) == len(set(ids))
    changed = dataclasses.replace(papers[0], abstract=papers[0].abstract + " Zyxwvutian quokkabench results.")
    writer.add([changed])
    assert len(writer) == len(papers)
    assert [pid for pid, _ in writer.search("quokkabench", 5)] == [papers[0].paper_id]
    assert writer.get(papers[0].paper_id).abstract.endswith("quokkabench results.")
    assert writer.mentions("Zyxwvutian") and not writer.mentions("Xyzzyplugh")


def test_delete(writer, papers):
    gone = [papers[1].paper_id, papers[2].paper_id]
    assert writer.delete(gone + ["no-such-id"], revision="r2") == 2
    assert len(writer) == len(papers) - 2 and writer.revision == "r2"
    assert papers[1].paper_id not in writer and papers[3].paper_id in writer
    for p in papers[1:3]:
        assert p.paper_id not in [pid for pid, _ in writer.search(p.title, 100)]
    assert writer.delete(gone) == 0


def test_ranking_agrees_with_bm25s(tmp_path, papers):
    """Same BM25 (k1 1.2, b 0.75, Lucene idf): tantivy's scores are bm25s's times (k1 + 1), up to its 1-byte
    document-length norms. (No revision here: its reserved document counts in N, 1 in 80 for this sample.)"""
    writer = IncrementalLexicalIndex(tmp_path / "plain", writable=True, heap_mb=32)
    writer.add(papers)
    ref = LexicalIndex.build(papers, k1=1.2, b=0.75)
    pos = {p.paper_id: i for i, p in enumerate(papers)}
    queries = [p.title for p in papers[::4]] + ["neural machine translation", "dialogue state tracking",
                                                 "named entity recognition with transformers"]
    rhos, overlaps = [], []
    for q in queries:
        scores = ref.scores(q)
        hits = writer.search(q, len(papers))
        if scores is None:
            assert hits == []
            continue
        assert {pid for pid, _ in hits} == {papers[i].paper_id for i in np.flatnonzero(scores > 0)}, q
        mine = np.array([s for _, s in hits])
        theirs = np.array([scores[pos[pid]] for pid, _ in hits])
        assert np.allclose(mine, 2.2 * theirs, rtol=0.06), q
        if len(hits) > 2:
            rhos.append(np.corrcoef(np.argsort(np.argsort(-mine)), np.argsort(np.argsort(-theirs)))[0, 1])
        top_ref = [p for p, _ in ref.search(q, 10)]
        overlaps.append(len(set(top_ref) & {pid for pid, _ in hits[:10]}) / max(1, len(top_ref)))
    assert np.mean(rhos) > 0.95 and min(rhos) > 0.8
    assert np.mean(overlaps) > 0.9
    writer.close()


def test_filters_are_exact(writer, papers):
    years = sorted({p.year for p in papers if p.year})
    rare = min(years, key=lambda y: sum(p.year == y for p in papers))
    query = "language models for text classification and translation"
    terms = set(query_tokens(query))
    expected = {p.paper_id for p in papers if p.year == rare and terms & set(query_tokens(p.title + " " + " ".join(p.authors) + " " + p.abstract))}
    hits = writer.search(query, 10, year_min=rare, year_max=rare)
    assert {pid for pid, _ in hits} <= expected and len(hits) == min(10, len(expected)) > 0
    unfiltered = dict(writer.search(query, len(papers)))
    for pid, s in hits:  # the filter adds nothing to the BM25 score
        assert s == pytest.approx(unfiltered[pid])
    allowed = [papers[5].paper_id, papers[9].paper_id, "no-such-id"]
    got = {pid for pid, _ in writer.search(papers[5].title + " " + papers[9].title, 10, allowed_ids=allowed)}
    assert got == {papers[5].paper_id, papers[9].paper_id}
    assert writer.search(query, 10, allowed_ids=[]) == []
    later = writer.search(query, 100, year_min=2021)
    assert later and all(writer.get(pid).year >= 2021 for pid, _ in later)


def test_metadata_filters_and_keys_match_the_memory_semantics(writer, papers):
    """Venue, author and source filters pushed into tantivy select exactly what `Filters.mask` selects;
    venue counts come from an aggregation; name keys are `AuthorIndex`/`TitleIndex`'s."""
    from collections import Counter

    from rag.retrieval import AuthorIndex, Filters

    query = "language models neural translation parsing dialogue"
    everything = {p.paper_id for p in papers}
    authors = Counter(a for p in papers for a in p.authors)
    cases = [Filters(author=authors.most_common(1)[0][0]), Filters(author=authors.most_common(1)[0][0].split()[-1]),
             Filters(source=papers[7].source.split(";")[0][-9:].upper()), Filters(author="Nobody Atall")]
    for f in cases:
        want = {p.paper_id for p, ok in zip(papers, f.mask(papers), strict=True) if ok}
        got, total = writer.matching_ids(writer.filter_queries(author=f.author, source=f.source), len(papers))
        assert set(got) == want and total == len(want), f
        assert {pid for pid, _ in writer.search(query, 100, author=f.author, source=f.source)} <= want
    counts = writer.venue_counts()
    assert counts == dict(Counter(p.venue for p in papers if p.venue))
    venue = min(counts, key=counts.get)
    got, _ = writer.matching_ids(writer.filter_queries(venues=[venue]), 100)
    assert set(got) == {p.paper_id for p in papers if p.venue == venue}
    assert writer.filter_queries(venues=[]) is None and writer.filter_queries(author=" - ") is None
    assert set(writer.matching_ids(writer.filter_queries(year_min=0), 1000)[0]) == everything - {
        p.paper_id for p in papers if p.year is None}
    # author keys: the same papers as the in-memory AuthorIndex for a full name and a surname
    memory = AuthorIndex(papers)
    name = authors.most_common(1)[0][0]
    from rag.text import fold

    full = writer.key_matches("author_name", [fold(name)], 100)[fold(name)]
    assert set(full) == {papers[i].paper_id for i in memory.full[fold(name)]}
    last = fold(name).split()[-1]
    assert set(writer.key_matches("author_last", [last], 100).get(last, [])) == {
        papers[i].paper_id for i in memory.last.get(last, ())}
    assert writer.key_matches("author_name", ["nobody atall"], 10) == {}


def test_readers_open_without_rebuild_and_see_commits(writer, papers, tmp_path):
    reader = IncrementalLexicalIndex(tmp_path / "lex")
    assert len(reader) == len(papers) and reader.revision == "r1"
    with pytest.raises(PermissionError):
        reader.add(papers[:1])
    with pytest.raises(IndexBusyError):
        IncrementalLexicalIndex(tmp_path / "lex", writable=True)
    writer.delete([papers[0].paper_id], revision="r2")
    assert len(reader) == len(papers)  # a reader keeps its snapshot until it refreshes
    reader.refresh()
    assert len(reader) == len(papers) - 1 and reader.revision == "r2"
    with pytest.raises(FileNotFoundError):
        IncrementalLexicalIndex(tmp_path / "nothing-here")


WRITER = textwrap.dedent(
    """
    import dataclasses, sys
    from rag.corpus import load_papers
    from rag.lexical_incremental import IncrementalLexicalIndex
    papers = load_papers(sys.argv[2], format="acl")
    idx = IncrementalLexicalIndex(sys.argv[1], writable=True, heap_mb=16)
    batch = int(idx.revision or 0)
    print("ready", flush=True)
    while True:
        batch += 1
        docs = [dataclasses.replace(p, paper_id=f"b{batch}-{i}") for i, p in enumerate(papers[:25])]
        idx.add(docs, revision=str(batch))
    """
)


def _start_writer(directory: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(directory), str(DATA / "acl")],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ},
    )
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    return proc


@pytest.mark.slow
def test_concurrent_reader_survives_writer_crash(tmp_path):
    """A writer process commits 25-paper batches in a loop and is SIGKILLed mid-batch, twice. A reader in
    this process refreshes throughout: every state it sees is a whole commit (papers == 25 x revision),
    the index opens after the crash, and a new writer takes the lock and carries on."""
    directory = tmp_path / "lex"
    seen = set()
    for _round in range(2):
        proc = _start_writer(directory)
        try:
            reader = IncrementalLexicalIndex(directory)
            this_round: set[int] = set()
            deadline = time.monotonic() + 60  # watch at least 4 commits (the machine may be loaded)
            while len(this_round) < 5 and time.monotonic() < deadline:
                reader.refresh()
                rev = int(reader.revision or 0)
                assert len(reader) == 25 * rev
                assert len(reader.search("translation", 1000)) <= 25 * rev
                this_round.add(rev)
            seen |= this_round
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        reader = IncrementalLexicalIndex(directory)
        rev = int(reader.revision)
        assert len(reader) == 25 * rev and rev > 0
        ids = [pid for pid, _ in reader.search("translation", 10_000)]
        assert len(ids) == len(set(ids))
    assert len(seen) >= 8  # the reader really watched the writer make progress
    with IncrementalLexicalIndex(directory, writable=True, heap_mb=16) as w:  # the lock died with the writer
        w.delete([f"b1-{i}" for i in range(25)], revision="final")
    assert len(IncrementalLexicalIndex(directory)) == 25 * rev - 25


def test_mentions_matches_squashed_terms(writer, papers):
    """`mentions` answers exactly what `LexicalIndex.terms` (rag.text.squashed_variants) answers."""
    ref = LexicalIndex.build(papers).terms
    words = {w for p in papers[:20] for w in re.findall(r"[\w][\w\-/]*", p.abstract)}
    words |= {"DC-Bi-LSTM", "BiLSTM", "bi-lstm", "Xyzzyplugh", "state-of-the-art", "stateoftheart", "of-the"}
    for w in sorted(words):
        assert writer.mentions(w) == (squash(w) in ref), w


def test_reader_starts_without_importing_bm25s(writer, tmp_path):
    """A reader process opens the index and searches without pulling in bm25s (scipy): start-up in seconds."""
    code = (
        "import sys; from rag.lexical_incremental import IncrementalLexicalIndex as I; "
        "r = I(sys.argv[1]); print(len(r.search('dialogue', 5)), 'bm25s' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "lex")], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert out.stdout.split() == ["5", "False"], out.stderr
