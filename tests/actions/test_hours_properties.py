"""Properties of the business-hours functions over random schedules and instants.

Schedules are random windows (split shifts, overnight, whole days, touching windows) and
exceptions, in Europe/Berlin and America/New_York; instants are uniform over 2026-2027 or
packed around the daylight-saving changes of those years, down to the microsecond.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, event, given, reject, settings
from hypothesis import strategies as st

from actions.hours import (
    BusinessHours,
    DayException,
    Window,
    describe_reopening,
    is_open,
    next_change,
    next_opening,
    status,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TICK = timedelta(microseconds=1)
SLOT = 30  # minutes: boundaries land on 01:00, 01:30, 02:00, 02:30, 03:00, where the clocks change
DAY_SLOTS = 24 * 60 // SLOT
WEEK_SLOTS = 7 * DAY_SLOTS

# The instants the clocks change in 2026 and 2027 (test_the_transitions_are_the_real_ones checks them).
TRANSITIONS = {
    zone: [datetime.fromisoformat(moment) for moment in moments]
    for zone, moments in {
        BERLIN: ["2026-03-29T01:00Z", "2026-10-25T01:00Z", "2027-03-28T01:00Z", "2027-10-31T01:00Z"],
        NEW_YORK: ["2026-03-08T07:00Z", "2026-11-01T06:00Z", "2027-03-14T07:00Z", "2027-11-07T06:00Z"],
    }.items()
}

FAST = settings(max_examples=150, deadline=None, database=None)


def window(start_slot: int, length_slots: int) -> Window:
    """A window starting `start_slot` slots after midnight, `length_slots` long (at most a day)."""
    start = start_slot * SLOT
    end = (start + length_slots * SLOT) % (24 * 60)
    return Window(time(start // 60, start % 60), time(end // 60, end % 60))


@st.composite
def weekly_schedules(draw: st.DrawFn) -> dict[int, tuple[Window, ...]]:
    """Non-overlapping windows around the week, from a random point: gaps of 0 make touching windows."""
    first = at = draw(st.integers(0, WEEK_SLOTS - 1))
    weekly: dict[int, list[Window]] = {}
    for gap, length in draw(
        st.lists(st.tuples(st.integers(0, 2 * DAY_SLOTS), st.integers(1, DAY_SLOTS)), max_size=10)
    ):
        if at + gap + length > first + WEEK_SLOTS:
            break
        at += gap
        day, slot = divmod(at % WEEK_SLOTS, DAY_SLOTS)
        weekly.setdefault(day, []).append(window(slot, length))
        at += length
    return {day: tuple(windows) for day, windows in weekly.items()}


@st.composite
def day_windows(draw: st.DrawFn) -> tuple[Window, ...]:
    """An exception's windows: split, touching, possibly the last one past midnight, or none."""
    at, windows = draw(st.integers(0, DAY_SLOTS - 1)), []
    for gap, length in draw(st.lists(st.tuples(st.integers(0, 12), st.integers(1, 20)), max_size=3)):
        if at + gap >= DAY_SLOTS:
            break
        at += gap
        windows.append(window(at, min(length, DAY_SLOTS)))
        at += length
        if at >= DAY_SLOTS:
            break
    return tuple(windows)


def near_transition_dates(zone: ZoneInfo) -> list[date]:
    return [
        (moment.astimezone(zone) + timedelta(days=shift)).date()
        for moment in TRANSITIONS[zone]
        for shift in range(-2, 3)
    ]


# A window in the small hours, when the clocks change in these zones.
SMALL_HOURS = st.builds(window, st.integers(0, 8), st.integers(1, 10))


