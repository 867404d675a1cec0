"""Nothing lost, nothing duplicated, no errors under load (issue: reliability)."""

from __future__ import annotations

import html
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

import pytest

import rag
from rag.settings import REPO_ROOT, load_settings
from rag.store import Store

from .conftest import DATA, unique_collection_name

SEED = REPO_ROOT / "data" / "seed"


def _ids(settings, corpus):
    from rag.index import bm25_dir
    from rag.lexical import LexicalIndex

    store = Store(settings, corpus)
    chroma_ids = store.collection.get(include=[])["ids"]
    bm25_ids = [p.paper_id for p in LexicalIndex.load(bm25_dir(settings, store.name)).papers]
    return chroma_ids, bm25_ids


def _ingest_cmd(corpus, path=SEED):
    return [sys.executable, "-m", "rag.cli", "-v", "ingest", str(path), "--collection", corpus, "--no-progress"]


@pytest.fixture(scope="module")
def reference(rag_home):
    corpus = unique_collection_name("killref")
    settings = load_settings(collection=corpus, sentence_precompute_max=0)
    rag.ingest(str(SEED), collection=corpus, settings=settings)
    chroma_ids, bm25_ids = _ids(settings, corpus)
    return sorted(chroma_ids)


@pytest.mark.parametrize("kill_after", [1, 6])
def test_sigkill_mid_ingest_then_rerun_matches_uninterrupted(reference, own_collection, kill_after):
    corpus = own_collection
    env = {**os.environ, "RAG_UPSERT_BATCH_SIZE": "20", "RAG_SENTENCE_PRECOMPUTE_MAX": "0"}
    proc = subprocess.Popen(_ingest_cmd(corpus), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env=env)
    killed = False
    for line in proc.stderr:
        if f"batch {kill_after} done" in line:
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
    proc.wait(60)
    assert killed, "ingest finished before the kill point"
    assert proc.returncode == -signal.SIGKILL
    settings = load_settings(collection=corpus, sentence_precompute_max=0)
    partial = Store(settings, corpus).count()
    assert 0 < partial < len(reference)
    rerun = subprocess.run(_ingest_cmd(corpus), capture_output=True, text=True, env=env, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    chroma_ids, bm25_ids = _ids(settings, corpus)
    assert sorted(chroma_ids) == reference  # same papers, no duplicates, store still opens
    assert len(bm25_ids) == len(set(bm25_ids)) == len(reference)
    again = rag.ingest(str(SEED), collection=corpus, settings=settings)
    assert (again.added, again.updated) == (0, 0)


def test_concurrent_ingests_serialise(own_collection):
    procs = [subprocess.Popen(_ingest_cmd(own_collection, DATA / "stub"), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-500:] for o in outs]
    summaries = " ".join(o[0] for o in outs)
    assert "10 added" in summaries and "10 unchanged" in summaries  # one wrote, the other found it all there
    chroma_ids, bm25_ids = _ids(load_settings(collection=own_collection), own_collection)
    assert len(chroma_ids) == len(set(chroma_ids)) == 10 and len(bm25_ids) == 10


def test_lock_timeout_fails_clearly(stub_settings):
    from filelock import FileLock

    from rag.corpus import load_papers
    from rag.index import IngestLockedError, ingest_papers, lock_path

    store = Store(stub_settings, "stub")
    with FileLock(str(lock_path(stub_settings, store.name))):
        with pytest.raises(IngestLockedError, match="another ingest"):
            ingest_papers(load_papers(DATA / "stub"), stub_settings, "stub", lock_timeout=0.2)


def test_20_concurrent_asks(stub_settings):
    """Twenty threads asking at once each get exactly the answer that question gets when asked alone."""
    questions = ["What does GrowNet use as weak learners?", "video inpainting with reference frames",
                 "Who are the authors of CausalWorld?", "How does FlashAttention work?"] * 5
    alone = {q: rag.ask(q, collection="stub") for q in set(questions)}
    assert alone["How does FlashAttention work?"].refused  # not in the stub corpus
    assert not alone["What does GrowNet use as weak learners?"].refused
    errors: list[BaseException] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def one(q):
        t = time.perf_counter()
        try:
            ans = rag.ask(q, collection="stub")
            want = alone[q]
            assert (ans.text, ans.refused) == (want.text, want.refused), q
            assert [s.paper_id for s in ans.sources] == [s.paper_id for s in want.sources], q
        except BaseException as exc:  # noqa: BLE001 - counted and reported
            with lock:
                errors.append(exc)
        with lock:
            latencies.append(time.perf_counter() - t)

    threads = [threading.Thread(target=one, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    p95 = sorted(latencies)[int(0.95 * (len(latencies) - 1))]
    print(f"\n20 concurrent ask(): errors={len(errors)} p50={statistics.median(latencies) * 1000:.0f} ms "
          f"p95={p95 * 1000:.0f} ms")
    assert errors == [] and len(latencies) == 20


@pytest.mark.browser
def test_20_concurrent_chat_sessions(stub_settings, rag_home):
    from gradio_client import Client

    from .conftest import stop_process
    from .test_ui import _serve

    proc, url = _serve(rag_home, "stub")
    try:
        questions = ["What does GrowNet use as weak learners?", "video inpainting with reference frames"] * 10
        # Each session must get its own question's answer: the paper the same question cites when asked alone.
        cited = {q: rag.ask(q, collection="stub").sources[0].title for q in set(questions)}
        assert len(set(cited.values())) == 2
        clients = [Client(url, verbose=False) for _ in questions]  # one browser session each
        errors, latencies = [], []
        lock = threading.Lock()

        def session(i, q):
            t = time.perf_counter()
            try:
                chat, *_ = clients[i].predict(q, [], "stub", api_name="/ask")
                content = chat[-1]["content"]
                text = " ".join(c.get("text", "") for c in content) if isinstance(content, list) else content
                assert 'class="sources"' in text and chat[-2]["role"] == "user"
                asked = chat[-2]["content"]
                asked = " ".join(c.get("text", "") for c in asked) if isinstance(asked, list) else asked
                assert asked == q, (asked, q)
                plain = html.unescape(text)
                mine, other = plain.find(cited[q]), plain.find(next(t for k, t in cited.items() if k != q))
                assert mine != -1 and (other == -1 or mine < other), (q, plain[:300])
                assert "[1]" in plain, "a new session's first answer cites [1]"
            except BaseException as exc:  # noqa: BLE001
                with lock:
                    errors.append(repr(exc))
            with lock:
                latencies.append(time.perf_counter() - t)

        threads = [threading.Thread(target=session, args=(i, q)) for i, q in enumerate(questions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        p95 = sorted(latencies)[int(0.95 * (len(latencies) - 1))]
        print(f"\n20 concurrent chat sessions: errors={len(errors)} p50={statistics.median(latencies) * 1000:.0f} ms "
              f"p95={p95 * 1000:.0f} ms")
        assert errors == [], errors[:3]
        assert len(latencies) == 20
    finally:
        stop_process(proc, 5)
