from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.slack import messages
from channels.slack.blocks import (
    CLAIM_ACTION,
    RESOLVE_ACTION,
    Handoff,
    SlackMessage,
    Ticket,
    TranscriptLine,
    escape,
    handoff_claimed,
    handoff_resolved,
    handoff_waiting,
    mention,
    ticket_message,
)

CID = "0123456789abcdef0123456789abcdef"
HANDOFF = Handoff(
    conversation_id=CID,
    channel="web",
    transcript=[TranscriptLine("Customer", "My export fails"), TranscriptLine("Bot", "Sorry, I don't know.")],
    page_url="https://app.example.com/export?x=1&y=2",
    language="fr",
    email="ann@example.com",
)
INJECTION = "<!channel> <@U0BOSS> <https://evil.example|click here> & <#C0SECRET>"


def texts(message: SlackMessage) -> Iterator[str]:
    """Every text Slack will render: the fallback and each text object in the blocks."""
    yield message["text"]
    yield from _texts(message["blocks"])


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def of_type(message: SlackMessage, kind: str) -> list[dict[str, Any]]:
    return [block for block in message["blocks"] if block["type"] == kind]


def buttons(message: SlackMessage) -> list[dict[str, Any]]:
    return [element for block in of_type(message, "actions") for element in block["elements"]]


def test_the_waiting_message_shows_who_is_waiting_and_offers_claim_and_resolve() -> None:
    message = handoff_waiting(HANDOFF)
    assert of_type(message, "header")[0]["text"]["text"] == messages.HANDOFF_HEADER
    fields = [field["text"] for field in of_type(message, "section")[0]["fields"]]
    assert fields == [
        "*Channel*\nweb",
        "*Page*\n<https://app.example.com/export?x=1&amp;y=2>",
        "*Language*\nfr",
        "*Email*\nann@example.com",
        f"*Conversation*\n{CID}",
    ]
    assert "*Customer:* My export fails\n*Bot:* Sorry, I don't know." in list(texts(message))
    assert [(b["text"]["text"], b["action_id"], b["value"]) for b in buttons(message)] == [
        ("Claim", CLAIM_ACTION, CID),
        ("Resolve", RESOLVE_ACTION, CID),
    ]
    assert message["text"] == "Customer waiting (web): My export fails"


def test_unknown_details_are_said_and_an_unknown_email_is_left_out() -> None:
    message = handoff_waiting(Handoff(conversation_id=CID, channel="slack"))
    fields = [field["text"] for field in of_type(message, "section")[0]["fields"]]
    assert fields == ["*Channel*\nslack", "*Page*\nunknown", "*Language*\nunknown", f"*Conversation*\n{CID}"]
    assert messages.TRANSCRIPT_EMPTY in list(texts(message))
    assert message["text"] == "Customer waiting (slack)"


def test_after_a_claim_only_resolve_is_left_and_the_agent_is_named() -> None:
    message = handoff_claimed(HANDOFF, "U0ANN")
    assert [b["action_id"] for b in buttons(message)] == [RESOLVE_ACTION]
    assert messages.claimed_by("<@U0ANN>") in list(texts(message))
    assert message["text"] == "Customer conversation claimed by <@U0ANN>"
    assert "My export fails" in json.dumps(message["blocks"])  # the transcript stays


def test_after_resolve_there_are_no_buttons() -> None:
    message = handoff_resolved(HANDOFF, "U0ANN")
    assert of_type(message, "actions") == []
    assert "Resolved by <@U0ANN>." in list(texts(message))


def test_the_after_hours_ticket() -> None:
    message = ticket_message(
        Ticket(
            conversation_id=CID,
            email="bob@example.com",
            message="Call me back <3",
            page_url="https://a.example/b",
        )
    )
    assert of_type(message, "header")[0]["text"]["text"] == messages.TICKET_HEADER
    fields = [field["text"] for field in of_type(message, "section")[0]["fields"]]
    assert fields == ["*Email*\nbob@example.com", "*Page*\n<https://a.example/b>", f"*Conversation*\n{CID}"]
    assert "*Message*\nCall me back &lt;3" in list(texts(message))
    assert message["text"] == "Message left outside business hours by bob@example.com"
    assert buttons(message) == []


def customer_everywhere(text: str) -> list[SlackMessage]:
    handoff = Handoff(
        conversation_id=CID,
        channel=text,
        transcript=[TranscriptLine(text, text)],
        page_url=text,
        language=text,
        email=text,
    )
    ticket = Ticket(conversation_id=CID, email=text, message=text, page_url=text)
    return [
        handoff_waiting(handoff),
        handoff_claimed(handoff, text),
        handoff_resolved(handoff, text),
        ticket_message(ticket),
    ]


