"""The widget's wire format: parse client frames, build server frames.

Pure functions with no Rasa or Sanic imports, so the rules live in one place
and are unit-tested directly; docs/widget-protocol.md is the prose version.

    >>> parse_client_frame('{"type": "message", "text": " hi "}', max_chars=4000)
    Message(text='hi', payload=None, record=False)

Survey answers (`csat`) and answer feedback (`feedback`) are checked for their
types here and become Rasa messages built by channels/csat/intents.py; whether
the survey exists, the rating is in range or the comment short enough is the
actions' business (actions/csat.py), so every channel gets the same answers.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from channels.csat import intents

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
# Who the customer is, when the site knows (reports, export and erase by customer). Too long or
# malformed: dropped, never cut, since a shortened id or address would name someone else.
_IDENTITY_LIMITS = {"customer_id": 200, "customer_email": 320}
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"']+@[^@\s<>()\[\],;:\"']+\.[^@\s<>()\[\],;:\"'.]+$")
# Rasa's text for intents triggered from outside (reminders, the handoff relay):
# not something the customer said.
EXTERNAL_PREFIX = "EXTERNAL: "

ErrorCode = Literal[
    "bad_frame", "empty_message", "message_too_long", "not_started", "rate_limited", "unavailable"
]


class Button(TypedDict):
    title: str  # what the customer sees and what is shown as their message
    payload: str  # what is sent to the bot ("/human")


class Citation(TypedDict):
    title: str  # article title
    url: str  # link to the article, or its path in the help-centre folder


class Sender(TypedDict, total=False):
    kind: str  # "bot" or "agent"
    name: str  # the agent's display name (agents only)


class SurveyPrompt(TypedDict):
    id: str  # sent back in the `csat` frame
    scale_min: int  # the rating buttons, inclusive
    scale_max: int
    question: str
    comment_prompt: str  # placeholder / label of the optional comment
    comment_max_chars: int


class ChatItem(TypedDict):
    type: Literal["user", "bot"]
    text: str | None
    buttons: list[Button]
    citations: list[Citation]
    sender: Sender
    ts: float  # unix seconds
    answer_id: str | None  # set on bot answers: show helpful / not helpful
    survey: SurveyPrompt | None  # set on a survey: show the rating UI
    feedback: bool | None  # the customer's latest helpful (True) / not helpful (False) on this answer
    survey_done: bool  # this survey was answered


@dataclass(frozen=True)
class Hello:
    conversation_id: str | None
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    text: str
    payload: str | None = None
    # A survey answer or answer feedback: hidden from transcripts, never forwarded to agents,
    # and recorded even while a person has the conversation (channels/csat/runtime.py).
    record: bool = False


@dataclass(frozen=True)
class Csat:
    survey_id: str
    rating: int
    comment: str | None

    def message(self) -> Message:
        return Message(
            f"Rating: {self.rating}", intents.csat_text(self.survey_id, self.rating, self.comment), True
        )


@dataclass(frozen=True)
class Feedback:
    answer_id: str
    helpful: bool

    def message(self) -> Message:
        shown = "Helpful" if self.helpful else "Not helpful"
        return Message(shown, intents.feedback_text(self.answer_id, self.helpful), True)


ClientFrame = Hello | Message | Csat | Feedback


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
    if kind == "csat":
        return _parse_csat(data, max_chars)
    if kind == "feedback":
        return _parse_feedback(data)
    raise ProtocolError("bad_frame", 'Unknown frame type: expected "hello", "message", "csat" or "feedback".')


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
    for key, limit in _IDENTITY_LIMITS.items():
        value = context.get(key)
        value = value.strip() if isinstance(value, str) else ""
        if value and len(value) <= limit and value.isprintable():
            cleaned[key] = value
    if "customer_email" in cleaned and not _EMAIL.match(cleaned["customer_email"]):
        del cleaned["customer_email"]
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
    if intents.is_reserved(payload if payload is not None else text):
        raise ProtocolError(
            "bad_frame", "Messages can't start with a command like '/name{...}'; please rephrase it."
        )
    return Message(text=text, payload=payload)


def _parse_csat(data: Mapping[str, Any], max_chars: int) -> Csat:
    survey_id, rating, comment = data.get("survey_id"), data.get("rating"), data.get("comment")
    if not intents.valid_id(survey_id):
        raise ProtocolError("bad_frame", "A csat frame needs the survey's id in 'survey_id'.")
    if isinstance(rating, bool) or not isinstance(rating, int):
        raise ProtocolError("bad_frame", "A csat frame needs a whole-number 'rating'.")
    if comment is not None and not isinstance(comment, str):
        raise ProtocolError("bad_frame", "A csat 'comment' must be a string or null.")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > max_chars:
        raise ProtocolError(
            "message_too_long", f"That comment is {len(comment)} characters long; the limit is {max_chars}."
        )
    return Csat(str(survey_id), rating, comment)


def _parse_feedback(data: Mapping[str, Any]) -> Feedback:
    answer_id, helpful = data.get("answer_id"), data.get("helpful")
    if not intents.valid_id(answer_id):
        raise ProtocolError("bad_frame", "A feedback frame needs the answer's id in 'answer_id'.")
    if not isinstance(helpful, bool):
        raise ProtocolError("bad_frame", "A feedback frame needs 'helpful': true or false.")
    return Feedback(str(answer_id), helpful)


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
        "answer_id": _answer_id(custom.get("answer")),
        "survey": _survey(custom.get("survey")),
    }


def user_frame(text: str, ts: float | None = None) -> dict[str, Any]:
    return {"type": "user", "text": text, "ts": ts if ts is not None else time.time()}


def typing_frame(on: bool) -> dict[str, Any]:
    return {"type": "typing", "on": on}


def history_from_events(events: Iterable[Mapping[str, Any]]) -> list[ChatItem]:
    """The customer-visible transcript from serialised tracker events.

    Survey answers and feedback are not shown as messages; they set `feedback` and
    `survey_done` on the items they are about. Answers and surveys of an earlier
    session can no longer be rated (the actions only know the current one), so
    their items carry no `answer_id` and no `survey`.
    """
    events = list(events)
    feedback, answered = _records(events)
    starts = [index for index, event in enumerate(events) if event.get("event") == "session_started"]
    current = starts[-1] if starts else 0
    items: list[ChatItem] = []
    for index, event in enumerate(events):
        kind = event.get("event")
        ts = float(event.get("timestamp") or 0.0)
        if kind == "user" and _shown_user_event(event):
            metadata = event.get("metadata") or {}
            shown = metadata.get("display_text") if isinstance(metadata, dict) else None
            text = shown if isinstance(shown, str) else event["text"]
            items.append(_user_item(text, ts))
        elif kind == "bot":
            data = dict(event.get("data") or {})
            data["text"] = event.get("text")
            frame = bot_frame(data, ts)
            if index < current:
                frame["answer_id"] = frame["survey"] = None
            if frame["text"] or frame["buttons"] or frame["citations"] or frame["survey"]:
                items.append(_bot_item(frame, feedback, answered))
    return items


def _shown_user_event(event: Mapping[str, Any]) -> bool:
    text = event.get("text")
    return bool(text) and not str(text).startswith(EXTERNAL_PREFIX) and intents.record_intent(event) is None


def _records(events: Iterable[Mapping[str, Any]]) -> tuple[dict[str, bool], set[str]]:
    """The latest feedback per answer id, and the ids of answered surveys (the slot records)."""
    feedback: dict[str, bool] = {}
    answered: set[str] = set()
    for event in events:
        value = event.get("value")
        if event.get("event") != "slot" or not isinstance(value, dict):
            continue
        if event.get("name") == "answer_feedback" and isinstance(value.get("helpful"), bool):
            feedback[str(value.get("answer_id"))] = value["helpful"]
        elif event.get("name") == "csat_result":
            answered.add(str(value.get("survey_id")))
    return feedback, answered


def _user_item(text: str, ts: float) -> ChatItem:
    return ChatItem(
        type="user",
        text=text,
        buttons=[],
        citations=[],
        sender={"kind": "customer"},
        ts=ts,
        answer_id=None,
        survey=None,
        feedback=None,
        survey_done=False,
    )


def _bot_item(frame: Mapping[str, Any], feedback: Mapping[str, bool], answered: set[str]) -> ChatItem:
    answer_id, survey = frame["answer_id"], frame["survey"]
    return ChatItem(
        type="bot",
        text=frame["text"],
        buttons=frame["buttons"],
        citations=frame["citations"],
        sender=frame["sender"],
        ts=frame["ts"],
        answer_id=answer_id,
        survey=survey,
        feedback=feedback.get(answer_id) if answer_id else None,
        survey_done=survey is not None and survey["id"] in answered,
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


def _answer_id(raw: Any) -> str | None:
    answer_id = raw.get("id") if isinstance(raw, dict) else None
    return answer_id if intents.valid_id(answer_id) else None


def _survey(raw: Any) -> SurveyPrompt | None:
    if not isinstance(raw, dict) or not intents.valid_id(raw.get("id")):
        return None
    numbers = [raw.get(key) for key in ("scale_min", "scale_max", "comment_max_chars")]
    texts = [raw.get(key) for key in ("question", "comment_prompt")]
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
        return None
    if not all(isinstance(t, str) for t in texts):
        return None
    return SurveyPrompt(
        id=raw["id"],
        scale_min=raw["scale_min"],
        scale_max=raw["scale_max"],
        question=raw["question"],
        comment_prompt=raw["comment_prompt"],
        comment_max_chars=raw["comment_max_chars"],
    )


def _sender(raw: Any) -> Sender:
    if isinstance(raw, dict) and raw.get("kind") == "agent" and isinstance(raw.get("name"), str):
        return Sender(kind="agent", name=raw["name"])
    return Sender(kind="bot")
