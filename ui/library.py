"""The Library tab: a searchable, filterable, paged table of the current collection's papers.

Paging, search and counts run on the server (`rag.list_papers`); the browser only ever receives one
page. Every value from the collection is escaped. A row opens the paper's `/paper/<id>` page.
"""

from __future__ import annotations

import html
from urllib.parse import quote

PAGE_SIZE = 25
ALL_VENUES = "All venues"
TOP_VENUES = 12

CSS = """
#library table { width: 100%; border-collapse: collapse; font-size: .92em; }
#library th { text-align: left; border-bottom: 2px solid #ccc; padding: .3em .4em; }
#library td { border-bottom: 1px solid #eee; padding: .3em .4em; vertical-align: top; }
#library tr.lib-row { cursor: pointer; }
#library tr.lib-row:hover { background: #f1f3f5; }
#library .lib-authors { color: #555; }
.lib-counts { display: flex; gap: 2em; flex-wrap: wrap; font-size: .88em; }
.lib-counts .bar { display: inline-block; height: .7em; background: #74c0fc; margin-right: .4em; }
.lib-counts td { padding: 0 .4em; }
"""

# Clicking anywhere in a row opens its paper page (links inside the row keep their own target).
ROW_JS = """
() => {
  document.addEventListener('click', (e) => {
    if (!e.target.closest || e.target.closest('a')) return;
    const row = e.target.closest('#library tr.lib-row');
    if (row && row.dataset.href) window.open(row.dataset.href, '_blank', 'noopener');
  });
}
"""


def _e(text) -> str:
    from ui.app import esc

    return esc(text)


def paper_href(paper_id: str, collection: str) -> str:
    return f"/paper/{quote(paper_id, safe='')}?c={quote(collection, safe='')}"


def render_table(page) -> str:
    if not page.papers:
        return '<div id="library-empty">No papers match.</div>'
    rows = []
    for p in page.papers:
        href = html.escape(paper_href(p.paper_id, page.collection), quote=True)
        authors = ", ".join(p.authors[:3]) + (" et al." if len(p.authors) > 3 else "")
        title = _e(p.title) if p.title else "<em>Untitled abstract</em>"
        link = ""
        if p.url and p.url.startswith(("http://", "https://")):
            link = (f'<a href="{html.escape(p.url, quote=True)}" target="_blank" rel="noopener noreferrer">'
                    "link</a>")
        rows.append(
            f'<tr class="lib-row" data-href="{href}"><td><a class="lib-title" href="{href}" target="_blank" '
            f'rel="noopener">{title}</a></td><td class="lib-authors">{_e(authors)}</td>'
            f"<td>{_e(p.year or '')}</td><td>{_e(p.venue or '')}</td><td>{link}</td></tr>"
        )
    return ("<table><thead><tr><th>Title</th><th>Authors</th><th>Year</th><th>Venue</th><th>Link</th></tr>"
            "</thead><tbody>" + "".join(rows) + "</tbody></table>")


def _short(text, n: int = 60) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def render_counts(page) -> str:
    def table(title: str, counts: dict, limit: int | None = None) -> str:
        items = list(counts.items())
        more = len(items) - limit if limit and len(items) > limit else 0
        items = items[:limit] if limit else items
        top = max((n for _, n in items), default=1)
        rows = "".join(
            f'<tr><td title="{html.escape(str(k), quote=True)}">{_e(_short(k))}</td><td><span class="bar" style="width:{max(2, round(80 * n / top))}px"></span>'
            f"{n:,}</td></tr>" for k, n in items
        )
        extra = f"<div>… and {more:,} more</div>" if more else ""
        return f"<div><b>{title}</b><table>{rows or '<tr><td>none</td></tr>'}</table>{extra}</div>"

    return ('<div class="lib-counts" id="lib-counts">' + table("By year", page.by_year, 30)
            + table("By venue", page.by_venue, TOP_VENUES) + "</div>")


def render(collection: str, query: str, venue: str | None, year_from, year_to, page_no: int):
    """(table html, page line, counts html, venue menu update, page number) for one library page."""
    import gradio as gr

    import rag

    try:
        page = rag.list_papers(collection, query=query or "", venue=None if venue in (None, "", ALL_VENUES) else venue,
                               year_min=(year_from or "").strip() or None, year_max=(year_to or "").strip() or None,
                               page=page_no, page_size=PAGE_SIZE)
    except (ValueError, OverflowError) as exc:  # CorpusError is a ValueError: unknown collection, bad year
        return f'<div class="refusal">{_e(exc)}</div>', "", "", gr.update(), 1
    first = (page.page - 1) * page.page_size + 1 if page.total else 0
    last = min(page.page * page.page_size, page.total)
    info = (f"Papers {first:,}–{last:,} of {page.total:,} matching ({page.collection_size:,} in "
            f"{_e(page.collection)}) · page {page.page} of {page.pages} · {page.seconds * 1000:.0f} ms")
    venues = gr.update(choices=[ALL_VENUES, *page.venues], value=venue if venue in page.venues else ALL_VENUES)
    return render_table(page), info, render_counts(page), venues, page.page


def build_library(picker) -> dict:
    """The Library tab's components and events; returns the components so the app can refresh them."""
    import gradio as gr

    with gr.Row():
        query = gr.Textbox(label="Search titles, authors, venues", placeholder="e.g. dialogue 2019 or a surname",
                           scale=4, elem_id="lib-search")
        venue = gr.Dropdown(choices=[ALL_VENUES], value=ALL_VENUES, label="Venue", scale=2, elem_id="lib-venue",
                            allow_custom_value=False)
        year_from = gr.Textbox(label="From year", placeholder="any", scale=1, elem_id="lib-from")
        year_to = gr.Textbox(label="To year", placeholder="any", scale=1, elem_id="lib-to")
    info = gr.Markdown(elem_id="lib-info")
    table = gr.HTML(elem_id="library")
    with gr.Row():
        prev = gr.Button("◀ Previous", elem_id="lib-prev", size="sm")
        nxt = gr.Button("Next ▶", elem_id="lib-next", size="sm")
    counts = gr.HTML(elem_id="lib-counts-box")
    page = gr.State(1)
    outputs = [table, info, counts, venue, page]
    inputs = [picker, query, venue, year_from, year_to]

    def first(c, q, v, y0, y1):
        return render(c, q, v, y0, y1, 1)

    def step(delta):
        def go(c, q, v, y0, y1, p):
            return render(c, q, v, y0, y1, (p or 1) + delta)
        return go

    query.submit(first, inputs, outputs, api_name=False)
    query.change(first, inputs, outputs, api_name=False, trigger_mode="always_last", show_progress="hidden")
    for comp in (venue, year_from, year_to):  # .change: Gradio 6 does not fire .input for a typed fill
        comp.change(first, inputs, outputs, api_name=False, trigger_mode="always_last", show_progress="hidden")
    picker.change(first, inputs, outputs, api_name=False, show_progress="hidden")
    prev.click(step(-1), [*inputs, page], outputs, api_name=False, show_progress="hidden")
    nxt.click(step(1), [*inputs, page], outputs, api_name=False, show_progress="hidden")
    return {"load": (first, inputs, outputs)}
