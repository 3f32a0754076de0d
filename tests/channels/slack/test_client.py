"""Retries and failures against the local fake Slack (tests/fakes/slack_server.py)."""

from __future__ import annotations

import asyncio
import itertools
import random
import socket
import time
from typing import Any

import pytest
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import (
    BackoffRetryIntervalCalculator,
    FixedValueRetryIntervalCalculator,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from channels.slack.client import ServerErrorRetryHandler, SlackUnavailable, call, make_client, retry_handlers
from tests.fakes.slack_server import FakeSlack

pytestmark = pytest.mark.timeout(30)
QUICK = FixedValueRetryIntervalCalculator(0.01)


def run(slack: FakeSlack, token: str, method: str = "auth.test", timeout: float = 10, **kwargs: Any) -> Any:
    client = make_client(token, base_url=slack.base_url, timeout=timeout, retry_interval=QUICK)
    return asyncio.run(call(client, method, **kwargs))


def gaps(slack: FakeSlack, method: str) -> list[float]:
    times = [c.at for c in slack.calls(method)]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def test_a_call_returns_slacks_answer_and_the_fake_records_it(slack: FakeSlack) -> None:
    posted = run(slack, "xoxb-ok", "chat.postMessage", channel="C1", text="hello", thread_ts="1.2")
    assert posted["ok"] and posted["channel"] == "C1" and posted["ts"] == "1700000000.000100"
    again = run(slack, "xoxb-ok", "chat.postMessage", channel="C1", text="again")
    assert again["ts"] == "1700000000.000200"
    recorded = slack.calls("chat.postMessage")[0]
    assert (recorded.token, recorded.args["text"], recorded.args["thread_ts"]) == ("xoxb-ok", "hello", "1.2")


def test_form_and_query_methods_are_recorded_too(slack: FakeSlack) -> None:
    assert run(slack, "xoxb-ok", "users.info", user="U0AGENT")["user"]["profile"]["display_name"] == "ann"
    opened = run(slack, "xoxb-ok", "conversations.open", users="U0CUSTOMER")
    assert (
        opened["channel"]["id"]
        == run(slack, "xoxb-ok", "conversations.open", users="U0CUSTOMER")["channel"]["id"]
    )
    assert slack.calls("users.info")[0].args == {"user": "U0AGENT"}


def test_rate_limited_calls_wait_for_retry_after_then_succeed(slack: FakeSlack) -> None:
    client = make_client("xoxb-ratelimited", base_url=slack.base_url)
    started = time.monotonic()
    assert asyncio.run(call(client, "chat.postMessage", channel="C1", text="hi"))["ok"]
    assert len(slack.calls("chat.postMessage")) == 3  # 429, 429, ok
    assert all(gap >= 1.0 for gap in gaps(slack, "chat.postMessage"))  # Retry-After: 1
    assert time.monotonic() - started < 6  # 2 x (1 s + at most 1 s of jitter) and the requests


def test_server_errors_back_off_exponentially_then_succeed(slack: FakeSlack) -> None:
    client = make_client("xoxb-500", base_url=slack.base_url)  # the real back-off: 0.5 s, 1 s (+ jitter)
    assert asyncio.run(call(client, "auth.test"))["ok"]
    first, second = gaps(slack, "auth.test")
    assert len(slack.calls("auth.test")) == 3
    assert 0.5 <= first < 2.0 and 1.0 <= second < 2.5


def test_slack_down_raises_slack_unavailable_after_three_retries(slack: FakeSlack) -> None:
    with pytest.raises(SlackUnavailable) as unavailable:
        run(slack, "xoxb-down", "chat.postMessage", channel="C1", text="hi")
    assert (unavailable.value.method, unavailable.value.reason) == ("chat.postMessage", "HTTP 500")
    assert str(unavailable.value) == "Slack chat.postMessage failed: HTTP 500"
    assert len(slack.calls("chat.postMessage")) == 4


def test_a_lasting_rate_limit_gives_up_with_its_error_code(slack: FakeSlack, monkeypatch: Any) -> None:
    slack.failing_calls, slack.retry_after = 100, 0
    monkeypatch.setattr(random, "random", lambda: 0.0)  # slack_sdk adds up to 1 s to Retry-After
    with pytest.raises(SlackUnavailable, match="ratelimited"):
        run(slack, "xoxb-ratelimited")
    assert len(slack.calls("auth.test")) == 4


def test_a_dropped_connection_is_retried(slack: FakeSlack) -> None:
    assert run(slack, "xoxb-disconnect")["ok"]
    assert len(slack.calls("auth.test")) == 2


def test_an_unreachable_slack_raises_slack_unavailable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client("xoxb-ok", base_url=f"http://127.0.0.1:{port}/api/", retry_interval=QUICK)
    with pytest.raises(SlackUnavailable, match="could not reach Slack"):
        asyncio.run(call(client, "auth.test"))


def test_a_slow_slack_times_out_without_retrying(slack: FakeSlack) -> None:
    started = time.monotonic()
    with pytest.raises(SlackUnavailable) as unavailable:
        run(slack, "xoxb-slow", timeout=0.3)
    assert unavailable.value.reason == "timed out"
    assert time.monotonic() - started < 1.5
    assert len(slack.calls("auth.test")) == 1


@pytest.mark.parametrize(
    ("token", "kwargs", "reason"),
    [
        ("xoxb-ok", {"channel": "", "text": "no channel"}, "channel_not_found"),
        ("xoxb-invalid", {"channel": "C1", "text": "hi"}, "invalid_auth"),
    ],
)
def test_slack_error_codes_become_the_reason(slack: FakeSlack, token: str, kwargs: Any, reason: str) -> None:
    with pytest.raises(SlackUnavailable) as unavailable:
        run(slack, token, "chat.postMessage", **kwargs)
    assert unavailable.value.reason == reason
    assert len(slack.calls()) == 1  # errors Slack answers with are final


def test_wrong_arguments_are_a_programming_error_not_an_outage(slack: FakeSlack) -> None:
    with pytest.raises(TypeError, match="channel"):
        run(slack, "xoxb-ok", "chat.postMessage", text="where to?")
    assert slack.calls() == []


@pytest.mark.parametrize("method", ["chat.sendCarrierPigeon", "token", "__init__", "chat_postMessage", ""])
def test_unknown_methods_are_a_programming_error(method: str) -> None:
    with pytest.raises(ValueError, match="no method"):
        asyncio.run(call(make_client("xoxb-ok"), method))


def test_the_client_talks_to_slack_unless_told_otherwise() -> None:
    assert make_client("xoxb-ok").base_url == "https://slack.com/api/"
    assert make_client("xoxb-ok", base_url="http://127.0.0.1:9/api/", timeout=2.5).timeout == 2.5


def test_retry_policy() -> None:
    rate_limit, server, connection = retry_handlers()
    assert isinstance(rate_limit, AsyncRateLimitErrorRetryHandler) and rate_limit.max_retry_count == 3
    assert isinstance(server, ServerErrorRetryHandler) and server.max_retry_count == 3
    assert isinstance(connection, AsyncConnectionErrorRetryHandler) and connection.max_retry_count == 2
    backoff = server.interval_calculator
    assert isinstance(backoff, BackoffRetryIntervalCalculator) and backoff.backoff_factor == 0.5


@pytest.mark.parametrize(
    ("status", "retried"), [(500, True), (502, True), (503, True), (504, True), (429, False)]
)
def test_every_5xx_is_retried(status: int, retried: bool) -> None:
    handler = ServerErrorRetryHandler(max_retry_count=3)
    request = HttpRequest(method="POST", url="http://x/api/auth.test", headers={})
    response = HttpResponse(status_code=status, headers={})
    assert (
        asyncio.run(handler.can_retry_async(state=RetryState(), request=request, response=response))
        is retried
    )
