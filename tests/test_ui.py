"""The chat UI in a real browser (Debian chromium via Playwright): answers, citations, links,
/paper pages, follow-ups, and hostile abstract text that must show as text and never run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import REPO, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"

if not Path(CHROMIUM).exists():  # loud, not silent: the Makefile installs it
    print("\n!!! chromium not found: browser tests are SKIPPED (apt-get install chromium) !!!\n", file=sys.stderr)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]

HOSTILE = [
    {"title": "Robust <script>alert('title')</script> Learning", "authors": ["Eve <img src=x onerror=alert('author')>"],
     "year": 2021, "venue": "TestConf",
     "abstract": "We study hostile abstracts for robust retrieval evaluation. <script>alert('abstract')</script> "
                 "Our benchmark of hostile abstracts contains <img src=x onerror=alert('img')> payloads and "
                 "[a markdown link](javascript:alert('md')) that must stay literal text. We report robustness."},
]


def _serve(rag_home: Path, collection: str):
    port = free_port()
    env = {**os.environ, "RAG_HOME": str(rag_home), "RAG_COLLECTION": collection}
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"ui-{collection}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "ui.app", "--port", str(port)], cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError((ARTIFACTS / f"ui-{collection}.log").read_text()) from None
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("UI did not start")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def stub_ui(stub_settings, rag_home):
    proc, url = _serve(rag_home, "stub")
    yield url
    _stop(proc)


def _stop(proc):
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _ask(page, question: str, n_answers: int):
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .mode').length >= n", arg=n_answers, timeout=60000)


def test_chat_answer_citations_links_and_followup(browser, stub_ui):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    page.goto(stub_ui)
    page.wait_for_selector("#question textarea")
    t0 = time.perf_counter()
    page.fill("#question textarea", "Is there work on predicting video frames thousands of steps into the future?")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#chat') && "
                           "document.querySelector('#chat').innerText.includes('[1]')", timeout=60000)
    first_text = time.perf_counter() - t0
    page.wait_for_selector("#chat .sources", timeout=60000)
    full = time.perf_counter() - t0
    print(f"\nUI offline: first cited text {first_text * 1000:.0f} ms, full answer {full * 1000:.0f} ms")
    page.screenshot(path=str(ARTIFACTS / "answer.png"), full_page=True)
    cite = page.locator("#chat a.cite").first
    assert cite.inner_text() == "[1]"
    assert cite.get_attribute("href").startswith("#src-")
    src = page.locator("#chat .src a.src-link").first
    assert src.get_attribute("target") == "_blank"
    assert "Revisiting Hierarchical Approach" in src.inner_text()

    _ask(page, "which two scenarios did they test it on?", 2)
    last = page.locator("#chat .answer").last.inner_text()
    assert "car driving" in last and "human dancing" in last
    page.screenshot(path=str(ARTIFACTS / "followup.png"), full_page=True)

    # An untitled abstract links to the local /paper page, which shows the abstract.
    _ask(page, "normalizing flows on categorical data", 3)
    link = page.locator("#chat .sources").last.locator("a.src-link").first
    href = link.get_attribute("href")
    assert href.startswith("/paper/"), href
    paper = browser.new_page()
    paper.goto(stub_ui + href)
    assert "normalizing flows" in paper.locator(".abstract").inner_text()
    paper.screenshot(path=str(ARTIFACTS / "paper_page.png"), full_page=True)
    paper.close()

    page.click("#clear")
    page.wait_for_function("() => document.querySelectorAll('#chat .mode').length == 0")
    page.close()


def test_refusal_is_styled(browser, stub_ui):
    page = browser.new_page()
    page.goto(stub_ui)
    page.wait_for_selector("#question textarea")
    _ask(page, "How does FlashAttention make exact attention faster on GPUs?", 1)
    assert "don't cover this" in page.locator("#chat .refusal").first.inner_text()
    page.close()


def test_hostile_abstract_renders_as_text_and_never_runs(browser, rag_home, tmp_path):
    import rag
    from rag.settings import load_settings

    f = tmp_path / "hostile.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in HOSTILE) + "\n")
    rag.ingest(str(f), collection="hostile", settings=load_settings(collection="hostile"))
    proc, url = _serve(rag_home, "hostile")
    try:
        page = browser.new_page()
        fired: list[str] = []
        page.on("dialog", lambda d: (fired.append(d.message), d.dismiss()))
        page.on("console", lambda m: fired.append(m.text) if "alert" in m.text else None)
        page.goto(url)
        page.wait_for_selector("#question textarea")
        _ask(page, "What do the hostile abstracts benchmark report about robustness?", 1)
        chat = page.locator("#chat").inner_text()
        assert "<script>alert('abstract')</script>" in page.locator("#chat .sources details").first.inner_text(
        ) or "<script>" in chat
        assert "<script>alert('title')</script>" in chat  # title shown literally
        assert page.locator("#chat script").count() == 0
        assert page.locator("#chat img[src='x']").count() == 0
        assert page.locator("#chat a[href^='javascript']").count() == 0
        href = page.locator("#chat a.src-link").first.get_attribute("href")
        paper = browser.new_page()
        paper.on("dialog", lambda d: (fired.append(d.message), d.dismiss()))
        paper.goto(url + href if href.startswith("/") else url + "/paper/" + rag.retrieve(
            "hostile", collection="hostile")[0].paper_id + "?c=hostile")
        assert "<img src=x onerror=alert('author')>" in paper.inner_text("body")
        assert paper.locator("script").count() == 0
        page.wait_for_timeout(500)
        assert fired == [], fired
        page.screenshot(path=str(ARTIFACTS / "hostile.png"), full_page=True)
    finally:
        _stop(proc)


def test_filter_chips_show_and_remove(browser, rag_home):
    import rag
    from rag.settings import load_settings

    from .conftest import DATA

    rag.ingest(str(DATA / "acl"), collection="aclfix", settings=load_settings(collection="aclfix"))
    proc, url = _serve(rag_home, "aclfix")
    try:
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(url)
        page.wait_for_selector("#question textarea")
        _ask(page, "EMNLP papers on question answering", 1)
        chip = page.locator("#chips label", has_text="venue: EMNLP")
        chip.wait_for(timeout=30000)
        metas = page.locator("#chat .src .meta").all_inner_texts()
        assert metas and all("EMNLP" in m for m in metas)
        assert "filters: venue=EMNLP" in page.locator("#chat .mode").last.inner_text()
        page.screenshot(path=str(ARTIFACTS / "filter_chips.png"), full_page=True)
        chip.click()  # untick: the question is asked again without the filter
        page.wait_for_function(
            "() => { const m = document.querySelectorAll('#chat .mode');"
            " return m.length === 1 && !m[0].innerText.includes('filters:'); }", timeout=60000)
        assert page.locator("#chat .answer").count() == 1
        page.close()
    finally:
        _stop(proc)


def test_weak_claims_are_marked():
    from rag.types import Answer, Claim, Source
    from ui.app import render_answer

    src = Source(n=1, paper_id="p1", title="T", authors=[], year=None, venue=None, url="/paper/p1",
                 abstract="A. B.", snippet="A.")
    ans = Answer(text="Strong claim [1]. Shaky claim [1].", sources=[src], refused=False, mode="llm", model="m",
                 claims=[Claim("Strong claim.", [1], 0.9), Claim("Shaky claim.", [1], 0.2)])
    html = render_answer(ans, 99)
    assert html.count('class="weak"') == 1 and "Shaky claim" in html.split('class="weak"')[1]
