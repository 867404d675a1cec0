"""Shared fixtures: an isolated RAG_HOME, a small real corpus, and a scripted OpenAI-compatible server.

Tests must pass in any order (`pytest -p randomly`). Read-only tests share the session's `stub`
collection (`stub_settings`); a test that writes or mutates state gets its own:

- `own_collection`: a collection name no other test uses (unique per run, so first-ingest counts hold
  even when RAG_TEST_HOME is reused);
- `own_stub`: the stub corpus ingested into such a collection, for tests that edit collection metadata,
  delete BM25 files or need a second engine with other settings;
- `fresh_home`: an empty RAG_HOME for this test only (also seen by subprocesses), with the exported
  ONNX model still shared through RAG_MODEL_CACHE.

Browser tests (marker `browser`) need Debian chromium and Playwright. Without them they are skipped
with a loud message on a developer machine, and the run fails when CI is set (CI=true).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parent.parent

# Tests never touch the user's state: everything lives under a temporary RAG_HOME. A home this run made
# (about 750 MB with the exported model) is removed when the run ends; a RAG_TEST_HOME given is kept for reuse.
_SESSION_HOME = Path(os.environ.get("RAG_TEST_HOME") or __import__("tempfile").mkdtemp(prefix="rag-test-"))
if not os.environ.get("RAG_TEST_HOME"):
    _OWNER_PID = os.getpid()
    __import__("atexit").register(
        lambda: os.getpid() == _OWNER_PID and shutil.rmtree(_SESSION_HOME, ignore_errors=True)
    )
os.environ["RAG_HOME"] = str(_SESSION_HOME)
# The int8 ONNX MiniLM is exported once per test session, also for subprocesses with their own RAG_HOME.
os.environ["RAG_MODEL_CACHE"] = str(_SESSION_HOME / "models")
for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL", "RAG_CONFIG", "RAG_PRESET"):
    os.environ.pop(var, None)


@pytest.fixture(scope="session", autouse=True)
def rag_home() -> Path:
    """The session's RAG_HOME. The French/German lexicon (rag.lexicon, from the system's FreeDict
    dictionaries when installed) is built into the shared model cache here, once, so that no chat server a
    test starts builds it on its own (`prepare` loads it on a background thread)."""
    from rag.lexicon import load
    from rag.settings import load_settings

    load(load_settings().lexicon_dir)
    return _SESSION_HOME


@pytest.fixture(scope="session")
def stub_settings(rag_home):
    """Settings for a collection holding the tiny stub corpus (ingested once per session)."""
    import rag
    from rag.settings import load_settings

    settings = load_settings(collection="stub")
    rag.ingest(str(DATA / "stub"), collection="stub", settings=settings)
    return settings


def unique_collection_name(label: str) -> str:
    """A valid collection name (at most 40 characters) that no other test or run uses."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:26] or "t"
    return f"{slug}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def own_collection(request, rag_home) -> str:
    """A collection of this test's own: ingest into it and mutate it freely."""
    return unique_collection_name(request.node.name)


@pytest.fixture
def own_stub(own_collection):
    """Settings for a collection of this test's own holding the stub corpus (`settings.collection`)."""
    import rag
    from rag.settings import load_settings

    settings = load_settings(collection=own_collection)
    rag.ingest(str(DATA / "stub"), collection=own_collection, settings=settings)
    return settings


@pytest.fixture
def fresh_home(tmp_path, monkeypatch) -> Path:
    """An empty RAG_HOME for this test only: `get_settings()`, `load_settings()` and subprocesses use it."""
    home = tmp_path / "rag-home"
    home.mkdir()
    monkeypatch.setenv("RAG_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def seed_ready(rag_home):
    """The bundled corpus in the default collection (what `ask()` uses by default)."""
    import rag

    rag.ask("warm up: what is a neural network?")
    return True


@pytest.fixture
def no_list_intent(monkeypatch):
    """Turn the list-intent cue (rag.intent) off for this test: no wording counts as a request for a list."""
    import copy

    import rag.intent

    model = copy.copy(rag.intent.load_intent())
    model.cut = 1.1
    monkeypatch.setattr(rag.intent, "_model", model)
    return model


# --- browser tests: skipped loudly on a developer machine, a failure in CI ------------------------
CHROMIUM = os.environ.get("RAG_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
_browser_skipped: list[str] = []


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not Path(CHROMIUM).exists():
        return f"chromium not found at {CHROMIUM} (install it: `make browser`, i.e. apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


def pytest_collection_finish(session):
    browser = [item for item in session.items if item.get_closest_marker("browser")]
    why = browser_missing() if browser else None
    if why is None:
        return
    if in_ci():
        pytest.exit(f"CI is set and {len(browser)} browser tests cannot run: {why}", returncode=3)
    _browser_skipped.append(f"{len(browser)} browser tests cannot run: {why}")


def pytest_terminal_summary(terminalreporter):
    for line in _browser_skipped:
        terminalreporter.write_sep("!", f"SKIPPED: {line}", red=True, bold=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Judged:
    """A judged paper as `rag.answer.judge.select` reads it: its relevance, its relevance on an item of a
    comparison, and whether the question names it by its title."""

    def __init__(self, relevance: float, item: float = 0.0, titled: bool = False):
        from types import SimpleNamespace

        self.relevance, self.item, self.hit = relevance, item, SimpleNamespace(title_match=titled)


class ScriptedLLM:
    """A local OpenAI-compatible /v1/chat/completions server replying from a script.

    Each script item is a dict: {"text": str} (normal answer, streamed if asked),
    {"status": 500} / {"status": 429, "retry_after": 0}, {"sleep": seconds, ...},
    {"raw": bytes} (malformed body), {"cut": True, "text": ...} (stream dropped mid-answer).
    The last item repeats when the script runs out. Requests are recorded in `.requests`.
    """

    def __init__(self):
        self.script: list[dict] = [{"text": "ok [1]."}]
        self.requests: list[dict] = []
        self.port = free_port()
        llm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # keep test output clean
                pass

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                llm.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                item = llm.script.pop(0) if len(llm.script) > 1 else llm.script[0]
                if item.get("sleep"):
                    time.sleep(item["sleep"])
                if "status" in item:
                    payload = json.dumps({"error": {"message": "scripted failure", "type": "server_error"}}).encode()
                    self.send_response(item["status"])
                    if "retry_after" in item:
                        self.send_header("Retry-After", str(item["retry_after"]))
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if "raw" in item:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(item["raw"])))
                    self.end_headers()
                    self.wfile.write(item["raw"])
                    return
                text = item.get("text", "")
                if body.get("stream"):
                    self._stream(text, cut=item.get("cut", False))
                else:
                    payload = json.dumps({
                        "id": "x", "object": "chat.completion", "created": 0, "model": body.get("model"),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": text}}],
                    }).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)

            def _stream(self, text: str, cut: bool):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                words = text.split(" ")
                pieces = words[: max(1, len(words) // 2)] if cut else words
                for i, w in enumerate(pieces):
                    chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                             "choices": [{"index": 0, "delta": {"content": (" " if i else "") + w},
                                          "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                if cut:
                    self.close_connection = True
                    return
                end = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def llm_server():
    server = ScriptedLLM()
    yield server
    server.close()


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a server a test started: SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)
