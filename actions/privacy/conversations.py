"""Conversations as the product counts them: one Rasa session of one sender_id.

    sessions = split_sessions(rows_of_one_sender_ordered_by_id)

A session starts at Rasa's `action_session_start` (followed by a
`session_started` event); events logged before a sender's first session start
(trackers from before sessions existed) form a session of their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

SESSION_START_ACTION = "action_session_start"
SESSION_STARTED = "session_started"


@dataclass(frozen=True)
class EventRow:
    """The columns of Rasa's `events` table that sessions and retention need."""

    id: int
    sender_id: str
    type_name: str
    action_name: str | None
    timestamp: float


@dataclass(frozen=True)
class Session:
    sender_id: str
    index: int  # 0 for the sender's first session
    first_id: int  # the events table's ids: a session is every event of its sender in [first_id, last_id]
    last_id: int
    started_at: float
    last_event_at: float
    events: int


def starts_session(row: EventRow, previous: EventRow | None) -> bool:
    if row.type_name == "action" and row.action_name == SESSION_START_ACTION:
        return True
    # A session_started logged without the action before it (Rasa's API can do that).
    return row.type_name == SESSION_STARTED and not (
        previous is not None
        and previous.type_name == "action"
        and previous.action_name == SESSION_START_ACTION
    )


def split_sessions(rows: Sequence[EventRow]) -> list[Session]:
    """The sessions of one sender; `rows` are that sender's events ordered by id."""
    sessions: list[Session] = []
    start = 0
    for position in range(1, len(rows) + 1):
        if position == len(rows) or starts_session(rows[position], rows[position - 1]):
            if position > start:
                sessions.append(_session(rows[start:position], len(sessions)))
            start = position
    return sessions


def _session(rows: Sequence[EventRow], index: int) -> Session:
    stamps = [row.timestamp for row in rows]
    return Session(
        sender_id=rows[0].sender_id,
        index=index,
        first_id=rows[0].id,
        last_id=rows[-1].id,
        started_at=min(stamps),
        last_event_at=max(stamps),
        events=len(rows),
    )


def session_at(sessions: Sequence[Session], moment: float) -> Session | None:
    """The session that was running at `moment` (the last one started by then), if any."""
    running = [session for session in sessions if session.started_at <= moment]
    return running[-1] if running else None


def group_sessions(rows: Iterable[EventRow]) -> dict[str, list[Session]]:
    """Sessions per sender from rows ordered by (sender_id, id)."""
    by_sender: dict[str, list[EventRow]] = {}
    for row in rows:
        by_sender.setdefault(row.sender_id, []).append(row)
    return {sender: split_sessions(events) for sender, events in by_sender.items()}


def slot_value(event: dict[str, Any], name: str) -> Any:
    """The value a `slot` event sets for `name`, or None for any other event."""
    if event.get("event") == "slot" and event.get("name") == name:
        return event.get("value")
    return None


def user_context(event: dict[str, Any]) -> dict[str, Any]:
    """The widget's (or Slack's) context of a user event: page, locale, customer ids."""
    if event.get("event") != "user":
        return {}
    metadata = event.get("metadata")
    context = metadata.get("context") if isinstance(metadata, dict) else None
    return context if isinstance(context, dict) else {}


def parse_event(data: str | None) -> dict[str, Any]:
    try:
        event = json.loads(data or "{}")
    except ValueError:  # a damaged row: exported as-is, never matched
        return {"event": "unreadable", "raw": data}
    return event if isinstance(event, dict) else {"event": "unreadable", "raw": data}
