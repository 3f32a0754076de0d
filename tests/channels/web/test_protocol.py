from __future__ import annotations

import json

import pytest

from channels.web import protocol
from channels.web.protocol import Csat, Feedback, Hello, Message, ProtocolError, parse_client_frame


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
                "answer": {"id": "a" * 32, "grounded": True},
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
        "answer_id": "a" * 32,  # show helpful / not helpful
        "survey": None,
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


SURVEY = {
    "id": "s" * 32,
    "trigger": "goodbye",
    "scale_min": 1,
    "scale_max": 5,
    "question": "How was it?",
    "comment_prompt": "Anything else?",
    "comment_max_chars": 1000,
}


def test_a_survey_message_carries_what_the_rating_ui_needs() -> None:
    frame = protocol.bot_frame({"text": "How was it?", "custom": {"survey": SURVEY}})
    assert frame["survey"] == {key: value for key, value in SURVEY.items() if key != "trigger"}
    assert frame["answer_id"] is None


@pytest.mark.parametrize(
    "survey",
    [
        {**SURVEY, "id": "../x"},
        {**SURVEY, "scale_max": "5"},
        {**SURVEY, "scale_min": True},
        {key: value for key, value in SURVEY.items() if key != "question"},
        "s1",
    ],
)
def test_malformed_survey_records_show_no_rating_ui(survey: object) -> None:
    assert protocol.bot_frame({"text": "x", "custom": {"survey": survey}})["survey"] is None


def test_a_rating_becomes_a_record_message_for_rasa() -> None:
    frame = parse({"type": "csat", "survey_id": "s1", "rating": 4, "comment": "  fast!  "})
    assert frame == Csat("s1", 4, "fast!")
    assert isinstance(frame, Csat)
    message = frame.message()
    assert message.record and message.text == "Rating: 4"
    assert message.payload == '/csat_submit{"survey_id": "s1", "rating": 4, "comment": "fast!"}'


def test_an_empty_comment_is_no_comment() -> None:
    for comment in (None, "", "   "):
        frame = parse({"type": "csat", "survey_id": "s1", "rating": 2, "comment": comment})
        assert frame == Csat("s1", 2, None)
    assert parse({"type": "csat", "survey_id": "s1", "rating": 2}) == Csat("s1", 2, None)


def test_ratings_out_of_the_scale_reach_the_action_which_knows_the_scale() -> None:
    assert parse({"type": "csat", "survey_id": "s1", "rating": 99}) == Csat("s1", 99, None)


def test_feedback_becomes_a_record_message_for_rasa() -> None:
    frame = parse({"type": "feedback", "answer_id": "a1", "helpful": False})
    assert frame == Feedback("a1", False)
    assert isinstance(frame, Feedback)
    assert frame.message() == Message(
        "Not helpful", '/answer_feedback{"answer_id": "a1", "helpful": false}', record=True
    )


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "csat", "rating": 4},
        {"type": "csat", "survey_id": 7, "rating": 4},
        {"type": "csat", "survey_id": "../../x", "rating": 4},
        {"type": "csat", "survey_id": "s" * 65, "rating": 4},
        {"type": "csat", "survey_id": "s1"},
        {"type": "csat", "survey_id": "s1", "rating": "5"},
        {"type": "csat", "survey_id": "s1", "rating": 4.5},
        {"type": "csat", "survey_id": "s1", "rating": True},
        {"type": "csat", "survey_id": "s1", "rating": 4, "comment": 12},
        {"type": "csat", "survey_id": "s1", "rating": 4, "comment": ["a"]},
        {"type": "feedback", "answer_id": "a1"},
        {"type": "feedback", "answer_id": "a1", "helpful": "yes"},
        {"type": "feedback", "answer_id": "a1", "helpful": 1},
        {"type": "feedback", "answer_id": None, "helpful": True},
        {"type": "feedback", "answer_id": 'a1"}', "helpful": True},
    ],
)
def test_mistyped_ratings_and_feedback_are_refused(frame: dict[str, object]) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse(frame)
    assert refused.value.code == "bad_frame" and refused.value.message


