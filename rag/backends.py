"""The retrieval backends a collection can be served by (setting `retriever`, env RAG_RETRIEVER).

A leaf module (no rag imports at module level), so `rag.settings` can validate the name without
importing the retrieval package:

- "memory" (default): `rag.retrieval.hybrid.HybridRetriever`. The BM25 index (bm25s), the catalogue
  and the vector matrix are rebuilt from the store whenever its revision changes and held in memory
  per process. Exact dense search; fastest up to a few hundred thousand papers.
- "engine": `rag.retrieval.engine_backend.EngineRetriever`. The lexical leg and the catalogue are an
  incremental on-disk tantivy index written by the ingesting process and memory-mapped by readers;
  the dense leg is Chroma's own HNSW index (filters pushed into `collection.query`). Nothing is
  rebuilt per write and per-instance memory does not grow with the collection.
"""

from __future__ import annotations

RETRIEVERS: dict[str, tuple[str, str]] = {
    "memory": ("rag.retrieval.hybrid", "HybridRetriever"),
    "engine": ("rag.retrieval.engine_backend", "EngineRetriever"),
}


class UnknownRetrieverError(ValueError):
    """A retriever name that is not in the registry."""


def check_retriever(name: str) -> str:
    """The name, if known; otherwise an error listing the known ones."""
    if name not in RETRIEVERS:
        known = ", ".join(f"'{n}'" for n in RETRIEVERS)
        raise UnknownRetrieverError(f"unknown retriever {name!r}; known retrievers: {known}")
    return name


def retriever_class(name: str):
    """The retriever class registered under `name` (imported on first use)."""
    import importlib

    module, attr = RETRIEVERS[check_retriever(name)]
    return getattr(importlib.import_module(module), attr)
