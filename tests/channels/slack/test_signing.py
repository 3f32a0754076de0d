from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels.slack.signing import Unauthorized, verify
from tests.fakes.slack_signing import signed_headers

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BODY = b'{"type":"event_callback","event_id":"Ev1"}'
NOW = 1_700_000_000


def test_a_request_signed_with_the_secret_is_accepted() -> None:
    verify(SECRET, signed_headers(SECRET, BODY, timestamp=NOW), BODY, now=NOW)


def test_header_names_are_case_insensitive() -> None:
    lowered = {k.lower(): v for k, v in signed_headers(SECRET, BODY, timestamp=NOW).items()}
    verify(SECRET, lowered, BODY, now=NOW)


def test_slacks_documented_example_verifies() -> None:
    # docs.slack.dev/authentication/verifying-requests-from-slack
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    headers = {
        "X-Slack-Request-Timestamp": "1531420618",
        "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    }
    verify(SECRET, headers, body, now=1531420618 + 10)


@pytest.mark.parametrize(
    ("secret", "body"),
    [("another-secret", BODY), (SECRET, BODY.replace(b"Ev1", b"Ev2"))],
    ids=["wrong secret", "altered body"],
)
def test_forged_requests_are_refused(secret: str, body: bytes) -> None:
    with pytest.raises(Unauthorized, match="does not match"):
        verify(SECRET, signed_headers(secret, BODY, timestamp=NOW), body, now=NOW)


def test_five_minutes_old_is_the_limit() -> None:
    verify(SECRET, signed_headers(SECRET, BODY, timestamp=NOW - 300), BODY, now=NOW)
    with pytest.raises(Unauthorized, match="301 s old"):
        verify(SECRET, signed_headers(SECRET, BODY, timestamp=NOW - 301), BODY, now=NOW)


def test_timestamps_from_the_future_are_refused() -> None:
    verify(SECRET, signed_headers(SECRET, BODY, timestamp=NOW + 300), BODY, now=NOW)
    with pytest.raises(Unauthorized, match="in the future"):
        verify(SECRET, signed_headers(SECRET, BODY, timestamp=NOW + 301), BODY, now=NOW)


@pytest.mark.parametrize("missing", ["X-Slack-Request-Timestamp", "X-Slack-Signature"])
def test_missing_headers_are_refused(missing: str) -> None:
    headers = signed_headers(SECRET, BODY, timestamp=NOW)
    del headers[missing]
    with pytest.raises(Unauthorized, match="missing"):
        verify(SECRET, headers, BODY, now=NOW)
    with pytest.raises(Unauthorized, match="missing"):
        verify(SECRET, {}, BODY, now=NOW)


@pytest.mark.parametrize(
    ("timestamp", "signature", "match"),
    [
        ("yesterday", "v0=" + "0" * 64, "whole number"),
        ("1700000000.5", "v0=" + "0" * 64, "whole number"),
        ("-1700000000", "v0=" + "0" * 64, "whole number"),
        (str(NOW), "v1=" + "0" * 64, "v0="),
        (str(NOW), "v0=" + "g" * 64, "v0="),
        (str(NOW), "v0=" + "é" * 64, "v0="),  # compare_digest would raise TypeError on this
        (str(NOW), "v0=abc", "v0="),
    ],
)
def test_malformed_headers_are_refused(timestamp: str, signature: str, match: str) -> None:
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    with pytest.raises(Unauthorized, match=match):
        verify(SECRET, headers, BODY, now=NOW)


def test_a_body_that_is_not_utf8_is_refused_not_crashed_on() -> None:
    body = b"\xff\xfe not utf-8"
    headers = {"X-Slack-Request-Timestamp": str(NOW), "X-Slack-Signature": "v0=" + "0" * 64}
    with pytest.raises(Unauthorized, match="UTF-8"):
        verify(SECRET, headers, body, now=NOW)


@given(timestamp=st.text(max_size=20), signature=st.text(max_size=80), body=st.binary(max_size=64))
def test_any_headers_are_refused_with_unauthorized_only(timestamp: str, signature: str, body: bytes) -> None:
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    with pytest.raises(Unauthorized):
        verify(SECRET, headers, body, now=NOW)
