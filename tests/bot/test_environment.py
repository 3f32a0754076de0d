from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot import environment
from bot.environment import ConfigError


def test_defaults_are_embedded_and_offline(tmp_path: Path) -> None:
    env = environment.resolve({"SUPPORTBOT_DATA_DIR": str(tmp_path)})
    assert env["TRACKER_STORE_URL"] == f"sqlite:///{tmp_path / 'conversations.db'}"
    assert env["CHROMA_PATH"] == str(tmp_path / "chroma")
    assert env["HF_HUB_OFFLINE"] == "1"
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    assert env["ACTION_SERVER_URL"] == "http://127.0.0.1:5055/webhook"
    environment.validate(env)


def test_given_values_win_and_the_action_url_follows_the_port() -> None:
    env = environment.resolve({"ACTION_PORT": "6000", "TRACKER_STORE_URL": "postgresql://u@h/db"})
    assert env["ACTION_SERVER_URL"] == "http://127.0.0.1:6000/webhook"
    assert env["TRACKER_STORE_URL"] == "postgresql://u@h/db"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"RASA_PORT": "http"}, "RASA_PORT must be a port number"),
        ({"ACTION_PORT": "70000"}, "ACTION_PORT must be a port number"),
        ({"TRACKER_STORE_URL": "conversations.db"}, "TRACKER_STORE_URL must be an SQLAlchemy URL"),
        ({"HELPCENTRE_DIR": "/nonexistent/help"}, "HELPCENTRE_DIR points to /nonexistent/help"),
        ({"WEBCHAT_MAX_MESSAGE_CHARS": "-3"}, "WEBCHAT_MAX_MESSAGE_CHARS"),
        ({"REDACT": "emails"}, "REDACT must be a comma-separated list of email, phone, card"),
        ({"REDACT": "all", "REDACT_TRACKER": "drop"}, "REDACT_TRACKER must be keep or redact"),
        ({"RETENTION_DAYS": "-7"}, "RETENTION_DAYS must be 0 or more"),
        ({"RETENTION_SCHEDULE": "daily"}, "RETENTION_SCHEDULE=daily needs RETENTION_DAYS"),
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL must look like redis://"),
        ({"REDIS_KEY_PREFIX": "two words"}, "REDIS_KEY_PREFIX must be"),
    ],
)
def test_wrong_values_fail_with_one_line_naming_the_variable(override: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as failed:
        environment.validate(environment.resolve(override))
    assert "\n" not in str(failed.value)


def test_a_port_in_use_is_named() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(ConfigError, match=f"port {port} .* in use; .* set RASA_PORT"):
            environment.check_port_free("127.0.0.1", port, "RASA_PORT")


def test_the_lock_store_follows_redis_url() -> None:
    assert environment.resolve({"REDIS_URL": ""})["LOCK_STORE_TYPE"] == "in_memory"
    with_redis = environment.resolve({"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert with_redis["LOCK_STORE_TYPE"] == "channels.cluster.locks.RedisTicketLockStore"
    assert with_redis["REDIS_KEY_PREFIX"] == "supportbot"
    environment.validate(with_redis)
