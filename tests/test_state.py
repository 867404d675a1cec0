"""State under change (#12 items 1-5): a running app sees other processes' ingests, revisions per
committed batch, sentence vectors keyed on content, no state from unknown corpus names, engines
shared across per-call options and bounded.
"""

from __future__ import annotations

import html
import json
import os
import random
import string
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import rag
from rag.settings import load_settings

from .conftest import DATA, REPO, free_port, stop_process

# A question about the stub corpus's GrowNet paper that the relevance model answers (not refuses).
GROWNET_Q = "Which paper proposes gradient boosting with shallow neural networks as weak learners?"

NEW_PAPER = {
    "title": "Quokka Attention: Marsupial-Inspired Sparse Transformers for Tide Forecasting",
    "authors": ["Wilhelmina Quarterstaff", "Bartholomew Inkwell"],
    "year": 2024,
    "venue": "Imaginary Workshop on Coastal Learning",
    "abstract": "We introduce Quokka Attention, a sparse attention pattern for forecasting ocean tides "
    "from harbour gauge readings. Quokka Attention attends only to gauge readings taken at the same "
    "lunar phase, which cuts memory by a factor of eight. On twelve harbours it lowers the tide "
    "forecasting error of dense transformers by nine percent.",
}


# --- a running `rag chat` app in its own home ----------------------------------------------------------
def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _tree(home: Path) -> tuple[set[str], int]:
    """Every path under `home` (folders and files) and their total size in bytes."""
    paths, size = set(), 0
    for root, dirs, files in os.walk(home):
        for name in dirs + files:
            p = Path(root) / name
            paths.add(str(p.relative_to(home)))
            if p.is_file():
                size += p.stat().st_size
    return paths, size


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def chat_app(tmp_path_factory):
    """`rag chat` started in an empty home whose bundled corpus is the 10-paper stub corpus."""
    home = tmp_path_factory.mktemp("chat-app-home")
    port = free_port()
    log = tmp_path_factory.mktemp("chat-app-log") / "chat.log"
    env = {**os.environ, "RAG_HOME": str(home), "RAG_SEED_CORPUS": str(DATA / "stub"), "RAG_UI_CONCURRENCY": "4"}
    env.pop("RAG_COLLECTION", None)
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "chat", "--port", str(port)], cwd=REPO, env=env,
                                stdout=fh, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"rag chat exited: {log.read_text()[-2000:]}")
        try:
            if _get(url + "/")[0] == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise AssertionError(f"rag chat did not come up: {log.read_text()[-2000:]}")
    yield {"url": url, "home": home, "proc": proc, "log": log, "env": env}
    stop_process(proc)


def _ask_app(url: str, question: str, collection: str = "seed") -> str:
    from gradio_client import Client

    chat, *_ = Client(url, verbose=False).predict(question, [], collection, api_name="/ask")
    content = chat[-1]["content"]
    text = " ".join(c.get("text", "") for c in content) if isinstance(content, list) else content
    return html.unescape(text)


def test_chat_start_up_indexes_the_bundled_corpus_with_visible_progress(chat_app):
    """#12 item 6: `rag chat` ingests before serving, with a progress bar (it used to ingest silently,
    progress=False, inside the first load)."""
    out = chat_app["log"].read_text()
    assert "Indexing the bundled corpus" in out
    bar = out.find("ingest seed:")
    assert bar != -1 and "10/10" in out[bar:], out[-1500:]
    assert bar < out.find("Paper QA chat on")


def test_running_app_answers_from_another_process_ingest(chat_app, tmp_path):
    """#12 item 1: an ingest by another process is visible to the running app without a restart."""
    from rag.corpus import load_papers

    path = tmp_path / "new.jsonl"
    path.write_text(json.dumps(NEW_PAPER) + "\n")
    new_id = load_papers(path)[0].paper_id
    url = chat_app["url"]
    status, _ = _get(f"{url}/paper/{new_id}?c=seed")
    assert status == 404
    before = _ask_app(url, "Which paper forecasts ocean tides with Quokka Attention?")
    assert "Quokka Attention: Marsupial" not in before

    res = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(path), "--collection", "seed"],
                         cwd=REPO, env=chat_app["env"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-1500:]
    assert "1 added" in res.stdout

    status, page = _get(f"{url}/paper/{new_id}?c=seed")
    assert status == 200 and "Quokka Attention" in page
    after = _ask_app(url, "Which paper forecasts ocean tides with Quokka Attention?")
    assert "Quokka Attention: Marsupial" in after and "[1]" in after


