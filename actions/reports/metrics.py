"""Compute a report from the summary tables and the handoff/ticket tables.

    report = compute_report(ReportSources(tracker_engine, handoff_engine), filters)

The database aggregates: per day of the range (a CASE over the days' local
midnights, so days follow the report's time zone on SQLite too), it counts
conversations, contained and handed-off ones and sums the answer counts; per
day, path and rating it counts surveys. Only conversations with a handoff or a
ticket are read one by one, to attribute those rows (they may live in another
database, HANDOFF_DB_URL) and to correct the counts of the few whose only sign
of a person is such a row. The numbers are then put together here by the
definitions in docs/reports.md, from integers and timestamps, so SQLite and
PostgreSQL give the same report. A rate whose denominator is zero is None ("no
data"), never 0.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from actions.reports.extract import SENDER_BATCH
from actions.reports.filters import ReportFilters
from actions.reports.gaps import DistinctQuestion, GapGroup, group_questions
from actions.reports.report import CsatPart, DayPoint, FirstReply, Gap, Report
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
OWNER_BATCH = 5000  # sender ids per IN (...): under SQLite's 32,766 and PostgreSQL's 65,535 parameters
BOT_ONLY, AFTER_HANDOFF = "bot_only", "after_handoff"


@dataclass(frozen=True)
class ReportSources:
    tracker: sa.Engine  # Rasa's events and the support_report_* summary tables
    handoffs: sa.Engine  # support_handoffs and support_tickets (HANDOFF_DB_URL; often the same database)


@dataclass
class _Day:
    conversations: int = 0
    handed_off: int = 0
    contained: int = 0
    after_hours: int = 0
    answers: int = 0
    declined: int = 0
    ending_declined: int = 0
    helpful: int = 0
    unhelpful: int = 0
    ratings: dict[str, Counter[int]] = field(
        default_factory=lambda: {BOT_ONLY: Counter(), AFTER_HANDOFF: Counter()}
    )
    surveys: int = 0


_DAY_COUNTS = (
    "conversations", "handed_off", "contained", "after_hours", "answers", "declined", "ending_declined",
    "helpful", "unhelpful",
)  # fmt: skip


@dataclass
class _Owner:
    """A conversation that has handoffs or tickets."""

    key: int  # session_event_id: unique across the log
    window: tuple[float, float]
    day: int
    escalated: bool  # before its handoffs and tickets are counted: a decision or an agent message
    last_declined: bool
    handoffs: int = 0
    tickets: int = 0


def compute_report(
    sources: ReportSources, filters: ReportFilters, gaps: int = 10, generated_at: float = 0.0
) -> Report:
    starts = [filters.bounds()[0]] + [_midnight(filters, day) for day in filters.days()[1:]]
    with sources.tracker.connect() as db:
        days, span = _day_totals(db, filters, starts)
        scale = _add_surveys(db, filters, starts, days)
        channels: dict[str, int] = dict(sorted(db.execute(_channel_query(filters)).all()))
        owners, waits = _attach_handoffs(db, sources.handoffs, filters, starts, span)
        _correct(db, owners, days)
        asked = _questions(db, filters)
    total = _sum(days)
    return {
        "filters": filters.describe(),
        "generated_at": datetime.fromtimestamp(generated_at, filters.timezone).isoformat(timespec="seconds"),
        "conversations": total.conversations,
        "channels": channels,
        "containment": {"contained": total.contained, "rate": _rate(total.contained, total.conversations)},
        "handoff": {
            "handed_off": total.handed_off,
            "rate": _rate(total.handed_off, total.conversations),
            "after_hours": total.after_hours,
            "after_hours_share": _rate(total.after_hours, total.handed_off),
            "handoffs": sum(owner.handoffs for owner in owners),
            "tickets": sum(owner.tickets for owner in owners),
        },
        "first_agent_reply": _first_reply(waits),
        "csat": _csat(total, scale),
        "helpfulness": {
            "answers": total.answers,
            "rated": total.helpful + total.unhelpful,
            "helpful": total.helpful,
            "not_helpful": total.unhelpful,
            "helpful_share": _rate(total.helpful, total.helpful + total.unhelpful),
            "rated_share": _rate(total.helpful + total.unhelpful, total.answers),
        },
        "unanswered": {
            "declined_answers": total.declined,
            "conversations_ending_unanswered": total.ending_declined,
        },
        "knowledge_gaps": [_gap(group, filters) for group in group_questions(asked)[:gaps]],
        "daily": [_point(date, day) for date, day in zip(filters.days(), days, strict=True)],
    }


def _midnight(filters: ReportFilters, day: Any) -> float:
    return datetime.combine(day, datetime.min.time(), filters.timezone).timestamp()


def _where(filters: ReportFilters, table: sa.Table = conversations) -> list[sa.ColumnElement[bool]]:
    """The filters, on any table with the conversation's started_at, channel and page_url."""
    start, end = filters.bounds()
    conditions = [table.c.started_at >= start, table.c.started_at < end]
    if filters.channel:
        conditions.append(table.c.channel == filters.channel)
    if filters.page_url_prefix:
        # Not LIKE: SQLite's ignores case, PostgreSQL's does not; a prefix compared as text is exact on both.
        prefix = filters.page_url_prefix
        conditions.append(sa.func.substr(table.c.page_url, 1, len(prefix)) == prefix)
    return conditions