def schedules(zone: ZoneInfo, change: datetime) -> st.SearchStrategy[BusinessHours]:
    """Random weeks and exceptions, often with a window in the small hours of the day the clocks `change`."""
    days = st.one_of(
        st.sampled_from(near_transition_dates(zone)), st.dates(date(2026, 1, 1), date(2027, 12, 31))
    )
    exceptions = st.dictionaries(days, st.builds(DayException, day_windows(), st.just("")), max_size=4)
    change_day = st.none() | SMALL_HOURS.map(
        lambda opening: {change.astimezone(zone).date(): DayException((opening,))}
    )
    return st.builds(
        lambda weekly, special, small_hours: BusinessHours(zone, weekly, {**special, **(small_hours or {})}),
        weekly_schedules(),
        exceptions,
        change_day,
    )


def instants(zone: ZoneInfo, change: datetime) -> st.SearchStrategy[datetime]:
    """Uniform over two years, or near the `change`: on a half-hour or anywhere, give or take a tick."""
    uniform = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)).map(
        lambda moment: moment.replace(tzinfo=UTC)
    )
    offsets = st.one_of(
        st.integers(-3 * 4, 3 * 4).map(lambda quarters: timedelta(minutes=15 * quarters)),
        st.integers(-72 * 2, 72 * 2).map(lambda half_hours: timedelta(minutes=30 * half_hours)),
        st.integers(-72 * 3600, 72 * 3600).map(lambda seconds: timedelta(seconds=seconds)),
    )
    near = st.builds(lambda offset, tick: change + offset + tick * TICK, offsets, st.sampled_from([-1, 0, 1]))
    shown_in = st.sampled_from([UTC, zone, ZoneInfo("Asia/Kolkata")])  # the answers must not depend on it
    return st.builds(lambda moment, shown: moment.astimezone(shown), st.one_of(uniform, near, near), shown_in)


ZONES = [BERLIN, NEW_YORK]
FOCUS = [(zone, change) for zone in ZONES for change in TRANSITIONS[zone]]
CASES = {focus: st.tuples(schedules(*focus), instants(*focus)) for focus in FOCUS}


def cases() -> st.SearchStrategy[tuple[BusinessHours, datetime]]:
    """A zone, a schedule and an instant, the schedule and the instant focused on one clock change."""
    return st.sampled_from(FOCUS).flatmap(CASES.__getitem__)


@FAST
@given(cases())
def test_is_open_flips_exactly_at_the_next_change(case: tuple[BusinessHours, datetime]) -> None:
    hours, at = case
    change = next_change(hours, at)
    if change is None:
        reject()
    assert change > at
    assert is_open(hours, change - TICK) == is_open(hours, at)
    # Arithmetic in UTC: on an aware datetime in a ZoneInfo, `+` moves the wall clock, not the instant.
    assert is_open(hours, at.astimezone(UTC) + (change - at) / 2) == is_open(hours, at)
    assert is_open(hours, change) != is_open(hours, at)
    event(f"open: {is_open(hours, at)}; change within a day: {change - at < timedelta(days=1)}")


@FAST
@given(cases())
def test_consecutive_changes_alternate(case: tuple[BusinessHours, datetime]) -> None:
    hours, at = case
    first = next_change(hours, at)
    if first is None:
        reject()
    second = next_change(hours, first)
    if second is None:
        reject()
    assert second > first > at
    assert is_open(hours, first) != is_open(hours, at)
    assert is_open(hours, second) != is_open(hours, first)


@FAST
@given(cases())
def test_status_agrees_with_is_open(case: tuple[BusinessHours, datetime]) -> None:
    hours, at = case
    now = status(hours, at)
    assert now.open == is_open(hours, at)
    assert now.until == (next_change(hours, at) if now.open else None)
    assert now.next_open == next_opening(hours, at)
    if now.open and now.until and now.next_open:
        assert now.next_open > now.until


@FAST
@given(cases())
def test_next_opening_is_an_opening_after_at(case: tuple[BusinessHours, datetime]) -> None:
    hours, at = case
    opening = next_opening(hours, at)
    if opening is None:
        reject()
    assert opening > at
    assert is_open(hours, opening) and not is_open(hours, opening - TICK)
    if not is_open(hours, at):
        assert opening == next_change(hours, at)
    assert describe_reopening(hours, at, "Asia/Tokyo").endswith("your time")


