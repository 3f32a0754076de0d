from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from actions.hours import (
    BusinessHours,
    DayException,
    HoursStatus,
    Window,
    describe_reopening,
    exception_note,
    is_open,
    main,
    next_change,
    next_opening,
    status,
)

ROOT = Path(__file__).resolve().parents[2]
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TICK = timedelta(microseconds=1)


def windows(*ranges: str) -> tuple[Window, ...]:
    return tuple(Window.parse(text) for text in ranges)


def schedule(
    weekly: dict[int, tuple[Window, ...]],
    exceptions: dict[date, DayException] | None = None,
    zone: ZoneInfo = BERLIN,
) -> BusinessHours:
    return BusinessHours(zone, weekly, exceptions or {})


def local(text: str, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def first_open_period(hours: BusinessHours, after: datetime) -> tuple[datetime, datetime]:
    opening = next_opening(hours, after)
    closing = next_change(hours, opening) if opening else None
    assert opening and closing
    return opening, closing


OFFICE = schedule(
    {day: windows("08:00-18:00") for day in range(5)},
    {
        date(2026, 12, 24): DayException(windows("08:00-12:00"), "Christmas Eve"),
        date(2026, 12, 25): DayException((), "Christmas Day"),
    },
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23 07:59:59.999999", False),  # Monday
        ("2026-11-23 08:00", True),
        ("2026-11-23 17:59:59.999999", True),
        ("2026-11-23 18:00", False),
        ("2026-11-27 12:00", True),  # Friday
        ("2026-11-28 12:00", False),  # Saturday
        ("2026-11-29 23:59", False),  # Sunday
    ],
)
def test_weekday_boundaries(text: str, expected: bool) -> None:
    assert is_open(OFFICE, local(text)) is expected


def test_the_next_change_from_a_weekend_is_monday_morning() -> None:
    assert next_change(OFFICE, local("2026-11-28 12:00")) == local("2026-11-30 08:00")
    assert next_change(OFFICE, local("2026-11-30 08:00")) == local("2026-11-30 18:00")
    assert next_change(OFFICE, local("2026-11-30 17:59")) == local("2026-11-30 18:00")


def test_instants_come_back_in_utc_and_any_timezone_may_ask() -> None:
    asked_in_tokyo = local("2026-11-23 10:00").astimezone(ZoneInfo("Asia/Tokyo"))
    assert is_open(OFFICE, asked_in_tokyo)
    change = next_change(OFFICE, asked_in_tokyo)
    assert change == datetime(2026, 11, 23, 17, tzinfo=UTC) and change.tzinfo is UTC


def test_a_naive_time_is_refused_with_what_to_pass() -> None:
    with pytest.raises(ValueError, match=r"2026-11-23T10:00:00 has no timezone: pass an aware datetime"):
        is_open(OFFICE, datetime(2026, 11, 23, 10))


def test_split_shifts() -> None:
    hours = schedule({0: windows("08:00-12:00", "13:00-17:00")})
    assert is_open(hours, local("2026-11-23 11:59"))
    assert not is_open(hours, local("2026-11-23 12:30"))
    assert next_change(hours, local("2026-11-23 11:00")) == local("2026-11-23 12:00")
    assert next_change(hours, local("2026-11-23 12:00")) == local("2026-11-23 13:00")
    assert next_opening(hours, local("2026-11-23 09:00")) == local("2026-11-23 13:00")
    assert next_opening(hours, local("2026-11-23 17:00")) == local("2026-11-30 08:00")


def test_windows_that_touch_are_one_open_period() -> None:
    hours = schedule({0: windows("08:00-12:00", "12:00-18:00")})
    assert next_change(hours, local("2026-11-23 09:00")) == local("2026-11-23 18:00")


def test_a_window_past_midnight_belongs_to_the_day_it_starts_on() -> None:
    hours = schedule({4: windows("22:00-02:00")})  # Friday night
    assert not is_open(hours, local("2026-11-27 01:00"))  # Friday small hours: Thursday has none
    assert is_open(hours, local("2026-11-27 22:00"))
    assert is_open(hours, local("2026-11-28 01:59"))
    assert not is_open(hours, local("2026-11-28 02:00"))
    assert next_change(hours, local("2026-11-27 23:00")) == local("2026-11-28 02:00")


def test_sunday_night_runs_into_monday() -> None:
    hours = schedule({6: windows("22:00-06:00"), 0: windows("08:00-12:00")})
    assert is_open(hours, local("2026-11-23 05:00"))
    assert next_change(hours, local("2026-11-23 05:00")) == local("2026-11-23 06:00")


def test_whole_days_in_a_row_have_no_change_at_midnight() -> None:
    hours = schedule({5: windows("00:00-24:00"), 6: windows("00:00-24:00")})
    assert is_open(hours, local("2026-11-29 00:00"))
    assert next_change(hours, local("2026-11-28 10:00")) == local("2026-11-30 00:00")


