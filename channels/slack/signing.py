"""Verify that an HTTP request comes from Slack (its signing secret and timestamp).

    verify(secret, request.headers, request.body, now=time.time())  # or raise Unauthorized

Slack signs `v0:<timestamp>:<raw body>` with HMAC-SHA256 and the app's signing
secret; the signature is computed by slack_sdk's SignatureVerifier. Its own
`is_valid` is not used because it raises on a malformed timestamp or a
non-ASCII signature, and cannot say *why* a request was refused.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

from slack_sdk.signature import SignatureVerifier

from channels.slack import messages

# Slack's documented tolerance; it also bounds how long a captured request can be replayed.
MAX_AGE_SECONDS = 5 * 60
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")


class Unauthorized(Exception):
    """The request is not provably from Slack; `reason` says which check failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verify(signing_secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """Raise Unauthorized unless `body` was signed by Slack within 5 minutes of `now`.

    `headers` may use any capitalisation; `body` must be the raw bytes received.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    timestamp = lowered.get("x-slack-request-timestamp")
    signature = lowered.get("x-slack-signature")
    if not timestamp or not signature:
        raise Unauthorized(messages.SIGNATURE_HEADERS_MISSING)
    timestamp, signature = timestamp.strip(), signature.strip()
    if not _TIMESTAMP.match(timestamp):
        raise Unauthorized(messages.SIGNATURE_TIMESTAMP_MALFORMED)
    if not _SIGNATURE.match(signature):
        raise Unauthorized(messages.SIGNATURE_MALFORMED)
    age = now - int(timestamp)
    if age > MAX_AGE_SECONDS:
        raise Unauthorized(messages.signature_stale(age))
    if -age > MAX_AGE_SECONDS:
        raise Unauthorized(messages.signature_future(-age))
    try:
        expected = SignatureVerifier(signing_secret).generate_signature(timestamp=timestamp, body=body)
    except UnicodeDecodeError:
        raise Unauthorized(messages.BODY_NOT_UTF8) from None
    if expected is None or not hmac.compare_digest(expected.encode(), signature.encode()):
        raise Unauthorized(messages.SIGNATURE_MISMATCH)