def test_a_comment_over_the_message_limit_is_refused() -> None:
    with pytest.raises(ProtocolError) as refused:
        parse({"type": "csat", "survey_id": "s1", "rating": 4, "comment": "c" * 101}, max_chars=100)
    assert refused.value.code == "message_too_long" and "101" in refused.value.message


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ('/csat_submit{"survey_id": "s1", "rating": 5}', None),
        ("/csat_submit", None),
        ('  /human{"contact_email": "a@b.c"}', None),
        ("/human@0.3", None),
        ("/EXTERNAL_handoff_resolved", None),
        ("Rate it", "/csat_submit"),
        ("Thumbs", "/answer_feedback"),
    ],
)
def test_customers_cannot_send_record_intents_or_entities_themselves(text: str, payload: str | None) -> None:
    with pytest.raises(ProtocolError, match="command"):
        parse({"type": "message", "text": text, **({"payload": payload} if payload else {})})


@pytest.mark.parametrize("text", ["/human", "/Users/me/notes@2x.png won't sync", "50/50 {maybe}"])
def test_ordinary_slashes_and_braces_are_fine(text: str) -> None:
    assert parse({"type": "message", "text": text}) == Message(text)


def test_context_keeps_a_customer_id_and_a_plausible_email() -> None:
    context = protocol.clean_context(
        {"customer_id": " cust-42 ", "customer_email": " Jane.Doe@Example.com ", "page_url": "https://a.b/c"}
    )
    assert context == {
        "page_url": "https://a.b/c",
        "customer_id": "cust-42",
        "customer_email": "Jane.Doe@Example.com",
    }


@pytest.mark.parametrize(
    "extra",
    [
        {"customer_email": "not an email"},
        {"customer_email": "a@b"},
        {"customer_email": "x" * 310 + "@example.com"},
        {"customer_email": 42},
        {"customer_id": "i" * 201},
        {"customer_id": "bad\nid"},
        {"customer_id": ""},
    ],
)
def test_context_drops_identities_that_are_too_long_or_malformed(extra: dict[str, object]) -> None:
    assert protocol.clean_context(extra) == {}


def test_history_hides_ratings_and_feedback_and_shows_their_state() -> None:
    answer = {"custom": {"answer": {"id": "a1"}, "citations": [{"title": "A", "url": "https://a"}]}}
    events = [
        {"event": "user", "text": "how do I sync?", "timestamp": 1.0},
        {"event": "bot", "text": "Like this.", "timestamp": 2.0, "data": answer},
        {
            "event": "user",
            "text": '/answer_feedback{"answer_id": "a1", "helpful": true}',
            "parse_data": {"intent": {"name": "answer_feedback"}},
            "metadata": {"display_text": "Helpful"},
            "timestamp": 3.0,
        },
        {"event": "slot", "name": "answer_feedback", "value": {"answer_id": "a1", "helpful": True}},
        {"event": "slot", "name": "answer_feedback", "value": {"answer_id": "a1", "helpful": False}},
        {"event": "bot", "text": "Thanks for telling me.", "timestamp": 4.0, "data": {}},
        {"event": "bot", "text": "How was it?", "timestamp": 5.0, "data": {"custom": {"survey": SURVEY}}},
        {
            "event": "user",
            "text": '/csat_submit{"survey_id": "' + "s" * 32 + '", "rating": 5}',
            "parse_data": {"intent": {"name": "csat_submit"}},
            "timestamp": 6.0,
        },
        {"event": "slot", "name": "csat_result", "value": {"survey_id": "s" * 32, "rating": 5}},
    ]
    history = protocol.history_from_events(events)
    assert [item["text"] for item in history] == [
        "how do I sync?",
        "Like this.",
        "Thanks for telling me.",
        "How was it?",
    ]
    assert (history[1]["answer_id"], history[1]["feedback"]) == ("a1", False)  # the latest counts
    assert history[3]["survey"] is not None and history[3]["survey_done"] is True
    assert history[2]["answer_id"] is None and history[2]["feedback"] is None
    assert not history[2]["survey_done"] and history[0]["survey"] is None


def test_history_of_an_earlier_session_offers_nothing_to_rate() -> None:
    events = [
        {"event": "bot", "text": "Like this.", "data": {"custom": {"answer": {"id": "a1"}}}},
        {"event": "bot", "text": "How was it?", "data": {"custom": {"survey": SURVEY}}},
        {"event": "session_started"},
        {"event": "bot", "text": "Again.", "data": {"custom": {"answer": {"id": "a2"}}}},
    ]
    history = protocol.history_from_events(events)
    assert [(item["answer_id"], item["survey"]) for item in history] == [
        (None, None),
        (None, None),
        ("a2", None),
    ]
