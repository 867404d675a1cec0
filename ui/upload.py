"""The "Add papers" tab: upload a bibliography file (or a .zip of them) into a new or the current collection.

The work is `rag.ingest_upload` (checks, then the same upsert as `rag ingest`); this module shows its
progress (Gradio tracks the ingest's tqdm bar) and a summary of what was added, updated, unchanged and
skipped, with the reasons. It runs as its own event, one upload at a time, so chats go on meanwhile.
"""

from __future__ import annotations

import os
from pathlib import Path

NEW = "New collection"
CURRENT = "Add to the current collection"

CSS = """
.upload-ok { border-left: 4px solid #2f9e44; background: #ebfbee; padding: .5em .8em; border-radius: 4px; }
.upload-error { border-left: 4px solid #e03131; background: #fff5f5; padding: .5em .8em; border-radius: 4px; }
.upload-ok ul, .upload-error ul { margin: .3em 0 0 1.2em; }
"""


def _e(text) -> str:
    from ui.app import esc

    return esc(text)


def summary_html(res) -> str:
    counts = (f"<b>{res.added:,} added</b>, {res.updated:,} updated, {res.unchanged:,} unchanged, "
              f"{res.skipped:,} skipped")
    parts = [f'<div class="upload-ok" id="upload-result"><div class="upload-counts">{counts}</div>'
             f"<div>Collection <b>{_e(res.collection)}</b>{' (new)' if res.new_collection else ''}: "
             f"{res.total:,} papers from {_e(', '.join(res.files))} in {res.seconds:.1f} s.</div>"]
    reasons = res.reasons()
    if reasons:
        parts.append("<div>Skipped:</div><ul>" + "".join(f"<li>{_e(r)}</li>" for r in reasons[:10]) + "</ul>")
    if res.ignored:
        parts.append("<div>Not indexed:</div><ul>" + "".join(f"<li>{_e(r)}</li>" for r in res.ignored[:10])
                     + "</ul>")
    return "".join(parts) + "</div>"


def error_html(message: str) -> str:
    return f'<div class="upload-error" id="upload-result"><b>Upload refused.</b> {_e(message)}</div>'


def run_upload(file, mode: str, name: str, current: str, progress=None):
    """Event handler: returns (summary html, corpus picker update)."""
    import gradio as gr

    import rag
    from rag.errors import USER_ERRORS

    if file is None:
        limit = rag.get_settings().upload_max_mb
        return error_html(f"choose a file first (.bib, .ris, .json, .jsonl, .csv, ACL .xml or a .zip of them, up "
                          f"to {limit:g} MB)"), gr.update()
    path = Path(file if isinstance(file, str) else getattr(file, "name", file))
    new = mode != CURRENT
    target = (name or "").strip() if new else current
    if new and not target:
        return error_html("name the new collection"), gr.update()

    def step(text: str) -> None:
        if progress is not None:
            progress(0.05, desc=text)

    try:
        step(f"checking {path.name}")
        res = rag.ingest_upload(str(path), target, new=new, filename=path.name, on_step=step, progress=True)
    except USER_ERRORS as exc:  # refused uploads, unreadable files, a running ingest: said plainly
        return error_html(str(exc)), gr.update()
    except Exception as exc:  # a message, never a traceback
        return error_html(f"something went wrong while indexing ({type(exc).__name__}); try again"), gr.update()
    finally:
        try:  # Gradio's copy of the upload (under RAG_HOME) and its folder are not needed any more
            os.remove(path)
            os.rmdir(path.parent)
        except OSError:
            pass
    corpora = list(rag.corpora())
    return summary_html(res), gr.update(choices=corpora, value=res.collection, visible=True)


def build_upload(picker) -> None:
    import gradio as gr

    from rag.upload import UPLOAD_TYPES

    gr.Markdown("Add your own papers: a Zotero, Mendeley or JabRef export (.bib, .ris), OpenAlex/arXiv .json, "
                ".jsonl or .csv (columns title, authors, year, venue, abstract, url), ACL Anthology .xml, or a "
                ".zip of them. Uploading the same file again adds nothing; the chat stays usable meanwhile.")
    file = gr.File(label="Drop a file here", file_types=list(UPLOAD_TYPES), file_count="single", type="filepath",
                   elem_id="upload-file")
    with gr.Row():
        mode = gr.Radio([NEW, CURRENT], value=NEW, label="Into", elem_id="upload-mode", scale=2)
        name = gr.Textbox(label="New collection name", placeholder="e.g. my-zotero", elem_id="upload-name", scale=2)
    go = gr.Button("Upload and index", variant="primary", elem_id="upload-go")
    summary = gr.HTML(elem_id="upload-summary")

    def handler(file, mode, name, current, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (Gradio idiom)
        return run_upload(file, mode, name, current, progress)

    go.click(handler, [file, mode, name, picker], [summary, picker], api_name=False, concurrency_limit=1,
             concurrency_id="upload")
