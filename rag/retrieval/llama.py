"""LlamaIndex adapters: our embedder as a LlamaIndex embed model, and the hybrid as a BaseRetriever."""

from __future__ import annotations

from typing import Any

import numpy as np

from rag.retrieval.filtering import Filters
from rag.retrieval.hybrid import HybridRetriever


def _llama_embedding_cls():
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class LlamaEmbedding(BaseEmbedding):
        """Adapter: our Embedder as a LlamaIndex embed model (so nothing is downloaded)."""

        _embedder: Any = PrivateAttr()

        def __init__(self, embedder: Any, **kw: Any):
            super().__init__(model_name=getattr(embedder, "name", "embedder"), **kw)
            self._embedder = embedder

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed([query])[0].tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed(texts).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return LlamaEmbedding


def llama_embedding(embedder):
    return _llama_embedding_cls()(embedder)


def as_llama_retriever(retriever: HybridRetriever, k: int | None = None, filters: Filters | None = None):
    """The hybrid retriever as a LlamaIndex `BaseRetriever` (for LlamaIndex query engines and tools).

    Each result is a `NodeWithScore` whose node id is the paper id, text is title + abstract and
    metadata holds title, authors, year, venue and url; the score is the fused score.
    """
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

    class PaperRetriever(BaseRetriever):
        def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
            qvec = np.asarray(query_bundle.embedding, dtype=np.float32) if query_bundle.embedding else None
            out = []
            for h in retriever.search(query_bundle.query_str, k=k, filters=filters, qvec=qvec):
                p = h.paper
                meta = {"title": p.title or "", "authors": ", ".join(p.authors), "year": p.year,
                        "venue": p.venue or "", "url": p.url or ""}
                text = f"{p.title}. {p.abstract}" if p.title else p.abstract
                out.append(NodeWithScore(node=TextNode(id_=p.paper_id, text=text, metadata=meta), score=h.score))
            return out

    return PaperRetriever()