def test_customer_text_cannot_ping_mention_or_link() -> None:
    for message in customer_everywhere(INJECTION):
        for text in texts(message):
            assert "<!" not in text and "<@" not in text and "<#" not in text and "<https" not in text
        assert "&lt;!channel&gt;" in json.dumps(message)


def test_customer_text_is_shown_verbatim() -> None:
    message = handoff_waiting(HANDOFF)
    mrkdwn = [obj for obj in _objects(message["blocks"]) if obj.get("type") == "mrkdwn"]
    assert mrkdwn and all(obj["verbatim"] is True for obj in mrkdwn)


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from _objects(item)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://x.example/a|<!here>", "<https://x.example/a%7C&lt;!here&gt;>"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("https://x.example/a b", "https://x.example/a b"),
        ("https://x.example/" + "a" * 600, None),
        ("https://x.example/?" + "&" * 100, None),  # fits before escaping, not after
    ],
)
def test_only_plain_http_urls_become_links(url: str, shown: str | None) -> None:
    page = of_type(handoff_waiting(Handoff(CID, "web", page_url=url)), "section")[0]["fields"][1]["text"]
    if shown is None:
        assert not page.startswith("*Page*\n<") and page.endswith("…")
    else:
        assert page == f"*Page*\n{shown}"


def test_a_long_message_is_cut_to_3000_characters_per_section() -> None:
    message = handoff_waiting(Handoff(CID, "web", transcript=[TranscriptLine("Customer", "x" * 10_000)]))
    sections = [b["text"]["text"] for b in of_type(message, "section") if "text" in b]
    assert len(sections) == 1 and len(sections[0]) == 3000 and sections[0].endswith("…")


def test_cutting_never_leaves_half_an_escape() -> None:
    message = handoff_waiting(Handoff(CID, "web", transcript=[TranscriptLine("Customer", "&" * 5000)]))
    section = next(b["text"]["text"] for b in of_type(message, "section") if "text" in b)
    assert section.removesuffix("…").endswith("&amp;")


def test_a_long_transcript_keeps_the_latest_lines_within_50_blocks() -> None:
    lines = [TranscriptLine("Customer", f"message {i} " + "y" * 1000) for i in range(500)]
    message = handoff_waiting(Handoff(CID, "web", transcript=lines))
    assert len(message["blocks"]) <= 50
    rendered = json.dumps(message["blocks"])
    assert "message 499 " in rendered and "message 0 " not in rendered
    notes = [t for t in texts(message) if t.endswith("not shown._")]
    assert len(notes) == 1 and notes[0].startswith("_4")  # 4xx earlier messages
    assert buttons(message)  # the buttons survive the cut


def test_many_short_lines_share_sections() -> None:
    lines = [TranscriptLine("Customer", f"line {i}") for i in range(100)]
    message = handoff_waiting(Handoff(CID, "web", transcript=lines))
    transcript = [b for b in of_type(message, "section") if "text" in b]
    assert len(transcript) == 1 and transcript[0]["text"]["text"].count("\n") == 99


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.tuples(st.text(max_size=40), st.text(max_size=4000)), max_size=120),
    extra=st.text(max_size=300),
)
def test_any_transcript_fits_slacks_limits_and_mentions_nobody(
    lines: list[tuple[str, str]], extra: str
) -> None:
    handoff = Handoff(
        CID, extra, [TranscriptLine(*line) for line in lines], page_url=extra, language=extra, email=extra
    )
    for message in (handoff_waiting(handoff), handoff_claimed(handoff, extra)):
        assert len(message["blocks"]) <= 50
        for block in message["blocks"]:
            if block["type"] == "section" and "text" in block:
                assert 1 <= len(block["text"]["text"]) <= 3000
            for field in block.get("fields", []):
                assert 1 <= len(field["text"]) <= 2000
        assert "<!" not in json.dumps(message) and "<@" not in "".join(texts(message)).replace(
            mention(extra), ""
        )


def test_escape_and_mention() -> None:
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert mention("U0ANN") == "<@U0ANN>" and mention("W0ENTERPRISE") == "<@W0ENTERPRISE>"
    assert mention("<!channel>") == "&lt;!channel&gt;"


@pytest.mark.parametrize("conversation_id", ["", "x" * 2001])
def test_a_conversation_id_must_fit_a_button_value(conversation_id: str) -> None:
    with pytest.raises(ValueError, match="button value"):
        handoff_waiting(Handoff(conversation_id, "web"))
