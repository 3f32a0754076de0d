"""Business hours: whether the team is working at an instant, and when that changes.

    hours = load_support_rules(Path("bot/support.yml")).hours
    is_open(hours, clock())                                  # False on a Sunday
    describe_reopening(hours, clock(), "America/New_York")
    # 'tomorrow at 08:00 (Europe/Berlin), 02:00 your time'

    python -m actions.hours [--rules bot/support.yml] [--at 2026-12-24T13:00]

The schedule is a list of windows per weekday plus exceptions by date, all in the
wall-clock time of one IANA timezone:

- A window belongs to the day it starts on. When `end <= start` it runs past midnight
  into the next day; `start == end` is 24 hours, so "00:00-24:00" is a whole day.
- An exception for a date replaces the windows that start on that date (closed: none).
  An overnight window from the day before still runs into it.
- Open periods are half-open (open at the start instant, closed at the end instant),
  and windows that touch or overlap make one period: nothing changes between them.
- Across daylight-saving changes a window keeps its local times. A start or end in the
  spring-forward gap moves to the first valid instant after it (the transition itself),
  so "02:30-09:00" on that day opens at 03:00; a window wholly inside the gap never opens.
  In the autumn overlap a start takes the first occurrence and an end the second, so a
  window never loses time ("01:00-02:30" lasts 2.5 hours that night) and windows that
  touch inside the overlap stay one period.
- Changes are looked for up to HORIZON_DAYS ahead; beyond that the answer is None.

Instants come back in UTC: aware datetimes sharing one ZoneInfo compare and subtract
by wall clock, which is wrong inside the autumn overlap. Convert them for display only.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc  # not datetime.UTC (3.11+): the Rasa process (3.10) reads the support rules too

HORIZON_DAYS = 400
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NAMES = tuple(day.capitalize() for day in WEEKDAYS)
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MINUTES_A_DAY = 24 * 60
_TIME_RANGE_EXAMPLE = '"08:00-12:30"'


@dataclass(frozen=True)
class Window:
    """Opening hours that start on some day: `Window(time(22), time(2))` runs overnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> Window:
        """Read "08:00-12:30", "22:00-02:00" or "00:00-24:00"; a ValueError says what is wrong."""
        start_text, dash, end_text = text.partition("-")
        start, end = _clock_time(start_text), _clock_time(end_text, allow_24=True)
        if not dash or start is None or end is None or start_text.strip() == "24:00":
            raise ValueError(f"is not a time range like {_TIME_RANGE_EXAMPLE}")
        if start == end and not (start == time(0) and end_text.strip() == "24:00"):
            raise ValueError('is empty (for a whole day write "00:00-24:00")')
        return cls(start, end)

    @property
    def minutes(self) -> int:
        """Wall-clock length: 1 to 1440 minutes."""
        length = _minute_of_day(self.end) - _minute_of_day(self.start)
        return length % _MINUTES_A_DAY or _MINUTES_A_DAY

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def __str__(self) -> str:
        end = "24:00" if self.end == time(0) else f"{self.end:%H:%M}"
        return f"{self.start:%H:%M}-{end}"


