"""The scaled-out deployment as test_scale.py runs it and docs/deploy/compose.yml describes it.

One list of services and the variables each is given, so the two cannot drift
apart silently: test_scale.py starts these processes with exactly these
variables (plus test-only ones: ports, data folders, the local fake Slack), and
test_deploy_description.py checks that the compose file has the same services,
commands and variable names.
"""

from __future__ import annotations

from dataclasses import dataclass

# Infrastructure: on these machines they already run (PostgreSQL, Redis) or the
# test starts them (Chroma); in the compose file they are containers.
INFRASTRUCTURE = ("postgres", "redis", "chroma")
# The product's own processes: service name -> the launcher's role (bot/serve.py --only ...).
REPLICAS = ("rasa-1", "rasa-2")
APP = {"actions": "actions", REPLICAS[0]: "rasa", REPLICAS[1]: "rasa"}
SYNC = "sync"  # one-shot: index the help centre into the Chroma server
# In front of the Rasa servers in production; the test addresses each Rasa
# server directly instead, to alternate between them on purpose.
LOAD_BALANCER = "lb"

SYNC_COMMAND = (".venv-actions/bin/python", "-m", "knowledge", "sync")
CHROMA_COMMAND = (".venv-actions/bin/chroma", "run")


def launcher_command(role: str) -> tuple[str, ...]:
    return (".venv-rasa/bin/python", "bot/serve.py", "--only", role)


@dataclass(frozen=True)
class Addresses:
    """Where the shared services are: 127.0.0.1 in the test, service names in compose."""

    tracker_store_url: str
    redis_url: str
    redis_key_prefix: str
    chroma_host: str
    chroma_port: str
    action_server_url: str
    slack_bot_token: str
    slack_signing_secret: str
    slack_support_channel: str
    webchat_allowed_origins: str = "*"
    # Who may say which customer address a request is for (X-Forwarded-For): the load balancer.
    webchat_trusted_proxies: str = "127.0.0.1,::1"


def service_env(service: str, at: Addresses) -> dict[str, str]:
    """The deployment variables of one service (compose sets the same names)."""
    chroma = {"CHROMA_HOST": at.chroma_host, "CHROMA_PORT": at.chroma_port}
    if service == SYNC:
        return chroma
    if service == "actions":
        return {
            **chroma,
            "SUPPORTBOT_HOST": "0.0.0.0",
            "ACTION_PORT": "5055",
            "TRACKER_STORE_URL": at.tracker_store_url,  # reports and privacy read the conversation log
            # Whether "talk to a person" can reach agents (the action decides; the relay is on Rasa's side).
            "SLACK_BOT_TOKEN": at.slack_bot_token,
            "SLACK_SUPPORT_CHANNEL": at.slack_support_channel,
        }
    if APP.get(service) == "rasa":
        return {
            "SUPPORTBOT_HOST": "0.0.0.0",
            "RASA_PORT": "5005",
            "ACTION_SERVER_URL": at.action_server_url,
            "TRACKER_STORE_URL": at.tracker_store_url,
            "REDIS_URL": at.redis_url,
            "REDIS_KEY_PREFIX": at.redis_key_prefix,
            "WEBCHAT_ALLOWED_ORIGINS": at.webchat_allowed_origins,
            "WEBCHAT_TRUSTED_PROXIES": at.webchat_trusted_proxies,
            "SLACK_BOT_TOKEN": at.slack_bot_token,
            "SLACK_SIGNING_SECRET": at.slack_signing_secret,
            "SLACK_SUPPORT_CHANNEL": at.slack_support_channel,
        }
    raise ValueError(f"no such service: {service}")
