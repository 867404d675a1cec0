"""The chat UI in a real browser (Debian chromium via Playwright): answers, citations, links,
/paper pages, follow-ups, and hostile abstract text that must show as text and never run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .conftest import DATA, REPO, free_port, stop_process

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


def _serve(rag_home: Path, collection: str, **extra_env: str):
    port = free_port()
    env = {**os.environ, "RAG_HOME": str(rag_home), "RAG_COLLECTION": collection, **extra_env}
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
    stop_process(proc, 5)


def _ask(page, question: str, n_answers: int):
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .mode').length >= n", arg=n_answers, timeout=120000)


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
        # The abstract sits in a closed <details>: its text (hidden or not) must hold the payload literally.
        abstracts = " ".join(d.text_content() for d in page.locator("#chat .sources details").all())
        assert "<script>alert('abstract')</script>" in abstracts
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

        # An uploaded .bib whose title, authors, venue and abstract carry payloads: the summary, the answer,
        # its sources, the library table and the paper page all show them as text.
        summary = _upload(page, DATA / "upload" / "hostile.bib", into_current=True)
        assert "1 added" in summary, summary
        page.get_by_role("tab", name="Chat").click()
        _ask(page, "permafrost thaw lakes methane", 2)
        answer = page.locator("#chat .sources").last
        assert "<script>alert('bibtitle')</script>" in answer.inner_text()
        assert "Eve <img src=x onerror=alert('bibauthor')>" in answer.inner_text()
        assert "<script>alert('bibabstract')</script>" in " ".join(
            d.text_content() for d in answer.locator("details").all())
        page.get_by_role("tab", name="Library").click()
        _library_search(page, "permafrost", "Thaw Lakes")
        row = page.locator("#library tr.lib-row").first.inner_text()
        assert "<script>alert('bibtitle')</script>" in row and "<b onmouseover=alert('venue')>Venue</b>" in row
        for scope in ("#chat", "#library", "#upload-summary"):
            assert page.locator(f"{scope} script").count() == 0
            assert page.locator(f"{scope} img[src='x']").count() == 0
            assert page.locator(f"{scope} [onmouseover], {scope} [onerror]").count() == 0
        assert page.locator("#chat a[href^='javascript']").count() == 0
        paper.goto(url + page.locator("#library a.lib-title").first.get_attribute("href"))
        assert "<script>alert('bibabstract')</script>" in paper.inner_text(".abstract")
        assert paper.locator("script").count() == 0
        page.wait_for_timeout(500)
        assert fired == [], fired
        page.screenshot(path=str(ARTIFACTS / "hostile.png"), full_page=True)
    finally:
        stop_process(proc, 5)


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
        stop_process(proc, 5)


def test_weak_claims_are_marked():
    from rag.types import Answer, Claim, Source
    from ui.app import render_answer

    src = Source(n=1, paper_id="p1", title="T", authors=[], year=None, venue=None, url="/paper/p1",
                 abstract="A. B.", snippet="A.")
    ans = Answer(text="Strong claim [1]. Shaky claim [1].", sources=[src], refused=False, mode="llm", model="m",
                 claims=[Claim("Strong claim.", [1], 0.9), Claim("Shaky claim.", [1], 0.2)])
    html = render_answer(ans, 99)
    assert html.count('class="weak"') == 1 and "Shaky claim" in html.split('class="weak"')[1]



def _state_dirs(home: Path) -> list[str]:
    """Every per-collection folder under RAG_HOME (BM25, sentences, ...): a new collection would add some."""
    return sorted(str(p.relative_to(home)) for p in home.glob("*/*")
                  if p.is_dir() and p.parts[len(home.parts)] not in ("uploads", "models", "locks"))


# --- the researcher's workflow (#14): upload, cite, export, re-import, browse -------------------------


def _upload(page, path: Path, into_current: bool = False, name: str | None = None,
            progress: list | None = None) -> str:
    """Upload `path` on the "Add papers" tab; returns the summary text. `progress` collects what the
    summary area showed while the upload ran (Gradio's status tracker and progress bar)."""
    page.get_by_role("tab", name="Add papers").click()
    page.set_input_files("#upload-file input[type=file]", str(path))
    page.wait_for_function("n => document.querySelector('#upload-file').innerText.includes(n)", arg=path.stem,
                           timeout=30000)  # Gradio shows the name and the extension apart
    page.locator("#upload-mode label", has_text="current" if into_current else "New collection").click()
    if name:
        page.fill("#upload-name input, #upload-name textarea", name)
    before = page.locator("#upload-result").count() and page.locator("#upload-result").inner_text()
    page.click("#upload-go")
    deadline = time.time() + 120
    while time.time() < deadline:
        html = page.locator("#upload-summary").inner_html()
        if progress is not None and "progress" in html:
            progress.append(html)
        result = page.locator("#upload-result")
        if result.count() and "progress-text" not in html and result.inner_text() != before:
            return result.inner_text()
        page.wait_for_timeout(50)
    raise AssertionError("no upload summary within 120 s")


def _library_search(page, query: str, expect: str) -> None:
    """Type `query` in the library search and wait for a one-row result holding `expect`."""
    page.fill("#lib-search input, #lib-search textarea", query)
    page.wait_for_function(
        "e => { const rows = document.querySelectorAll('#library tr.lib-row');"
        " return rows.length === 1 && rows[0].innerText.includes(e); }", arg=expect, timeout=30000)


def _clear_file(page):
    page.get_by_role("tab", name="Add papers").click()
    clear = page.locator("#upload-file button[aria-label='Clear']")
    if clear.count():
        clear.first.click()


def test_upload_ask_export_reupload_and_browse(browser, stub_ui, tmp_path, rag_home):
    import uuid

    name = f"melt-{uuid.uuid4().hex[:6]}"
    page = browser.new_page(viewport={"width": 1200, "height": 1000}, accept_downloads=True)
    page.goto(stub_ui)
    page.wait_for_selector("#question textarea")
    seen: list[str] = []
    summary = _upload(page, DATA / "upload" / "meltwater.bib", name=name, progress=seen)
    # Gradio's progress bar over the summary, labelled with the step ("indexing meltwater.bib (1/1)", then the
    # ingest's own bar "ingest <collection> 0/3 paper").
    assert any("progress-level" in h and ("meltwater.bib" in h or f"ingest {name}" in h) for h in seen), \
        "no progress shown while indexing"
    assert "3 added, 0 updated, 0 unchanged, 1 skipped" in summary, summary
    assert "1 entry: no abstract" in summary
    page.screenshot(path=str(ARTIFACTS / "upload.png"), full_page=True)
    assert page.locator("#corpus input").input_value() == name  # the picker shows (and selects) it

    # A question only that file answers, cited.
    page.get_by_role("tab", name="Chat").click()
    _ask(page, "tardigrades in Antarctic meltwater ponds", 1)
    assert "Cryptobiosis of Tardigrades" in page.locator("#chat .src a.src-link").first.inner_text()
    assert page.locator("#chat a.cite").first.inner_text() == "[1]"

    # Download the BibTeX of what it cites.
    with page.expect_download() as dl:
        page.locator("#chat .export a.export-bib").last.click()
    bib = tmp_path / "citations.bib"
    dl.value.save_as(bib)
    text = bib.read_text()
    assert text.count("@") >= 1 and "Cryptobiosis of Tardigrades" in text and "doi = {10.5555/polar.2021.0142}" in text
    assert "abstract = {Tardigrades collected" in text
    # The answer as Markdown: downloadable, and copied to the clipboard by "copy as Markdown".
    md_href = page.locator("#chat .export a.export-md").last.get_attribute("href")
    md = urllib.request.urlopen(stub_ui + md_href, timeout=30).read().decode()
    assert "[1]" in md.split("## References")[0] and "\n## References\n\n[1] Agnieszka Kowalczyk" in md
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stub_ui)
    page.locator("#chat .export a.copy-md").last.click()
    page.wait_for_function("() => document.querySelector('#chat .export a.copy-md').innerText === 'copied'",
                           timeout=15000)
    assert page.evaluate("() => navigator.clipboard.readText()") == md

    # Re-upload it into the collection it came from: nothing added.
    _clear_file(page)
    again = _upload(page, bib, into_current=True)
    assert again.startswith("0 added, 0 updated,") and "unchanged" in again, again

    # Find a paper in the library by a word of its title, and open its page from the row.
    page.get_by_role("tab", name="Library").click()
    _library_search(page, "regrowth", "Ancient Moss")
    assert "Ancient Moss Regrowth beneath Retreating Ice Shelves" in page.locator("#library tr.lib-row").inner_text()
    assert "1–1 of 1 matching" in page.locator("#lib-info").inner_text()
    with page.context.expect_page() as opened:
        page.locator("#library tr.lib-row td.lib-authors").click()  # the row, not its link
    paper = opened.value
    paper.wait_for_load_state()
    assert "/paper/" in paper.url and "regrew in laboratory culture" in paper.inner_text(".abstract")
    paper.close()
    page.screenshot(path=str(ARTIFACTS / "library.png"), full_page=True)
    page.close()
    # Gradio's copies of the uploads went under RAG_HOME (not /tmp/gradio) and were removed after indexing.
    gradio_dir = rag_home / "uploads" / "gradio"
    assert gradio_dir.is_dir() and not [f for f in gradio_dir.rglob("*") if f.suffix == ".bib"]


