"""RETENTION_DAYS, RETENTION_SCHEDULE and the database URLs: defaults and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.privacy.database import engine_url
from actions.privacy.settings import DatabaseUrls, PrivacySettingsError, RetentionSettings


def test_retention_is_off_unless_configured() -> None:
    assert RetentionSettings.from_env({}) == RetentionSettings(0, "off")
    assert not RetentionSettings.from_env({"RETENTION_DAYS": "0"}).enabled
    assert RetentionSettings.from_env({"RETENTION_DAYS": " 365 ", "RETENTION_SCHEDULE": "Daily"}) == (
        RetentionSettings(365, "daily")
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"RETENTION_DAYS": "-1"},
            "RETENTION_DAYS must be 0 or more (0 keeps conversations forever), got -1",
        ),
        ({"RETENTION_DAYS": "ninety"}, "RETENTION_DAYS must be a whole number of days, got 'ninety'"),
        ({"RETENTION_DAYS": "99999"}, "RETENTION_DAYS must be at most 36500"),
        ({"RETENTION_DAYS": "30", "RETENTION_SCHEDULE": "hourly"}, "RETENTION_SCHEDULE must be daily or off"),
        ({"RETENTION_SCHEDULE": "daily"}, "RETENTION_SCHEDULE=daily needs RETENTION_DAYS"),
    ],
)
def test_wrong_values_fail_in_one_line_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(PrivacySettingsError) as failed:
        RetentionSettings.from_env(env)
    assert message in str(failed.value) and "\n" not in str(failed.value)


def test_the_handoff_database_defaults_to_the_conversation_log(tmp_path: Path) -> None:
    assert DatabaseUrls.from_env({"SUPPORTBOT_DATA_DIR": str(tmp_path)}) == DatabaseUrls(
        f"sqlite:///{tmp_path / 'conversations.db'}", f"sqlite:///{tmp_path / 'conversations.db'}"
    )
    assert DatabaseUrls.from_env(
        {"TRACKER_STORE_URL": "postgresql://a@h/db", "HANDOFF_DB_URL": "sqlite:///h"}
    ) == (DatabaseUrls("postgresql://a@h/db", "sqlite:///h"))


def test_postgresql_urls_get_this_environments_driver() -> None:
    assert engine_url("postgresql://u:secret@h:5432/db").drivername == "postgresql+psycopg"
    assert engine_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert engine_url("postgresql+psycopg2://u@h/db").drivername == "postgresql+psycopg"
