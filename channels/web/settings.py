"""The web channel's settings, validated once when Rasa creates the channel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_MESSAGE_CHARS = 4000


class SettingsError(ValueError):
    """A setting is wrong; the message says which one and how to fix it."""


@dataclass(frozen=True)
class WebChatSettings:
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS
    # "*" allows every page to embed the widget; otherwise exact origins
    # such as "https://www.example.com".
    allowed_origins: tuple[str, ...] = ("*",)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> WebChatSettings:
        return cls(
            max_message_chars=_positive_int(raw.get("max_message_chars"), "WEBCHAT_MAX_MESSAGE_CHARS"),
            allowed_origins=_origins(raw.get("allowed_origins")),
        )

    def origin_allowed(self, origin: str | None) -> bool:
        if "*" in self.allowed_origins:
            return True
        return origin is not None and origin.rstrip("/") in self.allowed_origins


def _positive_int(value: Any, name: str) -> int:
    if value in (None, ""):
        return DEFAULT_MAX_MESSAGE_CHARS
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a whole number, got {value!r}") from None
    if not 1 <= number <= 100_000:
        raise SettingsError(f"{name} must be between 1 and 100000, got {number}")
    return number


def _origins(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ("*",)
    items = value if isinstance(value, list) else str(value).split(",")
    origins = tuple(str(item).strip().rstrip("/") for item in items if str(item).strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise SettingsError(
                f"WEBCHAT_ALLOWED_ORIGINS entries must look like https://www.example.com, got {origin!r}"
            )
    return origins or ("*",)
