"""The Rasa side of the survey: quiet conversations are asked, and ratings count while paused.

    csat = runtime()          # one per Rasa process, built from the environment
    csat.attach(app)          # after the server started: sweep for quiet conversations
    await record_while_paused(agent, conversation_id, output)

Quiet conversations: Rasa's reminders (ReminderScheduled) live in memory and die
with a restart, so a sweeper reads the conversation log instead
(channels/csat/inactivity.py) and triggers `EXTERNAL_csat_inactive`, like the
handoff sweeper pings unclaimed threads; action_ask_csat decides whether to ask.
The delay is `csat.inactivity_minutes` of bot/support.yml, the file the action
server validates (SUPPORT_RULES); 0 switches the sweep off. With several Rasa
servers each one sweeps; two may poke the same conversation, and the second
poke finds the survey asked and asks nothing (the action decides, under the
conversation's lock).

While a person has the conversation Rasa pauses it and predicts nothing, but a
thumbs-up on an earlier answer, or a rating, should not be lost: after Rasa has
logged such a message, `record_while_paused` runs its action directly, as Rasa's
own `/conversations/<id>/execute` API would.

Environment: SUPPORT_RULES, TRACKER_STORE_URL (the conversation log), and
CSAT_SWEEP_SECONDS (how often to look for quiet conversations, 30).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core.agent import Agent
from rasa.core.channels.channel import OutputChannel
from rasa.core.policies.policy import PolicyPrediction
from rasa.shared.core.events import ActionExecuted, UserUttered
from sanic import Sanic

from channels.csat.inactivity import INACTIVE_INTENT, InactivityWatch
from channels.csat.intents import RECORD_ACTIONS
from channels.handoff.runtime import ConfigError as ConfigError  # one error type for Rasa-side settings
from channels.handoff.runtime import positive_seconds

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]

OutputFor = Callable[[str, str], OutputChannel | None]  # (channel name, conversation id)


async def record_while_paused(agent: Agent, conversation_id: str, output: OutputChannel) -> bool:
    """Run the action for a survey answer or feedback Rasa logged but, paused, did not act on.

    True if it ran. Does nothing when the conversation is not paused (Rasa's rules
    ran the action already) or when the latest message is not such a record.
    """
    processor = agent.processor
    if processor is None:
        return False
    async with agent.lock_store.lock(conversation_id):
        tracker = await processor.get_tracker(conversation_id)
        message = tracker.latest_message
        action = RECORD_ACTIONS.get(str((message.intent if message else {}).get("name")))
        if not tracker.is_paused() or action is None or _acted_since_last_message(tracker.events):
            return False
        prediction = PolicyPrediction.for_action_name(agent.domain, action)
        await processor.execute_action(conversation_id, action, output, processor.nlg, prediction)
    return True


def _acted_since_last_message(events: Any) -> bool:
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted):
            return True
    return False


@dataclass
class CsatRuntime:
    watch: InactivityWatch | None  # None: no survey for quiet conversations
    output_for: OutputFor
    sweep_seconds: float
    clock: Callable[[], float] = time.time
    app: Sanic | None = None
    _sweeper: asyncio.Task[None] | None = None
    _warned: bool = False

    def attach(self, app: Sanic) -> None:
        """Called by each channel once the server has started; the sweep starts once."""
        self.app = app
        if self._sweeper is None and self.watch is not None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def sweep(self) -> int:
        """Ask every conversation that went quiet; returns how many were triggered."""
        agent = getattr(self.app.ctx, "agent", None) if self.app is not None else None
        if self.watch is None or agent is None or agent.processor is None or agent.domain is None:
            return 0  # the model is still loading
        session_minutes = float(agent.domain.session_config.session_expiration_time)
        if not self._warned and self.watch.quiet_seconds >= session_minutes * 60:
            self._warned = True
            logger.warning(
                "csat.inactivity_minutes (%g) is not below the session expiry (%g min, bot/domain.yml): "
                "conversations expire before they count as quiet, so none is asked",
                self.watch.quiet_seconds / 60,
                session_minutes,
            )
        quiet = await asyncio.to_thread(self.watch.due, self.clock(), session_minutes * 60)
        count = 0
        for conversation in quiet:
            output = self.output_for(conversation.channel, conversation.conversation_id)
            if output is not None and await self._ask(agent, conversation.conversation_id, output):
                count += 1
        return count

    async def _ask(self, agent: Agent, conversation_id: str, output: OutputChannel) -> bool:
        processor = agent.processor
        assert processor is not None
        async with agent.lock_store.lock(conversation_id):
            # get_tracker, not fetch_tracker_and_update_session: an expired session gets no survey
            # (it would start a new, empty one).
            tracker = await processor.get_tracker(conversation_id)
            if tracker.is_paused() or processor._has_session_expired(tracker):
                return False
            await agent.trigger_intent(INACTIVE_INTENT, [], output, tracker)
        return True

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                await self.sweep()
            except Exception:  # keep sweeping: a database hiccup must not end surveys for good
                logger.exception("the quiet-conversation sweep failed")


_runtime: CsatRuntime | None = None


def runtime() -> CsatRuntime:
    """The process's survey runtime; the first channel that asks builds it."""
    global _runtime
    if _runtime is None:
        from channels.handoff.runtime import services

        customers = services().customers

        def output_for(channel: str, conversation_id: str) -> OutputChannel | None:
            make = customers.outputs.get(channel)
            return make(conversation_id, None) if make is not None else None

        _runtime = build(os.environ, output_for)
    return _runtime


def build(env: Mapping[str, str], output_for: OutputFor) -> CsatRuntime:
    sweep = positive_seconds(env, "CSAT_SWEEP_SECONDS", 30.0)
    minutes = _inactivity_minutes(Path(env.get("SUPPORT_RULES") or ROOT / "bot" / "support.yml"))
    if not minutes:
        return CsatRuntime(None, output_for, sweep)
    url = env.get("TRACKER_STORE_URL") or "sqlite:///var/conversations.db"
    engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    return CsatRuntime(InactivityWatch(engine, minutes * 60), output_for, sweep)


def _inactivity_minutes(path: Path) -> float:
    # The action server validates the same file at its start and refuses to run with a mistake
    # in it; here a mistake only switches the quiet-conversation survey off, with the reason.
    from actions.support_rules import RulesError, load_support_rules

    try:
        rules = load_support_rules(path)
    except RulesError as error:
        logger.error("no survey for quiet conversations: %s", error)
        return 0.0
    return float(rules.csat.inactivity_minutes) if rules.csat.enabled else 0.0
