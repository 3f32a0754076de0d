"""Retention: delete conversations, tickets and survey answers older than N days.

    report = run_retention(dbs, days=365, now=time.time(), dry_run=True)

What "older" means, per record (docs/privacy.md says the same):
- a conversation (one Rasa session of one sender_id) goes when its *last*
  event is older than the cutoff, so a live conversation is never cut in half;
  a sender's older sessions go while the current one stays;
- survey answers and answer feedback are events of their conversation and go with it;
- a ticket goes when it was created before the cutoff;
- a handoff goes with the conversation it was opened in (or when that
  conversation is gone already);
- report summaries (support_report_*, derived from the log and rebuilt by the
  next report) go for every sender_id that lost a session; rows of other
  support_* tables go when every session of their sender_id goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import sqlalchemy as sa

from actions.privacy.conversations import (
    SESSION_START_ACTION,
    SESSION_STARTED,
    Session,
    parse_event,
    session_at,
)
from actions.privacy.customers import in_chunks
from actions.privacy.database import HANDOFFS, TICKETS, Databases
from actions.privacy.deletion import Deletion, count, delete
from actions.privacy.settings import DAY_SECONDS

SURVEY_SLOT = "csat_result"
REPORT_PREFIX = "support_report_"
T = TypeVar("T")
_PARTIAL_CHUNK = 100  # sessions per OR-list of id ranges


@dataclass(frozen=True)
class RetentionReport:
    days: int
    cutoff: float  # unix seconds: conversations whose last event is before this go
    conversations: list[Session]  # the sessions deleted (or that would be)
    counts: dict[str, int]  # rows per table
    survey_answers: int  # csat_result answers among the deleted events
    dry_run: bool
    senders: list[str] = field(default_factory=list)  # sender_ids with nothing left


def run_retention(dbs: Databases, days: int, now: float, dry_run: bool = False) -> RetentionReport:
    cutoff = now - days * DAY_SECONDS
    sessions = old_sessions(dbs, cutoff)
    stale = [s for sender in sessions.values() for s in sender if s.last_event_at < cutoff]
    gone = sorted(sender for sender, its in sessions.items() if all(s.last_event_at < cutoff for s in its))
    deletions = _event_deletions(dbs, stale, gone, cutoff)
    deletions += _handoff_deletions(dbs, sessions, cutoff)
    deletions += _other_deletions(dbs, stale, gone)
    answers = _survey_answers(dbs, deletions)
    counts = count(dbs, deletions) if dry_run else delete(dbs, deletions)
    stale.sort(key=lambda s: (s.last_event_at, s.sender_id, s.index))
    return RetentionReport(days, cutoff, stale, counts, answers, dry_run, gone)


def old_sessions(dbs: Databases, cutoff: float) -> dict[str, list[Session]]:
    """Every session of every sender that has an event before the cutoff, computed in the database.

    Same rule as conversations.split_sessions (tests hold the two together):
    a session starts at action_session_start, or at a session_started not
    right after one.
    """
    events = dbs.events
    if events is None:
        return {}
    old = (
        sa.select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(sa.func.min(events.c.timestamp) < cutoff)
    )
    by_sender = (events.c.sender_id,)
    action_start = sa.case(
        (sa.and_(events.c.type_name == "action", events.c.action_name == SESSION_START_ACTION), 1), else_=0
    )
    marked = (
        sa.select(
            events.c.sender_id,
            events.c.id,
            events.c.timestamp,
            events.c.type_name,
            action_start.label("action_start"),
            sa.func.lag(action_start).over(partition_by=by_sender, order_by=events.c.id).label("after_start"),
        )
        .where(events.c.sender_id.in_(old))
        .subquery()
    )
    starts = sa.case(
        (marked.c.action_start == 1, 1),
        (sa.and_(marked.c.type_name == SESSION_STARTED, sa.func.coalesce(marked.c.after_start, 0) == 0), 1),
        else_=0,
    )
    numbered = sa.select(
        marked.c.sender_id,
        marked.c.id,
        marked.c.timestamp,
        sa.func.sum(starts)
        .over(partition_by=(marked.c.sender_id,), order_by=marked.c.id, rows=(None, 0))
        .label("number"),
    ).subquery()
    query = (
        sa.select(
            numbered.c.sender_id,
            numbered.c.number,
            sa.func.min(numbered.c.id),
            sa.func.max(numbered.c.id),
            sa.func.min(numbered.c.timestamp),
            sa.func.max(numbered.c.timestamp),
            sa.func.count(),
        )
        .group_by(numbered.c.sender_id, numbered.c.number)
        .order_by(numbered.c.sender_id, numbered.c.number)
    )
    sessions: dict[str, list[Session]] = {}
    with dbs.reading() as db:
        for row in db.execute(events, query):
            sender, _number, first, last, started, latest, size = tuple(row)
            its = sessions.setdefault(sender, [])
            its.append(Session(sender, len(its), first, last, started or 0.0, latest or 0.0, size))
    return sessions


def _event_deletions(dbs: Databases, stale: list[Session], gone: list[str], cutoff: float) -> list[Deletion]:
    events = dbs.events
    if events is None:
        return []
    # `timestamp < cutoff` keeps a message that arrives while this runs: it starts a new session.
    deletions = [
        Deletion(events, sa.and_(condition, events.c.timestamp < cutoff))
        for condition in in_chunks(events.c.sender_id, gone)
    ]
    finished = set(gone)
    partial = [s for s in stale if s.sender_id not in finished]
    for batch in _batches(partial, _PARTIAL_CHUNK):
        ranges = [
            sa.and_(events.c.sender_id == s.sender_id, events.c.id.between(s.first_id, s.last_id))
            for s in batch
        ]
        deletions.append(Deletion(events, sa.or_(*ranges)))
    return deletions


def _handoff_deletions(dbs: Databases, sessions: dict[str, list[Session]], cutoff: float) -> list[Deletion]:
    deletions = [
        Deletion(tickets, tickets.c.created_at < cutoff)
        for tickets in dbs.tables_named(TICKETS)
        if "created_at" in tickets.c
    ]
    for handoffs in dbs.tables_named(HANDOFFS):
        if "created_at" not in handoffs.c:
            continue
        # Only a handoff opened before the cutoff can belong to a conversation that goes.
        query = sa.select(handoffs.c.id, handoffs.c.conversation_id, handoffs.c.created_at).where(
            handoffs.c.created_at < cutoff
        )
        with dbs.reading() as db:
            rows = list(db.execute(handoffs, query))
        doomed = []
        for row in rows:
            running = session_at(sessions.get(row.conversation_id, []), row.created_at)
            # No session running then: the conversation it was opened in is gone already.
            if running is None or running.last_event_at < cutoff:
                doomed.append(row.id)
        deletions += [Deletion(handoffs, handoffs.c.id.in_(batch)) for batch in _batches(sorted(doomed), 500)]
    return deletions


def _other_deletions(dbs: Databases, stale: list[Session], gone: list[str]) -> list[Deletion]:
    # Report summaries (support_report_*) are derived and rebuilt from the log when a sender's rows
    # are missing: drop them for every sender that lost a session, so no old text lingers there.
    touched = sorted({session.sender_id for session in stale})
    deletions = []
    for table in dbs.support_tables():
        if table.name in (TICKETS, HANDOFFS):
            continue
        senders = touched if table.name.startswith(REPORT_PREFIX) else gone
        deletions += [Deletion(table, c) for c in in_chunks(table.c.conversation_id, senders)]
    return deletions


def _survey_answers(dbs: Databases, deletions: Sequence[Deletion]) -> int:
    events = dbs.events
    if events is None:
        return 0
    answers = 0
    with dbs.reading() as db:
        for item in deletions:
            if item.table is not events:
                continue
            # Rasa's tracker store files a slot event's name under action_name.
            query = sa.select(events.c.data).where(
                item.where, events.c.type_name == "slot", events.c.action_name == SURVEY_SLOT
            )
            for data in db.execute(events, query).scalars():
                answers += parse_event(data).get("value") is not None
    return answers


def _batches(items: Sequence[T], size: int) -> list[list[T]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]
