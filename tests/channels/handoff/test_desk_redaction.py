"""With REDACT set, the agents' Slack gets the customer's words without their personal data."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from channels.handoff.desk import SlackDesk
from channels.handoff.ports import Line
from channels.handoff.runtime import build_desk
from channels.handoff.store import Handoff
from channels.slack.client import make_client
from knowledge.redaction import Redactor
from tests.fakes.slack_server import FakeSlack

SUPPORT = "C0SUPPORT"
SECRETS = ("jane@example.com", "4111 1111 1111 1111", "020 7946 0958")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def handoff() -> Handoff:
    return Handoff(
        id=1,
        conversation_id="3f2a9c0d4e5b6a7f8091a2b3c4d5e6f7",
        origin="webchat",
        origin_address={},
        slack_channel=SUPPORT,
        thread_ts="1700000000.000100",
        status="pending",
        trigger="asked",
        customer={"email": "jane@example.com", "page_url": "https://shop.example/?u=jane@example.com"},
        agent_id=None,
        agent_name=None,
        created_at=1.0,
        claim_deadline=None,
        pinged_at=None,
        claimed_at=None,
        first_agent_reply_at=None,
        closed_at=None,
    )


TRANSCRIPT = [
    Line("customer", "my card 4111 1111 1111 1111 was charged twice, order #123456", 1.0),
    Line("bot", "I couldn't find an answer to that.", 2.0),
    Line("customer", "call me on 020 7946 0958 or mail jane@example.com", 3.0),
]


def everything_sent(slack: FakeSlack) -> str:
    return json.dumps([call.args for call in slack.calls("chat.postMessage") + slack.calls("chat.update")])


async def use_the_desk(desk: SlackDesk) -> None:
    await desk.open_thread(handoff(), TRANSCRIPT)
    await desk.post(handoff(), "*Customer:* it's jane@example.com, 020 7946 0958")
    await desk.show_claimed(handoff(), TRANSCRIPT)
    await desk.show_closed(handoff(), TRANSCRIPT, "U0SAM")
    await desk.post_ticket(
        {
            "conversation_id": "c1",
            "email": "jane@example.com",
            "message": "Card 4111 1111 1111 1111 failed; call 020 7946 0958 about order #123456",
            "page_url": "https://shop.example/checkout",
        }
    )


def test_threads_messages_and_tickets_reach_slack_redacted(slack: FakeSlack) -> None:
    desk = SlackDesk(make_client("xoxb-ok", base_url=slack.base_url), SUPPORT, Redactor().redact)
    asyncio.run(use_the_desk(desk))
    sent = everything_sent(slack)
    assert not any(secret in sent for secret in SECRETS)
    assert "my card [card] was charged twice, order #123456" in sent  # the rest is kept
    assert "call me on [phone] or mail [email]" in sent
    assert "3f2a9c0d4e5b6a7f8091a2b3c4d5e6f7" in sent  # the conversation id, to find the ticket
    assert len(slack.calls("chat.postMessage")) == 3 and len(slack.calls("chat.update")) == 2


def test_without_redact_the_desk_shows_what_the_customer_wrote(slack: FakeSlack) -> None:
    desk = build_desk(
        {"SLACK_BOT_TOKEN": "xoxb-ok", "SLACK_SUPPORT_CHANNEL": SUPPORT, "SLACK_API_URL": slack.base_url}
    )
    assert isinstance(desk, SlackDesk)
    asyncio.run(use_the_desk(desk))
    sent = everything_sent(slack)
    assert all(secret in sent for secret in SECRETS)


def test_the_desk_built_from_the_environment_redacts_what_redact_names(slack: FakeSlack) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-ok", "SLACK_SUPPORT_CHANNEL": SUPPORT, "SLACK_API_URL": slack.base_url}
    desk = build_desk({**env, "REDACT": "email"})
    assert isinstance(desk, SlackDesk)
    asyncio.run(use_the_desk(desk))
    sent = everything_sent(slack)
    assert "jane@example.com" not in sent and "[email]" in sent
    assert "4111 1111 1111 1111" in sent and "020 7946 0958" in sent
