"""Every human-readable string of the Slack transport, in one place.

Agents read the Block Kit texts; operators read the error reasons (in logs and
in the JSON of refused requests). Keeping them here makes wording reviews and a
future translation a one-file change, as in bolt's `slack_bolt/logger/messages.py`.
Values interpolated into Slack messages are escaped by the caller (blocks.py).
"""

from __future__ import annotations

# --- Block Kit: the handoff thread's parent message -------------------------------
HANDOFF_HEADER = "Customer waiting"
HANDOFF_CLAIMED_HEADER = "Customer with an agent"
HANDOFF_RESOLVED_HEADER = "Conversation resolved"
FIELD_CHANNEL = "Channel"
FIELD_PAGE = "Page"
FIELD_LANGUAGE = "Language"
FIELD_EMAIL = "Email"
FIELD_CONVERSATION = "Conversation"
FIELD_MESSAGE = "Message"
UNKNOWN_VALUE = "unknown"
TRANSCRIPT_TITLE = "*Transcript*"
TRANSCRIPT_EMPTY = "_No messages yet._"
BUTTON_CLAIM = "Claim"
BUTTON_RESOLVE = "Resolve"
HINT_WAITING = "Claim it, then reply in this thread: your replies go to the customer."


def transcript_omitted(count: int) -> str:
    return f"_{count} earlier message{'s' if count != 1 else ''} not shown._"


def claimed_by(user_mention: str) -> str:
    return f"Claimed by {user_mention}. Replies in this thread go to the customer."


def resolved_by(user_mention: str) -> str:
    return f"Resolved by {user_mention}."


def handoff_fallback(channel: str, first_message: str) -> str:
    return (
        f"Customer waiting ({channel}): {first_message}" if first_message else f"Customer waiting ({channel})"
    )


def claimed_fallback(user_mention: str) -> str:
    return f"Customer conversation claimed by {user_mention}"


def resolved_fallback(user_mention: str) -> str:
    return f"Customer conversation resolved by {user_mention}"


# --- Block Kit: a message taken outside business hours ---------------------------
TICKET_HEADER = "Message left outside business hours"


def ticket_fallback(email: str) -> str:
    return f"Message left outside business hours by {email}"


# --- Customers: rating an answer and the post-chat survey -------------------------
HELPFUL = ":+1: Helpful"
NOT_HELPFUL = ":-1: Not helpful"
ADD_COMMENT = "Add a comment"
COMMENT_TITLE = "Add a comment"  # a modal title: at most 24 characters
COMMENT_SUBMIT = "Send"
COMMENT_CANCEL = "Cancel"
COMMAND_REFUSED = (
    'I can\'t take messages that start like a command ("/name{...}"); please say it another way.'
)
# Customers' messages are held to the widget's default limit (WEBCHAT_MAX_MESSAGE_CHARS).
MAX_CUSTOMER_CHARS = 4000


def too_long(length: int) -> str:
    return (
        f"That message is {length} characters long; the limit is {MAX_CUSTOMER_CHARS}. "
        "Please shorten it or split it into several messages."
    )


# --- Errors: reasons for operators (logs, JSON bodies of refused requests) --------
SIGNATURE_HEADERS_MISSING = "missing X-Slack-Request-Timestamp or X-Slack-Signature header"
SIGNATURE_TIMESTAMP_MALFORMED = "X-Slack-Request-Timestamp is not a whole number of seconds"
SIGNATURE_MALFORMED = "X-Slack-Signature is not of the form v0=<64 hex digits>"
SIGNATURE_MISMATCH = "signature does not match the body (wrong signing secret or altered request)"
BODY_NOT_UTF8 = "request body is not UTF-8"


def signature_stale(age_seconds: float) -> str:
    return f"request timestamp is {age_seconds:.0f} s old (limit 300 s): replayed or the clock is wrong"


def signature_future(ahead_seconds: float) -> str:
    return f"request timestamp is {ahead_seconds:.0f} s in the future (limit 300 s): check the clock"


def slack_unavailable(method: str, reason: str) -> str:
    return f"Slack {method} failed: {reason}"


UNAVAILABLE_TIMEOUT = "timed out"
UNAVAILABLE_CONNECTION = "could not reach Slack"
NO_SOCKET_URL = "answered without a WebSocket url"


def socket_timeout(seconds: float) -> str:
    return f"no WebSocket connection within {seconds:g} s"


def unavailable_http(status: int) -> str:
    return f"HTTP {status}"


def unknown_method(method: str) -> str:
    return f"slack_sdk has no method {method!r}"


def unknown_kind(kind: object) -> str:
    return f"unknown payload kind {kind!r}: expected events_api, interactive or slash_commands"


def payload_not_object(kind: str) -> str:
    return f"{kind} payload must be a JSON object"


def field_missing(kind: str, path: str) -> str:
    return f"{kind} payload has no usable {path!r}"


def content_type_unsupported(content_type: str) -> str:
    return f"unsupported content type {content_type!r}: expected JSON or form-encoded"


BODY_NOT_JSON = "body is not a JSON object"
FORM_UNKNOWN = "form body has neither 'payload' (interactivity) nor 'command' (slash command)"
CHALLENGE_MISSING = "url_verification without a challenge"
