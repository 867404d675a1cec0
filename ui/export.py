"""Per-answer export links: the cited sources as BibTeX or RIS, and the answer as Markdown.

Each rendered answer is kept (the last `KEEP` answers of this process) under a random token; its links
point at `/export/<token>.bib|.ris|.md`, which build the file from the public `Answer.to_bibtex()`,
`to_ris()` and `to_markdown()`. An unknown or expired token is a 404.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

KEEP = 2000
_answers: OrderedDict[str, object] = OrderedDict()
_lock = threading.Lock()
FORMATS = {
    "bib": ("to_bibtex", "application/x-bibtex; charset=utf-8", "citations.bib"),
    "ris": ("to_ris", "application/x-research-info-systems; charset=utf-8", "citations.ris"),
    "md": ("to_markdown", "text/markdown; charset=utf-8", "answer.md"),
}


def remember(answer) -> str:
    token = secrets.token_urlsafe(12)
    with _lock:
        _answers[token] = answer
        while len(_answers) > KEEP:
            _answers.popitem(last=False)
    return token


def export_text(token: str, fmt: str) -> tuple[str, str, str] | None:
    """(text, media type, file name) for an answer's export, or None when unknown."""
    with _lock:
        answer = _answers.get(token)
    if answer is None or fmt not in FORMATS:
        return None
    method, media, filename = FORMATS[fmt]
    return getattr(answer, method)(), media, filename


def export_links(answer) -> str:
    """The export line under an answer (empty for an answer that cites nothing)."""
    if answer.refused or not answer.citations:
        return ""
    token = remember(answer)
    n = len({c for c in answer.citations})
    base = f"/export/{token}"
    return (
        f'<div class="export">Export {n} cited source{"s" if n != 1 else ""}: '
        f'<a class="export-bib" href="{base}.bib" download="citations.bib">BibTeX</a> · '
        f'<a class="export-ris" href="{base}.ris" download="citations.ris">RIS</a> · '
        f'<a class="export-md" href="{base}.md" download="answer.md">Markdown</a> · '
        f'<a class="copy-md" href="{base}.md" title="copy the answer as Markdown">copy as Markdown</a></div>'
    )


# Clicking "copy as Markdown" copies the answer's Markdown instead of following the link.
COPY_JS = """
() => {
  document.addEventListener('click', async (e) => {
    const a = e.target.closest && e.target.closest('a.copy-md');
    if (!a) return;
    e.preventDefault();
    const text = await (await fetch(a.getAttribute('href'))).text();
    try { await navigator.clipboard.writeText(text); a.textContent = 'copied'; }
    catch (err) { window.open(a.getAttribute('href'), '_blank'); }
  });
}
"""


def add_routes(app) -> None:
    from fastapi.responses import PlainTextResponse, Response

    @app.get("/export/{name}")
    def export(name: str):
        token, _, fmt = name.rpartition(".")
        found = export_text(token, fmt)
        if found is None:
            return PlainTextResponse("No such export (answers are kept for a while only; ask again).",
                                     status_code=404)
        text, media, filename = found
        return Response(text, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                 "X-Content-Type-Options": "nosniff"})
