"""Databases for the report tests: a SQLite file, and a throwaway PostgreSQL database.

PostgreSQL is the server these machines run at 127.0.0.1:5432 (trust auth, user
postgres); a database is created for the test session and dropped after it.
Tests that need it are skipped, saying why, only where no server answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from actions.reports.tables import metadata, rasa_metadata
from channels.handoff.store import metadata as handoff_metadata
from tests.fakes.postgres import driver_url, throwaway_database


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with throwaway_database("supportbot_reports") as url:
        yield driver_url(url)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'conversations.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(postgres_url)
    _drop_all(engine)
    yield engine
    _drop_all(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> sa.Engine:
    """Each test that takes `engine` runs on both databases."""
    name = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


def _drop_all(engine: sa.Engine) -> None:
    for meta in (metadata, handoff_metadata, rasa_metadata):
        meta.drop_all(engine)
