"""Keep the summary tables in step with Rasa's `events`, incrementally.

    stats = refresh(engine)     # before every report; cheap when little changed

A watermark (the highest events.id summarised, kept per sender in
support_report_senders) says what is new: every sender with events above it is
summarised again from all its events, since a conversation may span the
watermark. Events can also vanish (retention, erase): when the number of events
at or below the watermark no longer matches what was summarised, the senders
whose counts differ are summarised again, or dropped when nothing is left.
The first refresh, or one after the tables were dropped, summarises everything.

Reads and writes are separate transactions, so on SQLite Rasa is kept from
writing the conversation log only while the new rows are written, not while the
events are read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from actions.reports.bulk import insert_rows
from actions.reports.extract import SENDER_BATCH, message_context, relevant_events, sender_event_counts
from actions.reports.summarise import SenderSummary, summarise_events
from actions.reports.tables import (
    SUMMARY_TABLES,
    conversations,
    events,
    metadata,
    questions,
    senders,
    surveys,
)

logger = logging.getLogger(__name__)
_lock = threading.Lock()  # one refresh at a time in this process (the admin page and a CLI may race)
FULL_REBUILD_SHARE = 0.5  # more senders than this changed: rebuild everything in one pass


@dataclass(frozen=True)
class RefreshStats:
    mode: str  # "unchanged", "incremental" or "full"
    senders: int  # senders summarised again
    watermark: int  # highest events.id summarised
    seconds: float


def refresh(engine: sa.Engine, clock: Any = time.perf_counter) -> RefreshStats:
    """Bring the summary tables up to date with `events`."""
    started = clock()
    with _lock:
        for attempt in range(3):
            try:
                mode, changed, high = _refresh(engine)
                break
            except sa.exc.IntegrityError:
                # Another process wrote the same senders' rows between our read and write.
                if attempt == 2:
                    raise
                logger.info("reports: a concurrent refresh wrote first; refreshing again")
    return RefreshStats(mode, changed, high, round(clock() - started, 3))


def ensure_tables(engine: sa.Engine) -> None:
    """Create the summary tables; rebuild them all if an older version of them is there."""
    with engine.begin() as db:
        inspector = sa.inspect(db)
        for table in SUMMARY_TABLES:
            if inspector.has_table(table.name):
                present = {column["name"] for column in inspector.get_columns(table.name)}
                if present != set(table.columns.keys()):
                    logger.info("reports: the summary tables are from another version; rebuilding them")
                    metadata.drop_all(db)
                    break
        metadata.create_all(db)


def _refresh(engine: sa.Engine) -> tuple[str, int, int]:
    ensure_tables(engine)
    with engine.connect() as db:
        if not sa.inspect(db).has_table(events.name):
            return "unchanged", 0, 0  # Rasa has not logged anything yet
        high = db.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.id), 0))).scalar_one()
        summarised, watermark, known = db.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(senders.c.events), 0),
                sa.func.coalesce(sa.func.max(senders.c.last_event_id), 0),
                sa.func.count(),
            )
        ).one()
        changed = _changed_senders(db, int(summarised), int(watermark), high)
        if not changed:
            return "unchanged", 0, high
        if known == 0 or len(changed) > FULL_REBUILD_SHARE * known:
            summaries = summarise_events(relevant_events(db, high))
            counts = sender_event_counts(db, high)
            _add_context(db, summaries)
            full: Sequence[str] | None = None
        else:
            wanted = sorted(changed)
            summaries = summarise_events(relevant_events(db, high, wanted))
            counts = sender_event_counts(db, high, wanted)
            _add_context(db, summaries)
            full = wanted
    with engine.begin() as db:
        _write(db, full, summaries, counts)
    return ("full" if full is None else "incremental"), len(counts if full is None else changed), high


def _changed_senders(db: sa.Connection, summarised: int, watermark: int, high: int) -> set[str]:
    changed: set[str] = set()
    # count(*) of the whole table is answered from an index; a range on id would read the table.
    total = db.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
    above = db.execute(sa.select(sa.func.count()).where(events.c.id > watermark)).scalar_one()
    present = total - above
    if present != summarised:  # events vanished (or arrived late below the watermark)
        actual = sender_event_counts(db, watermark)
        stored = {
            sender: (count, last)
            for sender, count, last in db.execute(
                sa.select(senders.c.conversation_id, senders.c.events, senders.c.last_event_id)
            ).all()
        }
        changed |= {s for s in stored.keys() | actual.keys() if stored.get(s) != actual.get(s)}
    if high > watermark:
        new = sa.select(events.c.sender_id).where(events.c.id > watermark, events.c.id <= high).distinct()
        changed |= set(db.execute(new).scalars())
    return changed


def _write(
    db: sa.Connection,
    wanted: Sequence[str] | None,
    summaries: dict[str, SenderSummary],
    counts: dict[str, tuple[int, int]],
) -> None:
    """Replace the rows of `wanted` senders (all rows if None) with the new summaries."""
    for table in (senders, conversations, surveys, questions):
        if wanted is None:
            db.execute(table.delete())
        else:
            for start in range(0, len(wanted), SENDER_BATCH):
                batch = wanted[start : start + SENDER_BATCH]
                db.execute(table.delete().where(table.c.conversation_id.in_(batch)))
    insert_rows(db, senders, ((s, n, last) for s, (n, last) in counts.items()))
    insert_rows(
        db, conversations, (_values(c, conversations) for x in summaries.values() for c in x.conversations)
    )
    insert_rows(db, surveys, (_values(s, surveys) for x in summaries.values() for s in x.surveys))
    insert_rows(db, questions, (_values(q, questions) for x in summaries.values() for q in x.questions))


def _values(record: Any, table: sa.Table) -> tuple[Any, ...]:
    return tuple(getattr(record, column.name) for column in table.columns)


def _add_context(db: sa.Connection, summaries: dict[str, SenderSummary]) -> None:
    """Channel and page of each conversation, from its first customer message."""
    found = [c for summary in summaries.values() for c in summary.conversations]
    context = message_context(db, (c.first_message_id for c in found))
    for conversation in found:
        channel, page_url = context.get(conversation.first_message_id, (None, None))
        conversation.channel = (channel if isinstance(channel, str) and channel else "unknown")[:32]
        conversation.page_url = page_url if isinstance(page_url, str) else ""
