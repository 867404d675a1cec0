"""The error types a user can cause, reported as one clear line instead of a traceback."""

from __future__ import annotations

from rag.corpus.common import CorpusError
from rag.index import IngestLockedError
from rag.pipeline import QuestionError
from rag.prompts import PromptError
from rag.settings import ConfigError
from rag.store import StoreError

USER_ERRORS: tuple[type[BaseException], ...] = (
    CorpusError,
    ConfigError,
    IngestLockedError,
    PromptError,
    QuestionError,
    StoreError,
    FileNotFoundError,
    PermissionError,
)
