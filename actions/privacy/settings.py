"""Retention settings and database locations, from the environment (standard library only).

bot/environment.py checks them before any process starts, so a wrong value
fails in one line naming the variable; the action server and the CLI read them
again with the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DAY_SECONDS = 86_400.0
SCHEDULES = ("off", "daily")


class PrivacySettingsError(ValueError):
    """One line saying which privacy setting is wrong and how to fix it."""


@dataclass(frozen=True)
class RetentionSettings:
    days: int = 0  # 0: keep forever
    schedule: str = "off"  # "daily": the action server deletes old conversations once a day

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RetentionSettings:
        days = parse_days(env.get("RETENTION_DAYS", "").strip() or "0", "RETENTION_DAYS", allow_zero=True)
        schedule = env.get("RETENTION_SCHEDULE", "").strip().lower() or "off"
        if schedule not in SCHEDULES:
            raise PrivacySettingsError(
                f"RETENTION_SCHEDULE must be daily or off, got {env.get('RETENTION_SCHEDULE')!r}"
            )
        if schedule == "daily" and days == 0:
            raise PrivacySettingsError(
                "RETENTION_SCHEDULE=daily needs RETENTION_DAYS, the number of days to keep (e.g. 365)"
            )
        return cls(days, schedule)

    @property
    def enabled(self) -> bool:
        return self.days > 0


def parse_days(raw: str, name: str, allow_zero: bool = False) -> int:
    """A whole number of days; `name` is what the error calls it (RETENTION_DAYS, --days)."""
    lowest = 0 if allow_zero else 1
    try:
        days = int(raw)
    except ValueError:
        raise PrivacySettingsError(f"{name} must be a whole number of days, got {raw!r}") from None
    if days < lowest:
        meaning = " (0 keeps conversations forever)" if allow_zero else ""
        raise PrivacySettingsError(f"{name} must be {lowest} or more{meaning}, got {days}")
    if days > 36_500:
        raise PrivacySettingsError(f"{name} must be at most 36500 (100 years), got {days}")
    return days


@dataclass(frozen=True)
class DatabaseUrls:
    """Where the conversation log and the handoff/ticket tables are (the same database by default)."""

    tracker: str
    handoff: str

    @classmethod
    def from_env(cls, env: Mapping[str, str], root: Path = ROOT) -> DatabaseUrls:
        data_dir = Path(env.get("SUPPORTBOT_DATA_DIR") or root / "var")
        tracker = env.get("TRACKER_STORE_URL") or f"sqlite:///{data_dir / 'conversations.db'}"
        return cls(tracker, env.get("HANDOFF_DB_URL") or tracker)
