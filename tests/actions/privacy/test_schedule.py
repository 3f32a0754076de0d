"""Daily retention inside the action server: injected clock and sleep, so days pass in milliseconds."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actions.privacy.retention import RetentionReport
from actions.privacy.schedule import RetentionSchedule, retention_job, schedule_retention
from actions.privacy.settings import DAY_SECONDS, DatabaseUrls, RetentionSettings
from tests.actions.privacy.builders import DAY, NOW, Store


class Days:
    """A clock that only moves when the schedule sleeps; stops the loop after `passes` sleeps."""

    def __init__(self, passes: int) -> None:
        self.now, self.sleeps, self.passes = NOW, [], passes  # type: ignore[var-annotated]

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if len(self.sleeps) > self.passes:
            raise asyncio.CancelledError
        self.now += seconds


def report(days: int = 30) -> RetentionReport:
    return RetentionReport(days, 0.0, [], {"events": 0}, 0, False)


def test_the_first_pass_runs_a_minute_after_start_then_one_a_day() -> None:
    days = Days(passes=3)
    seen: list[float] = []

    def job(now: float) -> RetentionReport:
        seen.append(now)
        days.now += 5  # a pass takes time; the next one still starts a day after this one
        return report()

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(RetentionSchedule(job, clock=days.clock, sleep=days.sleep).run_forever())
    assert seen == [NOW + 60, NOW + 60 + DAY_SECONDS, NOW + 60 + 2 * DAY_SECONDS]
    assert days.sleeps == [60, DAY_SECONDS - 5, DAY_SECONDS - 5, DAY_SECONDS - 5]


def test_a_failed_pass_is_logged_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    days = Days(passes=2)
    outcomes: list[Any] = [RuntimeError("database restarting"), report()]

    def job(now: float) -> RetentionReport:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with caplog.at_level(logging.INFO), pytest.raises(asyncio.CancelledError):
        asyncio.run(RetentionSchedule(job, clock=days.clock, sleep=days.sleep).run_forever())
    assert outcomes == []
    assert "retention pass failed" in caplog.text
    assert "retention (30 days): deleted 0 conversations" in caplog.text


def test_a_pass_deletes_from_the_real_database(store: Store, db_url: str) -> None:
    store.conversation("stale", NOW - 40 * DAY)
    store.conversation("fresh", NOW - DAY)
    job = retention_job(DatabaseUrls(db_url, db_url), days=30)
    done = asyncio.run(RetentionSchedule(job, clock=lambda: NOW).run_once())
    assert done is not None and done.senders == ["stale"]
    assert store.events_of("stale") == [] and store.events_of("fresh") != []


class App:
    """Sanic's side: listeners registered before the start, tasks added once it runs."""

    def __init__(self) -> None:
        self.listeners: list[tuple[Any, str]] = []
        self.tasks: list[str] = []

    def register_listener(self, listener: Any, event: str) -> None:
        self.listeners.append((listener, event))

    def add_task(self, task: Any, name: str) -> None:
        self.tasks.append(name)
        task.close()  # not run here: the schedule's loop is tested above


def test_the_server_schedules_retention_only_when_asked() -> None:
    app, urls = App(), DatabaseUrls("sqlite:///x.db", "sqlite:///x.db")
    assert schedule_retention(app, RetentionSettings(days=30, schedule="off"), urls) is None  # type: ignore[arg-type]
    assert app.listeners == []
    schedule = schedule_retention(app, RetentionSettings(days=30, schedule="daily"), urls)  # type: ignore[arg-type]
    [(start, event)] = app.listeners
    assert schedule is not None and event == "after_server_start"
    asyncio.run(start(app))
    assert app.tasks == ["privacy.retention"]