def test_bad_uploads_say_why(browser, stub_settings, rag_home, tmp_path):
    # (stub_settings: the stub corpus is in 'stub' before the server opens it; a server started on an empty 'stub'
    # would index the bundled corpus into it, and the tests reading 'stub' after it would see 220 papers)
    import io
    import zipfile

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.bib").write_bytes(b"")
    (bad / "binary.bib").write_bytes(bytes(range(256)) * 4)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../evil.bib", (DATA / "upload" / "meltwater.bib").read_text())
    (bad / "escape.zip").write_bytes(buf.getvalue())
    (bad / "big.bib").write_bytes((DATA / "upload" / "meltwater.bib").read_bytes() * 2)  # about 4.4 KB
    proc, url = _serve(rag_home, "stub", RAG_UPLOAD_MAX_MB="0.003")  # about 3 KB
    try:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(url)
        page.wait_for_selector("#question textarea")
        expected = {
            "empty.bib": "empty.bib is empty",
            "binary.bib": "binary.bib: looks like a binary file, not text",
            "escape.zip": "escape.zip: refused, the entry '../../evil.bib' points outside the archive",
        }
        for i, (fname, message) in enumerate(expected.items()):
            _clear_file(page)
            summary = _upload(page, bad / fname, name=f"bad-{i}")
            assert summary.startswith("Upload refused.") and message in summary, summary
        _clear_file(page)
        page.set_input_files("#upload-file input[type=file]", str(bad / "big.bib"))
        toast = page.locator(".toast-body", has_text="exceed the maximum allowed size")
        toast.first.wait_for(timeout=15000)
        assert "big.bib" in toast.first.inner_text()
        import rag

        assert not {"bad-0", "bad-1", "bad-2"} & set(rag.corpora())
        assert not (tmp_path / "evil.bib").exists() and not (REPO / "evil.bib").exists()
        page.screenshot(path=str(ARTIFACTS / "bad_upload.png"), full_page=True)
        page.close()
    finally:
        stop_process(proc, 5)


