from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.settings import KnowledgeSettings, Secret, SettingsError

ROOT = Path("/repo")


def test_defaults_are_embedded_and_offline() -> None:
    settings = KnowledgeSettings.from_env({}, ROOT)
    assert settings.chroma_path == ROOT / "var" / "chroma"
    assert settings.chroma_host is None
    assert settings.helpcentre_dir == ROOT / "knowledge" / "helpcentre"
    assert settings.openai is None


def test_openai_is_configured_by_its_key() -> None:
    settings = KnowledgeSettings.from_env(
        {
            "OPENAI_API_KEY": "sk-secret-value",
            "OPENAI_BASE_URL": "http://127.0.0.1:8000/v1",
            "OPENAI_MODEL": "m",
        },
        ROOT,
    )
    assert settings.openai is not None
    assert settings.openai.api_key.reveal() == "sk-secret-value"
    assert (settings.openai.base_url, settings.openai.model, settings.openai.timeout) == (
        "http://127.0.0.1:8000/v1",
        "m",
        15.0,
    )


def test_the_key_never_shows_in_reprs() -> None:
    settings = KnowledgeSettings.from_env({"OPENAI_API_KEY": "sk-secret-value"}, ROOT)
    assert "sk-secret-value" not in repr(settings)
    assert "sk-secret-value" not in str(Secret("sk-secret-value"))


def test_a_chroma_host_replaces_the_embedded_path() -> None:
    settings = KnowledgeSettings.from_env({"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": "8001"}, ROOT)
    assert (settings.chroma_host, settings.chroma_port, settings.chroma_path) == ("127.0.0.1", 8001, None)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "localhost:8000"},
            "OPENAI_BASE_URL must start with http",
        ),
        ({"OPENAI_API_KEY": "k", "OPENAI_TIMEOUT": "soon"}, "OPENAI_TIMEOUT must be a number of seconds"),
        ({"OPENAI_API_KEY": "k", "OPENAI_TIMEOUT": "-1"}, "OPENAI_TIMEOUT must be positive"),
        ({"CHROMA_PORT": "99999"}, "CHROMA_PORT must be between 1 and 65535"),
        ({"KNOWLEDGE_COLLECTION": "a b"}, "KNOWLEDGE_COLLECTION must be 3-63 letters"),
    ],
)
def test_errors_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        KnowledgeSettings.from_env(env, ROOT)
