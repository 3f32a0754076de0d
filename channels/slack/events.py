"""Slack payloads in, small frozen records out; None for what the bot must not react to.

Pure functions, no I/O: the same payloads arrive over HTTP (inbound.py) and over
Socket Mode (socket_mode.py), whose envelope types name the three kinds.

    >>> parse("slash_commands", {"command": "/support", "user_id": "U1", "channel_id": "C1"})
    SlashCommand(command='/support', text='', user_id='U1', user_name='', channel_id='C1', response_url=None)

Ignored (None): messages from bots, the bot itself included; edits, deletions,
joins and other subtypes; hidden messages; top-level channel chatter that does not
mention the bot; interactivity other than message buttons and modal submissions. Structurally broken
payloads raise BadPayload with a one-line message, never KeyError or TypeError.
Message text is converted from Slack's markup to plain text (`plain_text`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from channels.slack import messages

Kind = Literal["events_api", "interactive", "slash_commands"]
KINDS: tuple[Kind, ...] = ("events_api", "interactive", "slash_commands")

# Message subtypes that are still a person writing: a thread reply also sent to
# the channel, and a message with a file. Everything else (edits, deletions,
# joins, bot_message, me_message, ...) is ignored.
_HUMAN_SUBTYPES = {None, "thread_broadcast", "file_share"}


@dataclass(frozen=True)
class ThreadReply:
    """A person's reply inside a thread (the handoff relay's agent replies)."""

    channel: str
    thread_ts: str  # the thread's parent message
    user: str
    text: str  # plain text, never empty
    ts: str
    event_id: str


@dataclass(frozen=True)
class CustomerMessage:
    """A direct message to the bot, or a channel message that mentions it."""

    channel: str
    channel_type: str  # "im" for a DM; "channel", "group", ... for a mention
    user: str
    text: str  # plain text without the bot's mention; empty only for a bare mention
    ts: str
    thread_ts: str | None
    event_id: str
    mention: bool  # True for app_mention


@dataclass(frozen=True)
class BlockAction:
    """A button (or menu) on a message was used."""

    action_id: str  # e.g. "handoff_claim"
    value: str  # the button's value (the conversation id for handoff buttons)
    user_id: str
    user_name: str
    channel: str
    message_ts: str  # the message that holds the button
    thread_ts: str | None
    response_url: str | None
    trigger_id: str | None = None  # lets the bot open a modal in answer (views.open), for 3 seconds


@dataclass(frozen=True)
class ViewSubmission:
    """A modal the bot opened was submitted (the survey's "Add a comment")."""

    callback_id: str  # which modal: the bot's own name for it
    user_id: str
    private_metadata: str  # what the bot put in the modal when it opened it
    values: dict[str, str | None]  # "block_id.action_id" -> the input's value


@dataclass(frozen=True)
class SlashCommand:
    command: str  # "/support"
    text: str
    user_id: str
    user_name: str
    channel_id: str
    response_url: str | None


SlackItem = ThreadReply | CustomerMessage | BlockAction | SlashCommand | ViewSubmission


class BadPayload(ValueError):
    """A payload missing what its kind requires; the message names the field."""


def parse(kind: str, payload: Mapping[str, Any]) -> SlackItem | None:
    """Translate one payload; `kind` is the Socket Mode envelope type."""
    if kind not in KINDS:
        raise BadPayload(messages.unknown_kind(kind))
    if not isinstance(payload, Mapping):
        raise BadPayload(messages.payload_not_object(kind))
    if kind == "events_api":
        return parse_event(payload)
    if kind == "interactive":
        return parse_interactive(payload)
    return parse_slash_command(payload)


def parse_event(envelope: Mapping[str, Any]) -> ThreadReply | CustomerMessage | None:
    """An Events API `event_callback` envelope (the outer object, with event_id)."""
    if envelope.get("type") != "event_callback":
        return None  # app_rate_limited and other notices
    event = _object(envelope, "event", "events_api")
    if event.get("type") not in ("message", "app_mention"):
        return None
    bot_user = _bot_user_id(envelope)
    if _from_bot(event, bot_user) or event.get("hidden") or event.get("subtype") not in _HUMAN_SUBTYPES:
        return None
    event_id = _text(envelope, "event_id", "events_api")
    channel, user, ts = (_text(event, key, "events_api", "event.") for key in ("channel", "user", "ts"))
    thread_ts = _optional_text(event, "thread_ts")
    raw = _optional_text(event, "text") or ""
    mention = event["type"] == "app_mention"
    if mention and bot_user is None:  # no authorizations: the mention that triggered this leads
        raw = _LEADING_MENTION.sub("", raw)
    text = plain_text(raw, bot_user)
    if mention:
        channel_type = _optional_text(event, "channel_type") or "channel"
        return CustomerMessage(channel, channel_type, user, text, ts, thread_ts, event_id, mention=True)
    if not text:
        return None
    if event.get("channel_type") == "im":
        return CustomerMessage(channel, "im", user, text, ts, thread_ts, event_id, mention=False)
    if thread_ts is not None and thread_ts != ts:
        return ThreadReply(channel, thread_ts, user, text, ts, event_id)
    return None  # top-level channel messages: the bot only answers when mentioned


def parse_interactive(payload: Mapping[str, Any]) -> BlockAction | ViewSubmission | None:
    """An interactivity payload (already JSON-decoded from the `payload` form field)."""
    if payload.get("type") == "view_submission":
        return parse_view_submission(payload)
    if payload.get("type") != "block_actions":
        return None  # shortcuts, view closings, ...: not used
    message = payload.get("message")
    if not isinstance(message, Mapping):
        return None  # an action in a modal or on the Home tab, not on a message
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], Mapping):
        raise BadPayload(messages.field_missing("interactive", "actions"))
    action = actions[0]
    user = _object(payload, "user", "interactive")
    channel = payload.get("channel")
    container = payload.get("container")
    container = container if isinstance(container, Mapping) else {}
    return BlockAction(
        action_id=_text(action, "action_id", "interactive", "actions[0]."),
        value=_action_value(action),
        user_id=_text(user, "id", "interactive", "user."),
        user_name=_optional_text(user, "username") or _optional_text(user, "name") or "",
        channel=(_optional_text(channel, "id") if isinstance(channel, Mapping) else None)
        or _text(container, "channel_id", "interactive", "channel.id or container."),
        message_ts=_optional_text(message, "ts")
        or _text(container, "message_ts", "interactive", "message.ts or container."),
        thread_ts=_optional_text(message, "thread_ts") or _optional_text(container, "thread_ts"),
        response_url=_optional_text(payload, "response_url"),
        trigger_id=_optional_text(payload, "trigger_id"),
    )


