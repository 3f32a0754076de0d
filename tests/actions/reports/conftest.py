"""Databases for the report tests: a SQLite file, and a throwaway PostgreSQL database.

PostgreSQL is the server these machines run at 127.0.0.1:5432 (trust auth, user
postgres); a database is created for the test session and dropped after it.
Tests that need it are skipped, saying why, only where no server answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from actions.reports.tables import metadata, rasa_metadata
from channels.handoff.store import metadata as handoff_metadata

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"supportbot_reports_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server answers at 127.0.0.1:5432 ({error})")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
