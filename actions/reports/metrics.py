"""Compute a report from the summary tables and the handoff/ticket tables.

    report = compute_report(ReportSources(tracker_engine, handoff_engine), filters)

The database selects (date range, channel, page prefix, joins); every number
is then counted here, from integers and timestamps, by the definitions in
docs/reports.md, so SQLite and PostgreSQL give the same report. A rate whose
denominator is zero is None ("no data"), never 0.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from actions.reports.filters import ReportFilters
from actions.reports.gaps import DistinctQuestion, GapGroup, group_questions
from actions.reports.report import (
    CsatPart,
    DayPoint,
    FirstReply,
    Gap,
    Report,
)
from actions.reports.tables import conversations, questions, surveys
from channels.handoff.store import handoffs, tickets

REPLY_BUCKETS = (
    (60, "< 1 min"),
    (300, "1-5 min"),
    (900, "5-15 min"),
    (3600, "15-60 min"),
    (math.inf, "≥ 1 h"),
)
DEFAULT_SCALE = (1, 5)


@dataclass(frozen=True)
class ReportSources:
    tracker: sa.Engine  # Rasa's events and the support_report_* summary tables
    handoffs: sa.Engine  # support_handoffs and support_tickets (HANDOFF_DB_URL; often the same database)


@dataclass
class _Conversation:
    key: int  # session_event_id: unique across the log
    conversation_id: str
    window: tuple[float, float]
    started_at: float
    channel: str
    answers: int
    declined: int
    last_declined: bool
    helpful: int
    unhelpful: int
    decisions: int
    after_hours: int
    agent_messages: int
    handoffs: int = 0
    tickets: int = 0

    @property
    def escalated(self) -> bool:
        """A person was asked for or involved: a handoff decision, a handoff, a ticket or an agent message."""
        return bool(self.decisions or self.agent_messages or self.handoffs or self.tickets)

    @property
    def contained(self) -> bool:
        return not self.escalated and not self.last_declined


def compute_report(
    sources: ReportSources, filters: ReportFilters, gaps: int = 10, generated_at: float = 0.0
) -> Report:
    with sources.tracker.connect() as db:
        found = _conversations(db, filters)
        rated = _surveys(db, filters)
        asked = _questions(db, filters)
    replies = _attach_handoffs(sources.handoffs, found)
    by_key = {c.key: c for c in found}
    return {
        "filters": filters.describe(),
        "generated_at": datetime.fromtimestamp(generated_at, filters.timezone).isoformat(timespec="seconds"),
        "conversations": len(found),
        "channels": dict(sorted(Counter(c.channel for c in found).items())),
        "containment": _part(sum(c.contained for c in found), len(found), "contained"),
        "handoff": _handoff(found),
        "first_agent_reply": _first_reply(replies),
        "csat": _csat(rated, by_key),
        "helpfulness": _helpfulness(found),
        "unanswered": {
            "declined_answers": sum(c.declined for c in found),
            "conversations_ending_unanswered": sum(c.last_declined for c in found),
        },
        "knowledge_gaps": [_gap(group, filters) for group in group_questions(asked)[:gaps]],
        "daily": _daily(found, rated, by_key, filters),
    }


def _where(filters: ReportFilters) -> list[sa.ColumnElement[bool]]:
    start, end = filters.bounds()
    conditions = [conversations.c.started_at >= start, conversations.c.started_at < end]
    if filters.channel:
        conditions.append(conversations.c.channel == filters.channel)
    if filters.page_url_prefix:
        escaped = filters.page_url_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(conversations.c.page_url.like(escaped + "%", escape="\\"))
    return conditions


def _conversations(db: sa.Connection, filters: ReportFilters) -> list[_Conversation]:
    c = conversations.c
    query = sa.select(
        c.session_event_id,
        c.conversation_id,
        c.window_start,
        c.window_end,
        c.started_at,
        c.channel,
        c.answers,
        c.answers_declined,
        c.last_answer_declined,
        c.rated_helpful,
        c.rated_unhelpful,
        c.handoff_decisions,
        c.after_hours_decisions,
        c.agent_messages,
    ).where(*_where(filters))
    found = []
    for row in db.execute(query):
        key, sender, start, end, *rest = row
        found.append(_Conversation(key, sender, (start, math.inf if end is None else end), *rest))
    found.sort(key=lambda conversation: conversation.key)
    return found


def _surveys(
    db: sa.Connection, filters: ReportFilters
) -> list[tuple[int, int | None, int | None, int | None]]:
    """(conversation key, rating or None, scale_min, scale_max) of each survey in the conversations."""
    joined = surveys.join(
        conversations,
        sa.and_(
            surveys.c.conversation_id == conversations.c.conversation_id,
            surveys.c.session_event_id == conversations.c.session_event_id,
        ),
    )
    query = (
        sa.select(
            surveys.c.session_event_id,
            surveys.c.survey_id,
            surveys.c.rating,
            surveys.c.scale_min,
            surveys.c.scale_max,
        )
        .select_from(joined)
        .where(*_where(filters))
    )
    rows = sorted(db.execute(query), key=lambda row: (row[0], row[1]))
    return [(key, rating, low, high) for key, _, rating, low, high in rows]


def _questions(db: sa.Connection, filters: ReportFilters) -> list[DistinctQuestion]:
    """Declined questions deduplicated by key, with how often and in how many conversations."""
    joined = questions.join(
        conversations,
        sa.and_(
            questions.c.conversation_id == conversations.c.conversation_id,
            questions.c.session_event_id == conversations.c.session_event_id,
        ),
    )
    query = (
        sa.select(
            questions.c.question_key,
            questions.c.question,
            sa.func.count(),
            sa.func.count(sa.distinct(questions.c.session_event_id)),
            sa.func.max(questions.c.asked_at),
        )
        .select_from(joined)
        .where(*_where(filters))
        .group_by(questions.c.question_key, questions.c.question)
    )
    by_key: dict[str, list[tuple[str, int, int, float]]] = defaultdict(list)
    for key, text, count, conversations_count, last in db.execute(query):
        by_key[key].append((text, count, conversations_count, last))
    distinct = []
    for phrasings in by_key.values():
        phrasings.sort(key=lambda p: (-p[1], p[0]))  # the most typed phrasing names the key
        distinct.append(
            DistinctQuestion(
                phrasings[0][0],
                sum(p[1] for p in phrasings),
                sum(p[2] for p in phrasings),
                max(p[3] for p in phrasings),
            )
        )
    return distinct


def _attach_handoffs(engine: sa.Engine, found: Sequence[_Conversation]) -> list[float | None]:
    """Count each conversation's handoffs and tickets; return each handoff's wait for a reply (None: none).

    A handoff or ticket belongs to the conversation of its sender whose window
    (session start to the next conversation's start) holds its created_at.
    """
    if not found:
        return []
    windows: dict[str, list[_Conversation]] = defaultdict(list)
    for conversation in found:
        windows[conversation.conversation_id].append(conversation)
    for owned in windows.values():
        owned.sort(key=lambda c: c.window[0])
    earliest = min(c.window[0] for c in found)
    latest = max(c.window[1] for c in found)
    waits: list[float | None] = []
    with engine.connect() as db:
        present = sa.inspect(db)
        if present.has_table(handoffs.name):
            query = sa.select(
                handoffs.c.conversation_id, handoffs.c.created_at, handoffs.c.first_agent_reply_at
            )
            for sender, created, replied in db.execute(_between(query, handoffs, earliest, latest)):
                owner = _owner(windows.get(sender), created)
                if owner is not None:
                    owner.handoffs += 1
                    waits.append(None if replied is None else max(0.0, replied - created))
        if present.has_table(tickets.name):
            ticket_query: sa.Select[Any] = sa.select(tickets.c.conversation_id, tickets.c.created_at)
            for sender, created in db.execute(_between(ticket_query, tickets, earliest, latest)):
                owner = _owner(windows.get(sender), created)
                if owner is not None:
                    owner.tickets += 1
    return waits


def _between(query: sa.Select[Any], table: sa.Table, earliest: float, latest: float) -> sa.Select[Any]:
    query = query.where(table.c.created_at >= earliest)
    if latest != math.inf:
        query = query.where(table.c.created_at < latest)
    return query.order_by(table.c.id)


def _owner(owned: list[_Conversation] | None, created: float) -> _Conversation | None:
    if not owned:
        return None
    position = bisect.bisect_right([c.window[0] for c in owned], created) - 1
    if position < 0 or created >= owned[position].window[1]:
        return None
    return owned[position]


def _part(count: int, total: int, name: str) -> dict[str, Any]:
    return {name: count, "rate": _rate(count, total)}


def _rate(count: int, total: int) -> float | None:
    return round(count / total, 4) if total else None


def _handoff(found: Sequence[_Conversation]) -> dict[str, Any]:
    handed = [c for c in found if c.escalated]
    after_hours = sum(1 for c in handed if c.after_hours)
    return {
        "handed_off": len(handed),
        "rate": _rate(len(handed), len(found)),
        "after_hours": after_hours,
        "after_hours_share": _rate(after_hours, len(handed)),
        "handoffs": sum(c.handoffs for c in found),
        "tickets": sum(c.tickets for c in found),
    }


def _first_reply(waits: Sequence[float | None]) -> FirstReply:
    replied = sorted(w for w in waits if w is not None)
    histogram = Counter(_bucket(w) for w in replied)
    return {
        "handoffs": len(waits),
        "replied": len(replied),
        "median_seconds": round(statistics.median(replied), 1) if replied else None,
        "p90_seconds": round(replied[math.ceil(0.9 * len(replied)) - 1], 1) if replied else None,
        "mean_seconds": round(statistics.fmean(replied), 1) if replied else None,
        "histogram": [{"label": label, "count": histogram[label]} for _, label in REPLY_BUCKETS],
    }


def _bucket(wait: float) -> str:
    return next(label for limit, label in REPLY_BUCKETS if wait < limit)


def _csat(
    rated: Sequence[tuple[int, int | None, int | None, int | None]], by_key: dict[int, _Conversation]
) -> dict[str, Any]:
    scale = _scale(rated)
    bot_only = [r for r in rated if not by_key[r[0]].escalated]
    after = [r for r in rated if by_key[r[0]].escalated]
    return {
        "surveys": len(rated),
        **_csat_part(rated, scale),
        "response_rate": _rate(sum(r[1] is not None for r in rated), len(rated)),
        "scale": list(scale),
        "by_path": {"bot_only": _csat_part(bot_only, scale), "after_handoff": _csat_part(after, scale)},
    }


def _scale(rated: Sequence[tuple[int, int | None, int | None, int | None]]) -> tuple[int, int]:
    lows = [r[2] for r in rated if r[2] is not None] + [r[1] for r in rated if r[1] is not None]
    highs = [r[3] for r in rated if r[3] is not None] + [r[1] for r in rated if r[1] is not None]
    return (min(lows, default=DEFAULT_SCALE[0]), max(highs, default=DEFAULT_SCALE[1]))


def _csat_part(
    rated: Iterable[tuple[int, int | None, int | None, int | None]], scale: tuple[int, int]
) -> CsatPart:
    ratings = [r[1] for r in rated if r[1] is not None]
    counts = Counter(ratings)
    return {
        "responses": len(ratings),
        "average": round(statistics.fmean(ratings), 3) if ratings else None,
        "distribution": {str(value): counts[value] for value in range(scale[0], scale[1] + 1)},
    }


def _helpfulness(found: Sequence[_Conversation]) -> dict[str, Any]:
    helpful = sum(c.helpful for c in found)
    unhelpful = sum(c.unhelpful for c in found)
    answers = sum(c.answers for c in found)
    return {
        "answers": answers,
        "rated": helpful + unhelpful,
        "helpful": helpful,
        "not_helpful": unhelpful,
        "helpful_share": _rate(helpful, helpful + unhelpful),
        "rated_share": _rate(helpful + unhelpful, answers),
    }


def _gap(group: GapGroup, filters: ReportFilters) -> Gap:
    return {
        "question": group.label,
        "count": group.count,
        "conversations": group.conversations,
        "phrasings": len(group.phrasings),
        "examples": [text for text, _ in group.phrasings[:3]],
        "last_asked": datetime.fromtimestamp(group.last_asked, filters.timezone).isoformat(
            timespec="seconds"
        ),
    }


def _daily(
    found: Sequence[_Conversation],
    rated: Sequence[tuple[int, int | None, int | None, int | None]],
    by_key: dict[int, _Conversation],
    filters: ReportFilters,
) -> list[DayPoint]:
    per_day: dict[date, list[_Conversation]] = defaultdict(list)
    for conversation in found:
        per_day[filters.day_of(conversation.started_at)].append(conversation)
    ratings: dict[date, list[int]] = defaultdict(list)
    for key, rating, _, _ in rated:
        if rating is not None:
            ratings[filters.day_of(by_key[key].started_at)].append(rating)
    points: list[DayPoint] = []
    for day in filters.days():
        found_today = per_day.get(day, [])
        helpful = sum(c.helpful for c in found_today)
        rated_today = helpful + sum(c.unhelpful for c in found_today)
        today = ratings.get(day, [])
        points.append(
            {
                "date": day.isoformat(),
                "conversations": len(found_today),
                "containment_rate": _rate(sum(c.contained for c in found_today), len(found_today)),
                "handoff_rate": _rate(sum(c.escalated for c in found_today), len(found_today)),
                "csat_responses": len(today),
                "csat_average": round(statistics.fmean(today), 3) if today else None,
                "helpful_share": _rate(helpful, rated_today),
            }
        )
    return points
