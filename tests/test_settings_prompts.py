"""Settings (one object, env overrides, unknown keys rejected) and strict prompt files."""

from __future__ import annotations

import pytest

from rag.prompts import PromptError, load_prompt, refusal_phrase, render
from rag.settings import ConfigError, Settings, load_settings


def test_every_setting_is_described():
    assert all(f.description for f in Settings.model_fields.values())


def test_env_overrides_and_openai_vars(monkeypatch):
    monkeypatch.setenv("RAG_TOP_K", "4")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-abc")
    s = load_settings()
    assert s.top_k == 4 and s.llm_enabled and s.llm_base_url.endswith("/v1")
    assert "sk-abc" not in repr(s)


def test_unknown_and_invalid_settings_rejected(tmp_path):
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(top_kk=3)
    with pytest.raises(ConfigError, match="top_k"):
        load_settings(top_k="many")
    bad = tmp_path / "bad.toml"
    bad.write_text('colour = "blue"\n')
    with pytest.raises(ConfigError, match="colour"):
        load_settings(bad)
    with pytest.raises(ConfigError, match="http"):
        load_settings(llm_base_url="localhost:11434")


def test_presets_load():
    assert load_settings("ollama").llm_base_url.startswith("http://127.0.0.1:11434")
    assert load_settings("openai").llm_base_url.startswith("https://api.openai.com")
    local = load_settings("local")
    assert local.llm_base_url == "http://127.0.0.1:8011/v1" and local.llm_model == "SmolLM2-135M-Instruct"


def test_prompt_rendering_is_strict():
    with pytest.raises(PromptError, match="needs variable"):
        render("answer", sources="x", question="q", refusal="r")
    with pytest.raises(PromptError, match="has no variable"):
        render("system", refusal="r", extra="x")
    with pytest.raises(PromptError, match="no prompt named"):
        load_prompt("nonexistent")


def test_refusal_phrase_defined_once_and_used_in_prompt():
    phrase = refusal_phrase()
    assert phrase and "\n" not in phrase
    # Spelled out once, in the output format at the end of the answer prompt (small models echo
    # a refusal sentence they are shown twice).
    rendered = render("answer", sources="s", history="h", question="q", refusal=phrase)
    assert rendered.count(phrase) == 1 and rendered.rstrip().endswith("Answer:")
    assert "{refusal}" in load_prompt("answer") and "{refusal}" not in load_prompt("system")
