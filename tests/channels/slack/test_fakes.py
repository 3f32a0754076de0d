"""The fakes answer like Slack for the methods the handoff uses."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from channels.slack.client import SlackUnavailable, call, make_client
from channels.slack.signing import verify
from tests.fakes.slack_server import FakeSlack
from tests.fakes.slack_signing import signed_headers

QUICK = FixedValueRetryIntervalCalculator(0.01)


def run(slack: FakeSlack, method: str, token: str = "xoxb-ok", **kwargs: Any) -> dict[str, Any]:
    client = make_client(token, base_url=slack.base_url, retry_interval=QUICK)
    return asyncio.run(call(client, method, **kwargs))


def test_update_and_ephemeral_messages(slack: FakeSlack) -> None:
    posted = run(slack, "chat.postMessage", channel="C1", blocks=[{"type": "divider"}], text="x")
    updated = run(slack, "chat.update", channel="C1", ts=posted["ts"], text="claimed", blocks=[])
    assert (updated["ts"], updated["text"]) == (posted["ts"], "claimed")
    assert run(slack, "chat.postEphemeral", channel="C1", user="U1", text="only you")["message_ts"]
    assert slack.calls("chat.postMessage")[0].args["blocks"] == [{"type": "divider"}]


def test_unknown_users_and_missing_tokens_are_slack_errors(slack: FakeSlack) -> None:
    with pytest.raises(SlackUnavailable, match="user_not_found"):
        run(slack, "users.info", user="U0NOBODY")
    with pytest.raises(SlackUnavailable, match="not_authed"):
        run(slack, "auth.test", token="")
    assert run(slack, "auth.test")["user_id"] == "U0BOT"


def test_reset_forgets_calls_and_scenarios(slack: FakeSlack) -> None:
    run(slack, "auth.test", token="xoxb-disconnect")  # dropped once, then answered
    assert len(slack.calls()) == 2
    slack.reset()
    assert slack.calls() == []
    run(slack, "auth.test", token="xoxb-disconnect")
    assert len(slack.calls()) == 2  # the first call is dropped again


def test_signed_headers_verify_with_the_real_algorithm() -> None:
    headers = signed_headers("secret", "body", timestamp=1_700_000_000)
    verify("secret", headers, b"body", now=1_700_000_000)
