"""Knowledge settings from the environment, read once at start and passed down.

Every variable, its default and its meaning is listed in the README. Errors name
the variable and say what a valid value looks like.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge.redaction import RedactionError, RedactionSettings


class SettingsError(ValueError):
    """One line saying which setting is wrong and how to fix it."""


class Secret:
    """A string that never shows itself in logs, reprs or tracebacks."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class OpenAISettings:
    api_key: Secret
    base_url: str | None
    model: str
    timeout: float
    embedding_model: str | None = None  # None: embeddings stay offline (MiniLM)


@dataclass(frozen=True)
class KnowledgeSettings:
    helpcentre_dir: Path
    chroma_path: Path | None
    chroma_host: str | None
    chroma_port: int
    collection: str
    openai: OpenAISettings | None
    redaction: RedactionSettings = RedactionSettings()  # REDACT: what leaves for the LLM

    @classmethod
    def from_env(cls, env: Mapping[str, str], root: Path) -> KnowledgeSettings:
        data_dir = Path(env.get("SUPPORTBOT_DATA_DIR") or root / "var")
        host = env.get("CHROMA_HOST") or None
        return cls(
            helpcentre_dir=Path(env.get("HELPCENTRE_DIR") or root / "knowledge" / "helpcentre"),
            chroma_path=None if host else Path(env.get("CHROMA_PATH") or data_dir / "chroma"),
            chroma_host=host,
            chroma_port=_int(env, "CHROMA_PORT", 8000, 1, 65535),
            collection=_name(env.get("KNOWLEDGE_COLLECTION") or "helpcentre"),
            openai=_openai(env),
            redaction=_redaction(env),
        )


def _redaction(env: Mapping[str, str]) -> RedactionSettings:
    try:
        return RedactionSettings.from_env(env)
    except RedactionError as error:
        raise SettingsError(str(error)) from None


def _openai(env: Mapping[str, str]) -> OpenAISettings | None:
    key = env.get("OPENAI_API_KEY", "").strip()
    if not key:
        return None
    base_url = env.get("OPENAI_BASE_URL") or None
    if base_url and not base_url.startswith(("http://", "https://")):
        raise SettingsError(f"OPENAI_BASE_URL must start with http:// or https://, got {base_url!r}")
    timeout = _float(env, "OPENAI_TIMEOUT", 15.0)
    embedding_model = env.get("OPENAI_EMBEDDING_MODEL", "").strip() or None
    return OpenAISettings(
        Secret(key), base_url, env.get("OPENAI_MODEL") or "gpt-4o-mini", timeout, embedding_model
    )


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {value}")
    return value


def _name(value: str) -> str:
    if not (3 <= len(value) <= 63) or not value.replace("-", "").replace("_", "").isalnum():
        raise SettingsError(f"KNOWLEDGE_COLLECTION must be 3-63 letters, digits, '-' or '_', got {value!r}")
    return value
