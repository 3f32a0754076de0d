"""The handoff services of one Rasa server process, built once from the environment.

Rasa creates input channels from credentials.yml, one object each; the web and
Slack channels share one relay through `services()`. Nothing is built at
import: the first channel that asks builds it.

Environment: HANDOFF_DB_URL (default: TRACKER_STORE_URL, so one database
holds the whole story), SLACK_BOT_TOKEN and SLACK_SUPPORT_CHANNEL (no agents
without them), SLACK_API_URL (a Slack-compatible API, e.g. a local fake in
tests), HANDOFF_SWEEP_SECONDS (how often unclaimed handoffs are checked, 5).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import OutputChannel
from sanic import Sanic

from channels.handoff.log import RasaConversationLog
from channels.handoff.ports import Desk
from channels.handoff.relay import HandoffRelay
from channels.handoff.store import Handoff, HandoffStore

logger = logging.getLogger(__name__)

Deliver = Callable[[Handoff, dict[str, Any]], Awaitable[None]]
OutputFor = Callable[[str, Handoff | None], OutputChannel]


class ConfigError(ValueError):
    """A handoff setting is wrong; the message names it."""


@dataclass
class Customers:
    """Reaches customers on whichever channel they use; channels register themselves."""

    store: HandoffStore
    app: Sanic | None = None
    deliverers: dict[str, Deliver] = field(default_factory=dict)
    outputs: dict[str, OutputFor] = field(default_factory=dict)

    def register(self, origin: str, deliver: Deliver, output: OutputFor) -> None:
        self.deliverers[origin], self.outputs[origin] = deliver, output

    async def deliver(self, handoff: Handoff, message: dict[str, Any]) -> None:
        deliver = self.deliverers.get(handoff.origin)
        if deliver is None:
            logger.warning("no channel delivers to %s customers", handoff.origin)
            return
        await deliver(handoff, message)

    def output_for(self, conversation_id: str) -> OutputChannel:
        handoff = self.store.latest_for(conversation_id)
        origin = handoff.origin if handoff else "webchat"
        return self.outputs[origin](conversation_id, handoff)

    def agent(self) -> Agent:
        if self.app is None:
            raise RuntimeError("the Rasa server has not started yet")
        return self.app.ctx.agent


@dataclass
class Services:
    store: HandoffStore
    customers: Customers
    relay: HandoffRelay
    sweep_seconds: float
    _sweeper: asyncio.Task[None] | None = None

    def attach(self, app: Sanic) -> None:
        """Called when the server has started: begin checking unclaimed handoffs."""
        self.customers.app = app
        if self._sweeper is None and self.relay.has_desk:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                await self.relay.sweep()
            except Exception:  # keep sweeping; one bad row must not stop pings for the rest
                logger.exception("handoff sweep failed")


_services: Services | None = None


def services() -> Services:
    global _services
    if _services is None:
        _services = build(os.environ)
    return _services


def build(env: Mapping[str, str], desk: Desk | None = None) -> Services:
    url = env.get("HANDOFF_DB_URL") or env.get("TRACKER_STORE_URL") or "sqlite:///var/conversations.db"
    store = HandoffStore.connect(url)
    customers = Customers(store)
    log = RasaConversationLog(agent=customers.agent, output_for=customers.output_for)
    relay = HandoffRelay(
        store, desk if desk is not None else build_desk(env), log, customers, clock=time.time
    )
    sweep = positive_seconds(env, "HANDOFF_SWEEP_SECONDS", 5.0)
    return Services(store, customers, relay, sweep_seconds=sweep)


def build_desk(env: Mapping[str, str]) -> Desk | None:
    token, channel = env.get("SLACK_BOT_TOKEN"), env.get("SLACK_SUPPORT_CHANNEL")
    if not token or not channel:
        return None
    from channels.handoff.desk import SlackDesk
    from channels.slack.client import make_client
    from knowledge.redaction import RedactionSettings

    redact = RedactionSettings.from_env(env).redactor.redact  # REDACT: customer text reaches Slack redacted
    return SlackDesk(make_client(token, base_url=env.get("SLACK_API_URL") or None), channel, redact)


def positive_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds from `env[name]`, or `default` when unset; ConfigError names it."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value