def _selected(filters: ReportFilters, started_at: float, channel: str, page_url: str) -> bool:
    """_where, in Python, for rows read by key."""
    start, end = filters.bounds()
    return (
        start <= started_at < end
        and (not filters.channel or channel == filters.channel)
        and (not filters.page_url_prefix or page_url.startswith(filters.page_url_prefix))
    )


def _day_of(
    starts: Sequence[float], column: sa.ColumnElement[float], lo: int = 0, hi: int | None = None
) -> sa.ColumnElement[int]:
    """The day index of `column`: a balanced CASE over the local midnights (depth log2 of the days)."""
    hi = len(starts) - 1 if hi is None else hi
    if lo == hi:
        return sa.literal_column(str(lo))
    mid = (lo + hi) // 2
    boundary: sa.ColumnElement[float] = sa.literal_column(repr(float(starts[mid + 1])))
    return sa.case(
        (column < boundary, _day_of(starts, column, lo, mid)), else_=_day_of(starts, column, mid + 1, hi)
    )


def _by_day(day: sa.ColumnElement[int], starts: Sequence[float]) -> list[sa.ColumnElement[int]]:
    """Group by the day, unless there is one day: SQLite reads GROUP BY 0 as a column position."""
    return [day] if len(starts) > 1 else []


def _base_escalated() -> sa.ColumnElement[bool]:
    return sa.or_(conversations.c.handoff_decisions > 0, conversations.c.agent_messages > 0)


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _day_totals(
    db: sa.Connection, filters: ReportFilters, starts: Sequence[float]
) -> tuple[list[_Day], tuple[float, float] | None]:
    """Per day: the counts of _DAY_COUNTS; and the span of the conversations' windows (None: none)."""
    c = conversations.c
    day = _day_of(starts, c.started_at).label("day")
    escalated = _base_escalated()
    query = (
        sa.select(
            day,
            sa.func.count(),
            _count_if(escalated),
            _count_if(sa.and_(sa.not_(escalated), sa.not_(c.last_answer_declined))),
            _count_if(c.after_hours_decisions > 0),
            sa.func.sum(c.answers),
            sa.func.sum(c.answers_declined),
            _count_if(c.last_answer_declined),
            sa.func.sum(c.rated_helpful),
            sa.func.sum(c.rated_unhelpful),
            sa.func.min(c.window_start),
            sa.func.max(c.window_end),
            _count_if(c.window_end.is_(None)),
        )
        .where(*_where(filters))
        .group_by(*_by_day(day, starts))
    )
    days = [_Day() for _ in starts]
    windows: list[tuple[float, float]] = []
    for index, *counts, earliest, latest, open_ended in db.execute(query).all():
        for name, count in zip(_DAY_COUNTS, counts, strict=True):
            setattr(days[int(index)], name, int(count or 0))
        windows.append((earliest, math.inf if open_ended or latest is None else latest))
    span = (min(w[0] for w in windows), max(w[1] for w in windows)) if windows else None
    return days, span


