"""Paper QA: cited answers over scientific paper abstracts.

    >>> import rag
    >>> answer = rag.ask("Which papers build NeRFs from one or a few images?")
    >>> print(answer.text)            # every claim cited as [n]
    >>> answer.sources[0].title       # [1] is sources[0]

Heavy modules (torch, chromadb, llama-index) load on first use, so importing is instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rag.types import Answer, Claim, Paper, Source

if TYPE_CHECKING:
    from rag.index import IngestResult
    from rag.library import LibraryPage
    from rag.retrieval import Filters
    from rag.settings import Settings
    from rag.upload import UploadResult

__all__ = [
    "Answer",
    "Claim",
    "Filters",
    "Paper",
    "Settings",
    "Source",
    "ask",
    "corpora",
    "get_paper",
    "get_settings",
    "ingest",
    "ingest_upload",
    "list_papers",
    "load_settings",
    "retrieve",
]
__version__ = "0.1.0"


def ask(question: str, history: list[dict] | None = None, **overrides: Any) -> Answer:
    """Answer `question` from the indexed abstracts, citing each claim as [n].

    `history`: prior turns as `[{"role": "user"|"assistant", "content": str}, ...]`.
    `overrides`: `collection=`, `filters=`, `stream=` (a callable receiving text pieces), or any
    settings field (`top_k=5`, `llm_base_url=...`).
    """
    from rag.pipeline import ask as _ask

    return _ask(question, history, **overrides)


def retrieve(query: str, k: int = 10, collection: str | None = None, filters: Any = None, **overrides: Any) -> list[Source]:
    """The `k` best papers for `query` (hybrid dense + BM25), one `Source` per paper."""
    from rag.pipeline import retrieve as _retrieve

    return _retrieve(query, k=k, collection=collection, filters=filters, **overrides)


def ingest(path: str, format: str | None = None, collection: str | None = None, **kw: Any) -> IngestResult:
    """Load and upsert a corpus; returns counts of papers added, updated and unchanged."""
    from rag.index import ingest as _ingest

    return _ingest(path, format=format, collection=collection, **kw)


def ingest_upload(path: str, collection: str, new: bool = False, filename: str | None = None,
                  **kw: Any) -> UploadResult:
    """Ingest a file uploaded by a user (.bib/.ris/.json/.jsonl/.csv/ACL .xml or a .zip of them) after the
    upload checks (size, type, zip safety, per-collection cap); the same upsert as `ingest`."""
    from rag.upload import ingest_upload as _up

    return _up(path, collection, new=new, filename=filename, **kw)


def list_papers(collection: str | None = None, query: str = "", year_min: int | None = None,
                year_max: int | None = None, venue: str | None = None, page: int = 1,
                page_size: int = 25) -> LibraryPage:
    """One page of a collection's papers matching `query` (words in title/authors/venue), with counts by
    year and venue over all matches."""
    from rag.library import list_papers as _lp

    return _lp(collection, query=query, year_min=year_min, year_max=year_max, venue=venue, page=page,
               page_size=page_size)


def corpora() -> dict[str, int]:
    """Corpora indexed with the current settings, with their paper counts."""
    from rag.settings import get_settings as _gs
    from rag.store import list_corpora

    return list_corpora(_gs())


def get_paper(paper_id: str, collection: str | None = None) -> Paper | None:
    """One indexed paper by id (used by the UI's /paper/<id> page)."""
    from rag.pipeline import get_engine

    eng = get_engine(collection=collection)
    idx = eng.lexical.by_id.get(paper_id)
    return eng.lexical.papers[idx] if idx is not None else None


def get_settings() -> Settings:
    from rag.settings import get_settings as _gs

    return _gs()


def load_settings(config: str | None = None, **overrides: Any) -> Settings:
    from rag.settings import load_settings as _ls

    return _ls(config, **overrides)


def __getattr__(name: str) -> Any:
    if name == "Filters":
        from rag.retrieval import Filters

        return Filters
    if name == "Settings":
        from rag.settings import Settings

        return Settings
    raise AttributeError(name)
