"""A throwaway database on the machine's PostgreSQL server, for tests in either environment.

    with throwaway_database("reports") as url:   # postgresql://postgres@127.0.0.1:5432/reports_1a2b3c4d
        engine = sa.create_engine(driver_url(url))

Not a fake: the real server at 127.0.0.1:5432 (trust auth), with a database of
the test's own, dropped afterwards. The calling test is skipped, with the
reason, when no server answers. URLs are written as the product's settings
are (no driver); `driver_url` names the driver installed in this environment
(psycopg2 beside Rasa, psycopg 3 beside the action server).
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

SERVER = "127.0.0.1:5432"


def driver_url(url: str) -> str:
    driver = "psycopg2" if importlib.util.find_spec("psycopg2") else "psycopg"
    return url.replace("postgresql://", f"postgresql+{driver}://", 1)


@contextmanager
def throwaway_database(prefix: str, password: str = "") -> Iterator[str]:
    """A new empty database; `password` goes into the URL (trust auth ignores it)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(
        driver_url(f"postgresql://postgres@{SERVER}/postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    try:
        with admin.connect() as db:
            db.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        pytest.skip(f"no PostgreSQL server answers at {SERVER} ({error})")
    user = f"postgres:{password}" if password else "postgres"
    try:
        yield f"postgresql://{user}@{SERVER}/{name}"
    finally:
        with admin.connect() as db:
            db.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
