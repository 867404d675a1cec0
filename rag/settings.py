"""One settings object: config/default.toml, then an optional preset, then env vars.

Precedence (highest first): explicit overrides passed to `load_settings()`, environment
variables (`RAG_*`, plus `OPENAI_BASE_URL`, `OPENAI_API_KEY`, `OPENAI_MODEL`), the preset
file named by `RAG_PRESET` (e.g. `config/ollama.toml`), then `config/default.toml`.
Unknown keys anywhere are rejected with an error naming them.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"


class ConfigError(ValueError):
    """Raised for unreadable or invalid configuration, with a message that says what to fix."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    # --- where state lives -------------------------------------------------------------
    home: Path = Field(
        default=Path(".rag"),
        description="Directory holding all state (Chroma store, BM25 indexes, locks). Env: RAG_HOME.",
    )
    collection: str = Field(
        default="seed", description="Default corpus name; the store collection is derived from it."
    )
    seed_corpus: Path = Field(
        default=REPO_ROOT / "data" / "seed",
        description="Bundled corpus ingested on first use when the default collection is empty.",
    )

    # --- embedding and chunking (these define the index identity) ------------------------
    embedder: str = Field(
        default="minilm-onnx",
        description="Embedder name from the registry: 'minilm-onnx' (offline, bundled weights exported "
        "once to int8 ONNX Runtime), 'minilm' (offline, torch float32), or 'openai'.",
    )
    embed_model: str = Field(
        default="all-MiniLM-L6-v2",
        description="Model name for the embedder (OpenAI model name when embedder='openai').",
    )
    embed_batch_size: int = Field(
        default=16, ge=1, le=4096, description="Texts per embedding batch (16 is fastest on 2-core CPUs)."
    )
    embed_max_tokens: int = Field(
        default=128,
        ge=16,
        le=512,
        description="Token limit per text for the local embedder (MiniLM was trained at 128; 256 doubles "
        "ingest time for +0.03 dense-only and +0.003 hybrid nDCG@10 on SciFact).",
    )
    chunking: Literal["abstract"] = Field(
        default="abstract",
        description="Index unit: 'abstract' = one chunk per paper (title prepended to the abstract).",
    )
    sentence_precompute_max: int = Field(
        default=5000,
        ge=0,
        description="Embed every abstract sentence at ingest time for corpora up to this many papers "
        "(larger corpora embed evidence sentences on demand).",
    )

    # --- store ----------------------------------------------------------------------------
    store: Literal["chroma", "chroma-server"] = Field(
        default="chroma", description="'chroma' (embedded PersistentClient) or 'chroma-server' (HttpClient)."
    )
    chroma_host: str = Field(default="127.0.0.1", description="Chroma server host for store='chroma-server'.")
    chroma_port: int = Field(default=8000, ge=1, le=65535, description="Chroma server port.")
    upsert_batch_size: int = Field(default=1000, ge=1, le=5000, description="Papers per Chroma upsert.")
    engine_cache_size: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Most corpora (loaded indexes) one process keeps in memory; the least recently used "
        "is dropped. Per-call options (top_k, filters, LLM settings, thresholds) never load a second one.",
    )

    # --- retrieval --------------------------------------------------------------------------
    top_k: int = Field(default=8, ge=1, le=100, description="Papers retrieved per question.")
    candidates: int = Field(
        default=100, ge=5, le=1000, description="Candidates taken from each of dense and BM25 before fusion."
    )
    fusion: Literal["zscore", "rrf"] = Field(
        default="zscore",
        description="'zscore': alpha*z(cosine) + (1-alpha)*z(BM25) over the candidate union (SciFact-train "
        "tuned); 'rrf': weighted reciprocal-rank fusion.",
    )
    fusion_alpha: float = Field(
        default=0.5, ge=0, le=1, description="Weight of the dense score in z-score fusion (BM25 gets 1-alpha)."
    )
    dense_search: Literal["exact", "ann"] = Field(
        default="exact",
        description="'exact': dense candidates from the in-memory vector matrix (exact, pre-filterable); "
        "'ann': from the LlamaIndex retriever over Chroma's HNSW index (sub-linear search time for very large "
        "collections; the vector matrix is still loaded for the fusion's exact cosines).",
    )
    retriever: str = Field(
        default="memory",
        description="Retrieval backend (index-defining; env RAG_RETRIEVER): 'memory' (bm25s, catalogue and vector "
        "matrix rebuilt from the store per revision and held in each process; exact dense search) or 'engine' "
        "(incremental on-disk tantivy index written by the ingesting process and memory-mapped by readers, "
        "plus Chroma's HNSW index with filters pushed into the query; nothing rebuilt per write, per-instance "
        "memory independent of the collection's size).",
    )
    bm25_k1: float = Field(default=1.2, gt=0, description="BM25 term-frequency saturation (k1).")
    bm25_b: float = Field(default=0.55, ge=0, le=1, description="BM25 length normalisation (b).")
    rrf_k: int = Field(default=60, ge=1, description="Reciprocal-rank-fusion constant (fusion='rrf').")
    dense_weight: float = Field(default=1.0, ge=0, description="RRF weight of the dense ranking (fusion='rrf').")
    bm25_weight: float = Field(default=1.0, ge=0, description="RRF weight of the BM25 ranking (fusion='rrf').")
    author_boost: float = Field(
        default=1.0, ge=0, description="Fusion bonus for papers whose author names appear in the question."
    )
    title_boost: float = Field(
        default=1.0, ge=0, description="Fusion bonus for papers whose distinctive title the question quotes."
    )

    # --- answering ----------------------------------------------------------------------------
    max_question_chars: int = Field(
        default=4000, ge=10, description="Longer questions are rejected with a clear error."
    )
    relevance_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Probability (0..1) that a paper answers the question which the best paper must reach; "
        "below it the bot says the abstracts don't cover it. None = the threshold fitted with the relevance "
        "model (rag/data/relevance.json, `python -m benchmarks.train_relevance`).",
    )
    list_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Probability at or above which further papers join the best one in the answer's list "
        "(up to max_cited). None = the value fitted with the relevance model.",
    )
    max_cited: int = Field(default=8, ge=1, le=20, description="Most sources cited in one answer (a list "
                           "holds every paper that answers the question, up to this many).")
    lexicon_dir: str = Field(
        default="/usr/share/dictd",
        description="Directory of the FreeDict French-English and German-English dictionaries (Debian "
        "packages dict-freedict-fra-eng and dict-freedict-deu-eng; `make dictionaries`). A French or German "
        "question is searched with English glosses of its words from them (French words also from a table "
        "learned from bilingual ACL titles, shipped with the package). No dictionary there: German questions "
        "are searched as typed, French ones with that table alone. 'off': both are searched as typed.",
    )

    # --- LLM ---------------------------------------------------------------------------------
    llm_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("llm_base_url", "OPENAI_BASE_URL"),
        description="OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp). None = offline answerer.",
    )
    llm_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("llm_api_key", "OPENAI_API_KEY"),
        description="API key for the endpoint; never logged or shown.",
    )
    llm_model: str = Field(
        default="gpt-4o-mini",
        validation_alias=AliasChoices("llm_model", "OPENAI_MODEL"),
        description="Chat model name at the endpoint.",
    )
    llm_timeout: float = Field(default=30.0, gt=0, description="Seconds before one LLM request gives up.")
    llm_retries: int = Field(default=2, ge=0, le=10, description="Retries on 429/5xx/connection errors.")
    llm_temperature: float = Field(default=0.0, ge=0, le=2, description="Sampling temperature.")
    llm_fallback: bool = Field(
        default=True, description="On LLM failure, answer offline and say why instead of raising."
    )
    llm_deadline: float = Field(
        default=30.0,
        gt=0,
        description="Total seconds for the whole LLM path of one answer, retries and backoff included; "
        "past it the offline answer is used (each request also stops after llm_timeout).",
    )
    llm_filters: bool = Field(
        default=False,
        description="In LLM mode, also ask the model which year range, venue and author the question restricts "
        "itself to (JSON); only values the collection's metadata confirms are applied, and only where the "
        "question's own filter phrases set nothing. Off by default: one short extra request per question.",
    )
    llm_max_tokens: int = Field(
        default=400, ge=16, le=8192, description="Most tokens the LLM may generate for one answer."
    )

    # --- UI -------------------------------------------------------------------------------------
    ui_host: str = Field(default="127.0.0.1", description="Address the chat UI binds to.")
    ui_port: int = Field(default=7860, ge=1, le=65535, description="Port of the chat UI.")
    ui_concurrency: int = Field(
        default=8,
        ge=1,
        le=256,
        description="Chat requests the UI answers at the same time (Gradio queue concurrency limit); "
        "more wait in the queue.",
    )

    uploads_enabled: bool = Field(
        default=True,
        description="Let users upload .bib/.ris/.json/.jsonl/.csv/ACL .xml files (or a .zip of them) in the chat "
        "UI. Turn off on a shared host (--host 0.0.0.0) where visitors should not add papers.",
    )
    upload_max_mb: float = Field(
        default=50.0, gt=0, description="Largest file (or unpacked .zip) one UI upload may be, in MB."
    )
    upload_collection_cap_mb: float = Field(
        default=500.0,
        gt=0,
        description="Total MB that UI uploads may add to one collection, so one user cannot fill the disk.",
    )

    @field_validator("retriever")
    @classmethod
    def _known_retriever(cls, value: str) -> str:
        from rag.backends import check_retriever

        return check_retriever(value)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url) or self.llm_api_key is not None

    def index_fingerprint(self) -> str:
        """Hash of every setting that changes what is stored in the vector index."""
        ident = {
            "embedder": self.embedder,
            "model": self.embed_model,
            "max_tokens": self.embed_max_tokens,
            "chunking": self.chunking,
            "v": 1,
        }
        return hashlib.sha1(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:10]

    def index_key(self, corpus: str | None = None) -> tuple:
        """What identifies a loaded index: the corpus plus every INDEX_FIELDS setting. Settings outside
        it (top_k, filters, fusion, thresholds, LLM...) are per-call options that share one index."""
        values = [str(getattr(self, f)) for f in INDEX_FIELDS]
        if self.embedder == "openai":  # the remote embedder is part of what the vectors mean
            values.append(str(self.llm_base_url))
        return (normalise_corpus_name(corpus or self.collection), *values)

    def collection_name(self, corpus: str | None = None) -> str:
        """Chroma collection for a corpus under the current embedding/chunking settings."""
        name = normalise_corpus_name(corpus or self.collection)
        return f"{name}__{self.index_fingerprint()}"


