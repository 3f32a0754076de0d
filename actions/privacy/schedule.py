"""Retention on a schedule, inside the action server (RETENTION_SCHEDULE=daily).

    schedule = RetentionSchedule(job=lambda now: ..., clock=time.time)
    app.add_task(schedule.run_forever())

The first pass runs a minute after the server starts (not at once, so a crash
loop does not hammer the database), then once a day. The clock and the sleep
are injected, so tests run days in milliseconds. A failed pass is logged and
the next one runs on time; deleting again is harmless.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sanic import Sanic

from actions.privacy.database import Databases
from actions.privacy.retention import RetentionReport, run_retention
from actions.privacy.settings import DAY_SECONDS, DatabaseUrls, RetentionSettings

logger = logging.getLogger(__name__)

Job = Callable[[float], RetentionReport]


@dataclass
class RetentionSchedule:
    job: Job  # one retention pass at the given time
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    interval: float = DAY_SECONDS
    first_delay: float = 60.0

    async def run_forever(self) -> None:
        await self.sleep(self.first_delay)
        while True:
            started = self.clock()
            await self.run_once()
            await self.sleep(max(0.0, self.interval - (self.clock() - started)))

    async def run_once(self) -> RetentionReport | None:
        try:
            report = await asyncio.to_thread(self.job, self.clock())
        except Exception:  # the database may be down for a moment: try again at the next pass
            logger.exception("retention pass failed")
            return None
        counts = ", ".join(f"{name} {rows}" for name, rows in report.counts.items() if rows)
        logger.info(
            "retention (%d days): deleted %d conversations%s",
            report.days,
            len(report.conversations),
            f" ({counts})" if counts else "",
        )
        return report


def retention_job(urls: DatabaseUrls, days: int) -> Job:
    def job(now: float) -> RetentionReport:
        with Databases.connect(urls) as dbs:  # connect per pass: nothing held open for a day
            return run_retention(dbs, days, now)

    return job


def schedule_retention(
    app: Sanic, settings: RetentionSettings, urls: DatabaseUrls
) -> RetentionSchedule | None:
    """Run retention daily in this server when RETENTION_SCHEDULE=daily."""
    if settings.schedule != "daily":
        return None
    schedule = RetentionSchedule(retention_job(urls, settings.days))

    async def start(app: Sanic) -> None:  # a named task needs the running app
        app.add_task(schedule.run_forever(), name="privacy.retention")

    app.register_listener(start, "after_server_start")
    logger.info("retention: conversations older than %d days are deleted daily", settings.days)
    return schedule
