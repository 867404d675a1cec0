"""Retrieval: filters and masks, author/title matching, fusion, hybrid search and LlamaIndex adapters,
one concept per module. The names below are the package's public surface."""

from rag.retrieval.filtering import Filters
from rag.retrieval.hits import Hit, hit_to_source
from rag.retrieval.hybrid import HybridRetriever
from rag.retrieval.llama import as_llama_retriever
from rag.retrieval.names import AuthorIndex, TitleIndex
from rag.text import fold

__all__ = ["AuthorIndex", "Filters", "Hit", "HybridRetriever", "TitleIndex", "as_llama_retriever", "fold",
           "hit_to_source"]
