"""The Chroma store: the only module that talks to Chroma.

Embedded (`PersistentClient` under RAG_HOME) or server (`HttpClient`). One collection per corpus,
named `<corpus>__<settings fingerprint>`, so an index built with other embedding or chunking
settings is never reused. Writes are batched upserts keyed on `paper_id`; the collection's
metadata carries a `revision` that changes on every write, so BM25 caches know when to rebuild.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.corpus.common import CorpusError
from rag.settings import Settings, normalise_corpus_name
from rag.types import Paper

log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    pass


class UnknownCorpusError(CorpusError):
    """A query named a corpus that was never ingested (only an explicit ingest creates one)."""


class IndexMismatchError(StoreError):
    """The collection was built with embedding/chunking settings other than the current ones."""


@dataclass
class StoredPaper:
    paper: Paper
    content_hash: str


def content_hash(paper: Paper) -> str:
    import hashlib

    payload = json.dumps(
        [paper.title, paper.authors, paper.year, paper.venue, paper.url, paper.abstract, paper.doi,
         paper.arxiv_id, paper.extra_urls],
        ensure_ascii=False,
    )
    return hashlib.sha1(payload.encode()).hexdigest()[:16]


def embed_text(paper: Paper) -> str:
    """What the dense index sees: the title (when real) prepended to the abstract."""
    return f"{paper.title}. {paper.abstract}" if paper.title else paper.abstract


def paper_to_metadata(paper: Paper) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "paper_id": paper.paper_id,
        "title": paper.title or "",
        "authors": json.dumps(paper.authors, ensure_ascii=False),
        "venue": paper.venue or "",
        "url": paper.url or "",
        "source": paper.source,
        "source_key": paper.source.split(";")[0].strip(),
        "doi": paper.doi or "",
        "arxiv_id": paper.arxiv_id or "",
        "extra_urls": json.dumps(paper.extra_urls),
        "abstract": paper.abstract,
        "content_hash": content_hash(paper),
    }
    if paper.year is not None:
        meta["year"] = int(paper.year)
    return meta


def metadata_to_paper(meta: dict[str, Any]) -> Paper:
    return Paper(
        paper_id=meta["paper_id"],
        abstract=meta.get("abstract", ""),
        title=meta.get("title") or None,
        authors=json.loads(meta.get("authors") or "[]"),
        year=meta.get("year"),
        venue=meta.get("venue") or None,
        url=meta.get("url") or None,
        source=meta.get("source", ""),
        doi=meta.get("doi") or None,
        arxiv_id=meta.get("arxiv_id") or None,
        extra_urls=json.loads(meta.get("extra_urls") or "[]"),
    )


_clients: dict[tuple, Any] = {}
_clients_lock = threading.Lock()


def get_client(settings: Settings):
    """One Chroma client per location per process (Chroma dislikes several on one path). A cache hit
    costs a dict lookup: Chroma's own Settings object (pydantic-settings, ~2 ms) is only built for a new
    client."""
    if settings.store == "chroma-server":
        key = ("http", settings.chroma_host, settings.chroma_port)
    else:
        key = ("path", str(settings.home / "chroma"))
    client = _clients.get(key)
    if client is not None:
        return client
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    with _clients_lock:
        if key not in _clients:
            if settings.store == "chroma-server":
                try:
                    _clients[key] = chromadb.HttpClient(
                        host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
                    )
                except Exception as exc:
                    raise StoreError(
                        f"cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
                        f"({type(exc).__name__}). Start one with: chroma run --path <dir> --port "
                        f"{settings.chroma_port}"
                    ) from None
            else:
                path = settings.home / "chroma"
                try:
                    path.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(f"cannot create the data home {path}: {exc.strerror}") from None
                _clients[key] = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        return _clients[key]


class Store:
    """One corpus's collection, plus the metadata that identifies how it was built."""

    def __init__(self, settings: Settings, corpus: str | None = None, create: bool = False):
        """Open a corpus's collection. Only ingest passes `create=True`; every read path opens an existing
        collection and raises UnknownCorpusError otherwise, so a request never creates state."""
        self.settings = settings
        self.corpus = normalise_corpus_name(corpus or settings.collection)
        self.name = settings.collection_name(self.corpus)
        self.client = get_client(settings)
        ident = {
            "corpus": self.corpus,
            "fingerprint": settings.index_fingerprint(),
            "embedder": settings.embedder,
            "embed_model": settings.embed_model,
            "chunking": settings.chunking,
        }
        if create:
            self.collection = self.client.get_or_create_collection(
                self.name,
                embedding_function=None,
                metadata={**ident, "revision": "0"},
                configuration={"hnsw": {"space": "cosine", "ef_search": 100}},
            )
        else:
            from chromadb.errors import NotFoundError

            try:
                self.collection = self.client.get_collection(self.name, embedding_function=None)
            except NotFoundError:
                raise UnknownCorpusError(unknown_corpus_message(settings, self.corpus)) from None
            except Exception as exc:
                raise StoreError(f"cannot open corpus {self.corpus!r} ({type(exc).__name__}: {exc})") from None
        meta = self.collection.metadata or {}
        for k, v in ident.items():
            if str(meta.get(k)) != str(v):
                raise IndexMismatchError(
                    f"collection {self.name} was built with {k}={meta.get(k)!r}, but settings say {v!r}; "
                    "re-ingest into a fresh collection"
                )

    # --- reads --------------------------------------------------------------------------------
    def count(self) -> int:
        return self.collection.count()

    def revision(self) -> str:
        """The collection's current revision, read from the store (about 0.3 ms embedded): it changes
        before the first write of an ingest and after every committed batch."""
        from chromadb.errors import NotFoundError

        try:
            meta = self.client.get_collection(self.name, embedding_function=None).metadata or {}
        except NotFoundError:
            raise UnknownCorpusError(unknown_corpus_message(self.settings, self.corpus)) from None
        return str(meta.get("revision", "0"))

    def existing_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        got = self.collection.get(ids=list(ids), include=["metadatas"])
        return {i: (m or {}).get("content_hash", "") for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def ids_by_source(self, keys: Sequence[str]) -> dict[str, str]:
        """paper_id -> source_key for stored papers loaded from any of these source positions."""
        if not keys:
            return {}
        got = self.collection.get(where={"source_key": {"$in": list(keys)}}, include=["metadatas"])
        return {i: m.get("source_key", "") for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def iter_papers(self, page: int = 5000) -> Iterator[Paper]:
        for paper, _ in self.iter_records(page, embeddings=False):
            yield paper

    def iter_records(self, page: int = 5000, embeddings: bool = True) -> Iterator[tuple[Paper, Any]]:
        """(paper, embedding or None) for every record, read in pages."""
        include = ["metadatas", "embeddings"] if embeddings else ["metadatas"]
        offset = 0
        while True:
            got = self.collection.get(include=include, limit=page, offset=offset)
            if not got["ids"]:
                return
            embs = got["embeddings"] if embeddings else [None] * len(got["ids"])
            for meta, emb in zip(got["metadatas"], embs, strict=True):
                yield metadata_to_paper(meta), emb
            offset += len(got["ids"])

    def vector_store(self):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    # --- writes -------------------------------------------------------------------------------
    def upsert(self, papers: Sequence[Paper], embeddings: np.ndarray) -> None:
        """Upsert papers with LlamaIndex-compatible node metadata (readable by its retriever)."""
        from llama_index.core.schema import TextNode
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        ids, docs, metas = [], [], []
        for p in papers:
            meta = paper_to_metadata(p)
            node = TextNode(id_=p.paper_id, text=embed_text(p), metadata={})
            meta.update(node_to_metadata_dict(node, remove_text=True, flat_metadata=True))
            ids.append(p.paper_id)
            docs.append(embed_text(p))
            metas.append(meta)
        self.collection.upsert(ids=ids, embeddings=embeddings.tolist(), documents=docs, metadatas=metas)

    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            self.collection.delete(ids=list(ids))

    def bump_revision(self) -> str:
        meta = dict(self.collection.metadata or {})
        meta["revision"] = f"{time.time_ns()}"
        self.collection.modify(metadata=meta)
        return meta["revision"]


def list_corpora(settings: Settings) -> dict[str, int]:
    """Corpora built with the current settings, with their paper counts."""
    suffix = "__" + settings.index_fingerprint()
    out = {}
    try:
        client = get_client(settings)
        names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
    except StoreError:
        return {}
    for name in sorted(names):
        if name.endswith(suffix):
            out[name[: -len(suffix)]] = client.get_collection(name, embedding_function=None).count()
    return out


def unknown_corpus_message(settings: Settings, corpus: str) -> str:
    known = ", ".join(sorted(list_corpora(settings))) or "none yet"
    return (f"no corpus named {corpus!r} (indexed corpora: {known}); "
            f"create it with `rag ingest <file> --collection {corpus}`")


def home_dir(settings: Settings) -> Path:
    return settings.home


# --- reads for the engine backend (rag.retrieval.engine_backend): Chroma's own HNSW index -----------------
def where_clause(year_min: int | None = None, year_max: int | None = None, venues: Sequence[str] | None = None,
                 ids: Sequence[str] | None = None) -> dict | None:
    """A Chroma `where` for these metadata filters (years are stored as ints, venues as exact strings,
    `paper_id` as written by `paper_to_metadata`); None when there is nothing to filter."""
    parts: list[dict] = []
    if year_min is not None:
        parts.append({"year": {"$gte": int(year_min)}})
    if year_max is not None:
        parts.append({"year": {"$lte": int(year_max)}})
    if venues is not None:
        parts.append({"venue": {"$in": list(venues)}})
    if ids is not None:
        parts.append({"paper_id": {"$in": list(ids)}})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


def query_dense(store: Store, qvec: np.ndarray, n: int, where: dict | None = None) -> list[tuple[str, float]]:
    """Top-n (paper_id, cosine) from Chroma's HNSW index, restricted by `where` inside Chroma (every
    result satisfies it). Distances are cosine distances (the collection's space), so cosine = 1 - d."""
    if n <= 0:
        return []
    res = store.collection.query(query_embeddings=[np.asarray(qvec, dtype=np.float32).tolist()], n_results=n,
                                 where=where, include=["distances"])
    return [(pid, 1.0 - float(d)) for pid, d in zip(res["ids"][0], res["distances"][0], strict=True)]


def embeddings_for(store: Store, ids: Sequence[str]) -> dict[str, np.ndarray]:
    """paper_id -> stored embedding (float32) for the ids that are stored."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    got = store.collection.get(ids=ids, include=["embeddings"])
    return {pid: np.asarray(e, dtype=np.float32) for pid, e in zip(got["ids"], got["embeddings"], strict=True)}
