"""Which conversations went quiet: read forward through Rasa's `events` table.

    watch = InactivityWatch(engine, quiet_seconds=30 * 60)
    for quiet in watch.due(now=time.time(), session_seconds=60 * 60):
        ...  # trigger EXTERNAL_csat_inactive for quiet.conversation_id

The conversation log is the only state, so this survives restarts and sees
messages from every channel and replica: at start it reads the events of the
last session window once, then only rows with a higher id (the primary key), so
a sweep costs an index range scan, not a table scan. Per conversation it keeps
a few facts (last customer message, paused, surveyed, asked anything real),
dropped once the conversation's session can only have expired.

This is a prefilter. The action that asks (actions/csat.py) decides from the
whole conversation whether a survey is due; a conversation poked once is not
poked again until the customer writes again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from channels.csat.intents import RECORD_INTENTS

logger = logging.getLogger(__name__)

INACTIVE_INTENT = "EXTERNAL_csat_inactive"
# Customer messages that make a conversation worth a survey; small talk alone does not.
_SMALL_TALK = {"greet", "goodbye", "thanks", "cancel", *RECORD_INTENTS}
_TYPES = ("user", "bot", "session_started", "pause", "resume")

events = sa.table(  # Rasa's SQLTrackerStore table; Rasa creates and owns it
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String),
    sa.column("data", sa.Text),
)


@dataclass(frozen=True)
class Quiet:
    conversation_id: str
    channel: str  # the input channel of the customer's last message: "webchat", "slack"


@dataclass
class _Conversation:
    last_event_at: float = 0.0
    last_customer_at: float | None = None
    channel: str | None = None
    poked_at: float | None = None
    paused: bool = False
    surveyed: bool = False
    asked_something: bool = False

    def due(self, quiet_before: float) -> bool:
        return (
            self.last_customer_at is not None
            and self.last_customer_at <= quiet_before
            and self.channel is not None
            and self.asked_something
            and not (self.paused or self.surveyed)
            and (self.poked_at is None or self.poked_at < self.last_customer_at)
        )


class InactivityWatch:
    def __init__(self, engine: sa.engine.Engine, quiet_seconds: float, batch: int = 5000) -> None:
        self.engine, self.quiet_seconds, self.batch = engine, quiet_seconds, batch
        self._after: int | None = None  # the highest event id read so far
        self._conversations: dict[str, _Conversation] = {}

    def due(self, now: float, session_seconds: float) -> list[Quiet]:
        """Conversations quiet for `quiet_seconds` whose session has not expired; each only once."""
        self._read(now - session_seconds)
        quiet_before, expired_before = now - self.quiet_seconds, now - session_seconds
        found = []
        for conversation_id, state in list(self._conversations.items()):
            if state.last_event_at < expired_before:
                del self._conversations[conversation_id]
            elif state.due(quiet_before) and (state.last_customer_at or 0.0) > expired_before:
                state.poked_at = now  # the triggered intent, read back next time, says the same
                found.append(Quiet(conversation_id, str(state.channel)))
        return found

    def _read(self, since: float) -> None:
        with self.engine.connect() as db:
            if self._after is None:
                first = db.execute(sa.select(sa.func.min(events.c.id)).where(events.c.timestamp >= since))
                start = first.scalar()
                self._after = int(start) - 1 if start is not None else self._last_id(db)
            while True:
                rows = db.execute(
                    sa.select(
                        events.c.id,
                        events.c.sender_id,
                        events.c.type_name,
                        events.c.timestamp,
                        events.c.intent_name,
                        events.c.data,
                    )
                    .where(events.c.id > self._after, events.c.type_name.in_(_TYPES))
                    .order_by(events.c.id)
                    .limit(self.batch)
                ).all()
                self._apply(rows)
                if len(rows) < self.batch:
                    return

    def _last_id(self, db: Any) -> int:
        return int(db.execute(sa.select(sa.func.max(events.c.id))).scalar() or 0)

    def _apply(self, rows: Iterable[Any]) -> None:
        for row in rows:
            self._after = max(self._after or 0, int(row.id))
            if row.type_name == "session_started":
                self._conversations[row.sender_id] = _Conversation()
            state = self._conversations.setdefault(row.sender_id, _Conversation())
            state.last_event_at = max(state.last_event_at, float(row.timestamp or 0.0))
            if row.type_name == "user":
                self._user(state, row)
            elif row.type_name == "bot" and '"survey"' in (row.data or ""):
                state.surveyed = state.surveyed or "survey" in _custom(row.data)
            elif row.type_name in ("pause", "resume"):
                state.paused = row.type_name == "pause"

    @staticmethod
    def _user(state: _Conversation, row: Any) -> None:
        intent, ts = row.intent_name or "", float(row.timestamp or 0.0)
        if intent == INACTIVE_INTENT:
            state.poked_at = ts
        elif not intent.startswith("EXTERNAL_"):
            state.last_customer_at = ts
            state.channel = _input_channel(row.data) or state.channel
            state.asked_something = state.asked_something or intent not in _SMALL_TALK


def _json(data: str | None) -> dict[str, Any]:
    try:
        value = json.loads(data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _input_channel(data: str | None) -> str | None:
    channel = _json(data).get("input_channel")
    return channel if isinstance(channel, str) and channel else None


def _custom(data: str | None) -> dict[str, Any]:
    custom = (_json(data).get("data") or {}).get("custom")
    return custom if isinstance(custom, dict) else {}