def _add_surveys(
    db: sa.Connection, filters: ReportFilters, starts: Sequence[float], days: list[_Day]
) -> tuple[int, int]:
    """Count surveys and ratings per day and path; return the rating scale seen (1-5 if none).

    The scale spans every survey's own scale and any rating outside them.
    """
    day = _day_of(starts, surveys.c.started_at).label("day")
    escalated = sa.case((surveys.c.escalated, 1), else_=0).label("escalated")
    rating, low, high = surveys.c.rating, surveys.c.scale_min, surveys.c.scale_max
    query = (
        sa.select(day, escalated, rating, low, high, sa.func.count())
        .where(*_where(filters, surveys))
        .group_by(*_by_day(day, starts), escalated, rating, low, high)
    )
    lows, highs = [], []
    for index, after_handoff, stars, lowest, highest, count in db.execute(query).all():
        target = days[int(index)]
        target.surveys += count
        if stars is not None:
            target.ratings[AFTER_HANDOFF if after_handoff else BOT_ONLY][int(stars)] += count
        lows += [v for v in (lowest, stars) if v is not None]
        highs += [v for v in (highest, stars) if v is not None]
    return (min(lows, default=DEFAULT_SCALE[0]), max(highs, default=DEFAULT_SCALE[1]))


def _channel_query(filters: ReportFilters) -> sa.Select[Any]:
    return (
        sa.select(conversations.c.channel, sa.func.count())
        .where(*_where(filters))
        .group_by(conversations.c.channel)
    )


def _attach_handoffs(
    db: sa.Connection,
    engine: sa.Engine,
    filters: ReportFilters,
    starts: Sequence[float],
    span: tuple[float, float] | None,
) -> tuple[list[_Owner], list[float | None]]:
    """The selected conversations that have handoffs or tickets, and each handoff's wait for a reply.

    A handoff or ticket belongs to the conversation of its sender whose window
    (session start to the next conversation's start) holds its created_at.
    """
    if span is None:
        return [], []
    earliest, latest = span
    handoff_rows, ticket_rows = _handoff_rows(engine, earliest, latest)
    senders = sorted({row[0] for row in handoff_rows} | {row[0] for row in ticket_rows})
    windows = _owners(db, filters, senders, starts)
    waits: list[float | None] = []
    for sender, created, replied in handoff_rows:
        owner = _owner(windows.get(sender), created)
        if owner is not None:
            owner.handoffs += 1
            waits.append(None if replied is None else max(0.0, replied - created))
    for sender, created in ticket_rows:
        owner = _owner(windows.get(sender), created)
        if owner is not None:
            owner.tickets += 1
    owners = [o for owned in windows.values() for o in owned if o.handoffs or o.tickets]
    return sorted(owners, key=lambda o: o.key), waits


def _handoff_rows(
    engine: sa.Engine, earliest: float, latest: float
) -> tuple[list[tuple[str, float, float | None]], list[tuple[str, float]]]:
    with engine.connect() as db:
        present = sa.inspect(db)
        found_handoffs: list[tuple[str, float, float | None]] = []
        found_tickets: list[tuple[str, float]] = []
        if present.has_table(handoffs.name):
            query: sa.Select[Any] = sa.select(
                handoffs.c.conversation_id, handoffs.c.created_at, handoffs.c.first_agent_reply_at
            )
            found_handoffs = list(db.execute(_between(query, handoffs, earliest, latest)).all())
        if present.has_table(tickets.name):
            ticket_query: sa.Select[Any] = sa.select(tickets.c.conversation_id, tickets.c.created_at)
            found_tickets = list(db.execute(_between(ticket_query, tickets, earliest, latest)).all())
    return found_handoffs, found_tickets


def _between(query: sa.Select[Any], table: sa.Table, earliest: float, latest: float) -> sa.Select[Any]:
    query = query.where(table.c.created_at >= earliest)
    if latest != math.inf:
        query = query.where(table.c.created_at < latest)
    return query.order_by(table.c.id)


def _owners(
    db: sa.Connection, filters: ReportFilters, senders: Sequence[str], starts: Sequence[float]
) -> dict[str, list[_Owner]]:
    """The selected conversations of these senders, by sender, in window order."""
    c = conversations.c
    escalated = sa.case((_base_escalated(), 1), else_=0)
    owned: dict[str, list[_Owner]] = defaultdict(list)
    for first in range(0, len(senders), OWNER_BATCH):
        # By key only, filtered here: with the filters in SQL too, SQLite scans the date range per batch.
        query = sa.select(
            c.conversation_id, c.session_event_id, c.window_start, c.window_end, c.started_at, escalated,
            c.last_answer_declined, c.channel, c.page_url,
        ).where(c.conversation_id.in_(senders[first : first + OWNER_BATCH]))  # fmt: skip
        for sender, key, start, end, started, was_escalated, declined, channel, page in db.execute(
            query
        ).all():
            if not _selected(filters, started, channel, page):
                continue
            window = (start, math.inf if end is None else end)
            day = bisect.bisect_right(starts, started) - 1
            owned[sender].append(_Owner(key, window, day, bool(was_escalated), bool(declined)))
    for found in owned.values():
        found.sort(key=lambda owner: owner.window[0])
    return owned