def _random_names(rng: random.Random, n: int) -> list[str]:
    alphabet = string.ascii_letters + string.digits + "-_ ./%é"
    return [
        "zz" + "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 60)))
        for _ in range(n)
    ]


def test_unknown_collections_from_the_web_create_no_state(chat_app):
    """#12 item 4: 1,000 random corpus names sent to /paper/<id>?c= and to the chat API leave the
    home's folder list, its size on disk and the server's RSS unchanged."""
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    url, home, pid = chat_app["url"], chat_app["home"], chat_app["proc"].pid
    rng = random.Random(12)
    clients = [Client(url, verbose=False) for _ in range(4)]

    def via_chat(i_name):
        i, name = i_name
        try:
            chat, *_ = clients[i % 4].predict(GROWNET_Q, [], name, api_name="/ask")
        except Exception as exc:  # gradio refuses a value outside the picker's choices
            return f"refused: {type(exc).__name__}"
        text = json.dumps(chat[-1]["content"])
        assert 'class="sources"' not in text, text[:300]  # never answered from some corpus
        return "error shown"

    def via_paper(name):
        status, _ = _get(f"{url}/paper/anything?c={urllib.parse.quote(name)}")
        return status

    def send(names):
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(via_paper, names))
            outcomes = list(pool.map(via_chat, enumerate(names)))
        assert set(statuses) == {404}
        return outcomes

    send(_random_names(rng, 50))  # warm up the request paths
    paths0, size0 = _tree(home)
    rss0 = _rss_mb(pid)
    outcomes = send(_random_names(rng, 1000))
    paths1, size1 = _tree(home)
    rss1 = _rss_mb(pid)
    assert len(outcomes) == 1000
    assert paths1 == paths0, sorted(paths1 ^ paths0)[:10]
    assert size1 == size0
    assert rss1 - rss0 < 25, (rss0, rss1)
    # the app still answers from its real corpus
    assert "GrowNet" in _ask_app(url, GROWNET_Q)


# --- the API and the store --------------------------------------------------------------------------
def test_unknown_collection_raises_corpus_error_and_creates_nothing(stub_settings, rag_home):
    """#12 item 4 at the API: ask / retrieve / get_paper / get_engine on a never-ingested corpus raise
    the project's CorpusError and create no collection, no folder, no lock file, no engine."""
    from rag import pipeline
    from rag.corpus.common import CorpusError
    from rag.store import get_client

    rag.retrieve("warm up", collection="stub")
    client = get_client(stub_settings)
    collections0 = sorted(c if isinstance(c, str) else c.name for c in client.list_collections())
    paths0, _ = _tree(rag_home)
    engines0 = len(pipeline._engines)
    calls = [
        lambda n: rag.ask("What does GrowNet use?", collection=n),
        lambda n: rag.retrieve("GrowNet weak learners", collection=n),
        lambda n: rag.get_paper("x", collection=n),
        lambda n: pipeline.get_engine(collection=n),
        lambda n: pipeline.get_engine(stub_settings, n),
    ]
    for i, call in enumerate(calls):
        with pytest.raises(CorpusError, match="no corpus named") as err:
            call(f"never-ingested-{i}")
        assert "rag ingest" in str(err.value)
    collections1 = sorted(c if isinstance(c, str) else c.name for c in client.list_collections())
    paths1, _ = _tree(rag_home)
    assert collections1 == collections0
    assert not [p for p in paths1 - paths0 if "never-ingested" in p]
    assert len(pipeline._engines) == engines0


def test_per_call_options_share_one_engine(stub_settings):
    """#12 item 5: top_k, fusion, thresholds and LLM settings are per-call options: they see the same
    loaded index (one engine), each with its own settings."""
    from rag import pipeline

    base = pipeline.get_engine(stub_settings, "stub")
    n0 = len(pipeline._engines)
    for overrides in ({"top_k": 5}, {"fusion": "rrf"}, {"relevance_threshold": 0.5},
                      {"llm_base_url": "http://127.0.0.1:9/v1"}, {"candidates": 20}):
        s = load_settings(collection="stub", **overrides)
        eng = pipeline.get_engine(s, "stub")
        assert eng.lexical is base.lexical and eng.sentences is base.sentences
        name, value = next(iter(overrides.items()))
        assert getattr(eng.settings, name) == value and getattr(eng.retriever.settings, name) == value
        assert getattr(base.settings, name) != value  # the shared engine's settings are untouched
    hits = rag.retrieve("GrowNet weak learners", k=3, collection="stub", fusion="rrf")
    assert len(hits) == 3 and "GrowNet" in hits[0].title
    assert len(pipeline._engines) == n0
    # An index-defining setting is another index.
    assert pipeline.get_engine(load_settings(collection="stub", bm25_b=0.9), "stub").lexical is not base.lexical


