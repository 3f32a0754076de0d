"""The Slack Web API client, with retries, and one exception for every final failure.

    client = make_client(settings.bot_token)
    try:
        posted = await call(client, "chat.postMessage", channel=channel, **blocks.handoff_waiting(h))
    except SlackUnavailable as unavailable:
        ...  # fall back: record a ticket

Retries are slack_sdk's own async handlers. Two things about them shape the numbers
below: all handlers share one attempt counter per call (so "3 rate-limit retries"
means "stop once 3 retries of any kind have happened"), and both the back-off and
the Retry-After wait get up to 1 s of random jitter added.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from channels.slack import messages

logger = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 3
CONNECTION_ERROR_RETRIES = 2
_METHOD = re.compile(r"^[a-z]+(\.[a-zA-Z]+)+$")  # "chat.postMessage", "admin.users.list"
# Waits of 0.5, 1 and 2 s (each plus up to 1 s of jitter) between server-error retries.
BACKOFF_FACTOR = 0.5


class SlackUnavailable(Exception):
    """A Slack call failed for good (after retries); callers fall back instead.

    `reason` is Slack's error code ("channel_not_found", "ratelimited") when Slack
    answered, otherwise what went wrong ("HTTP 500", "timed out").
    """

    def __init__(self, method: str, reason: str) -> None:
        super().__init__(messages.slack_unavailable(method, reason))
        self.method = method
        self.reason = reason


class ServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    """Retry every 5xx: slack_sdk's handler retries only 500 and 503, not 502/504."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and 500 <= response.status_code <= 599


def retry_handlers(interval: RetryIntervalCalculator | None = None) -> list[AsyncRetryHandler]:
    """429 (waits Retry-After), 5xx (exponential back-off), connection errors.

    A timeout is not retried: the caller is already waiting `timeout` seconds per
    attempt, and a customer should hear about a fallback rather than wait longer.
    """
    backoff = interval or BackoffRetryIntervalCalculator(backoff_factor=BACKOFF_FACTOR)
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES, interval_calculator=backoff),
        AsyncConnectionErrorRetryHandler(
            max_retry_count=CONNECTION_ERROR_RETRIES, interval_calculator=backoff
        ),
    ]


def make_client(
    token: str,
    base_url: str | None = None,
    timeout: float = 10,
    *,
    retry_interval: RetryIntervalCalculator | None = None,
) -> AsyncWebClient:
    """An AsyncWebClient with retries; `timeout` applies to each attempt.

    `base_url` points it elsewhere (tests: FakeSlack.base_url); slack_sdk expects
    it to end in "/api/". `retry_interval` replaces the back-off between 5xx and
    connection-error retries (tests use a short fixed one).
    """
    return AsyncWebClient(
        token=token,
        base_url=base_url or AsyncWebClient.BASE_URL,
        timeout=timeout,  # type: ignore[arg-type]  # annotated int; aiohttp takes any float
        retry_handlers=retry_handlers(retry_interval),
    )


async def call(client: AsyncWebClient, method: str, **kwargs: Any) -> dict[str, Any]:
    """Call a Web API method by its Slack name; raise SlackUnavailable on any failure.

    The method runs through slack_sdk's named wrapper ("chat.postMessage" ->
    `client.chat_postMessage`), which knows whether Slack wants JSON, a form or
    a GET. Returns the response body. Arguments the method does not take raise
    TypeError before anything is sent.
    """
    bound = getattr(client, method.replace(".", "_"), None) if _METHOD.match(method) else None
    if not callable(bound):
        raise ValueError(messages.unknown_method(method))
    inspect.signature(bound).bind(**kwargs)  # a wrong argument is a bug, not an outage: TypeError
    try:
        response = await bound(**kwargs)
    except Exception as error:
        raise _unavailable(method, error) from error
    return dict(response.data) if isinstance(response.data, dict) else {"ok": True}


def _unavailable(method: str, error: Exception) -> SlackUnavailable:
    if isinstance(error, SlackApiError):
        reason = _api_error_reason(error)
    elif isinstance(error, asyncio.TimeoutError):  # includes aiohttp's ServerTimeoutError
        reason = messages.UNAVAILABLE_TIMEOUT
    elif isinstance(error, aiohttp.ClientError | OSError):
        reason = f"{messages.UNAVAILABLE_CONNECTION} ({type(error).__name__})"
    elif isinstance(error, SlackClientError):
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    else:  # not a Slack or network error: keep the traceback for whoever debugs it
        logger.warning("unexpected error calling Slack %s", method, exc_info=error)
        reason = type(error).__name__
    return SlackUnavailable(method, reason)


def _api_error_reason(error: SlackApiError) -> str:
    response = error.response
    data = getattr(response, "data", None)
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"]
    return messages.unavailable_http(int(getattr(response, "status_code", 0) or 0))
