"""Report settings from the environment: defaults, drivers, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.reports.settings import ReportSettings
from knowledge.settings import SettingsError

ROOT = Path(__file__).resolve().parents[3]


def test_defaults_follow_the_launcher_and_the_support_rules(tmp_path: Path) -> None:
    settings = ReportSettings.from_env({"SUPPORTBOT_DATA_DIR": str(tmp_path)}, ROOT)
    assert settings.tracker_url == f"sqlite:///{tmp_path / 'conversations.db'}"
    assert settings.handoff_url == settings.tracker_url
    assert settings.timezone == "Europe/Berlin"  # bot/support.yml's business hours
    assert settings.refresh_seconds == 300


def test_postgresql_urls_use_psycopg_3_and_keep_their_password() -> None:
    settings = ReportSettings.from_env(
        {"TRACKER_STORE_URL": "postgresql://bot:s3cret@db:5432/support", "REPORTS_TIMEZONE": "UTC",
         "HANDOFF_DB_URL": "postgresql+psycopg2://bot:s3cret@db/handoffs", "REPORTS_REFRESH_SECONDS": "0"},
        ROOT,
    )  # fmt: skip
    assert settings.tracker_url == "postgresql+psycopg://bot:s3cret@db:5432/support"
    assert settings.handoff_url == "postgresql+psycopg://bot:s3cret@db/handoffs"
    assert (settings.timezone, settings.refresh_seconds) == ("UTC", 0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRACKER_STORE_URL": "not a url"}, "TRACKER_STORE_URL is not an SQLAlchemy URL"),
        ({"HANDOFF_DB_URL": "mysql://db/x"}, "HANDOFF_DB_URL: reports support SQLite and PostgreSQL"),
        ({"REPORTS_REFRESH_SECONDS": "often"}, "REPORTS_REFRESH_SECONDS must be a number of seconds"),
        ({"REPORTS_REFRESH_SECONDS": "5"}, "REPORTS_REFRESH_SECONDS must be 0 (off) or 10-86400"),
    ],
)
def test_wrong_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ReportSettings.from_env({"REPORTS_TIMEZONE": "UTC", **env}, ROOT)