@dataclass(frozen=True)
class DayException:
    """A holiday or special day: its windows replace the weekly ones (none: closed)."""

    windows: tuple[Window, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class BusinessHours:
    """Windows per weekday (0 = Monday, as `date.weekday()`) and exceptions by local date."""

    timezone: ZoneInfo
    weekly: Mapping[int, tuple[Window, ...]]
    exceptions: Mapping[date, DayException] = field(default_factory=dict)

    @classmethod
    def always_open(cls) -> BusinessHours:
        whole_day = (Window(time(0), time(0)),)
        return cls(ZoneInfo("UTC"), {day: whole_day for day in range(7)})

    def windows_starting_on(self, day: date) -> tuple[Window, ...]:
        exception = self.exceptions.get(day)
        windows = exception.windows if exception else self.weekly.get(day.weekday(), ())
        return tuple(sorted(windows, key=lambda window: window.start))


@dataclass(frozen=True)
class HoursStatus:
    """Open or not at an instant, and the changes that matter to a customer."""

    open: bool
    until: datetime | None  # when an open team closes; None when closed or no close within the horizon
    next_open: datetime | None  # the next opening after `at` (after `until` when open)


def is_open(hours: BusinessHours, at: datetime) -> bool:
    """Whether the team works at `at`, an aware datetime in any timezone (naive: ValueError)."""
    moment = _utc(at)
    for start, end in _open_periods(hours, _local_date(hours, moment) - timedelta(days=2), days=3):
        if start > moment:
            return False
        if end is None or moment < end:
            return True
    return False


def next_change(hours: BusinessHours, at: datetime) -> datetime | None:
    """The first instant after `at` at which the team opens or closes."""
    moment = _utc(at)
    for start, end in _periods_from(hours, moment):
        if start > moment:
            return start
        if end is None or end > moment:
            return end
    return None


def next_opening(hours: BusinessHours, at: datetime) -> datetime | None:
    """The first instant after `at` at which the team opens (after the coming close if open)."""
    moment = _utc(at)
    for start, end in _periods_from(hours, moment):
        if start > moment:
            return start
        if end is None:
            return None
    return None


def status(hours: BusinessHours, at: datetime) -> HoursStatus:
    """is_open, and the close (if open) and the next opening, in one answer."""
    open_now = is_open(hours, at)
    return HoursStatus(
        open=open_now,
        until=next_change(hours, at) if open_now else None,
        next_open=next_opening(hours, at),
    )


def exception_note(hours: BusinessHours, at: datetime) -> str:
    """The note of the exception for the local date of `at` ("Christmas Day"), or ""."""
    exception = hours.exceptions.get(_local_date(hours, _utc(at)))
    return exception.note if exception else ""


def describe_reopening(hours: BusinessHours, at: datetime, customer_timezone: str | None = None) -> str:
    """When the team is next back, for a customer: 'Monday 28 December at 08:00 (Europe/Berlin)'.

    'today at 13:00 ...' and 'tomorrow at 08:00 ...' where they apply; with a valid customer
    timezone that shows another time, ', 07:00 your time' (or ', Sunday 23:00 your time').
    An unknown customer timezone is ignored. It reads after "back": "they're back {phrase}";
    with no opening within the horizon it is "at a time not yet scheduled".
    """
    opening = next_opening(hours, at)
    if opening is None:
        return "at a time not yet scheduled"
    ours = opening.astimezone(hours.timezone)
    phrase = f"{_when(ours, _local_date(hours, _utc(at)))} ({hours.timezone.key})"
    customer = zone_or_none(customer_timezone)
    theirs = opening.astimezone(customer) if customer else ours
    if theirs.replace(tzinfo=None) != ours.replace(tzinfo=None):
        day = "" if theirs.date() == ours.date() else f"{_DAY_NAMES[theirs.weekday()]} "
        phrase += f", {day}{theirs:%H:%M} your time"
    return phrase


def describe_status(hours: BusinessHours, at: datetime, now: bool = True) -> str:
    """One line for people: 'open now (until 18:00 Europe/Berlin, Monday 23 November)'."""
    current = status(hours, at)
    zone, note = hours.timezone.key, exception_note(hours, at)
    if current.open:
        if current.until is None:
            until = f"no closing time within {HORIZON_DAYS} days"
        else:
            closes = current.until.astimezone(hours.timezone)
            until = f"until {closes:%H:%M} {zone}, {_date_words(closes.date())}"
        return f"open{' now' if now else ''} ({f'{note}; ' if note else ''}{until})"
    closed = f"closed ({note})" if note else "closed"
    if current.next_open is None:
        return f"{closed}; no opening within {HORIZON_DAYS} days"
    opens = current.next_open.astimezone(hours.timezone)
    return f"{closed}; opens {_when(opens, _local_date(hours, _utc(at)))} {zone}"


def zone_or_none(key: str | None) -> ZoneInfo | None:
    """The IANA timezone `key`, or None when it is not one."""
    if not key:
        return None
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def main(argv: Sequence[str] | None = None, clock: Callable[[], datetime] | None = None) -> int:
    """`python -m actions.hours`: is the team open now (or --at), and when does that change."""
    # Imported here: the rules file module builds on this one.
    from actions.support_rules import RulesError, load_support_rules

    default_rules = os.environ.get("SUPPORT_RULES") or str(
        Path(__file__).resolve().parents[1] / "bot/support.yml"
    )
    parser = argparse.ArgumentParser(prog="python -m actions.hours", description=main.__doc__)
    parser.add_argument("--rules", default=default_rules, help="support rules file (default: %(default)s)")
    parser.add_argument(
        "--at", help="ISO-8601 time, e.g. 2026-12-24T13:00+01:00 (no offset: the team's timezone)"
    )
    args = parser.parse_args(argv)
    try:
        hours = load_support_rules(Path(args.rules)).hours
        at = _parse_at(args.at, hours.timezone) if args.at else (clock or _now)()
    except (RulesError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(describe_status(hours, at, now=args.at is None))
    return 0


def _parse_at(text: str, zone: ZoneInfo) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f'--at "{text}" is not an ISO-8601 time like 2026-12-24T13:00+01:00') from None
    return at if at.tzinfo else at.replace(tzinfo=zone)


def _now() -> datetime:
    return datetime.now(UTC)


def _periods_from(hours: BusinessHours, moment: datetime) -> Iterator[tuple[datetime, datetime | None]]:
    first = _local_date(hours, moment) - timedelta(days=2)
    return _open_periods(hours, first, days=HORIZON_DAYS + 3)


def _open_periods(hours: BusinessHours, first: date, days: int) -> Iterator[tuple[datetime, datetime | None]]:
    """Merged open periods, in order, of the windows starting on `days` days from `first`.

    The end of the last period is None when a window starting after those days could extend it.
    """
    current: tuple[datetime, datetime] | None = None
    for offset in range(days):
        for start, end in _window_instants(hours, first + timedelta(days=offset)):
            if current and start <= current[1]:
                current = (current[0], max(current[1], end))
                continue
            if current:
                yield current
            current = (start, end)
    if current:
        after = _instant(hours.timezone, datetime.combine(first + timedelta(days=days), time(0)), first=True)
        yield current if current[1] < after else (current[0], None)


def _window_instants(hours: BusinessHours, day: date) -> Iterator[tuple[datetime, datetime]]:
    for window in hours.windows_starting_on(day):
        end_day = day + timedelta(days=1) if window.overnight else day
        start = _instant(hours.timezone, datetime.combine(day, window.start), first=True)
        end = _instant(hours.timezone, datetime.combine(end_day, window.end), first=False)
        if end > start:
            yield start, end


def _instant(zone: ZoneInfo, wall: datetime, first: bool) -> datetime:
    """The UTC instant of a local wall-clock time (see the module docstring for gaps and overlaps)."""
    candidate = wall.replace(tzinfo=zone, fold=0 if first else 1).astimezone(UTC)
    if candidate.astimezone(zone).replace(tzinfo=None, fold=0) == wall:
        return candidate
    return _end_of_gap(zone, wall)


def _end_of_gap(zone: ZoneInfo, wall: datetime) -> datetime:
    """The first instant whose local time is at or after `wall`, a time the clocks skip."""
    bounds = [int(wall.replace(tzinfo=zone, fold=fold).timestamp()) for fold in (0, 1)]
    low, high = min(bounds), max(bounds)
    while low < high:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None, fold=0) >= wall:
            high = middle
        else:
            low = middle + 1
    return datetime.fromtimestamp(low, UTC)


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(
            f"the time {at.isoformat()} has no timezone: pass an aware datetime, "
            "e.g. datetime.now(timezone.utc)"
        )
    return at.astimezone(UTC)


def _local_date(hours: BusinessHours, moment: datetime) -> date:
    return moment.astimezone(hours.timezone).date()


def _when(local: datetime, today: date) -> str:
    """'today at 13:00', 'tomorrow at 08:00', 'Monday 28 December at 08:00' (with the year if far off)."""
    if local.date() == today:
        day = "today"
    elif local.date() == today + timedelta(days=1):
        day = "tomorrow"
    else:
        far_off = local.date() - today > timedelta(days=180)
        day = _date_words(local.date()) + (f" {local.year}" if far_off else "")
    return f"{day} at {local:%H:%M}"


def _date_words(day: date) -> str:
    return f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]}"


def _clock_time(text: str, allow_24: bool = False) -> time | None:
    """ "8:00" or "08:00"; "24:00" (as midnight) only where a window may end."""
    found = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", text.strip())
    if not found:
        return None
    hour, minute = int(found[1]), int(found[2])
    if allow_24 and (hour, minute) == (24, 0):
        return time(0)
    return time(hour, minute) if hour <= 23 and minute <= 59 else None


def _minute_of_day(moment: time) -> int:
    return moment.hour * 60 + moment.minute


if __name__ == "__main__":
    sys.exit(main())