# Settings that define a loaded index (store location, embedding, chunking, BM25 parameters). The
# rest are per-call options.
INDEX_FIELDS = (
    "home", "store", "chroma_host", "chroma_port", "embedder", "embed_model", "embed_max_tokens",
    "chunking", "bm25_k1", "bm25_b", "retriever",
)


def normalise_corpus_name(name: str) -> str:
    import re

    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", name.strip()).strip("-_").lower()
    if not cleaned:
        raise ConfigError(f"invalid collection name {name!r}: use letters, digits, '-' or '_'")
    return cleaned[:40]


# Every field can be set as RAG_<FIELD> (RAG_TOP_K, RAG_LLM_TIMEOUT, ...); the OpenAI variables
# are honoured for the LLM endpoint, as every OpenAI-compatible tool does.
OPENAI_ENV = {"OPENAI_BASE_URL": "llm_base_url", "OPENAI_API_KEY": "llm_api_key", "OPENAI_MODEL": "llm_model"}


def env_keys() -> dict[str, str]:
    keys = {f"RAG_{name.upper()}": name for name in Settings.model_fields}
    keys.update(OPENAI_ENV)
    return keys


ENV_KEYS = env_keys()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    # Tables are allowed for readability; they are flattened ([llm] base_url -> llm_base_url).
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                flat[f"{key}_{sub}"] = v
        else:
            flat[key] = value
    return flat


