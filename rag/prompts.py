"""Prompts live as files in `prompts/`; they are loaded by name and rendered strictly.

Rendering with a missing variable raises `PromptError` (no silent empty strings), and extra
variables are rejected too, so a prompt and its caller cannot drift apart unnoticed.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

PROMPT_DIR = Path(__file__).resolve().parent.parent / "prompts"


class PromptError(KeyError):
    pass


@lru_cache(maxsize=32)
def load_prompt(name: str) -> str:
    path = PROMPT_DIR / f"{name}.md"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PROMPT_DIR.glob("*.md")))
        raise PromptError(f"no prompt named {name!r} in {PROMPT_DIR} (have: {known})")
    return path.read_text(encoding="utf-8")


def variables(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def render(name: str, **values: object) -> str:
    template = load_prompt(name)
    needed = variables(template)
    missing = needed - set(values)
    if missing:
        raise PromptError(f"prompt {name!r} needs variable(s) {sorted(missing)}")
    extra = set(values) - needed
    if extra:
        raise PromptError(f"prompt {name!r} has no variable(s) {sorted(extra)}")
    return template.format(**values).strip()


def refusal_phrase() -> str:
    """The one sentence the bot uses when the collection does not hold the answer."""
    return load_prompt("refusal").strip()
