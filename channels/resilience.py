"""When the action server is down: tell the customer, and log what they were told.

    on_new_message = reply_when_unavailable(on_new_message, agent, log)

Rasa 3.6 logs an exception and carries on when the action server cannot be
reached (rasa/core/processor.py, `_run_action`): the customer's message is
logged, but the turn ends without a reply. Each input channel wraps Rasa's
handler once. A turn that sent nothing is looked at again: when the action
server does not answer its health check and no person has the conversation
(a paused turn is silent on purpose), the customer gets TEMPORARILY_UNAVAILABLE,
and the same message goes into the conversation log as a bot event, so the
transcript shows what the customer saw. Nothing here keeps state: once the action
server is back the next message is answered as usual.

A turn that did reply costs nothing extra; a silent one costs one health check
(and, only when that fails, one read of the conversation).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import aiohttp
from rasa.core.agent import Agent
from rasa.core.channels.channel import OutputChannel, UserMessage

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]
Probe = Callable[[], Awaitable[bool]]  # True: the action server answers

TEMPORARILY_UNAVAILABLE = (
    "Sorry, I'm having trouble answering right now. Your message is saved; please try again in a minute."
)
# Set on the logged bot event, so the log says why this reply was not the bot's usual one.
UNAVAILABLE_MARK = {"unavailable": "action_server"}
HEALTH_TIMEOUT_SECONDS = 2.0


class BotMessageLog(Protocol):
    """Where the reply is recorded (channels/handoff/log.py RasaConversationLog)."""

    async def add_bot_message(self, conversation_id: str, message: dict[str, Any]) -> dict[str, Any]: ...


class WatchedOutput(OutputChannel):
    """The turn's output channel, noting whether anything was sent through it."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = False

    def name(self) -> str:  # the wrapped channel's name: responses vary by it
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent = True
        await self.inner.send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, **kwargs})


def reply_when_unavailable(
    on_new_message: Handler,
    agent: Callable[[], Agent],
    log: BotMessageLog,
    probe: Probe | None = None,
) -> Handler:
    """Rasa's handler, answering a silent turn for the action server when it is down.

    `probe` defaults to a GET of the action server's /health (from the agent's
    action endpoint, so endpoints.yml stays the one place that names it).
    """
    healthy = probe or (lambda: action_server_healthy(agent()))

    async def handler(message: UserMessage) -> Any:
        watched = WatchedOutput(message.output_channel)
        message.output_channel = watched
        result = await on_new_message(message)
        if not watched.sent and not await healthy() and not await _paused(agent, message.sender_id):
            await _tell(watched.inner, log, message.sender_id)
        return result

    return handler


async def action_server_healthy(agent: Agent, timeout: float = HEALTH_TIMEOUT_SECONDS) -> bool:
    endpoint = agent.action_endpoint
    if endpoint is None or not endpoint.url:
        return True  # no action server configured: nothing to be down
    return await probe_url(health_url(endpoint.url), timeout)


def health_url(webhook_url: str) -> str:
    """rasa-sdk serves /health beside /webhook: http://host:5055/webhook -> http://host:5055/health."""
    base = webhook_url.rstrip("/")
    base = base.removesuffix("/webhook")
    return f"{base}/health"


async def probe_url(url: str, timeout: float) -> bool:
    try:
        limit = aiohttp.ClientTimeout(total=timeout)
        async with aiohttp.ClientSession(timeout=limit) as session, session.get(url) as response:
            return response.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return False


async def _paused(agent: Callable[[], Agent], sender_id: str) -> bool:
    try:
        tracker = await agent().tracker_store.retrieve(sender_id)
    except Exception as error:  # the log is unreachable too: the customer should still hear something
        logger.warning("could not read conversation %s: %s", sender_id, type(error).__name__)
        return False
    return tracker is not None and tracker.is_paused()


async def _tell(output: OutputChannel, log: BotMessageLog, sender_id: str) -> None:
    message = {"text": TEMPORARILY_UNAVAILABLE, "custom": dict(UNAVAILABLE_MARK)}
    logger.error("the action server is unreachable; conversation %s was told to try again", sender_id)
    try:
        await output.send_response(sender_id, message)
    except Exception:  # e.g. Slack is down as well: the log below still says what happened
        logger.exception("could not tell conversation %s that the bot is unavailable", sender_id)
    try:
        await log.add_bot_message(sender_id, message)
    except Exception:
        logger.exception("could not log the unavailable reply of conversation %s", sender_id)
