"""Scale-out path: a real `chroma run` server shared through chromadb.HttpClient."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import rag
from rag.settings import load_settings
from rag.store import Store

from .conftest import DATA, free_port, stop_process

CHROMA = Path(sys.executable).parent / "chroma"


def _start_chroma(port: int, data: Path) -> subprocess.Popen:
    """A real `chroma run` server on `port`, storing under `data`; returns once it answers heartbeats."""
    if not CHROMA.exists() and not shutil.which("chroma"):
        pytest.skip("chroma CLI not installed")
    data.mkdir(parents=True, exist_ok=True)
    log = open(data / "server.log", "w")
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port",
                             str(port)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("chroma server did not start: " + (data / "server.log").read_text()[-2000:])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    port = free_port()
    proc = _start_chroma(port, tmp_path_factory.mktemp("chroma-server"))
    yield port
    stop_process(proc)


def test_ingest_and_ask_through_chroma_server(chroma_server, tmp_path, monkeypatch):
    overrides = {"store": "chroma-server", "chroma_port": chroma_server, "collection": "srv"}
    settings = load_settings(**overrides)
    first = rag.ingest(str(DATA / "stub"), collection="srv", settings=settings)
    assert first.added == 10
    again = rag.ingest(str(DATA / "stub"), collection="srv", settings=settings)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 10)
    assert Store(settings, "srv").count() == 10
    ans = rag.ask("What does GrowNet use as weak learners?", **overrides)
    assert not ans.refused and ans.sources[0].title.endswith("GrowNet") and "[1]" in ans.text

    # A second app instance with its own (empty) RAG_HOME rebuilds BM25 from the server's records.
    from rag import pipeline

    other = load_settings(home=str(tmp_path / "instance2"), **overrides)
    eng = pipeline.Engine(other, "srv")
    assert len(eng.lexical.papers) == 10
    hits = eng.retriever.search("Sanghyuk Chun momentum optimizers", k=3)
    assert hits[0].paper.title.startswith("AdamP")


def test_unreachable_server_gives_clear_error_then_works_once_started(tmp_path):
    """No server: a clear error naming the address and how to start one. The failure is not cached:
    once a server listens on that port, the same process ingests and asks through it."""
    from rag.store import StoreError

    port = free_port()
    overrides = {"store": "chroma-server", "chroma_host": "127.0.0.1", "chroma_port": port, "collection": "late"}
    settings = load_settings(**overrides)
    with pytest.raises(StoreError, match=rf"cannot reach the Chroma server at 127\.0\.0\.1:{port}.*chroma run"):
        rag.ingest(str(DATA / "stub"), collection="late", settings=settings)
    proc = _start_chroma(port, tmp_path / "late-server")
    try:
        res = rag.ingest(str(DATA / "stub"), collection="late", settings=settings)
        assert res.added == 10 and Store(settings, "late").count() == 10
        ans = rag.ask("What does GrowNet use as weak learners?", **overrides)
        assert not ans.refused and ans.sources[0].title.endswith("GrowNet")
    finally:
        stop_process(proc)
