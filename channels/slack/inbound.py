"""Slack's HTTP requests (Events API, interactivity, slash commands) in, an answer out.

Transport-agnostic: a web framework's route hands over the raw request and sends
back what `accept` returns, then processes `item` in the background (Slack wants
the acknowledgement within 3 seconds and retries otherwise):

    accepted = inbound.accept(request.headers, request.body, request.content_type)
    if accepted.item is not None:
        schedule(handle(accepted.item))
    return json_or_text(accepted.body, status=accepted.status)

The pipeline, in order: SSL check -> signature -> decode -> URL challenge ->
drop retries already seen -> parse. Only signed requests reach the dedupe memory,
so a forger cannot make the bot ignore a real event.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from channels.slack import messages
from channels.slack.dedupe import RecentIds
from channels.slack.events import BadPayload, Kind, SlackItem, parse
from channels.slack.signing import Unauthorized, verify

logger = logging.getLogger(__name__)

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Accepted:
    status: int  # HTTP status to answer with
    body: dict[str, Any] | str  # a dict is sent as JSON, a str as text/plain
    item: SlackItem | None = None  # what to process after answering
    reason: str = ""  # why there is no item ("duplicate", "ignored", ...), for logs and tests


class Inbound:
    def __init__(
        self,
        signing_secret: str,
        dedupe: RecentIds | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not signing_secret.strip():
            raise ValueError("a Slack signing secret is required")
        self._secret = signing_secret
        self._seen = dedupe if dedupe is not None else RecentIds()
        self._clock = clock

    def __repr__(self) -> str:  # never print the secret
        return "Inbound(signing_secret=***)"

    def accept(self, headers: Mapping[str, str], body: bytes, content_type: str) -> Accepted:
        media = content_type.split(";", 1)[0].strip().lower()
        if media == FORM and _form(body).get("ssl_check") == "1":
            return Accepted(200, "", reason="ssl_check")  # Slack's unsigned certificate probe
        try:
            verify(self._secret, headers, body, self._clock())
        except Unauthorized as refused:
            logger.warning("refused a Slack request: %s", refused.reason)
            return Accepted(
                401, {"error": "invalid_signature", "message": refused.reason}, reason=refused.reason
            )
        try:
            kind, payload = _decode(body, media)
        except BadPayload as bad:
            logger.warning("refused a signed Slack request: %s", bad)
            return Accepted(400, {"error": "bad_request", "message": str(bad)}, reason=str(bad))
        if payload.get("type") == "url_verification":
            return _challenge(payload)
        return self._item(kind, payload, headers)

    def _item(self, kind: Kind, payload: Mapping[str, Any], headers: Mapping[str, str]) -> Accepted:
        key = _dedupe_key(kind, payload)
        if key is not None and self._seen.seen_before(key):
            retry = {k.lower(): v for k, v in headers.items()}.get("x-slack-retry-num", "")
            logger.info("dropping a repeated Slack %s %s (retry %s)", kind, key, retry or "-")
            return Accepted(200, "", reason="duplicate")
        try:
            item = parse(kind, payload)
        except BadPayload as bad:
            # Acknowledged anyway: a retry would carry the same payload.
            logger.warning("ignoring a Slack %s payload: %s", kind, bad)
            return Accepted(200, "", reason=str(bad))
        return Accepted(200, "", item=item, reason="" if item is not None else "ignored")


def _decode(body: bytes, media: str) -> tuple[Kind, Mapping[str, Any]]:
    if media == JSON:
        return "events_api", _json_object(body)
    if media == FORM:
        form = _form(body)
        if "payload" in form:
            return "interactive", _json_object(form["payload"])
        if "command" in form:
            return "slash_commands", form
        raise BadPayload(messages.FORM_UNKNOWN)
    raise BadPayload(messages.content_type_unsupported(media))


def _json_object(raw: bytes | str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError:  # includes UnicodeDecodeError
        raise BadPayload(messages.BODY_NOT_JSON) from None
    if not isinstance(data, dict):
        raise BadPayload(messages.BODY_NOT_JSON)
    return data


def _form(body: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        return {}


def _challenge(payload: Mapping[str, Any]) -> Accepted:
    challenge = payload.get("challenge")
    if not isinstance(challenge, str) or not challenge:
        return Accepted(400, {"error": "bad_request", "message": messages.CHALLENGE_MISSING})
    return Accepted(200, {"challenge": challenge}, reason="url_verification")


def _dedupe_key(kind: Kind, payload: Mapping[str, Any]) -> str | None:
    """Slack keeps event_id across Events API retries; interactions have a trigger_id."""
    name = "event_id" if kind == "events_api" else "trigger_id"
    value = payload.get(name)
    return f"{kind}:{value}" if isinstance(value, str) and value else None
