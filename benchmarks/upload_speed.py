"""Upload through the chat UI vs `rag ingest`: the 5,183-abstract SciFact corpus, same machine, same run.

    nice python -m benchmarks.upload_speed            # writes benchmarks/results/upload_speed.json

1. `rag ingest corpus_train.csv --collection scifact` in a fresh RAG_HOME (a subprocess, timed end to end).
2. The UI (`python -m ui.app`) in another fresh RAG_HOME; Chromium (Playwright) drops the same file on
   the "Add papers" tab into a new collection. Timed: the file transfer (browser -> server), and from
   the click on "Upload and index" to the summary. While the upload runs, a second browser tab asks a
   question, to measure how usable the chat stays.
Both homes share the exported ONNX embedder cache, so neither pays the one-off export.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks.common import REPO, WORK, add_common_args, data_root, environment, write_json

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path, models: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    return {**env, "RAG_HOME": str(home), "RAG_MODEL_CACHE": str(models), "TOKENIZERS_PARALLELISM": "false"}


def run_cli(csv: Path, home: Path, models: Path) -> dict:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(csv), "--collection", "scifact"],
                         cwd=REPO, env=_env(home, models), capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t
    m = re.search(r"(\d+) added, (\d+) updated, (\d+) unchanged", out.stdout + out.stderr)
    return {"seconds": round(seconds, 2), "added": int(m.group(1)) if m else None,
            "output": (out.stdout + out.stderr).strip().splitlines()[-3:]}


def run_ui(csv: Path, home: Path, models: Path, question: str) -> dict:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    log = open(home / "ui.log", "w")
    t_start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "ui.app", "--port", str(port)], cwd=REPO,
                            env=_env(home, models), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:  # the first start ingests the bundled corpus (not part of the upload)
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - t_start > 600:
                    raise RuntimeError((home / "ui.log").read_text()) from None
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            page.goto(url)
            page.wait_for_selector("#question textarea")
            page.get_by_role("tab", name="Add papers").click()
            t = time.perf_counter()
            page.set_input_files("#upload-file input[type=file]", str(csv))
            page.wait_for_function("n => document.querySelector('#upload-file').innerText.includes(n)",
                                   arg=csv.stem, timeout=120000)
            transfer = time.perf_counter() - t
            page.fill("#upload-name input, #upload-name textarea", "scifact")
            t0 = time.perf_counter()
            page.click("#upload-go")
            # Meanwhile, in another tab: is the chat still answering?
            chat: dict = {}
            time.sleep(10)
            other = browser.new_page()
            other.goto(url)
            other.wait_for_selector("#question textarea")
            other.fill("#question textarea", question)
            tq = time.perf_counter()
            other.keyboard.press("Enter")
            try:
                other.wait_for_function("() => document.querySelectorAll('#chat .mode, #chat .refusal').length >= 1",
                                        timeout=300000)
                chat = {"seconds": round(time.perf_counter() - tq, 2),
                        "answered": other.locator("#chat .mode").count() >= 1}
            except Exception as exc:  # recorded, not fatal: the upload is what is measured
                chat = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            chat["upload_still_running"] = page.locator("#upload-result").count() == 0
            page.wait_for_selector("#upload-result", timeout=1800000)
            seconds = time.perf_counter() - t0
            summary = page.locator("#upload-result").inner_text()
            browser.close()
        m = re.search(r"([\d,]+) added", summary)
        return {"transfer_seconds": round(transfer, 2), "seconds": round(seconds, 2),
                "added": int(m.group(1).replace(",", "")) if m else None, "summary": summary.splitlines()[:3],
                "chat_during_upload": chat}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.upload_speed", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap)
    ap.add_argument("--question", default="Does vitamin D supplementation reduce the risk of fractures?",
                    help="asked in a second tab while the upload runs")
    a = ap.parse_args(argv)
    csv = data_root(a.data) / "scifact" / "corpus_train.csv"
    work = (a.work or WORK / "upload_speed").resolve()
    shutil.rmtree(work, ignore_errors=True)  # always fresh: both runs must start from an empty home
    models = WORK / "models"
    cli_home, ui_home = work / "cli", work / "ui"
    cli_home.mkdir(parents=True)
    ui_home.mkdir(parents=True)
    print(f"rag ingest {csv.name} …", flush=True)
    cli = run_cli(csv, cli_home, models)
    print(f"  {cli['seconds']} s, {cli['added']} added", flush=True)
    print("UI upload …", flush=True)
    ui = run_ui(csv, ui_home, models, a.question)
    print(f"  transfer {ui['transfer_seconds']} s, click to summary {ui['seconds']} s, {ui['added']} added; "
          f"chat meanwhile: {ui['chat_during_upload']}", flush=True)
    payload = {
        "file": str(csv.name), "bytes": csv.stat().st_size,
        "cli_ingest": cli, "ui_upload": ui,
        "ui_over_cli": round((ui["seconds"] + ui["transfer_seconds"]) / cli["seconds"], 3),
        "environment": environment(),
    }
    write_json("upload_speed", payload, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
