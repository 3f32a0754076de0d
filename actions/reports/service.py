"""Refresh the summary, then compute: what the CLI and the admin page both call.

service = ReportService(ReportSources(engine, engine), timezone="Europe/Berlin")
report, stats = service.report(since="2026-11-01", until="2026-11-30", channel="webchat")
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from actions.reports.filters import ReportFilters, parse_filters
from actions.reports.metrics import ReportSources, compute_report
from actions.reports.refresh import RefreshStats, refresh
from actions.reports.report import Report
from actions.reports.settings import ReportSettings, engine_for

DEFAULT_GAPS = 10
MAX_GAPS = 100


class ReportService:
    def __init__(
        self,
        sources: ReportSources,
        timezone: str,
        clock: Callable[[], float] = time.time,
        refresh_seconds: float = 0.0,  # the action server refreshes in the background this often (0: never)
    ) -> None:
        self.sources, self.timezone, self.clock = sources, timezone, clock
        self.refresh_seconds = refresh_seconds

    @classmethod
    def from_settings(cls, settings: ReportSettings) -> ReportService:
        tracker = engine_for(settings.tracker_url)
        handoffs = (
            tracker if settings.handoff_url == settings.tracker_url else engine_for(settings.handoff_url)
        )
        return cls(
            ReportSources(tracker, handoffs), settings.timezone, refresh_seconds=settings.refresh_seconds
        )

    def filters(
        self,
        since: str | None = None,
        until: str | None = None,
        channel: str | None = None,
        page_url_prefix: str | None = None,
        timezone: str | None = None,
    ) -> ReportFilters:
        """Parsed filters (FilterError if wrong); `today` is the clock's date in the report's zone."""
        zone = timezone if timezone else self.timezone
        today = datetime.fromtimestamp(
            self.clock(), ZoneInfo(zone) if _known(zone) else ZoneInfo("UTC")
        ).date()
        return parse_filters(since, until, channel, page_url_prefix, zone, today)

    def refresh(self) -> RefreshStats:
        return refresh(self.sources.tracker)

    def run(self, filters: ReportFilters, gaps: int = DEFAULT_GAPS) -> tuple[Report, RefreshStats]:
        stats = refresh(self.sources.tracker)
        return compute_report(self.sources, filters, gaps, generated_at=self.clock()), stats


def _known(zone: str) -> bool:
    try:
        ZoneInfo(zone.strip())
    except (ValueError, KeyError, OSError):
        return False
    return True
