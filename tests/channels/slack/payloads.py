"""Slack payloads as Slack sends them (shapes from docs.slack.dev), for tests.

Builders with defaults, so a test names only what it is about:

    event_callback(dm("hi"))               # a DM, wrapped in its Events API envelope
    event_callback(thread_reply("On it"))  # an agent replying in a handoff thread
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from tests.fakes.slack_server import BOT_ID, BOT_USER_ID, TEAM_ID

CUSTOMER = "U0CUSTOMER"
AGENT = "U0AGENT"
AGENTS_CHANNEL = "C0AGENTS"
DM_CHANNEL = "D0CUSTOMER"
PARENT_TS = "1700000000.000100"
CONVERSATION_ID = "0123456789abcdef0123456789abcdef"


def event_callback(
    event: dict[str, Any], event_id: str = "Ev0001", bot_user: str = BOT_USER_ID
) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": "A0FAKE",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1_700_000_100,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": bot_user,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-fake",
    }


def dm(text: str, user: str = CUSTOMER, ts: str = "1700000100.000200", **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": DM_CHANNEL,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im",
        "client_msg_id": "00000000-0000-0000-0000-000000000001",
        **extra,
    }


def thread_reply(
    text: str, user: str = AGENT, thread_ts: str = PARENT_TS, ts: str = "1700000200.000300", **extra: Any
) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": AGENTS_CHANNEL,
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "parent_user_id": BOT_USER_ID,
        "event_ts": ts,
        "channel_type": "channel",
        **extra,
    }


def app_mention(text: str, user: str = CUSTOMER, channel: str = "C0GENERAL", **extra: Any) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": "1700000300.000400",
        "channel": channel,
        "event_ts": "1700000300.000400",
        **extra,
    }


def bot_message(text: str = "Customer waiting") -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "bot_message",
        "text": text,
        "ts": "1700000400.000500",
        "bot_id": BOT_ID,
        "channel": AGENTS_CHANNEL,
        "channel_type": "channel",
    }


def block_actions(
    action_id: str = "handoff_claim",
    value: str = CONVERSATION_ID,
    user: str = AGENT,
    trigger_id: str = "111.222.abc",
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "ann", "name": "ann", "team_id": TEAM_ID},
        "api_app_id": "A0FAKE",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": PARENT_TS,
            "channel_id": AGENTS_CHANNEL,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id,
        "team": {"id": TEAM_ID, "domain": "fake"},
        "channel": {"id": AGENTS_CHANNEL, "name": "support"},
        "message": {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": PARENT_TS, "text": "x"},
        "response_url": "https://hooks.slack.com/actions/T0FAKE/1/abc",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "handoff_actions",
                "text": {"type": "plain_text", "text": "Claim"},
                "value": value,
                "type": "button",
                "action_ts": "1700000500.000600",
            }
        ],
    }


def slash_command(
    command: str = "/support", text: str = "status", trigger_id: str = "333.444.def"
) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "fake",
        "channel_id": AGENTS_CHANNEL,
        "channel_name": "support",
        "user_id": AGENT,
        "user_name": "ann",
        "command": command,
        "text": text,
        "api_app_id": "A0FAKE",
        "response_url": "https://hooks.slack.com/commands/T0FAKE/2/def",
        "trigger_id": trigger_id,
    }


def as_json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def as_interactive_form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def as_form(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()