def test_unknown_collection_is_404_or_a_clear_error_and_creates_nothing(stub_ui, rag_home):
    """#12: `/paper/<id>?c=<unknown>` and the chat API's collection argument never create a collection."""
    import html
    import urllib.error

    from gradio_client import Client

    import rag

    before = (set(rag.corpora()), _state_dirs(rag_home))
    for name in ("nope-zz1", "../etc", "<script>"):
        url = f"{stub_ui}/paper/x?c={urllib.parse.quote(name)}"
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url, timeout=30)
        assert err.value.code == 404
    client = Client(stub_ui, verbose=False)
    chat, *_ = client.predict("what is a neural network?", [], "nope-zz2", api_name="/ask")
    assert "No collection named nope-zz2" in html.unescape(json.dumps(chat))
    assert (set(rag.corpora()), _state_dirs(rag_home)) == before
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{stub_ui}/export/not-a-token.bib", timeout=30)
    assert err.value.code == 404


def test_uploads_switched_off_hide_the_tab_and_refuse_files(stub_settings, monkeypatch):
    from rag.settings import get_settings
    from ui.app import _max_upload, build_app

    monkeypatch.setenv("RAG_UPLOADS_ENABLED", "false")  # get_settings() is cached per environment
    settings = get_settings()
    assert settings.uploads_enabled is False and _max_upload(settings) == 1
    ids = {getattr(b, "elem_id", None) for b in build_app("stub").blocks.values()}
    assert "upload-file" not in ids and "library" in ids
    monkeypatch.delenv("RAG_UPLOADS_ENABLED")
    ids = {getattr(b, "elem_id", None) for b in build_app("stub").blocks.values()}
    assert "upload-file" in ids