def test_exceptions_replace_the_days_windows() -> None:
    assert is_open(OFFICE, local("2026-12-24 11:00"))
    assert not is_open(OFFICE, local("2026-12-24 12:00"))
    assert not is_open(OFFICE, local("2026-12-25 10:00"))
    assert next_opening(OFFICE, local("2026-12-24 13:00")) == local("2026-12-28 08:00")
    assert exception_note(OFFICE, local("2026-12-25 10:00")) == "Christmas Day"
    assert exception_note(OFFICE, local("2026-12-28 10:00")) == ""


def test_an_overnight_window_runs_into_a_closed_day() -> None:
    hours = schedule({3: windows("20:00-04:00")}, {date(2026, 12, 25): DayException((), "Christmas Day")})
    assert is_open(hours, local("2026-12-25 03:00"))  # Thursday's night shift still ends at 04:00
    assert next_change(hours, local("2026-12-25 03:00")) == local("2026-12-25 04:00")
    assert not is_open(hours, local("2026-12-25 21:00"))  # Christmas Day's own night shift is off


def test_an_exception_may_open_a_weekend_day_overnight() -> None:
    hours = schedule({}, {date(2026, 11, 28): DayException(windows("22:00-03:00"), "stocktaking")})
    assert next_opening(hours, local("2026-11-23 10:00")) == local("2026-11-28 22:00")
    assert next_change(hours, local("2026-11-28 22:00")) == local("2026-11-29 03:00")


def test_always_open_and_never_open() -> None:
    always = BusinessHours.always_open()
    assert status(always, local("2026-11-23 10:00")) == HoursStatus(open=True, until=None, next_open=None)
    never = schedule({})
    assert status(never, local("2026-11-23 10:00")) == HoursStatus(open=False, until=None, next_open=None)
    assert describe_reopening(never, local("2026-11-23 10:00")) == "at a time not yet scheduled"


def test_changes_are_found_up_to_the_horizon() -> None:
    hours = schedule({}, {date(2027, 12, 1): DayException(windows("09:00-10:00"), "")})
    assert next_opening(hours, local("2027-01-01 10:00")) == local("2027-12-01 09:00")
    phrase = "Wednesday 1 December 2027 at 09:00 (Europe/Berlin)"  # the year, when that far off
    assert describe_reopening(hours, local("2027-01-01 10:00")) == phrase
    assert next_opening(hours, local("2026-01-01 10:00")) is None  # more than 400 days ahead


def test_status_when_open_gives_the_close_and_the_reopening() -> None:
    assert status(OFFICE, local("2026-11-27 10:00")) == HoursStatus(
        open=True, until=local("2026-11-27 18:00"), next_open=local("2026-11-30 08:00")
    )
    assert status(OFFICE, local("2026-11-27 19:00")) == HoursStatus(
        open=False, until=None, next_open=local("2026-11-30 08:00")
    )


# Daylight saving, Berlin: 2026-03-29 02:00 -> 03:00 (gap); 2026-10-25 03:00 -> 02:00 (overlap).


def test_a_start_in_the_spring_gap_opens_when_the_clocks_jump() -> None:
    hours = schedule({6: windows("02:30-09:00")})
    opening = next_opening(hours, local("2026-03-28 12:00"))
    assert opening == datetime(2026, 3, 29, 1, tzinfo=UTC)  # 03:00 CEST
    assert next_change(hours, opening) == local("2026-03-29 09:00")


def test_a_window_wholly_in_the_spring_gap_never_opens() -> None:
    hours = schedule({6: windows("02:10-02:50")})
    assert next_opening(hours, local("2026-03-28 12:00")) == local("2026-04-05 02:10")


def test_an_overnight_window_across_spring_forward_is_an_hour_shorter() -> None:
    opening, closing = first_open_period(schedule({5: windows("22:00-06:00")}), local("2026-03-28 12:00"))
    assert closing - opening == timedelta(hours=7)


def test_windows_in_the_autumn_overlap_never_lose_time() -> None:
    opening, closing = first_open_period(schedule({6: windows("01:00-02:30")}), local("2026-10-24 12:00"))
    assert opening == datetime(2026, 10, 24, 23, tzinfo=UTC)  # 01:00 CEST
    assert closing == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # the second 02:30, CET
    assert closing - opening == timedelta(hours=2, minutes=30)


def test_windows_touching_in_the_autumn_overlap_stay_one_period() -> None:
    hours = schedule({6: windows("00:00-02:00", "02:00-05:00")})
    assert first_open_period(hours, local("2026-10-24 12:00"))[1] == local("2026-10-25 05:00")


def test_new_york_spring_forward() -> None:
    hours = schedule({6: windows("01:00-04:00")}, zone=NEW_YORK)  # 2026-03-08 02:00 -> 03:00
    opening, closing = first_open_period(hours, local("2026-03-07 12:00", NEW_YORK))
    assert closing - opening == timedelta(hours=2)


