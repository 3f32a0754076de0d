"""SQLite and PostgreSQL give the same report from the same log, filters and all."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from actions.reports.report import Report
from actions.reports.synthetic import PAGES, generate
from tests.actions.reports.helpers import service

pytestmark = pytest.mark.postgres
START = dt.datetime(2026, 11, 1, tzinfo=ZoneInfo("UTC"))
FILTERS = [
    {},
    {"channel": "slack"},
    {"channel": "webchat", "page_url_prefix": PAGES[0]},
    {"since": "2026-11-10", "until": "2026-11-12", "timezone": "Europe/Berlin"},
]


def reports(engine: sa.Engine) -> list[Report]:
    reports = service(engine)
    found = []
    for chosen in FILTERS:
        result, _ = reports.run(reports.filters(**{"since": "2026-11-01", "until": "2026-11-30", **chosen}))
        found.append({**result, "generated_at": ""})  # type: ignore[typeddict-item]
    return found


def test_both_databases_give_the_same_reports(sqlite_engine: sa.Engine, postgres_engine: sa.Engine) -> None:
    log = generate(1500, seed=21, start=START, days=30)
    for engine in (sqlite_engine, postgres_engine):
        log.write(engine)
    on_sqlite, on_postgres = reports(sqlite_engine), reports(postgres_engine)
    assert on_sqlite[0]["conversations"] > 1000 and on_sqlite[0]["knowledge_gaps"]
    assert on_sqlite[0]["first_agent_reply"]["replied"] > 0 and on_sqlite[0]["csat"]["responses"] > 0
    assert on_sqlite == on_postgres

    more = generate(200, seed=22, start=START + dt.timedelta(days=5), days=10)  # and after an increment
    for engine in (sqlite_engine, postgres_engine):
        more.write(engine)
    assert reports(sqlite_engine) == reports(postgres_engine)