@FAST
@given(cases())
def test_the_same_instant_in_any_timezone_gives_the_same_answers(
    case: tuple[BusinessHours, datetime],
) -> None:
    hours, at = case
    elsewhere = at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert is_open(hours, elsewhere) == is_open(hours, at)
    assert next_change(hours, elsewhere) == next_change(hours, at)


@FAST
@given(cases())
def test_changes_happen_at_the_configured_wall_clock_times(case: tuple[BusinessHours, datetime]) -> None:
    hours, at = case
    change = next_change(hours, at)
    if change is None:
        reject()
    event(assert_at_a_configured_time(hours, change))


@FAST
@given(st.sampled_from(FOCUS), st.integers(0, 5 * 4), st.integers(1, 6 * 4))
def test_a_window_on_the_day_the_clocks_change_keeps_its_wall_clock_times(
    focus: tuple[ZoneInfo, datetime], start_quarter: int, length_quarters: int
) -> None:
    zone, change = focus
    day = change.astimezone(zone).date()
    start, end = 15 * start_quarter, 15 * (start_quarter + length_quarters)
    opening_hours = Window(time(start // 60, start % 60), time(end // 60, end % 60))
    hours = BusinessHours(zone, {}, {day: DayException((opening_hours,))})
    opening = next_opening(hours, datetime.combine(day, time(0)).replace(tzinfo=zone) - timedelta(hours=1))
    if opening is None:  # the window lies in the hour the clocks skip, first minute to last
        midnight = datetime.combine(day, time(0))
        for minute in (start, end - 1):
            assert clocks_unclear(midnight + timedelta(minutes=minute), zone)
        return
    closing = next_change(hours, opening)
    assert closing is not None
    event(f"{assert_at_a_configured_time(hours, opening)}; {assert_at_a_configured_time(hours, closing)}")


def assert_at_a_configured_time(hours: BusinessHours, change: datetime) -> str:
    """Openings show a window's start on the clock, closings a window's end. A time the clocks
    skip becomes the instant they jump; in a repeated hour starts take the first showing and ends
    the second. Says which case it was."""
    opens = is_open(hours, change)
    shown = change.astimezone(hours.timezone)
    wall = shown.replace(tzinfo=None, fold=0)
    configured = configured_times(hours, wall.date(), starts=opens)
    kind = "opening" if opens else "closing"
    if wall in configured:
        if clocks_unclear(wall, hours.timezone):
            assert shown.fold == (0 if opens else 1)
            return f"{kind} in a repeated hour"
        return kind
    assert change in TRANSITIONS[hours.timezone]
    just_before = (change - TICK).astimezone(hours.timezone).replace(tzinfo=None)
    assert any(just_before < moment < wall for moment in configured)
    return f"{kind} when the clocks jump"


def configured_times(hours: BusinessHours, day: date, starts: bool) -> set[datetime]:
    """The wall-clock starts (or ends) of windows, as naive local times on `day`."""
    times = set()
    for first in (day - timedelta(days=1), day):
        for begin, end in wall_intervals(hours, first, first):
            times.add(begin if starts else end)
    return {moment for moment in times if moment.date() == day}


# Open time per week against the configured wall-clock durations.


def week_starts(zone: ZoneInfo) -> st.SearchStrategy[date]:
    mondays_of_transitions = [
        day - timedelta(days=day.weekday()) for day in near_transition_dates(zone)[2::5]
    ]
    any_monday = st.integers(0, 103).map(lambda week: date(2026, 1, 5) + timedelta(weeks=week))
    return st.one_of(
        st.sampled_from(mondays_of_transitions), st.sampled_from(mondays_of_transitions), any_monday
    )


WEEKS = {
    zone: st.tuples(schedules(zone, TRANSITIONS[zone][0]), week_starts(zone), st.none() | SMALL_HOURS)
    for zone in ZONES
}


def wall_intervals(hours: BusinessHours, first: date, last: date) -> Iterable[tuple[datetime, datetime]]:
    """Every window starting from `first` to `last`, as naive local (start, end)."""
    day = first
    while day <= last:
        for opening in hours.windows_starting_on(day):
            end_day = day + timedelta(days=1) if opening.end <= opening.start else day
            yield datetime.combine(day, opening.start), datetime.combine(end_day, opening.end)
        day += timedelta(days=1)


def union_length(intervals: Iterable[tuple[datetime, datetime]], low: datetime, high: datetime) -> timedelta:
    total, reached = timedelta(0), low
    for start, end in sorted(intervals):
        start, end = max(start, reached), min(end, high)
        if end > start:
            total, reached = total + (end - start), end
    return total


def measured_open_time(hours: BusinessHours, low: datetime, high: datetime) -> timedelta:
    """Open time in [low, high), walking the changes the module reports."""
    total, at, open_now = timedelta(0), low, is_open(hours, low)
    while True:
        change = next_change(hours, at)
        if change is None or change >= high:
            return total + (high - at if open_now else timedelta(0))
        total += change - at if open_now else timedelta(0)
        at, open_now = change, not open_now


def clocks_unclear(wall: datetime, zone: ZoneInfo) -> bool:
    """In a spring gap (never shown) or an autumn overlap (shown twice)."""
    return wall.replace(tzinfo=zone, fold=0).utcoffset() != wall.replace(tzinfo=zone, fold=1).utcoffset()


@settings(max_examples=200, deadline=None, database=None)
@given(st.sampled_from(ZONES).flatmap(WEEKS.__getitem__))
def test_open_time_a_week_is_the_configured_time_give_or_take_the_clock_change(
    case: tuple[BusinessHours, date, Window | None],
) -> None:
    hours, monday, sunday_window = case
    zone = hours.timezone
    if sunday_window:
        sunday = {monday + timedelta(days=6): DayException((sunday_window,))}
        hours = BusinessHours(zone, hours.weekly, {**hours.exceptions, **sunday})
    intervals = list(wall_intervals(hours, monday - timedelta(days=1), monday + timedelta(days=6)))
    # Boundaries inside the hour the clocks skip or repeat follow rules of their own (test_hours.py).
    assume(not any(clocks_unclear(moment, zone) for interval in intervals for moment in interval))
    week_start, week_end = (
        datetime.combine(monday, time(0)),
        datetime.combine(monday + timedelta(days=7), time(0)),
    )
    low, high = week_start.replace(tzinfo=zone).astimezone(UTC), week_end.replace(tzinfo=zone).astimezone(UTC)

    measured = measured_open_time(hours, low, high)
    configured = union_length(intervals, week_start, week_end)
    real = [
        (start.replace(tzinfo=zone).astimezone(UTC), end.replace(tzinfo=zone).astimezone(UTC))
        for start, end in intervals
    ]
    assert measured == union_length(real, low, high)

    shift = (high - low) - (week_end - week_start)  # -1 h in a spring-forward week, +1 h in autumn, else 0
    transitions = [moment for moment in TRANSITIONS[zone] if low < moment < high]
    spans = any(start < transitions[0] <= end for start, end in real) if transitions else False
    assert (shift != timedelta(0)) == bool(transitions)
    event(f"clocks change this week: {bool(transitions)}; a window spans the change: {spans}")
    assert measured - configured == (shift if spans else timedelta(0))


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK])
def test_the_transitions_are_the_real_ones(zone: ZoneInfo) -> None:
    for moment in TRANSITIONS[zone]:
        assert moment.astimezone(zone).utcoffset() != (moment - TICK).astimezone(zone).utcoffset()
    offsets = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hour) for hour in range(2 * 365 * 24)]
    changes = sum(
        1
        for before, after in zip(offsets, offsets[1:], strict=False)
        if before.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset()
    )
    assert changes == len(TRANSITIONS[zone])