def parse_view_submission(payload: Mapping[str, Any]) -> ViewSubmission | None:
    """A submitted modal; None for a modal without a callback_id (not one the bot opened)."""
    view = _object(payload, "view", "interactive")
    callback_id = _optional_text(view, "callback_id")
    if callback_id is None:
        return None
    user = _object(payload, "user", "interactive")
    return ViewSubmission(
        callback_id=callback_id,
        user_id=_text(user, "id", "interactive", "user."),
        private_metadata=_optional_text(view, "private_metadata") or "",
        values=_input_values(view.get("state")),
    )


def _input_values(state: Any) -> dict[str, str | None]:
    """A modal's `state.values` ({block_id: {action_id: {"value": ...}}}) as "block_id.action_id" -> value."""
    blocks = state.get("values") if isinstance(state, Mapping) else None
    values: dict[str, str | None] = {}
    for block_id, inputs in blocks.items() if isinstance(blocks, Mapping) else []:
        if not isinstance(inputs, Mapping):
            continue
        for action_id, element in inputs.items():
            value = element.get("value") if isinstance(element, Mapping) else None
            values[f"{block_id}.{action_id}"] = value if isinstance(value, str) else None
    return values


def parse_slash_command(form: Mapping[str, Any]) -> SlashCommand:
    """A slash command's fields (form-encoded over HTTP, an object over Socket Mode)."""
    command = _text(form, "command", "slash_commands")
    if not command.startswith("/"):
        raise BadPayload(messages.field_missing("slash_commands", "command"))
    return SlashCommand(
        command=command,
        text=(_optional_text(form, "text") or "").strip(),
        user_id=_text(form, "user_id", "slash_commands"),
        user_name=_optional_text(form, "user_name") or "",
        channel_id=_text(form, "channel_id", "slash_commands"),
        response_url=_optional_text(form, "response_url"),
    )


# --- Slack markup -> plain text ----------------------------------------------------

_TOKEN = re.compile(r"<([^<>]*)>")
_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def plain_text(text: str, bot_user: str | None = None) -> str:
    """Slack message markup as a person would read it; mentions of `bot_user` removed.

    "<@U1> see <https://x.io/a|the guide> &amp; mail <mailto:a@b.io|a@b.io>" with
    bot_user "U1" becomes "see the guide (https://x.io/a) & mail a@b.io".
    """
    converted = _TOKEN.sub(lambda match: _token(match.group(1), bot_user), text)
    converted = converted.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]{2,}", " ", converted).strip()


def _token(inner: str, bot_user: str | None) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        if bot_user is not None and target[1:] == bot_user:
            return ""
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        return label or _SPECIAL.get(name, "@" + name)
    address = target.removeprefix("mailto:")
    if not label or label in (target, address) or target.endswith("//" + label):
        return address
    return f"{label} ({address})"


# --- field access that never raises KeyError ---------------------------------------


def _bot_user_id(envelope: Mapping[str, Any]) -> str | None:
    authorizations = envelope.get("authorizations")
    if isinstance(authorizations, list):
        for authorization in authorizations:
            if isinstance(authorization, Mapping) and authorization.get("is_bot"):
                user = _optional_text(authorization, "user_id")
                if user:
                    return user
    return None


def _from_bot(event: Mapping[str, Any], bot_user: str | None) -> bool:
    return bool(
        event.get("bot_id")
        or event.get("bot_profile")
        or event.get("subtype") == "bot_message"
        or (bot_user is not None and event.get("user") == bot_user)
    )


def _action_value(action: Mapping[str, Any]) -> str:
    value = _optional_text(action, "value")
    if value is None:
        option = action.get("selected_option")
        value = _optional_text(option, "value") if isinstance(option, Mapping) else None
    return value or ""


def _object(data: Mapping[str, Any], key: str, kind: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise BadPayload(messages.field_missing(kind, key))
    return value


def _text(data: Mapping[str, Any], key: str, kind: str, prefix: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise BadPayload(messages.field_missing(kind, prefix + key))
    return value


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None
