"""Sign a request body the way Slack does, for tests in either environment.

body = json.dumps(event).encode()
inbound.accept(signed_headers(SECRET, body), body, "application/json")
"""

from __future__ import annotations

import time

from slack_sdk.signature import SignatureVerifier


def signed_headers(secret: str, body: bytes | str, timestamp: int | None = None) -> dict[str, str]:
    """X-Slack-Request-Timestamp and X-Slack-Signature for `body` (now, unless `timestamp`)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}
