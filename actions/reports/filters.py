"""Report filters: parsed and checked once, for the CLI and the admin page alike.

    filters = parse_filters(since="2026-11-01", until="2026-11-30", channel="webchat",
                            page_url_prefix="https://www.example.com/pricing", timezone="Europe/Berlin",
                            today=date(2026, 12, 1))
    start, end = filters.bounds()   # epoch seconds: since 00:00 .. the day after until 00:00, local time

Dates are whole days in the report's time zone, both ends included. A wrong
value raises FilterError naming the option and saying what to write instead;
nothing is computed from a filter that did not parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CHANNELS = ("webchat", "slack")
DEFAULT_DAYS = 30
MAX_DAYS = 1096  # three years of daily points is already more than a chart can show
MAX_PREFIX_CHARS = 500  # percent-encoded, the whole request line must stay under Sanic's 8 KiB


class FilterError(ValueError):
    """A filter value is wrong; `option` names it and the message says how to fix it."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option


@dataclass(frozen=True)
class ReportFilters:
    since: date
    until: date
    timezone: ZoneInfo
    channel: str | None = None  # None: every channel
    page_url_prefix: str | None = None  # None: every page

    def bounds(self) -> tuple[float, float]:
        """[start, end) in epoch seconds: `since` at midnight to the midnight after `until`, local time."""
        start = datetime.combine(self.since, time(0), self.timezone)
        end = datetime.combine(self.until + timedelta(days=1), time(0), self.timezone)
        return start.timestamp(), end.timestamp()

    def days(self) -> list[date]:
        return [self.since + timedelta(days=n) for n in range((self.until - self.since).days + 1)]

    def day_of(self, timestamp: float) -> date:
        return datetime.fromtimestamp(timestamp, self.timezone).date()

    def describe(self) -> dict[str, str | None]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "timezone": self.timezone.key,
            "channel": self.channel,
            "page_url_prefix": self.page_url_prefix,
        }


def parse_filters(
    since: str | None,
    until: str | None,
    channel: str | None,
    page_url_prefix: str | None,
    timezone: str,
    today: date,
) -> ReportFilters:
    """Filters from the strings a user typed; blank means the default (the last 30 days, everything)."""
    zone = _zone(timezone)
    end = _date("until", until) if _given(until) else today
    start = _date("since", since) if _given(since) else end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise FilterError(
            "since", f"{start.isoformat()} is after the last day {end.isoformat()} (until): swap them"
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise FilterError(
            "since", f"the range is {(end - start).days + 1} days; at most {MAX_DAYS} fit a report"
        )
    return ReportFilters(start, end, zone, _channel(channel), _prefix(page_url_prefix))


def _given(value: str | None) -> bool:
    return value is not None and value != ""


def _date(option: str, raw: str | None) -> date:
    text = raw or ""
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise FilterError(
            option, f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01"
        ) from None


def _zone(raw: str) -> ZoneInfo:
    name = raw.strip()
    try:
        if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
            raise ValueError
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: names the file system refuses
        raise FilterError(
            "timezone", f"{raw!r} is not a time zone; use an IANA name such as Europe/Berlin or UTC"
        ) from None


def _channel(raw: str | None) -> str | None:
    if not _given(raw):
        return None
    name = raw or ""
    if name not in CHANNELS:
        raise FilterError("channel", f"unknown channel {raw!r}; use one of {', '.join(CHANNELS)}")
    return name


def _prefix(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_PREFIX_CHARS:
        raise FilterError("page_url_prefix", f"longer than {MAX_PREFIX_CHARS} characters")
    if raw != raw.strip() or any(ord(char) < 32 or ord(char) == 127 for char in raw):
        raise FilterError("page_url_prefix", "contains spaces at its ends or control characters")
    return raw
