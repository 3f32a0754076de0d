"""Read from Rasa's `events` only the rows and the JSON fields reports need.

A conversation log of 100,000 conversations is 1-2 million events, most of them
(`action_listen`, featurization, other slots) irrelevant here, and parsing every
event's JSON in Python would take far longer than a report may. So the
database filters by `type_name`/`action_name` and extracts the few JSON fields
itself (SQLite's json_extract, PostgreSQL's #>>), and Python only parses the
small `custom` records of bot messages and the values of two slots.

    for row in relevant_events(db, since_id=0, up_to_id=watermark):
        row.kind, row.intent, row.payload ...
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from actions.reports.tables import events

SESSION_START_ACTION = "action_session_start"
CSAT_SLOT = "csat_result"
FEEDBACK_SLOT = "answer_feedback"
SENDER_BATCH = 500  # sender ids per IN (...) list: well under every driver's parameter limit
ID_BATCH = 5000  # event ids per IN (...) when reading first messages


class EventRow(NamedTuple):
    id: int
    sender_id: str
    kind: str  # Rasa's type_name: user, bot, slot, action, session_started
    timestamp: float
    intent: str | None  # user events: the classified intent
    name: str | None  # actions: the action name; slots: the slot name
    payload: str | None  # bot events: data.custom as JSON text; slot events: the value as JSON text


def relevant_events(
    db: sa.Connection, up_to_id: int, senders: Sequence[str] | None = None
) -> Iterator[EventRow]:
    """Relevant events with id <= up_to_id, in id order (all senders, or only `senders`)."""
    if senders is None:
        yield from _rows(db, _query(db.dialect.name).where(events.c.id <= up_to_id))
        return
    for start in range(0, len(senders), SENDER_BATCH):
        batch = list(senders[start : start + SENDER_BATCH])
        query = _query(db.dialect.name).where(events.c.id <= up_to_id, events.c.sender_id.in_(batch))
        yield from _rows(db, query)


def message_context(db: sa.Connection, event_ids: Iterable[int]) -> dict[int, tuple[str | None, str | None]]:
    """event id -> (input_channel, metadata.context.page_url) of those user events.

    Asked only for each conversation's first customer message: user events are
    the largest rows in the log, and extracting JSON from all of them would cost
    more than everything else together.
    """
    dialect = db.dialect.name
    query = sa.select(
        events.c.id,
        json_text(dialect, events.c.data, "input_channel"),
        json_text(dialect, events.c.data, "metadata", "context", "page_url"),
    )
    wanted = sorted(event_ids)
    found: dict[int, tuple[str | None, str | None]] = {}
    for start in range(0, len(wanted), ID_BATCH):
        batch = wanted[start : start + ID_BATCH]
        found.update({i: (c, p) for i, c, p in db.execute(query.where(events.c.id.in_(batch))).all()})
    return found


def _rows(db: sa.Connection, query: sa.Select[Any]) -> Iterator[EventRow]:
    result = db.execute(query.order_by(events.c.id))
    for partition in result.partitions(20_000):
        for row in partition:
            yield EventRow._make(row)


def _query(dialect: str) -> sa.Select[Any]:
    kind = events.c.type_name
    return sa.select(
        events.c.id,
        events.c.sender_id,
        kind,
        events.c.timestamp,
        events.c.intent_name,
        events.c.action_name,
        sa.case(
            (kind == "bot", json_text(dialect, events.c.data, "data", "custom")),
            (kind == "slot", json_text(dialect, events.c.data, "value")),
        ),
    ).where(
        sa.or_(
            kind.in_(("user", "bot", "session_started")),
            sa.and_(kind == "action", events.c.action_name == SESSION_START_ACTION),
            sa.and_(kind == "slot", events.c.action_name.in_((CSAT_SLOT, FEEDBACK_SLOT))),
        )
    )


def json_text(dialect: str, column: sa.ColumnElement[Any], *path: str) -> sa.ColumnElement[Any]:
    """The JSON value at `path` in a text column, as text (objects as JSON text), or NULL."""
    if dialect == "postgresql":
        return sa.cast(column, postgresql.JSON)[tuple(path)].astext  # data::json #>> '{a,b}'
    if dialect == "sqlite":
        return sa.func.json_extract(column, "$." + ".".join(f'"{part}"' for part in path))
    raise ValueError(f"reports support SQLite and PostgreSQL, not {dialect}")


def sender_event_counts(
    db: sa.Connection, up_to_id: int, senders: Iterable[str] | None = None
) -> dict[str, tuple[int, int]]:
    """sender_id -> (number of events, highest event id), over events with id <= up_to_id."""
    query = sa.select(events.c.sender_id, sa.func.count(), sa.func.max(events.c.id)).where(
        events.c.id <= up_to_id
    )
    if senders is None:
        return {s: (n, last) for s, n, last in db.execute(query.group_by(events.c.sender_id)).all()}
    wanted = list(senders)
    counts: dict[str, tuple[int, int]] = {}
    for start in range(0, len(wanted), SENDER_BATCH):
        batch = query.where(events.c.sender_id.in_(wanted[start : start + SENDER_BATCH]))
        counts.update({s: (n, last) for s, n, last in db.execute(batch.group_by(events.c.sender_id)).all()})
    return counts


def parse_object(raw: Any) -> dict[str, Any] | None:
    """A JSON object from its text (None for anything else)."""
    if raw is None:
        return None
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None
