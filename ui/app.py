"""Gradio chat UI: a thin layer over `rag.ask()`; never calls the retriever or LLM another way.

Everything that comes from an abstract (titles, authors, text) is HTML-escaped *and*
markdown-neutralised before it reaches the page, so it always shows as literal text.
"""

from __future__ import annotations

import html
import itertools
import queue
import re
import threading
import time
from typing import Any

CSS = """
.cite { font-weight: 600; text-decoration: none; padding: 0 1px; }
.sources { margin-top: .6em; border-top: 1px solid #ddd; padding-top: .4em; font-size: .92em; }
.src { margin: .35em 0; }
.src:target { background: #fff3bf; }
.src .meta { color: #666; }
.src mark { background: #fff3bf; }
.refusal { border-left: 4px solid #e8590c; background: #fff4e6; padding: .5em .8em; border-radius: 4px; }
.mode { color: #888; font-size: .82em; margin-top: .5em; }
.fallback { color: #c92a2a; }
.weak { text-decoration: underline dotted #e8590c; }
.export { color: #666; font-size: .85em; margin-top: .3em; }
"""

_MD = str.maketrans({c: f"&#{ord(c)};" for c in "[]()*_`#|~!\\{}+-<>&\"'$"})
_counter = itertools.count(1)


def esc(text: Any) -> str:
    """Literal text for HTML *and* markdown: no tag, link, emphasis or math can form."""
    return str(text).translate(_MD)


def _mark_weak(text: str, weak: set[str], turn: int) -> str:
    """Link citations; wrap sentences the claim check found weakly supported."""
    if not weak:
        return _link_citations(text, turn)
    from rag.text import split_sentences, strip_citations

    lines = []
    for line in text.split("\n"):
        prefix = "- " if line.startswith("- ") else ""
        parts = []
        for sent in split_sentences(line[len(prefix):]):
            html_sent = _link_citations(sent, turn)
            if strip_citations(sent).strip() in weak:
                html_sent = (f'<span class="weak" title="weakly supported by the cited abstract">{html_sent}'
                             "</span>")
            parts.append(html_sent)
        lines.append(esc(prefix) + " ".join(parts))
    return "<br>".join(lines)


def _link_citations(text: str, turn: int) -> str:
    """Escape the answer text, then turn [n] into links to source n of this answer."""
    out = []
    pos = 0
    for m in re.finditer(r"\[(\d+)\]", text):
        out.append(esc(text[pos : m.start()]))
        n = m.group(1)
        out.append(f'<a class="cite" href="#src-{turn}-{n}" title="source {n}">&#91;{n}&#93;</a>')
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def _highlight(abstract: str, snippet: str) -> str:
    if snippet and snippet in abstract:
        i = abstract.index(snippet)
        return esc(abstract[:i]) + "<mark>" + esc(snippet) + "</mark>" + esc(abstract[i + len(snippet) :])
    return esc(abstract)


def source_url(src) -> str:
    url = src.url or f"/paper/{src.paper_id}"
    if url.startswith("/paper/") and src.collection:
        url += f"?c={src.collection}"
    return url


def render_answer(ans, turn: int) -> str:
    """The assistant message: answer with linked citations, sources panel, mode line."""
    if ans.refused:
        body = f'<div class="refusal">{esc(ans.text)}</div>'
    else:
        from rag.cite import WEAK_SUPPORT

        weak = {c.sentence for c in ans.claims if c.support < WEAK_SUPPORT}
        body = f'<div class="answer">{_mark_weak(ans.text, weak, turn)}</div>'
    parts = [body]
    if ans.sources:
        items = []
        for s in ans.sources:
            meta = ", ".join(
                x for x in (
                    ", ".join(s.authors[:4]) + (" et al." if len(s.authors) > 4 else ""),
                    s.venue or "",
                    str(s.year or ""),
                ) if x
            )
            title = esc(s.title) if s.title else "<em>Untitled abstract</em>"
            items.append(
                f'<div class="src" id="src-{turn}-{s.n}"><b>&#91;{s.n}&#93;</b> '
                f'<a href="{html.escape(source_url(s), quote=True)}" target="_blank" rel="noopener noreferrer" '
                f'class="src-link">{title}</a>'
                + (f' <span class="meta">({esc(meta)})</span>' if meta else "")
                + f'<div class="snippet">“{esc(s.snippet)}”</div>'
                f"<details><summary>Full abstract</summary><p>{_highlight(s.abstract, s.snippet)}</p></details>"
                "</div>"
            )
        parts.append('<div class="sources"><b>Sources</b>' + "".join(items) + "</div>")
    if ans.fallback_reason:
        mode = f'<span class="fallback">LLM unavailable ({esc(ans.fallback_reason)}): offline extractive answer</span>'
    elif ans.mode == "llm":
        mode = f"Answered by LLM: {esc(ans.model)}"
    else:
        mode = "Offline extractive answer (sentences quoted from the abstracts)"
    if ans.filters:
        mode += " · filters: " + esc(", ".join(f"{k}={v}" for k, v in ans.filters.items()))
    parts.append(f'<div class="mode">{mode}</div>')
    from ui.export import export_links

    parts.append(export_links(ans))
    return "".join(parts)


