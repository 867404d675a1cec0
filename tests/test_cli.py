"""The `rag` command, run as a user would (subprocess), over the shared temp RAG_HOME."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from .conftest import DATA


def run(*args, env_extra=None, timeout=240):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_help_is_instant_and_explains():
    r = run("--help")
    assert r.returncode == 0
    for word in ("ingest", "ask", "eval", "chat", "RAG_HOME", "OPENAI_BASE_URL"):
        assert word in r.stdout
    assert "--format" in run("ingest", "--help").stdout


def test_ingest_then_ask_json(stub_settings):
    r = run("ingest", str(DATA / "stub"), "--collection", "stub")
    assert r.returncode == 0, r.stderr
    assert "0 added, 0 updated, 10 unchanged" in r.stdout
    r = run("ask", "What does GrowNet use as weak learners?", "--collection", "stub", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["mode"] == "offline" and data["refused"] is False
    assert data["sources"][0]["title"] == "Gradient Boosting Neural Networks: GrowNet"
    assert 1 in data["citations"]


def test_ask_prints_sources(stub_settings):
    r = run("ask", "restore missing regions in videos", "--collection", "stub")
    assert r.returncode == 0, r.stderr
    assert "Sources:" in r.stdout and "[1] Copy-and-Paste Networks" in r.stdout and "https://" in r.stdout


def test_errors_are_one_line_not_tracebacks(tmp_path):
    r = run("ask", "   ")
    assert r.returncode == 2 and r.stderr.startswith("error: question is empty") and "Traceback" not in r.stderr
    r = run("ingest", str(tmp_path / "missing.xml"))
    assert r.returncode == 2 and "no such file" in r.stderr
    r = run("corpora", env_extra={"RAG_TOP_K": "lots"})
    assert r.returncode == 2 and "top_k" in r.stderr


def test_eval_scores_a_small_question_file(stub_settings, tmp_path):
    """Two lookups, one with the right gold paper and one deliberately given the wrong one: the evaluator
    must score them 1 and 0, in its printed summary and in the --out JSON."""
    grownet = {"title": "Gradient Boosting Neural Networks: GrowNet", "abstract_prefix": "A novel gradient boosting framework"}
    q = tmp_path / "q.jsonl"
    q.write_text("\n".join(json.dumps(row) for row in [
        {"id": "right", "type": "lookup", "question": "boosting with shallow neural networks", "gold": [grownet],
         "answer_contains": [["GrowNet", "Grow Net"]]},
        {"id": "wrong", "type": "lookup", "question": "video inpainting copying content from reference frames",
         "gold": [grownet], "answer_contains": [["GrowNet"]]},
    ]) + "\n")
    out = tmp_path / "eval.json"
    r = run("eval", str(q), "--collection", "stub", "--out", str(out))
    assert r.returncode == 0, r.stderr
    result = json.loads(out.read_text())
    assert result["questions"] == 2
    assert result["lookup_hit@1"] == 0.5 and result["answer_contains"] == 0.5
    assert re.search(r"lookup_hit@1\s+0\.5", r.stdout), r.stdout
