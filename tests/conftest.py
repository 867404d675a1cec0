"""Shared fixtures: an isolated RAG_HOME, a small real corpus, and a scripted OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parent.parent

# Tests never touch the user's state: everything lives under a temporary RAG_HOME.
_SESSION_HOME = Path(os.environ.get("RAG_TEST_HOME") or __import__("tempfile").mkdtemp(prefix="rag-test-"))
os.environ["RAG_HOME"] = str(_SESSION_HOME)
# The int8 ONNX MiniLM is exported once per test session, also for subprocesses with their own RAG_HOME.
os.environ["RAG_MODEL_CACHE"] = str(_SESSION_HOME / "models")
for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL", "RAG_CONFIG", "RAG_PRESET"):
    os.environ.pop(var, None)


@pytest.fixture(scope="session")
def rag_home() -> Path:
    return _SESSION_HOME


@pytest.fixture(scope="session")
def stub_settings(rag_home):
    """Settings for a collection holding the tiny stub corpus (ingested once per session)."""
    import rag
    from rag.settings import load_settings

    settings = load_settings(collection="stub")
    rag.ingest(str(DATA / "stub"), collection="stub", settings=settings)
    return settings


@pytest.fixture(scope="session")
def seed_ready(rag_home):
    """The bundled corpus in the default collection (what `ask()` uses by default)."""
    import rag

    rag.ask("warm up: what is a neural network?")
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
