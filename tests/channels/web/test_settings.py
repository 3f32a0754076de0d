from __future__ import annotations

import pytest

from channels.web.settings import SettingsError, WebChatSettings


def test_defaults() -> None:
    settings = WebChatSettings.from_mapping({})
    assert settings.max_message_chars == 4000
    assert settings.origin_allowed("https://anything.example")


def test_values_from_the_environment_arrive_as_strings() -> None:
    settings = WebChatSettings.from_mapping(
        {"max_message_chars": "500", "allowed_origins": "https://a.example, https://b.example/"}
    )
    assert settings.max_message_chars == 500
    assert settings.origin_allowed("https://b.example")
    assert not settings.origin_allowed("https://evil.example")
    assert not settings.origin_allowed(None)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"max_message_chars": "lots"}, "WEBCHAT_MAX_MESSAGE_CHARS must be a whole number"),
        ({"max_message_chars": "0"}, "between 1 and 100000"),
        ({"allowed_origins": "www.example.com"}, "must look like https://www.example.com"),
    ],
)
def test_errors_name_the_variable(raw: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        WebChatSettings.from_mapping(raw)
