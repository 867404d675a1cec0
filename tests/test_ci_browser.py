"""A missing browser fails the run in CI (CI=true) and is skipped loudly elsewhere (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import REPO


def _collect_browser_tests(ci: str | None):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["RAG_TEST_CHROMIUM"] = str(REPO / "no-such-chromium")
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-m", "browser", "tests/test_ui.py"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )


def test_missing_browser_fails_the_run_in_ci():
    r = _collect_browser_tests("true")
    assert r.returncode == 3, r.stdout[-2000:] + r.stderr[-2000:]
    assert "browser tests cannot run" in r.stdout + r.stderr and "no-such-chromium" in r.stdout + r.stderr


def test_missing_browser_is_skipped_loudly_on_a_developer_machine():
    r = _collect_browser_tests(None)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "SKIPPED:" in r.stdout and "browser tests cannot run" in r.stdout


def test_browser_present_runs_in_ci():
    """With a browser (an existing file stands in for it here), CI=true collects the browser tests normally."""
    env = {**os.environ, "CI": "true", "RAG_TEST_CHROMIUM": sys.executable}
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-m", "browser", "tests/test_ui.py"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "browser tests cannot run" not in r.stdout + r.stderr