def test_engine_cache_is_bounded_lru(rag_home):
    from rag import pipeline

    s = load_settings(engine_cache_size=2, sentence_precompute_max=0)
    for name in ("lru-a", "lru-b", "lru-c"):
        rag.ingest(str(DATA / "papers.csv"), collection=name, settings=s)
    pipeline.invalidate()
    a = pipeline.get_engine(s, "lru-a")
    pipeline.get_engine(s, "lru-b")
    assert pipeline.get_engine(s, "lru-a").lexical is a.lexical  # a is now the most recently used
    pipeline.get_engine(s, "lru-c")  # evicts b, the least recently used
    keys = [k[0] for k in pipeline._engines]
    assert keys == ["lru-a", "lru-c"]
    assert pipeline.get_engine(s, "lru-a").lexical is a.lexical
    from rag.corpus.common import CorpusError

    for i in range(3):  # unknown names never evict a loaded corpus
        with pytest.raises(CorpusError):
            pipeline.get_engine(s, f"never-ingested-lru-{i}")
    assert [k[0] for k in pipeline._engines] == ["lru-c", "lru-a"]


def test_revision_changes_per_committed_batch_and_a_mid_ingest_reader_rebuilds(rag_home, tmp_path, monkeypatch):
    """#12 item 2: a BM25 rebuild that runs between two batches of an ingest (another app instance)
    must not be stamped as current: after the ingest it rebuilds and sees every paper."""
    from rag.index import rebuild_lexical
    from rag.store import Store

    settings = load_settings(upsert_batch_size=3, sentence_precompute_max=0)
    seen, mid = [], {}
    real_upsert = Store.upsert

    def upsert(self, papers, embeddings):
        seen.append(self.revision())
        if len(seen) == 2:  # between batch 1 and 2: a reader with its own home rebuilds from the store
            reader = Store(settings, "batches")
            reader.settings = settings.model_copy(update={"home": tmp_path / "reader"})
            mid["index"] = rebuild_lexical(reader)
            mid["store"] = reader
        return real_upsert(self, papers, embeddings)

    monkeypatch.setattr(Store, "upsert", upsert)
    res = rag.ingest(str(DATA / "stub"), collection="batches", settings=settings)
    assert res.added == 10 and len(seen) == 4
    assert len(set(seen)) == 4  # every committed batch moved the revision
    assert len(mid["index"].papers) == 3
    after = rebuild_lexical(mid["store"])
    assert after is not None and len(after.papers) == 10


def test_engine_load_does_not_stamp_a_running_ingest(rag_home):
    """#12 item 2: the engine reads the store under the ingest lock. While an ingest holds it, an engine
    serves the index on disk, leaves its stamp alone, and reloads once the ingest is done."""
    from filelock import FileLock

    from rag import pipeline
    from rag.index import bm25_dir, lock_path
    from rag.lexical import read_stamp
    from rag.store import Store

    settings = load_settings(sentence_precompute_max=0)
    rag.ingest(str(DATA / "papers.csv"), collection="locked", settings=settings)
    store = Store(settings, "locked")
    directory = bm25_dir(settings, store.name)
    stamp0 = read_stamp(directory)
    n0 = len(pipeline.Engine(settings, "locked").lexical.papers)
    with FileLock(str(lock_path(settings, store.name))):  # the lock `rag ingest` holds  # an ingest has written part of its data
        store.bump_revision()
        pipeline.invalidate(settings, "locked")
        eng = threading_result(lambda: pipeline.get_engine(settings, "locked"))
        assert read_stamp(directory) == stamp0
        assert len(eng.lexical.papers) == n0 and eng.revision != store.revision()
        again = threading_result(lambda: pipeline.get_engine(settings, "locked"))
        assert again.lexical is eng.lexical  # still busy: keeps serving, no reload
    fresh = pipeline.get_engine(settings, "locked")
    assert fresh.revision == store.revision() == read_stamp(directory)["revision"]


