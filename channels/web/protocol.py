"""The widget's wire format: parse client frames, build server frames.

Pure functions with no Rasa or Sanic imports, so the rules live in one place
and are unit-tested directly; docs/widget-protocol.md is the prose version.

    >>> parse_client_frame('{"type": "message", "text": " hi "}', max_chars=4000)
    Message(text='hi', payload=None)
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

# A frame is refused before JSON parsing above this size: no legitimate frame
# comes close (a message is at most a few thousand characters).
MAX_FRAME_BYTES = 64 * 1024

# Conversation ids are issued by the server (uuid4 hex). Anything else a client
# sends is treated as unknown; the charset keeps ids safe to log and to use as keys.
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# A button payload may only name an intent ("/human"). Rasa would also accept
# '/intent{"slot": ...}', which would let a client set slots directly.
_PAYLOAD = re.compile(r"^/[a-z][a-z0-9_]{0,39}$")
_CONTEXT_LIMITS = {"page_url": 2000, "page_title": 300, "locale": 35, "timezone": 64}
# Rasa's text for intents triggered from outside (reminders, the handoff relay):
# not something the customer said.
EXTERNAL_PREFIX = "EXTERNAL: "

ErrorCode = Literal["bad_frame", "empty_message", "message_too_long", "not_started", "unavailable"]


class Button(TypedDict):
    title: str  # what the customer sees and what is shown as their message
    payload: str  # what is sent to the bot ("/human")


class Citation(TypedDict):
    title: str  # article title
    url: str  # link to the article, or its path in the help-centre folder


class Sender(TypedDict, total=False):
    kind: str  # "bot" or "agent"
    name: str  # the agent's display name (agents only)


class ChatItem(TypedDict):
    type: Literal["user", "bot"]
    text: str | None
    buttons: list[Button]
    citations: list[Citation]
    sender: Sender
    ts: float  # unix seconds


@dataclass(frozen=True)
class Hello:
    conversation_id: str | None
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    text: str
    payload: str | None = None


ClientFrame = Hello | Message


class ProtocolError(Exception):
    """A refused frame: `code` is machine-readable, `message` is for the customer."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message


def parse_client_frame(raw: str | bytes, max_chars: int) -> ClientFrame:
    """Validate one frame from the widget; raise ProtocolError saying what is wrong."""
    data = _decode_json_object(raw)
    kind = data.get("type")
    if kind == "hello":
        return _parse_hello(data)
    if kind == "message":
        return _parse_message(data, max_chars)
    raise ProtocolError("bad_frame", 'Unknown frame type: expected "hello" or "message".')


