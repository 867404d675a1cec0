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

from .conftest import DATA, free_port

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    if not CHROMA.exists() and not shutil.which("chroma"):
        pytest.skip("chroma CLI not installed")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = open(data / "server.log", "w")
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port",
                             str(port)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma server did not start: " + (data / "server.log").read_text()[-2000:])
    yield port
    proc.terminate()
    proc.wait(10)


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


def test_unreachable_server_gives_clear_error():
    from rag.store import StoreError, get_client

    with pytest.raises(StoreError, match="chroma run"):
        Store(load_settings(store="chroma-server", chroma_port=free_port(), collection="nowhere"), "nowhere")
    assert get_client  # imported for the error path above
