"""Rasa's SQL tracker store, with the conversations in progress kept in memory between turns.

    tracker_store:                                # bot/endpoints.yml
      type: bot.tracker_store.CachedSQLTrackerStore
      url: ${TRACKER_STORE_URL}

Rasa rebuilds a conversation from the database at every message: it loads
every event of the session and deserialises each one (resolving the event
class by scanning all Event subclasses). At turn 200 (about 1,250 events) that
took 190 ms of the Rasa server's single event loop, and it grows with every
turn. Here the tracker Rasa saved is kept, and a retrieve costs one COUNT of
the session's events, the number Rasa's own `save` trusts to know which
events are new: if the database holds exactly the events the kept tracker
has, the kept tracker is current; otherwise (another Rasa server handled a
turn, events were erased, a session started) it is loaded as before.

Writes go to the database as before, so it stays the conversation log that
every other reader (history, reports, other servers) uses. Rasa's `save`
counts the session's events again to know which are new; for a kept tracker
that number is already known (it was checked at the retrieve, and the
conversation lock keeps other Rasa servers out until the save), so only the
new events are written, without the second COUNT. A kept event costs about
2.6 KB, so the cache is bounded by events, not conversations: at most
`max_events` in all (least recently used out first), and a conversation idle
for `idle_seconds` is dropped (its next message reads the database once).

An SQLite log is switched to write-ahead logging with `synchronous=NORMAL`:
each save was an fsync'd rollback-journal commit (about a tenth of the Rasa
server's CPU per turn under load). A crash of the process loses nothing; a
power cut can lose the last commits; readers no longer wait for writers. Its
connections are pooled: SQLAlchemy 1.4 opens and closes a file database's
connection for every session, and the last close of a WAL database
checkpoints it (5-8% of the Rasa server's CPU under load).
"""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

MAX_EVENTS = 20_000  # about 50 MB
IDLE_SECONDS = 300.0


@dataclass
class _Kept:
    tracker: DialogueStateTracker
    events: int
    touched: float


class CachedSQLTrackerStore(SQLTrackerStore):
    engine: sa.engine.Engine

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        max_events: int = MAX_EVENTS,
        idle_seconds: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        # `host` named here so Rasa passes the endpoint's `url` as it does for `type: SQL`.
        super().__init__(domain=domain, host=host, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self.engine.dispose()
            self.engine = _pooled_sqlite(self.engine.url)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.max_events = int(max_events)
        self.idle_seconds = float(idle_seconds)
        self.clock = clock
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._events = 0  # kept in all

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        kept = self._kept.get(sender_id)
        if kept is not None and self._stored_count(sender_id) == len(kept.tracker.events):
            self._keep(kept.tracker)
            # A copy: whoever retrieves it may change it without saving.
            return kept.tracker.copy()
        self.forget(sender_id)
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._keep(tracker.copy())
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        # Kept as is: events are only ever appended, so a later change that is not
        # saved shows as a count mismatch at the next retrieve.
        self._keep(tracker)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        """The events `save` writes: those after the ones the database holds."""
        stored = self._stored_events_of(tracker)
        if stored is None:
            return super()._additional_events(session, tracker)  # counts them
        return itertools.islice(tracker.events, stored, None)

    def forget(self, sender_id: str) -> None:
        """Drop a kept conversation (the next retrieve reads the database)."""
        kept = self._kept.pop(sender_id, None)
        if kept is not None:
            self._events -= kept.events

    @property
    def kept_events(self) -> int:
        return self._events

    def _keep(self, tracker: DialogueStateTracker) -> None:
        self.forget(tracker.sender_id)
        now = self.clock()
        if len(tracker.events) <= self.max_events:
            self._kept[tracker.sender_id] = _Kept(tracker, len(tracker.events), now)
            self._events += len(tracker.events)
        while self._kept:
            oldest = next(iter(self._kept.values()))
            if self._events <= self.max_events and now - oldest.touched < self.idle_seconds:
                break
            self.forget(oldest.tracker.sender_id)

    def _stored_events_of(self, tracker: DialogueStateTracker) -> int | None:
        """How many of `tracker`'s events the database holds, if this extends a kept tracker."""
        kept = self._kept.get(tracker.sender_id)
        if kept is None or len(tracker.events) < kept.events or kept.events == 0:
            return None
        if tracker.events[kept.events - 1] != kept.tracker.events[kept.events - 1]:
            return None  # not the conversation we kept: let Rasa count
        return kept.events

    def _stored_count(self, sender_id: str) -> int:
        """Events of the latest session in the database: what `retrieve` would load."""
        with self.session_scope() as session:
            return int(self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count())


def _pooled_sqlite(url: sa.engine.URL) -> sa.engine.Engine:
    # Rasa's tracker store is used from its event loop only, but SQLAlchemy checks
    # out a pooled connection on any thread; sqlite3 must allow that.
    engine = sa.create_engine(
        url, poolclass=sa.pool.QueuePool, pool_size=4, connect_args={"check_same_thread": False}
    )
    sa.event.listen(engine, "connect", _sqlite_wal)
    return engine


def _sqlite_wal(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
