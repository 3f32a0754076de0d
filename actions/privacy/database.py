"""The databases the privacy commands work on, and the tables found in them by reflection.

    with Databases.connect(DatabaseUrls.from_env(os.environ)) as dbs:
        with dbs.transaction() as tx:
            tx.execute(dbs.events, sa.delete(dbs.events).where(...))

Rasa's `events` table (the conversation log) and every `support_*` table with
a `conversation_id` column (handoffs, tickets, and whatever the reports add)
are found by reflection, so a table added later is covered without a change
here. With one database (the default) every change is one transaction; with a
separate HANDOFF_DB_URL each database commits its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlalchemy as sa

from actions.privacy.settings import DatabaseUrls, PrivacySettingsError

EVENTS = "events"
TICKETS = "support_tickets"
HANDOFFS = "support_handoffs"
SUPPORT_PREFIX = "support_"


def engine_url(url: str) -> sa.URL:
    """The URL with a driver this environment has: psycopg 3 for PostgreSQL (Rasa's side uses psycopg2)."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise PrivacySettingsError(f"not an SQLAlchemy database URL: {url!r}") from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    file = parsed.database if parsed.drivername.startswith("sqlite") else None
    if file not in (None, "", ":memory:") and not Path(str(file)).is_file():
        raise PrivacySettingsError(
            f"no conversation log at {parsed.database}: set TRACKER_STORE_URL (and HANDOFF_DB_URL)"
        )
    return parsed


@dataclass
class Database:
    engine: sa.Engine
    tables: dict[str, sa.Table] = field(default_factory=dict)

    @classmethod
    def reflect(cls, engine: sa.Engine) -> Database:
        metadata = sa.MetaData()
        names = [
            name
            for name in sa.inspect(engine).get_table_names()
            if name == EVENTS or name.startswith(SUPPORT_PREFIX)
        ]
        metadata.reflect(engine, only=names)
        tables = {
            name: table
            for name, table in metadata.tables.items()
            if name == EVENTS or "conversation_id" in table.c
        }
        return cls(engine, dict(sorted(tables.items())))


class Transaction:
    """Open connections, one per database, committed together at the end of the block."""

    def __init__(self, connections: dict[int, sa.Connection]) -> None:
        self._connections = connections

    def execute(self, table: sa.Table, statement: sa.Executable) -> sa.CursorResult[Any]:
        return self._connections[id(table.metadata)].execute(statement)


class Databases:
    """The conversation log's database and the handoff database (often the same one)."""

    def __init__(self, tracker: Database, handoff: Database) -> None:
        self.tracker, self.handoff = tracker, handoff

    @classmethod
    def connect(cls, urls: DatabaseUrls) -> Databases:
        tracker_url, handoff_url = engine_url(urls.tracker), engine_url(urls.handoff)
        tracker = Database.reflect(_engine(tracker_url))
        same = tracker_url.render_as_string(hide_password=False) == handoff_url.render_as_string(
            hide_password=False
        )
        handoff = tracker if same else Database.reflect(_engine(handoff_url))
        return cls(tracker, handoff)

    def __enter__(self) -> Databases:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        for database in self.distinct():
            database.engine.dispose()

    def distinct(self) -> list[Database]:
        return [self.tracker] if self.handoff is self.tracker else [self.tracker, self.handoff]

    @property
    def events(self) -> sa.Table | None:
        return self.tracker.tables.get(EVENTS)

    def tables_named(self, name: str) -> list[sa.Table]:
        """The table in each database that has it (a separate handoff database may have an old copy too)."""
        return [database.tables[name] for database in self.distinct() if name in database.tables]

    def support_tables(self) -> list[sa.Table]:
        """Every support_* table with a conversation_id column, in either database, by name."""
        found = [table for database in self.distinct() for table in database.tables.values()]
        return sorted((table for table in found if table.name != EVENTS), key=lambda table: table.name)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with ExitStack() as stack:
            connections = {}
            for database in self.distinct():
                connection = stack.enter_context(database.engine.begin())
                for table in database.tables.values():
                    connections[id(table.metadata)] = connection
            yield Transaction(connections)

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        """Like transaction(), for reads: nothing is written, so nothing is committed."""
        with ExitStack() as stack:
            connections = {}
            for database in self.distinct():
                connection = stack.enter_context(database.engine.connect())
                for table in database.tables.values():
                    connections[id(table.metadata)] = connection
            yield Transaction(connections)


def _engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url, pool_pre_ping=True)