def paper_page(paper, collection: str | None) -> str:
    title = esc(paper.title) if paper.title else "Untitled abstract"
    rows = []
    if paper.authors:
        rows.append(f"<p><b>Authors:</b> {esc(', '.join(paper.authors))}</p>")
    if paper.year or paper.venue:
        rows.append(f"<p><b>Published:</b> {esc(' '.join(str(x) for x in (paper.venue, paper.year) if x))}</p>")
    rows.append(f"<p><b>Source file:</b> {esc(paper.source)}</p>")
    if paper.url and not paper.url.startswith("/paper/"):
        rows.append(f'<p><a href="{html.escape(paper.url, quote=True)}" rel="noopener noreferrer">{esc(paper.url)}</a></p>')
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{html.escape(paper.title or 'Untitled abstract')}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;line-height:1.5;padding:0 1em}"
        "h1{font-size:1.4em}.abstract{white-space:pre-wrap}</style></head><body>"
        f"<h1>{title}</h1>{''.join(rows)}<h2>Abstract</h2><p class='abstract'>{esc(paper.abstract)}</p>"
        f"<p><small>paper id {esc(paper.paper_id)} · corpus {esc(collection or 'default')}</small></p>"
        "</body></html>"
    )


def example_questions(collection: str | None = None, n: int = 4) -> list[str]:
    """A few questions drawn from the corpus itself (stable across runs)."""
    from rag.pipeline import get_engine

    papers = get_engine(collection=collection).lexical.papers
    titled = sorted((p for p in papers if p.title), key=lambda p: p.paper_id)
    out = []
    for p in titled[:: max(1, len(titled) // 3)][:2]:
        name = p.title.split(":")[0] if ":" in p.title else p.title
        out.append(f"What does “{name}” propose?")
    with_authors = [p for p in titled if p.authors]
    if with_authors:
        out.append(f"What did {with_authors[len(with_authors) // 2].authors[0]} work on?")
    out.append("Which papers deal with uncertainty in neural networks?")
    return out[:n]


def respond(message: str, chat: list, history: list, collection: str | None, filters: dict | None = None,
            replace_last: bool = False):
    """Generator for the chat: streams the answer, then shows it with its sources.

    Yields (chat, history, textbox, chips update, last-question state)."""
    import gradio as gr

    from rag.pipeline import QuestionError, ask

    chat = list(chat or [])
    history = list(history or [])
    if replace_last and len(chat) >= 2 and len(history) >= 2:
        chat, history = chat[:-2], history[:-2]
    chat.append({"role": "user", "content": esc(message)})
    chat.append({"role": "assistant", "content": "…"})
    no_chips = gr.update(choices=[], value=[], visible=False)
    yield chat, history, "", no_chips, None
    pieces: queue.Queue = queue.Queue()
    result: dict[str, Any] = {}

    class Sink:
        """Streamed text pieces, plus (in LLM mode) the offline answer as soon as it is ready."""

        def __call__(self, piece: str) -> None:
            pieces.put(piece)

        def offline_ready(self, offline) -> None:
            pieces.put(("offline", offline))

    def work():
        try:
            result["answer"] = ask(message, history=history, collection=collection or None, stream=Sink(),
                                   filters=filters)
        except QuestionError as exc:
            result["error"] = str(exc)
        except Exception as exc:  # shown as a message, never as a traceback in the UI
            result["error"] = f"Something went wrong answering this ({type(exc).__name__}). Please try again."
        finally:
            pieces.put(None)

    threading.Thread(target=work, daemon=True).start()
    text, last = "", 0.0
    turn = next(_counter)
    shown = ""  # the offline answer, rendered, while the LLM works (LLM mode)
    while True:
        piece = pieces.get()
        if piece is None:
            break
        if isinstance(piece, tuple):  # the offline answer: shown at once, replaced if the LLM does better
            shown = render_answer(piece[1], turn)
            note = '<div class="llm-pending" style="opacity:.7;font-style:italic">Asking the LLM… ' \
                   "this offline answer stays unless a verified LLM answer replaces it.</div>"
            chat[-1] = {"role": "assistant", "content": shown + note}
            yield chat, history, "", no_chips, None
            continue
        text += piece
        if time.monotonic() - last > 0.05:  # throttle re-renders while streaming
            if shown:  # LLM tokens: an unverified draft, visibly apart from the (verified) answer above
                draft = ('<div class="llm-draft" style="opacity:.6;font-style:italic;border-left:3px dashed #999;'
                         'padding-left:8px;margin-top:6px"><b>Unverified LLM draft</b> (being written; every '
                         f"sentence is checked against the abstracts before it is shown as an answer)<br>{esc(text)} ▌</div>")
                chat[-1] = {"role": "assistant", "content": shown + draft}
            else:
                chat[-1] = {"role": "assistant", "content": esc(text) + " ▌"}
            last = time.monotonic()
            yield chat, history, "", no_chips, None
    if "error" in result:
        chat[-1] = {"role": "assistant", "content": f'<div class="refusal">{esc(result["error"])}</div>'}
        yield chat, history, "", no_chips, None
        return
    ans = result["answer"]
    content = render_answer(ans, turn)
    if ans.mode == "llm" and ans.claims:
        n = {k: sum(c.status == k for c in ans.claims) for k in ("kept", "recited", "dropped")}
        content += (f'<div class="verified">Verified against the abstracts: {n["kept"]} sentence(s) kept, '
                    f'{n["recited"]} re-cited, {n["dropped"]} dropped as unsupported.</div>')
    chat[-1] = {"role": "assistant", "content": content}
    history += [{"role": "user", "content": message}, ans.to_message()]
    from rag.filters import chips_for
    from rag.retrieval import Filters

    applied = Filters(**ans.filters) if ans.filters else Filters()
    chips = chips_for(applied)
    chips_update = gr.update(choices=chips, value=chips, visible=bool(chips))
    yield chat, history, "", chips_update, {"question": message, "filters": ans.filters,
                                            "search": ans.standalone_question or message}


def rerun_without(kept: list[str], last: dict | None, chat: list, history: list, collection: str | None):
    """A chip was removed: ask the last question again with the remaining filters."""
    from rag.filters import chips_for, without
    from rag.retrieval import Filters

    if not last or not last.get("filters"):
        yield chat, history, "", None, last
        return
    f = Filters(**last["filters"])
    for chip in chips_for(f):
        if chip not in kept:
            f = without(f, chip)
    remaining = {k: v for k, v in f.__dict__.items() if v is not None}
    # Without filters, ask the question with its filter phrases removed (as the pipeline read it).
    question = last.get("search") or last["question"] if not remaining else last["question"]
    yield from respond(question, chat, history, collection, filters=remaining or {}, replace_last=True)


def known_collection(name: Any) -> str | None:
    """The collection a request names, if it exists; None otherwise (a request never creates one)."""
    import rag
    from rag.settings import normalise_corpus_name

    if not isinstance(name, str):
        return None
    try:
        name = normalise_corpus_name(name)
    except ValueError:
        return None
    return name if name in rag.corpora() else None


def respond_checked(message: str, chat: list, history: list, collection: str | None, *args, **kwargs):
    """`respond`, after checking that the collection exists: an unknown one gets a clear message and
    creates nothing (the picker accepts any name, so the chat API does too)."""
    if collection and known_collection(collection) is None:
        import gradio as gr

        chat = [*(chat or []), {"role": "user", "content": esc(message)},
                {"role": "assistant", "content": f'<div class="refusal">No collection named {esc(collection)}. '
                 "Pick one from the corpus menu.</div>"}]
        yield chat, list(history or []), "", gr.update(choices=[], value=[], visible=False), None
        return
    yield from respond(message, chat, history, collection, *args, **kwargs)


def rerun_checked(kept: list[str], last: dict | None, chat: list, history: list, collection: str | None):
    if collection and known_collection(collection) is None:
        yield chat, history, "", None, last
        return
    yield from rerun_without(kept, last, chat, history, collection)


def build_app(collection: str | None = None):
    import gradio as gr

    import rag
    from ui.library import build_library

    settings = rag.get_settings()
    corpora = list(rag.corpora())
    default = collection or settings.collection
    with gr.Blocks(title="Paper QA") as demo:
        gr.Markdown("## Paper QA: cited answers from paper abstracts\nEvery claim is cited as [n]; "
                    "click a citation to jump to its source. Answers come only from the indexed abstracts.")
        with gr.Row():
            picker = gr.Dropdown(choices=corpora or [default], value=default, label="Corpus",
                                 visible=len(corpora) > 1, scale=1, elem_id="corpus", allow_custom_value=True)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
                chat = gr.Chatbot(label="Chat", height=560, sanitize_html=True, render_markdown=True,
                                  elem_id="chat", feedback_options=None, buttons=["copy"])
                state = gr.State([])
                last = gr.State(None)
                chips = gr.CheckboxGroup(choices=[], value=[], label="Filters from your question (untick to remove)",
                                         visible=False, elem_id="chips", interactive=True)
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask about the papers… (try “papers since 2020 on …” or "
                                     "“by <author>”)", show_label=False, scale=8, elem_id="question", submit_btn=True)
                    clear = gr.Button("Clear chat", scale=1, elem_id="clear")
                gr.Examples(example_questions(default), inputs=box, label="Example questions")
            with gr.Tab("Library", id="library-tab", elem_id="library-tab"):
                library = build_library(picker)
            if settings.uploads_enabled:
                with gr.Tab("Add papers", id="upload-tab", elem_id="upload-tab"):
                    from ui.upload import build_upload

                    build_upload(picker)
        box.submit(respond_checked, [box, chat, state, picker], [chat, state, box, chips, last], api_name="ask")
        chips.input(rerun_checked, [chips, last, chat, state, picker], [chat, state, box, chips, last],
                    api_name=False)

        def reset():
            return [], [], "", gr.update(choices=[], value=[], visible=False), None

        def refresh_corpora(current):
            names = list(rag.corpora())  # collections added since start-up (uploads, `rag ingest`)
            return gr.update(choices=names or [current], visible=len(names) > 1)

        clear.click(reset, None, [chat, state, box, chips, last])
        picker.change(reset, None, [chat, state, box, chips, last])
        demo.load(refresh_corpora, picker, picker, api_name=False, show_progress="hidden")
        demo.load(*library["load"], api_name=False, show_progress="hidden")
    return demo


def create_app(collection: str | None = None):
    """FastAPI app: the Gradio chat at / and a clean page per paper at /paper/<id>."""
    import rag

    settings = rag.get_settings()
    _uploads_under_home(settings)
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    from ui import export, library, upload

    app = FastAPI(title="Paper QA")
    export.add_routes(app)

    @app.get("/paper/{paper_id}", response_class=HTMLResponse)
    def paper(paper_id: str, c: str | None = None):
        if c is not None and known_collection(c) is None:  # never open (or create) an unknown collection
            return HTMLResponse("<!doctype html><h1>No such collection</h1>", status_code=404)
        names = [known_collection(c)] if c else [collection, *rag.corpora()]
        for name in names:
            try:
                found = rag.get_paper(paper_id, collection=name)
            except Exception:
                found = None
            if found is not None:
                return HTMLResponse(paper_page(found, name))
        return HTMLResponse("<!doctype html><h1>Paper not found</h1>", status_code=404)

    # Several chats are answered at once (ui_concurrency); Gradio's default runs one at a time.
    demo = build_app(collection).queue(default_concurrency_limit=rag.get_settings().ui_concurrency)
    return gr.mount_gradio_app(app, demo, path="/", css=CSS + library.CSS + upload.CSS,
                               js=_js(export.COPY_JS, library.ROW_JS), max_file_size=_max_upload(settings))


def _uploads_under_home(settings) -> None:
    """Gradio keeps uploaded files in GRADIO_TEMP_DIR: put it under RAG_HOME (before gradio is imported)."""
    import os

    os.environ.setdefault("GRADIO_TEMP_DIR", str((settings.home / "uploads" / "gradio").resolve()))


def _max_upload(settings) -> int:
    """Gradio refuses larger uploads before they reach the disk (1 byte when uploads are off)."""
    return int(settings.upload_max_mb * 1024 * 1024) + 1 if settings.uploads_enabled else 1


def _js(*functions: str) -> str:
    """One page-load script running each `() => {...}` snippet."""
    return "() => {" + "".join(f"({f.strip()})();" for f in functions) + "}"


def launch(host: str | None = None, port: int | None = None, share: bool = False, collection: str | None = None):
    import uvicorn

    import rag
    from rag.pipeline import get_engine

    settings = rag.get_settings()
    _uploads_under_home(settings)
    host = host or settings.ui_host
    port = port or settings.ui_port
    print("Loading the index (the bundled corpus is ingested on first use)…", flush=True)
    get_engine(collection=collection)
    if share:
        demo = build_app(collection).queue(default_concurrency_limit=settings.ui_concurrency)
        demo.launch(server_name=host, server_port=port, share=True, css=CSS)
        return
    print(f"Paper QA chat on http://{host}:{port}", flush=True)
    uvicorn.run(create_app(collection), host=host, port=port, log_level="warning")


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Paper QA chat UI")
    ap.add_argument("--host")
    ap.add_argument("--port", type=int)
    ap.add_argument("--collection")
    ap.add_argument("--share", action="store_true")
    a = ap.parse_args()
    launch(a.host, a.port, a.share, a.collection)