def load_settings(config: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings from default.toml, an optional preset/config file, env vars and overrides."""
    values: dict[str, Any] = {}
    default = CONFIG_DIR / "default.toml"
    if default.exists():
        values.update(_read_toml(default))
    preset = config or os.environ.get("RAG_CONFIG") or os.environ.get("RAG_PRESET")
    if preset:
        p = Path(preset)
        if not p.suffix:
            p = CONFIG_DIR / f"{preset}.toml"
        values.update(_read_toml(p))
    for env, key in OPENAI_ENV.items():  # RAG_* wins over OPENAI_* when both are set
        if os.environ.get(env):
            values[key] = os.environ[env]
    for env, key in ENV_KEYS.items():
        if env.startswith("RAG_") and os.environ.get(env):
            values[key] = os.environ[env]
    for k, v in overrides.items():
        if v is not None:
            values[k] = v
    unknown = sorted(set(values) - set(Settings.model_fields))
    if unknown:
        valid = ", ".join(sorted(Settings.model_fields))
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}. Valid settings: {valid}")
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise ConfigError(f"invalid settings: {problems}") from None
    if settings.llm_base_url and not settings.llm_base_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"llm_base_url must start with http:// or https:// (got {settings.llm_base_url!r})"
        )
    settings.home = settings.home.expanduser().resolve()
    try:
        settings.home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"RAG_HOME {settings.home} is not writable ({exc.strerror}); point RAG_HOME at a writable directory"
        ) from None
    if not os.access(settings.home, os.W_OK | os.X_OK):
        raise ConfigError(f"RAG_HOME {settings.home} is not writable; point RAG_HOME at a writable directory")
    return settings


@lru_cache(maxsize=1)
def _cached(env_key: str) -> Settings:
    return load_settings()


def get_settings() -> Settings:
    """Settings for the current environment (cached per relevant env values)."""
    key = json.dumps({k: os.environ.get(k) for k in [*ENV_KEYS, "RAG_CONFIG", "RAG_PRESET"]})
    return _cached(key)


def describe() -> str:
    """Human-readable list of every setting with its description (for `rag config`)."""
    lines = []
    for name, f in Settings.model_fields.items():
        lines.append(f"{name:18} {f.description}")
    return "\n".join(lines)
