from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.contact import ActionSubmitContact, ValidateContactForm, find_email
from actions.support_rules import ContactRules
from tests.actions.helpers import tracker


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("me@example.com", "me@example.com"),
        ("sure, it's Jane.Doe@Example.COM.", "Jane.Doe@example.com"),
        ("<bob@example.org>", "bob@example.org"),
        ("not an address", None),
        ("me@", None),
        ("@example.com", None),
        ("a@b", None),
        ("", None),
    ],
)
def test_find_email(text: str, email: str | None) -> None:
    assert find_email(text) == email


def validate(slot: str, value: str, limit: int = 2000) -> tuple[dict, list[dict]]:
    form, dispatcher = ValidateContactForm(ContactRules(max_message_chars=limit)), CollectingDispatcher()
    method = getattr(form, f"validate_{slot}")
    return method(value, dispatcher, tracker(value), {}), dispatcher.messages


def test_a_valid_email_is_kept_normalised() -> None:
    assert validate("contact_email", "my email is Me@Example.com") == (
        {"contact_email": "Me@example.com"},
        [],
    )


def test_an_invalid_email_is_rejected_with_a_hint() -> None:
    slots, messages = validate("contact_email", "how much is plus?")
    assert slots == {"contact_email": None}
    assert "name@example.com" in messages[0]["text"]


def test_an_overlong_message_is_rejected_and_says_the_limit() -> None:
    slots, messages = validate("contact_message", "x" * 31, limit=30)
    assert slots == {"contact_message": None}
    assert "31" in messages[0]["text"] and "30" in messages[0]["text"]


def test_a_message_is_kept_trimmed() -> None:
    assert validate("contact_message", "  please call me  ") == ({"contact_message": "please call me"}, [])


def test_submitting_records_a_ticket_in_the_conversation_and_clears_the_form() -> None:
    dispatcher = CollectingDispatcher()
    action = ActionSubmitContact(clock=lambda: 1_700_000_000.0)
    events = asyncio.run(
        action.run(
            dispatcher,
            tracker(slots={"contact_email": "me@example.com", "contact_message": "Please call me"}),
            {},
        )
    )
    [message] = dispatcher.messages
    assert "me@example.com" in message["text"]
    assert message["custom"]["ticket"] == {
        "email": "me@example.com",
        "message": "Please call me",
        "created_at": 1_700_000_000.0,
        "status": "open",
        "reason": "contact",
    }
    assert events == [SlotSet("contact_email", None), SlotSet("contact_message", None)]
