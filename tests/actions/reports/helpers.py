"""Build conversation logs and run reports over them, as the CLI and the admin page do."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from actions.reports.metrics import ReportSources
from actions.reports.report import Report
from actions.reports.service import ReportService

UTC = ZoneInfo("UTC")
# 2026-11-02 is a Monday; 10:00 UTC.
MONDAY = dt.datetime(2026, 11, 2, 10, 0, tzinfo=UTC).timestamp()
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=UTC).timestamp()


def at(day: int, hour: int = 10, minute: int = 0) -> float:
    """A time in November 2026, UTC."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC).timestamp()


def service(engine: sa.Engine, handoffs: sa.Engine | None = None, timezone: str = "UTC") -> ReportService:
    return ReportService(ReportSources(engine, handoffs or engine), timezone, clock=lambda: NOW)


def report(engine: sa.Engine, **filters: str) -> Report:
    reports = service(engine)
    chosen = {"since": "2026-11-01", "until": "2026-11-30", **filters}
    result, _ = reports.run(reports.filters(**chosen))
    return result
