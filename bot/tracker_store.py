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

Writes are unchanged, so the database stays the conversation log that every
other reader (history, reports, other servers) uses. The cache holds at most
`cache_size` conversations, least recently used first out.

An SQLite log is switched to write-ahead logging with `synchronous=NORMAL`:
each save was an fsync'd rollback-journal commit (about a tenth of the Rasa
server's CPU per turn under load). A crash of the process loses nothing; a
power cut can lose the last commits; readers no longer wait for writers.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_CACHE_SIZE = 256


class CachedSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        **kwargs: Any,
    ) -> None:
        # `host` named here so Rasa passes the endpoint's `url` as it does for `type: SQL`.
        super().__init__(domain=domain, host=host, **kwargs)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_wal)
            self.engine.dispose()  # connections opened while creating the tables get it too
        self.cache_size = int(cache_size)
        self._kept: OrderedDict[str, DialogueStateTracker] = OrderedDict()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        kept = self._kept.get(sender_id)
        if kept is not None and self._stored_count(sender_id) == len(kept.events):
            self._kept.move_to_end(sender_id)
            # A copy: whoever retrieves it may change it without saving.
            return kept.copy()
        self._kept.pop(sender_id, None)
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._keep(tracker.copy())
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        # Kept as is: events are only ever appended, so a later change that is not
        # saved shows as a count mismatch at the next retrieve.
        self._keep(tracker)

    def forget(self, sender_id: str) -> None:
        """Drop a kept conversation (the next retrieve reads the database)."""
        self._kept.pop(sender_id, None)

    def _keep(self, tracker: DialogueStateTracker) -> None:
        if self.cache_size <= 0:
            return
        self._kept[tracker.sender_id] = tracker
        self._kept.move_to_end(tracker.sender_id)
        while len(self._kept) > self.cache_size:
            self._kept.popitem(last=False)

    def _stored_count(self, sender_id: str) -> int:
        """Events of the latest session in the database: what `retrieve` would load."""
        with self.session_scope() as session:
            return int(self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count())


def _sqlite_wal(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