@pytest.mark.parametrize(
    ("asked", "customer", "phrase"),
    [
        ("2026-12-24 07:00", None, "today at 08:00 (Europe/Berlin)"),
        ("2026-11-23 19:00", None, "tomorrow at 08:00 (Europe/Berlin)"),
        ("2026-12-24 13:00", None, "Monday 28 December at 08:00 (Europe/Berlin)"),
        ("2026-12-24 13:00", "Europe/London", "Monday 28 December at 08:00 (Europe/Berlin), 07:00 your time"),
        (
            "2026-12-24 13:00",
            "America/Los_Angeles",
            "Monday 28 December at 08:00 (Europe/Berlin), Sunday 23:00 your time",
        ),
        ("2026-12-24 13:00", "Europe/Berlin", "Monday 28 December at 08:00 (Europe/Berlin)"),
        ("2026-12-24 13:00", "Europe/Paris", "Monday 28 December at 08:00 (Europe/Berlin)"),  # same clock
        ("2026-12-24 13:00", "Mars/Olympus_Mons", "Monday 28 December at 08:00 (Europe/Berlin)"),
        ("2026-12-24 13:00", "America", "Monday 28 December at 08:00 (Europe/Berlin)"),
        ("2026-12-24 13:00", "../../etc/passwd", "Monday 28 December at 08:00 (Europe/Berlin)"),
        ("2026-12-24 13:00", "", "Monday 28 December at 08:00 (Europe/Berlin)"),
    ],
)
def test_describe_reopening(asked: str, customer: str | None, phrase: str) -> None:
    assert describe_reopening(OFFICE, local(asked), customer) == phrase


def test_describe_reopening_says_today_for_a_split_shift() -> None:
    hours = schedule({0: windows("08:00-12:00", "13:00-17:00")})
    assert (
        describe_reopening(hours, local("2026-11-23 12:15"), "UTC")
        == "today at 13:00 (Europe/Berlin), 12:00 your time"
    )


def test_window_text() -> None:
    assert str(Window.parse("22:00-02:00")) == "22:00-02:00" and Window.parse("22:00-02:00").minutes == 240
    assert (
        Window.parse("00:00-24:00") == Window(time(0), time(0)) and Window(time(0), time(0)).minutes == 1440
    )
    assert str(Window.parse(" 8:00 - 12:30 ")) == "08:00-12:30"
    assert str(Window.parse("18:00-24:00")) == "18:00-24:00"
    for text in ("08:00", "8-12", "24:00-02:00", "08:00-08:00", "12:00-25:00"):
        with pytest.raises(ValueError):
            Window.parse(text)


# The command line, against the shipped rules (Monday to Friday 08:00-18:00 Berlin).


@pytest.fixture(autouse=True)
def shipped_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPPORT_RULES", raising=False)


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, now: str = "2026-11-23 10:00"
) -> tuple[int, str, str]:
    code = main(list(argv), clock=lambda: local(now))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_now(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys) == (0, "open now (until 18:00 Europe/Berlin, Monday 23 November)\n", "")
    assert run(capsys, now="2026-11-22 16:00") == (0, "closed; opens tomorrow at 08:00 Europe/Berlin\n", "")


def test_cli_at(capsys: pytest.CaptureFixture[str]) -> None:
    expected = "closed (Christmas Day); opens Monday 28 December at 08:00 Europe/Berlin\n"
    assert run(capsys, "--at", "2026-12-25T10:00+01:00") == (0, expected, "")
    expected = "open (Christmas Eve; until 12:00 Europe/Berlin, Thursday 24 December)\n"
    assert run(capsys, "--at", "2026-12-24T10:00") == (0, expected, "")  # no offset: Berlin time


def test_cli_reads_the_rules_it_is_given(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules = tmp_path / "support.yml"
    rules.write_text('hours:\n  timezone: America/New_York\n  weekly:\n    monday: ["09:00-17:00"]\n')
    code, out, _ = run(capsys, "--rules", str(rules), "--at", "2026-11-23T10:00-05:00")
    assert (code, out) == (0, "open (until 17:00 America/New_York, Monday 23 November)\n")


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (
            ["--at", "next tuesday"],
            'error: --at "next tuesday" is not an ISO-8601 time like 2026-12-24T13:00+01:00',
        ),
        (["--rules", "/nonexistent/support.yml"], "error: /nonexistent/support.yml: file not found"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], error: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith(error) and err.count("\n") == 1


def test_cli_bad_rules_file_exits_2_with_the_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules = tmp_path / "support.yml"
    rules.write_text(
        'hours:\n  timezone: Europe/Berlin\n  weekly:\n    monday: ["08:00-12:00", "13:00-25:00"]\n'
    )
    code, _, err = run(capsys, "--rules", str(rules))
    assert code == 2
    problem = '"13:00-25:00" is not a time range like "08:00-12:30"'
    assert err == f"error: {rules} line 4: hours.weekly.monday[1]: {problem}\n"
