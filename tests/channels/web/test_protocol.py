from __future__ import annotations

import json

import pytest

from channels.web import protocol
from channels.web.protocol import Hello, Message, ProtocolError, parse_client_frame


def parse(frame: object, max_chars: int = 4000) -> protocol.ClientFrame:
    return parse_client_frame(json.dumps(frame), max_chars=max_chars)


def test_hello_with_and_without_a_conversation_id() -> None:
    assert parse({"type": "hello", "conversation_id": None}) == Hello(None, {})
    assert parse({"type": "hello", "conversation_id": "abc"}) == Hello("abc", {})


def test_message_text_is_trimmed() -> None:
    assert parse({"type": "message", "text": "  how do I reset my password?\n"}) == Message(
        "how do I reset my password?"
    )


def test_button_payload_is_kept() -> None:
    frame = parse({"type": "message", "text": "Contact the team", "payload": "/human"})
    assert frame == Message("Contact the team", "/human")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "bad_frame"),
        ("[1, 2]", "bad_frame"),
        ('"hello"', "bad_frame"),
        ('{"type": "shout"}', "bad_frame"),
        ('{"text": "no type"}', "bad_frame"),
        ('{"type": "message"}', "bad_frame"),
        ('{"type": "message", "text": 42}', "bad_frame"),
        ('{"type": "message", "text": "   \\n\\t "}', "empty_message"),
        ('{"type": "message", "text": ""}', "empty_message"),
        ('{"type": "hello", "conversation_id": 7}', "bad_frame"),
        ('{"type": "hello", "conversation_id": null, "context": "x"}', "bad_frame"),
    ],
)
def test_bad_frames_are_refused_with_a_code(raw: str, code: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse_client_frame(raw, max_chars=4000)
    assert refused.value.code == code
    assert refused.value.message  # always something to show the customer


def test_binary_frames_are_refused() -> None:
    with pytest.raises(ProtocolError, match="JSON text"):
        parse_client_frame(b'{"type": "hello"}', max_chars=4000)


def test_oversized_frames_are_refused_before_parsing() -> None:
    with pytest.raises(ProtocolError, match="too large"):
        parse_client_frame("x" * (protocol.MAX_FRAME_BYTES + 1), max_chars=4000)


def test_message_over_the_limit_says_how_long_it_is_and_the_limit() -> None:
    with pytest.raises(ProtocolError) as refused:
        parse({"type": "message", "text": "a" * 4001})
    assert refused.value.code == "message_too_long"
    assert "4001" in refused.value.message and "4000" in refused.value.message


def test_message_at_the_limit_is_accepted() -> None:
    assert parse({"type": "message", "text": "a" * 4000}) == Message("a" * 4000)


@pytest.mark.parametrize("payload", ['/human{"contact_email": "x@y.z"}', "human", "/", "/Human", 5])
def test_payloads_may_only_name_an_intent(payload: object) -> None:
    with pytest.raises(ProtocolError, match="payload"):
        parse({"type": "message", "text": "x", "payload": payload})


def test_context_keeps_known_keys_bounded_and_drops_the_rest() -> None:
    hello = parse(
        {
            "type": "hello",
            "conversation_id": None,
            "context": {
                "page_url": "https://shop.example.com/pricing",
                "page_title": "T" * 1000,
                "locale": "de-DE",
                "evil": "<script>",
            },
        }
    )
    assert isinstance(hello, Hello)
    assert hello.context == {
        "page_url": "https://shop.example.com/pricing",
        "page_title": "T" * 300,
        "locale": "de-DE",
    }


def test_context_drops_non_http_page_urls() -> None:
    assert protocol.clean_context({"page_url": "javascript:alert(1)"}) == {}


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("0123456789abcdef0123456789abcdef", True),
        ("short", False),
        ("../../etc/passwd", False),
        (None, False),
    ],
)
def test_conversation_id_shape(value: str | None, valid: bool) -> None:
    assert protocol.is_valid_conversation_id(value) is valid


def test_bot_frame_carries_text_buttons_and_citations_together() -> None:
    frame = protocol.bot_frame(
        {
            "text": "Open Settings > Security.",
            "buttons": [{"title": "Contact the team", "payload": "/human"}],
            "custom": {
                "citations": [{"title": "Reset your password", "url": "https://help.example/reset"}],
                "answer": {"grounded": True},
            },
        },
        ts=12.5,
    )
    assert frame == {
        "type": "bot",
        "text": "Open Settings > Security.",
        "buttons": [{"title": "Contact the team", "payload": "/human"}],
        "citations": [{"title": "Reset your password", "url": "https://help.example/reset"}],
        "sender": {"kind": "bot"},
        "ts": 12.5,
    }


def test_bot_frame_ignores_malformed_custom_data() -> None:
    frame = protocol.bot_frame({"text": "hi", "custom": {"citations": ["x", {"url": "no title"}]}})
    assert frame["citations"] == []
    assert frame["sender"] == {"kind": "bot"}


def test_agent_sender_is_kept_with_its_name() -> None:
    frame = protocol.bot_frame(
        {"text": "Hi, Sam here", "custom": {"sender": {"kind": "agent", "name": "Sam"}}}
    )
    assert frame["sender"] == {"kind": "agent", "name": "Sam"}


def test_history_shows_what_the_customer_saw() -> None:
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": 1.0},
        {"event": "user", "text": "hi", "timestamp": 2.0, "metadata": {}},
        {"event": "bot", "text": "Hello!", "timestamp": 3.0, "data": {}},
        {
            "event": "user",
            "text": "/human",
            "timestamp": 4.0,
            "metadata": {"display_text": "Contact the team"},
        },
        {
            "event": "bot",
            "text": "Answer",
            "timestamp": 5.0,
            "data": {"custom": {"citations": [{"title": "A", "url": "https://a"}]}},
        },
        {"event": "slot", "name": "contact_email", "value": "x@y.z", "timestamp": 6.0},
    ]
    history = protocol.history_from_events(events)
    assert [(item["type"], item["text"]) for item in history] == [
        ("user", "hi"),
        ("bot", "Hello!"),
        ("user", "Contact the team"),
        ("bot", "Answer"),
    ]
    assert history[3]["citations"] == [{"title": "A", "url": "https://a"}]
    assert history[0]["ts"] == 2.0