def threading_result(fn):
    """Run fn in another thread (the file lock is held by this one) and return its result."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as exc:  # re-raised below
            out["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    t.join(120)
    if "error" in out:
        raise out["error"]
    return out["value"]


BIB = """@inproceedings{lovelace2021tides,
  title     = {Tidal Transformers for Harbour Forecasting},
  author    = {Lovelace, Augusta and Babbage, Charles},
  booktitle = {Proceedings of the Coastal Learning Workshop},
  year      = {2021},
  abstract  = {%s}
}
"""


def test_changed_abstract_gets_new_sentence_vectors(rag_home, tmp_path):
    """#12 item 3: a BibTeX entry re-imported with a changed abstract keeps its paper_id; its evidence
    sentences must be embedded from the new abstract, not served from the old one's vectors."""
    import numpy as np

    from rag import pipeline
    from rag.index import sentence_dir
    from rag.sentences import SentenceVectors, paper_sentences

    settings = load_settings()
    bib = tmp_path / "tides.bib"
    bib.write_text(BIB % "We forecast harbour tides with transformers. The model reads gauge data.")
    rag.ingest(str(bib), collection="bibchange", settings=settings)
    eng = pipeline.get_engine(settings, "bibchange")
    old = eng.lexical.papers[0]
    assert len(eng.sentences.get(old)) == 2

    bib.write_text(BIB % ("We forecast harbour tides with recurrent networks instead. Gauge data are noisy. "
                          "We denoise them first. Errors drop by a third."))
    res = rag.ingest(str(bib), collection="bibchange", settings=settings)
    assert res.updated == 1
    eng = pipeline.get_engine(settings, "bibchange")
    new = eng.lexical.papers[0]
    assert new.paper_id == old.paper_id and new.abstract != old.abstract
    want = eng.embedder.embed(paper_sentences(new))
    assert want.shape[0] == 4
    for sv in (eng.sentences, SentenceVectors(sentence_dir(settings, eng.store.name), eng.embedder)):
        got = sv.get(new)
        assert got.shape == want.shape
        assert np.allclose(got, want, atol=1e-5)


def test_one_paper_ingest_prints_no_debug_line_and_a_real_rate(tmp_path):
    """`rag ingest` of a one-paper file printed 'DEBUG bm25s: Building index from IDs objects' (bm25s sets its
    own logger to DEBUG) and reported '0 papers/s' (a rate under 1 rounded to 0)."""
    import re

    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(NEW_PAPER) + "\n")
    env = {**os.environ, "RAG_HOME": str(tmp_path / "home")}
    res = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(path), "--collection", "one"], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-1500:]
    assert "DEBUG" not in res.stdout + res.stderr
    rate = float(re.search(r"([\d.]+) papers/s", res.stdout).group(1))
    assert rate > 0, res.stdout


# Questions of several shapes (a lookup, a list of items read one by one, a comparison, a figure): each goes
# through its own path of judging, item readings and evidence sentences.
ORDER_QUESTIONS = (
    "Which paper trains deep networks with many layers using residual connections?",
    "Papers on graph neural networks, knowledge distillation or contrastive learning?",
    "How does self-attention differ from recurrence for sequence modelling?",
    "How many parameters does the largest language model in the collection have?",
)


def test_an_answer_does_not_depend_on_the_questions_asked_before_it(seed_ready, tmp_path):
    """A large collection embeds evidence sentences on demand, into a cache every question of the process
    shares. What an earlier question embedded must not change a later answer: each question sees only the
    vectors it asked for (rag.sentences.QuestionView). The bundled corpus is read here as a large one
    (`sentence_precompute_max=0`): once with every sentence already cached (as if many questions came before)
    and once with an empty cache (a fresh process); every candidate's relevance and the answer are the same."""
    import copy

    from rag import pipeline
    from rag.answer import answer_question
    from rag.answer.judge import judge
    from rag.query import analyse
    from rag.sentences import SentenceVectors

    settings = load_settings(sentence_precompute_max=0)
    warm = pipeline.get_engine(settings)
    assert all(warm.sentences.has(p) for p in warm.retriever.papers)  # every vector cached at ingest
    cold = copy.copy(warm)
    cold.sentences = SentenceVectors(tmp_path / "empty", warm.embedder)
    for q in ORDER_QUESTIONS:
        query = analyse(q, [], warm)
        qvec = warm.retriever.embed_query(query.search)
        hits = warm.retriever.search(query.search, k=settings.top_k, filters=query.filters, qvec=qvec)
        judged = [[(e.hit.paper.paper_id, e.relevance, e.best(1)[0]) for e in judge(eng.for_question(), query, hits, qvec)]
                  for eng in (cold, warm)]
        assert judged[0] == judged[1], q
        a, b = (answer_question(eng.for_question(), query) for eng in (cold, warm))
        assert (a.text, [s.paper_id for s in a.sources], a.signals) == (b.text, [s.paper_id for s in b.sources], b.signals)
    # The cache itself still grows: what the cold engine's questions embedded is kept for the next one.
    assert 0 < len(cold.sentences.vecs) < len(warm.retriever.papers)
