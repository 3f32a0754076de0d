"""Filters: defaults, bounds in the report's time zone, and clear errors for bad input."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from actions.reports.filters import MAX_DAYS, FilterError, parse_filters

TODAY = date(2026, 11, 30)


def parse(**given: str | None) -> object:
    values = {"since": None, "until": None, "channel": None, "page_url_prefix": None, "timezone": "UTC"}
    return parse_filters(**{**values, **given}, today=TODAY)  # type: ignore[arg-type]


def test_defaults_are_the_last_thirty_days_everywhere() -> None:
    filters = parse_filters(None, None, None, None, "Europe/Berlin", TODAY)
    assert (filters.since, filters.until) == (date(2026, 11, 1), TODAY)
    assert (filters.channel, filters.page_url_prefix) == (None, None)
    assert len(filters.days()) == 30


def test_blank_values_mean_the_default() -> None:
    filters = parse_filters("", "", "", "", "UTC", TODAY)
    assert (filters.since, filters.until, filters.channel, filters.page_url_prefix) == (
        date(2026, 11, 1), TODAY, None, None
    )  # fmt: skip


def test_bounds_are_whole_local_days_both_ends_included() -> None:
    filters = parse_filters("2026-11-01", "2026-11-30", None, None, "Europe/Berlin", TODAY)
    start, end = filters.bounds()
    berlin = ZoneInfo("Europe/Berlin")
    assert datetime.fromtimestamp(start, berlin) == datetime(2026, 11, 1, tzinfo=berlin)
    assert datetime.fromtimestamp(end, berlin) == datetime(2026, 12, 1, tzinfo=berlin)


def test_a_day_across_a_clock_change_is_23_hours_long() -> None:
    filters = parse_filters("2026-03-29", "2026-03-29", None, None, "Europe/Berlin", TODAY)
    start, end = filters.bounds()
    assert end - start == 23 * 3600


@pytest.mark.parametrize(
    ("given", "option", "fix"),
    [
        ({"since": "2026-13-01"}, "since", "YYYY-MM-DD"),
        ({"since": "01.11.2026"}, "since", "YYYY-MM-DD"),
        ({"until": "2026-11-31"}, "until", "YYYY-MM-DD"),
        ({"until": "yesterday"}, "until", "YYYY-MM-DD"),
        ({"since": " 2026-11-01"}, "since", "YYYY-MM-DD"),
        ({"since": "2026-11-20", "until": "2026-11-10"}, "since", "swap them"),
        ({"since": "2020-01-01"}, "since", f"at most {MAX_DAYS}"),
        ({"channel": "email"}, "channel", "webchat, slack"),
        ({"channel": "Webchat"}, "channel", "webchat, slack"),
        ({"page_url_prefix": "https://x.example/\n"}, "page_url_prefix", "control characters"),
        ({"page_url_prefix": " https://x.example/"}, "page_url_prefix", "spaces"),
        ({"page_url_prefix": "https://x.example/" + "a" * 3000}, "page_url_prefix", "longer than"),
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA"),
        ({"timezone": "../../etc/passwd"}, "timezone", "IANA"),
        ({"timezone": "Europe/" + "x" * 300}, "timezone", "IANA"),
        ({"timezone": "A\x9b\n\ud84a\udcc6" * 40}, "timezone", "IANA"),
    ],
)
def test_wrong_values_name_the_option_and_the_fix(given: dict[str, str], option: str, fix: str) -> None:
    with pytest.raises(FilterError) as raised:
        parse(**given)
    assert raised.value.option == option
    assert fix in str(raised.value)


def test_a_single_day_and_a_known_channel_are_fine() -> None:
    filters = parse_filters("2026-11-05", "2026-11-05", "slack", "https://x.example/p%", "UTC", TODAY)
    assert (filters.since, filters.until, filters.channel) == (date(2026, 11, 5), date(2026, 11, 5), "slack")
    assert filters.page_url_prefix == "https://x.example/p%"
