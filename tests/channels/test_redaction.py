"""The Rasa server's side of redaction: the customer's text before Rasa logs it, and its own log."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet

from channels.csat import intents
from channels.redaction import Handler, redact_incoming
from knowledge import redaction
from knowledge.redaction import RedactionError

DOMAIN = Domain.from_dict(
    {
        "slots": {
            "contact_email": {"type": "text", "mappings": [{"type": "from_text"}]},
            "requested_slot": {
                "type": "text",
                "mappings": [{"type": "custom"}],
                "influence_conversation": False,
            },
        }
    }
)
TEXT = "I'm jane@example.com, card 4111 1111 1111 1111, phone 020 7946 0958"


@pytest.fixture(autouse=True)
def clean_logging() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)
    redaction._installed.clear()


class Rasa:
    """Rasa's side of the wrapper: a real tracker store, and the handler that receives messages."""

    def __init__(self) -> None:
        self.store = InMemoryTrackerStore(DOMAIN)
        self.received: list[UserMessage] = []
        self.agent = SimpleNamespace(tracker_store=self.store)

    async def handle(self, message: UserMessage) -> None:
        self.received.append(message)

    def asking_for_email(self, sender: str) -> None:
        async def save() -> None:
            tracker = await self.store.get_or_create_tracker(sender)
            tracker.update(SlotSet("requested_slot", "contact_email"))
            await self.store.save(tracker)

        asyncio.run(save())


def deliver(handler: Handler, message: UserMessage) -> None:
    async def call() -> None:
        await handler(message)

    asyncio.run(call())


def message(sender: str = "c1", text: str = TEXT) -> UserMessage:
    metadata: dict[str, Any] = {
        "context": {
            "page_url": "https://shop.example/account?email=jane@example.com",
            "customer_email": "jane@example.com",
            "customer_id": "cus_42",
        },
        "display_text": "Call 020 7946 0958",
    }
    return UserMessage(text=text, sender_id=sender, input_channel="webchat", metadata=metadata)


def test_with_redact_tracker_rasa_never_sees_the_original(caplog: pytest.LogCaptureFixture) -> None:
    rasa = Rasa()
    handler = redact_incoming(rasa.handle, lambda: rasa.agent, {"REDACT": "all", "REDACT_TRACKER": "redact"})
    deliver(handler, message())
    [received] = rasa.received
    assert received.text == "I'm [email], card [card], phone [phone]"
    assert received.metadata["display_text"] == "Call [phone]"
    assert received.metadata["context"] == {
        "page_url": "https://shop.example/account?email=[email]",
        "customer_email": "jane@example.com",  # the site says who the customer is: kept, and erasable
        "customer_id": "cus_42",
    }


def test_the_address_the_contact_form_asks_for_is_kept_and_the_rest_redacted() -> None:
    rasa = Rasa()
    rasa.asking_for_email("c2")
    handler = redact_incoming(rasa.handle, lambda: rasa.agent, {"REDACT": "all", "REDACT_TRACKER": "redact"})
    deliver(handler, message("c2"))
    deliver(handler, message("c3"))  # another conversation, not in the form
    assert [m.text for m in rasa.received] == [
        "I'm jane@example.com, card [card], phone [phone]",
        "I'm [email], card [card], phone [phone]",
    ]


def test_a_survey_comment_is_redacted_inside_its_json() -> None:
    rasa = Rasa()
    handler = redact_incoming(rasa.handle, lambda: rasa.agent, {"REDACT": "all", "REDACT_TRACKER": "redact"})
    comment = "slow!\njürgen@example.de or 020 7946 0958"
    deliver(handler, message(text=intents.csat_text("9f0c1d", 2, comment)))
    text = rasa.received[0].text
    assert text.startswith("/csat_submit{")
    entities = json.loads(text.removeprefix("/csat_submit"))
    assert entities == {"survey_id": "9f0c1d", "rating": 2, "comment": "slow!\n[email] or [phone]"}


def test_when_the_log_cannot_be_read_everything_is_redacted() -> None:
    rasa = Rasa()

    def broken() -> Any:
        raise RuntimeError("the Rasa server has not started yet")

    handler = redact_incoming(rasa.handle, broken, {"REDACT": "email", "REDACT_TRACKER": "redact"})
    deliver(handler, message())
    assert rasa.received[0].text == "I'm [email], card 4111 1111 1111 1111, phone 020 7946 0958"


def test_keep_leaves_the_message_alone_and_still_redacts_the_log(caplog: pytest.LogCaptureFixture) -> None:
    rasa = Rasa()
    handler = redact_incoming(rasa.handle, lambda: rasa.agent, {"REDACT": "all"})
    assert handler == rasa.handle  # REDACT_TRACKER=keep: Rasa's own handler, unwrapped
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa.core.processor").info("Received user message '%s'", TEXT)
    assert caplog.messages == ["Received user message 'I'm [email], card [card], phone [phone]'"]


def test_no_redact_setting_changes_nothing() -> None:
    rasa = Rasa()
    factory = logging.getLogRecordFactory()
    assert redact_incoming(rasa.handle, lambda: rasa.agent, {}) == rasa.handle
    assert logging.getLogRecordFactory() is factory


def test_a_wrong_setting_stops_the_channel_with_a_clear_error() -> None:
    with pytest.raises(RedactionError, match="REDACT_TRACKER must be keep or redact"):
        redact_incoming(Rasa().handle, lambda: None, {"REDACT": "all", "REDACT_TRACKER": "yes"})
