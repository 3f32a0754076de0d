"""Databases for the privacy tests: a SQLite file, and a throwaway PostgreSQL database.

The PostgreSQL database is created once per test session on the server at
127.0.0.1:5432 and dropped after; each test starts from an empty schema. Where
no server answers, the PostgreSQL cases are skipped, saying why.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.actions.privacy.builders import Store
from tests.fakes.postgres import throwaway_database


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    # The product's own spelling: the privacy commands pick the psycopg 3 driver themselves.
    with throwaway_database("privacy_test") as url:
        yield url


@pytest.fixture
def fresh_postgres(postgres_database: str) -> str:
    """The throwaway database, emptied for this test."""
    engine = sa.create_engine(postgres_database.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as db:
        db.execute(sa.text("DROP SCHEMA public CASCADE"))
        db.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conversations.db'}"
    url: str = request.getfixturevalue("fresh_postgres")
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    built = Store.create(db_url)
    yield built
    built.close()


@pytest.fixture
def env(db_url: str, store: Store) -> dict[str, str]:
    """The environment the CLI and the servers read."""
    return {"TRACKER_STORE_URL": db_url}
