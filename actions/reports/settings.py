"""Where the reports read from, and in which time zone days begin: read once, passed down.

TRACKER_STORE_URL   Rasa's conversation log (default sqlite:///$SUPPORTBOT_DATA_DIR/conversations.db)
HANDOFF_DB_URL      handoffs and tickets (default: TRACKER_STORE_URL)
REPORTS_TIMEZONE    days and hours of the reports (default: the business-hours zone of bot/support.yml)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from actions.support_rules import load_support_rules
from knowledge.settings import SettingsError

DEFAULT_REFRESH_SECONDS = 300.0
MIN_REFRESH_SECONDS = 10


@dataclass(frozen=True)
class ReportSettings:
    tracker_url: str
    handoff_url: str
    timezone: str
    refresh_seconds: float = 0.0

    @classmethod
    def from_env(cls, env: Mapping[str, str], root: Path) -> ReportSettings:
        data_dir = Path(env.get("SUPPORTBOT_DATA_DIR") or root / "var")
        tracker = env.get("TRACKER_STORE_URL") or f"sqlite:///{data_dir / 'conversations.db'}"
        handoff = env.get("HANDOFF_DB_URL") or tracker
        zone = env.get("REPORTS_TIMEZONE", "").strip()
        if not zone:
            rules = Path(env.get("SUPPORT_RULES") or root / "bot" / "support.yml")
            zone = load_support_rules(rules).hours.timezone.key
        return cls(
            _url("TRACKER_STORE_URL", tracker),
            _url("HANDOFF_DB_URL", handoff),
            zone,
            _seconds(env.get("REPORTS_REFRESH_SECONDS", "")),
        )


def engine_for(url: str) -> sa.Engine:
    return sa.create_engine(url, pool_pre_ping=True)


def _url(variable: str, raw: str) -> str:
    """The URL with the driver installed here: plain postgresql:// means psycopg2, which Rasa has, not us."""
    try:
        url = sa.engine.make_url(raw)
    except sa.exc.ArgumentError:
        raise SettingsError(
            f"{variable} is not an SQLAlchemy URL such as sqlite:///var/conversations.db"
        ) from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise SettingsError(
            f"{variable}: reports support SQLite and PostgreSQL, not {url.get_backend_name()}"
        )
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _seconds(raw: str) -> float:
    if not raw.strip():
        return DEFAULT_REFRESH_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"REPORTS_REFRESH_SECONDS must be a number of seconds, got {raw!r}") from None
    if value != 0 and not MIN_REFRESH_SECONDS <= value <= 86400:
        raise SettingsError(
            f"REPORTS_REFRESH_SECONDS must be 0 (off) or {MIN_REFRESH_SECONDS}-86400 seconds, got {raw!r}"
        )
    return value