def _owner(owned: list[_Owner] | None, created: float) -> _Owner | None:
    if not owned:
        return None
    position = bisect.bisect_right([o.window[0] for o in owned], created) - 1
    if position < 0 or created >= owned[position].window[1]:
        return None
    return owned[position]


def _correct(db: sa.Connection, owners: Sequence[_Owner], days: list[_Day]) -> None:
    """Conversations whose only sign of a person is a handoff or ticket row: handed off after all."""
    late = {owner.key: owner for owner in owners if not owner.escalated}
    for owner in late.values():
        day = days[owner.day]
        day.handed_off += 1
        if not owner.last_declined:
            day.contained -= 1
    keys = sorted(late)
    for first in range(0, len(keys), SENDER_BATCH):
        query = sa.select(surveys.c.session_event_id, surveys.c.rating).where(
            surveys.c.session_event_id.in_(keys[first : first + SENDER_BATCH]), surveys.c.rating.is_not(None)
        )
        for key, rating in db.execute(query).all():
            ratings = days[late[key].day].ratings
            ratings[BOT_ONLY][rating] -= 1
            ratings[AFTER_HANDOFF][rating] += 1


def _questions(db: sa.Connection, filters: ReportFilters) -> list[DistinctQuestion]:
    """Declined questions deduplicated by key, with how often and in how many conversations."""
    query = (
        sa.select(
            questions.c.question_key,
            questions.c.question,
            sa.func.count(),
            sa.func.count(sa.distinct(questions.c.session_event_id)),
            sa.func.max(questions.c.asked_at),
            sa.func.min(questions.c.question_words),
        )
        .where(*_where(filters, questions))
        .group_by(questions.c.question_key, questions.c.question)
    )
    by_key: dict[str, list[tuple[str, int, int, float, str]]] = defaultdict(list)
    for key, text, count, conversations_count, last, words in db.execute(query).all():
        by_key[key].append((text, count, conversations_count, last, words))
    distinct = []
    for phrasings in by_key.values():
        phrasings.sort(key=lambda p: (-p[1], p[0]))  # the most typed phrasing names the key
        distinct.append(
            DistinctQuestion(
                phrasings[0][0],
                sum(p[1] for p in phrasings),
                sum(p[2] for p in phrasings),
                max(p[3] for p in phrasings),
                frozenset(phrasings[0][4].split()),
            )
        )
    return distinct


def _sum(days: Iterable[_Day]) -> _Day:
    total = _Day()
    for day in days:
        for name in _DAY_COUNTS:
            setattr(total, name, getattr(total, name) + getattr(day, name))
        total.surveys += day.surveys
        for path, counts in day.ratings.items():
            total.ratings[path].update(counts)
    return total


def _rate(count: int, total: int) -> float | None:
    return round(count / total, 4) if total else None


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


def _csat(total: _Day, scale: tuple[int, int]) -> dict[str, Any]:
    both = total.ratings[BOT_ONLY] + total.ratings[AFTER_HANDOFF]
    overall = _csat_part(both, scale)
    return {
        "surveys": total.surveys,
        **overall,
        "response_rate": _rate(overall["responses"], total.surveys),
        "scale": list(scale),
        "by_path": {path: _csat_part(total.ratings[path], scale) for path in (BOT_ONLY, AFTER_HANDOFF)},
    }


def _csat_part(counts: Counter[int], scale: tuple[int, int]) -> CsatPart:
    responses = sum(counts.values())
    points = sum(rating * count for rating, count in counts.items())
    return {
        "responses": responses,
        "average": round(points / responses, 3) if responses else None,
        "distribution": {str(value): counts[value] for value in range(scale[0], scale[1] + 1)},
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


def _point(date: Any, day: _Day) -> DayPoint:
    ratings = day.ratings[BOT_ONLY] + day.ratings[AFTER_HANDOFF]
    responses = sum(ratings.values())
    return {
        "date": date.isoformat(),
        "conversations": day.conversations,
        "containment_rate": _rate(day.contained, day.conversations),
        "handoff_rate": _rate(day.handed_off, day.conversations),
        "csat_responses": responses,
        "csat_average": round(sum(r * n for r, n in ratings.items()) / responses, 3) if responses else None,
        "helpful_share": _rate(day.helpful, day.helpful + day.unhelpful),
    }