def _decode_json_object(raw: str | bytes) -> dict[str, Any]:
    if isinstance(raw, bytes):
        raise ProtocolError("bad_frame", "Send frames as JSON text, not binary.")
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise ProtocolError("bad_frame", f"Frame too large (limit {MAX_FRAME_BYTES} bytes).")
    try:
        data = json.loads(raw)
    except ValueError:
        raise ProtocolError("bad_frame", "Frame is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ProtocolError("bad_frame", "Frame must be a JSON object with a 'type'.")
    return data


def _parse_hello(data: Mapping[str, Any]) -> Hello:
    cid = data.get("conversation_id")
    if cid is not None and not isinstance(cid, str):
        raise ProtocolError("bad_frame", "conversation_id must be a string or null.")
    context = data.get("context") or {}
    if not isinstance(context, dict):
        raise ProtocolError("bad_frame", "context must be an object.")
    return Hello(conversation_id=cid, context=clean_context(context))


def clean_context(context: Mapping[str, Any]) -> dict[str, str]:
    """Keep the known context keys, as bounded strings; drop everything else."""
    cleaned: dict[str, str] = {}
    for key, limit in _CONTEXT_LIMITS.items():
        value = context.get(key)
        if isinstance(value, str) and value.strip():
            cleaned[key] = value.strip()[:limit]
    url = cleaned.get("page_url", "")
    if url and not url.startswith(("http://", "https://")):
        del cleaned["page_url"]
    return cleaned


def _parse_message(data: Mapping[str, Any], max_chars: int) -> Message:
    text = data.get("text")
    if not isinstance(text, str):
        raise ProtocolError("bad_frame", "A message needs a 'text' string.")
    text = text.strip()
    if not text:
        raise ProtocolError("empty_message", "Type a message before sending.")
    if len(text) > max_chars:
        raise ProtocolError(
            "message_too_long",
            f"That message is {len(text)} characters long; the limit is {max_chars}. "
            "Please shorten it or split it into several messages.",
        )
    payload = data.get("payload")
    if payload is not None and (not isinstance(payload, str) or not _PAYLOAD.match(payload)):
        raise ProtocolError("bad_frame", "A button payload must look like '/intent_name'.")
    return Message(text=text, payload=payload)


def is_valid_conversation_id(value: str | None) -> bool:
    return value is not None and bool(_CONVERSATION_ID.match(value))


def error_frame(error: ProtocolError) -> dict[str, Any]:
    return {"type": "error", "code": error.code, "message": error.message}


def welcome_frame(conversation_id: str, history: list[ChatItem], notice: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "welcome", "conversation_id": conversation_id}
    frame["history"] = history
    if notice:
        frame["notice"] = notice
    return frame


def bot_frame(message: Mapping[str, Any], ts: float | None = None) -> dict[str, Any]:
    """Translate a Rasa bot message (text, buttons, custom, ...) to one `bot` frame."""
    raw_custom = message.get("custom")
    custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
    return {
        "type": "bot",
        "text": message.get("text") if isinstance(message.get("text"), str) else None,
        "buttons": _buttons(message.get("buttons") or message.get("quick_replies") or []),
        "citations": _citations(custom.get("citations") or []),
        "sender": _sender(custom.get("sender")),
        "ts": ts if ts is not None else time.time(),
    }


def user_frame(text: str, ts: float | None = None) -> dict[str, Any]:
    return {"type": "user", "text": text, "ts": ts if ts is not None else time.time()}


def typing_frame(on: bool) -> dict[str, Any]:
    return {"type": "typing", "on": on}


def history_from_events(events: Iterable[Mapping[str, Any]]) -> list[ChatItem]:
    """The customer-visible transcript from serialised tracker events."""
    items: list[ChatItem] = []
    for event in events:
        kind = event.get("event")
        ts = float(event.get("timestamp") or 0.0)
        if kind == "user" and event.get("text") and not str(event["text"]).startswith(EXTERNAL_PREFIX):
            metadata = event.get("metadata") or {}
            shown = metadata.get("display_text") if isinstance(metadata, dict) else None
            text = shown if isinstance(shown, str) else event["text"]
            items.append(_user_item(text, ts))
        elif kind == "bot":
            data = dict(event.get("data") or {})
            data["text"] = event.get("text")
            frame = bot_frame(data, ts)
            if frame["text"] or frame["buttons"] or frame["citations"]:
                items.append(_bot_item(frame))
    return items


def _user_item(text: str, ts: float) -> ChatItem:
    return ChatItem(type="user", text=text, buttons=[], citations=[], sender={"kind": "customer"}, ts=ts)


def _bot_item(frame: Mapping[str, Any]) -> ChatItem:
    return ChatItem(
        type="bot",
        text=frame["text"],
        buttons=frame["buttons"],
        citations=frame["citations"],
        sender=frame["sender"],
        ts=frame["ts"],
    )


def _buttons(raw: Iterable[Any]) -> list[Button]:
    out: list[Button] = []
    for button in raw:
        if isinstance(button, dict) and isinstance(button.get("title"), str):
            payload = button.get("payload")
            out.append(Button(title=button["title"], payload=str(payload or button["title"])))
    return out


def _citations(raw: Iterable[Any]) -> list[Citation]:
    out: list[Citation] = []
    for cite in raw:
        if isinstance(cite, dict) and isinstance(cite.get("title"), str):
            out.append(Citation(title=cite["title"], url=str(cite.get("url") or "")))
    return out


def _sender(raw: Any) -> Sender:
    if isinstance(raw, dict) and raw.get("kind") == "agent" and isinstance(raw.get("name"), str):
        return Sender(kind="agent", name=raw["name"])
    return Sender(kind="bot")
