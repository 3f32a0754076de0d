"""Every environment variable the product reads, with its default: the one list.

The README's configuration table is this list. The launcher fills in defaults
and validates values before any process starts, so a typo fails in one line.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REDIS_LOCK_STORE = "channels.cluster.locks.RedisTicketLockStore"


class ConfigError(ValueError):
    """One line saying which variable is wrong and how to fix it."""


def defaults(root: Path = ROOT, env: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if env is None else env
    data_dir = Path(env.get("SUPPORTBOT_DATA_DIR") or root / "var")
    host = env.get("SUPPORTBOT_HOST") or "127.0.0.1"
    action_port = env.get("ACTION_PORT") or "5055"
    return {
        "SUPPORTBOT_DATA_DIR": str(data_dir),
        "SUPPORTBOT_HOST": host,
        "RASA_PORT": "5005",
        "ACTION_PORT": action_port,
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_STORE_URL": f"sqlite:///{data_dir / 'conversations.db'}",
        "RASA_MODEL": str(data_dir / "models" / "supportbot.tar.gz"),
        "HELPCENTRE_DIR": str(root / "knowledge" / "helpcentre"),
        "CHROMA_PATH": str(data_dir / "chroma"),
        "KNOWLEDGE_COLLECTION": "helpcentre",
        "SUPPORT_RULES": str(root / "bot" / "support.yml"),
        "WEBCHAT_MAX_MESSAGE_CHARS": "4000",
        "WEBCHAT_ALLOWED_ORIGINS": "*",
        # Several Rasa servers share locks, widget frames and Slack retries through Redis.
        "REDIS_URL": "",
        "REDIS_KEY_PREFIX": "supportbot",
        "OPENAI_MODEL": "gpt-4o-mini",
        "OPENAI_TIMEOUT": "15",
        "LOG_LEVEL": "INFO",
        # Privacy (docs/privacy.md): nothing redacted, conversations kept, until configured.
        "REDACT": "",
        "REDACT_TRACKER": "keep",
        "RETENTION_DAYS": "0",
        "RETENTION_SCHEDULE": "off",
        # Offline by default: no model hub, no telemetry.
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "RASA_TELEMETRY_ENABLED": "false",
        "ANONYMIZED_TELEMETRY": "False",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TRANSFORMERS_VERBOSITY": "error",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "RASA_CACHE_DIRECTORY": str(data_dir / "rasa-cache"),
    }


def resolve(env: Mapping[str, str] | None = None, root: Path = ROOT) -> dict[str, str]:
    """The environment for both servers: given values win, defaults fill the rest."""
    env = dict(os.environ if env is None else env)
    merged = {**defaults(root, env), **{k: v for k, v in env.items() if v != ""}}
    merged["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    # bot/endpoints.yml reads it: Rasa's in-memory locks, or ours in Redis (channels/cluster/locks.py).
    merged.setdefault("LOCK_STORE_TYPE", REDIS_LOCK_STORE if merged["REDIS_URL"] else "in_memory")
    return merged


def validate(env: Mapping[str, str]) -> None:
    """Raise ConfigError for the first wrong value; check nothing that needs a server."""
    for name in ("RASA_PORT", "ACTION_PORT"):
        _port(env, name)
    url = env["TRACKER_STORE_URL"]
    if "://" not in url:
        raise ConfigError(
            f"TRACKER_STORE_URL must be an SQLAlchemy URL such as sqlite:///var/conversations.db "
            f"or postgresql://user@127.0.0.1:5432/support, got {url!r}"
        )
    for name in ("HELPCENTRE_DIR", "SUPPORT_RULES"):
        if not Path(env[name]).exists():
            raise ConfigError(f"{name} points to {env[name]}, which does not exist")
    from channels.web.settings import SettingsError, WebChatSettings

    try:
        WebChatSettings.from_mapping(
            {
                "max_message_chars": env["WEBCHAT_MAX_MESSAGE_CHARS"],
                "allowed_origins": env["WEBCHAT_ALLOWED_ORIGINS"],
            }
        )
    except SettingsError as error:
        raise ConfigError(str(error)) from None
    from channels.cluster.settings import ClusterSettings
    from channels.cluster.settings import SettingsError as RedisSettingsError

    try:
        ClusterSettings.from_env(env)
    except RedisSettingsError as error:
        raise ConfigError(str(error)) from None
    _privacy(env)


def _privacy(env: Mapping[str, str]) -> None:
    """REDACT, REDACT_TRACKER, RETENTION_DAYS, RETENTION_SCHEDULE (docs/privacy.md)."""
    from actions.privacy.settings import PrivacySettingsError, RetentionSettings
    from knowledge.redaction import RedactionError, RedactionSettings

    try:
        RedactionSettings.from_env(env)
        RetentionSettings.from_env(env)
    except (RedactionError, PrivacySettingsError) as error:
        raise ConfigError(str(error)) from None


def check_port_free(host: str, port: int, name: str) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise ConfigError(f"port {port} on {host} is in use; stop what holds it or set {name}") from None


def _port(env: Mapping[str, str], name: str) -> int:
    raw = env[name]
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"{name} must be a port number between 1 and 65535, got {raw!r}")
    return int(raw)
