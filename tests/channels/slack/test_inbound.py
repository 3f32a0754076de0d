"""The HTTP adapter, fed with raw bodies signed like Slack signs them."""

from __future__ import annotations

from typing import Any

import pytest

from channels.slack.dedupe import RecentIds
from channels.slack.events import BlockAction, CustomerMessage, SlashCommand, ThreadReply
from channels.slack.inbound import FORM, JSON, Accepted, Inbound
from tests.channels.slack import payloads as p
from tests.fakes.slack_signing import signed_headers

SECRET = "test-signing-secret"
NOW = 1_700_000_000


def inbound() -> Inbound:
    return Inbound(SECRET, RecentIds(), clock=lambda: NOW)


def send(target: Inbound, body: bytes, content_type: str = JSON, **extra_headers: str) -> Accepted:
    headers = {**signed_headers(SECRET, body, timestamp=NOW), **extra_headers}
    return target.accept(headers, body, content_type)


def test_the_url_verification_challenge_is_answered() -> None:
    body = p.as_json(
        {
            "token": "t",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    accepted = send(inbound(), body)
    assert (accepted.status, accepted.item) == (200, None)
    assert accepted.body == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_a_challenge_needs_a_valid_signature_too() -> None:
    body = p.as_json({"challenge": "abc", "type": "url_verification"})
    assert inbound().accept({}, body, JSON).status == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        signed_headers("not-the-secret", b"{}", timestamp=NOW),
        signed_headers(SECRET, b"{}", timestamp=NOW - 3600),
    ],
    ids=["unsigned", "forged", "stale"],
)
def test_unverified_requests_get_401_with_a_json_error(headers: dict[str, str]) -> None:
    body = p.as_json(p.event_callback(p.dm("hi")))
    accepted = inbound().accept(headers, body, JSON)
    assert accepted.status == 401 and accepted.item is None
    assert isinstance(accepted.body, dict) and accepted.body["error"] == "invalid_signature"
    assert accepted.body["message"]


def test_an_event_is_acknowledged_with_its_item() -> None:
    accepted = send(inbound(), p.as_json(p.event_callback(p.dm("hello"), event_id="Ev1")))
    assert (accepted.status, accepted.body) == (200, "")
    assert isinstance(accepted.item, CustomerMessage) and accepted.item.text == "hello"


def test_a_retry_of_a_seen_event_is_acknowledged_without_an_item() -> None:
    target = inbound()
    body = p.as_json(p.event_callback(p.thread_reply("On it"), event_id="Ev1"))
    assert isinstance(send(target, body).item, ThreadReply)
    retry = send(target, body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert (retry.status, retry.item, retry.reason) == (200, None, "duplicate")


def test_a_retry_of_an_event_never_seen_is_processed() -> None:
    body = p.as_json(p.event_callback(p.thread_reply("On it"), event_id="Ev9"))
    assert isinstance(send(inbound(), body, **{"X-Slack-Retry-Num": "2"}).item, ThreadReply)


def test_a_forged_request_cannot_make_the_bot_ignore_a_real_event() -> None:
    target = inbound()
    body = p.as_json(p.event_callback(p.dm("hello"), event_id="Ev1"))
    assert target.accept(signed_headers("forger", body, timestamp=NOW), body, JSON).status == 401
    assert send(target, body).item is not None


def test_events_the_bot_ignores_are_acknowledged() -> None:
    accepted = send(inbound(), p.as_json(p.event_callback(p.bot_message())))
    assert (accepted.status, accepted.item, accepted.reason) == (200, None, "ignored")


def test_a_broken_event_is_acknowledged_so_slack_does_not_retry_it() -> None:
    accepted = send(inbound(), p.as_json({"type": "event_callback", "event_id": "Ev1", "event": "?"}))
    assert (accepted.status, accepted.item) == (200, None)
    assert "event" in accepted.reason


def test_a_form_encoded_button_click_is_a_block_action() -> None:
    accepted = send(inbound(), p.as_interactive_form(p.block_actions("handoff_claim", value="conv-7")), FORM)
    assert (accepted.status, accepted.body) == (200, "")
    assert isinstance(accepted.item, BlockAction)
    assert (accepted.item.action_id, accepted.item.value) == ("handoff_claim", "conv-7")


def test_a_double_click_delivered_twice_is_processed_once() -> None:
    target = inbound()
    body = p.as_interactive_form(p.block_actions(trigger_id="t-1"))
    assert send(target, body, FORM).item is not None
    assert send(target, body, FORM).item is None
    assert send(target, p.as_interactive_form(p.block_actions(trigger_id="t-2")), FORM).item is not None


def test_a_form_encoded_slash_command() -> None:
    accepted = send(
        inbound(), p.as_form(p.slash_command(text="away")), "application/x-www-form-urlencoded; charset=utf-8"
    )
    assert accepted.status == 200
    assert isinstance(accepted.item, SlashCommand) and accepted.item.text == "away"


def test_content_type_parameters_and_case_do_not_matter() -> None:
    body = p.as_json(p.event_callback(p.dm("hello")))
    assert send(inbound(), body, "Application/JSON; charset=UTF-8").item is not None


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"{not json", JSON, "not a JSON object"),
        (b"[1, 2]", JSON, "not a JSON object"),
        (b"payload=%7Bbroken", FORM, "not a JSON object"),
        (b"foo=bar", FORM, "neither 'payload'"),
        (b"<xml/>", "text/xml", "unsupported content type"),
        (b"{}", "", "unsupported content type"),
    ],
)
def test_signed_but_undecodable_bodies_get_400(body: bytes, content_type: str, message: str) -> None:
    accepted = send(inbound(), body, content_type)
    assert accepted.status == 400 and accepted.item is None
    assert isinstance(accepted.body, dict) and message in accepted.body["message"]


def test_a_challenge_without_a_challenge_is_a_bad_request() -> None:
    assert send(inbound(), p.as_json({"type": "url_verification"})).status == 400


def test_slacks_unsigned_ssl_check_is_answered() -> None:
    accepted = inbound().accept({}, b"ssl_check=1&token=legacy", FORM)
    assert (accepted.status, accepted.item, accepted.reason) == (200, None, "ssl_check")


def test_the_secret_is_required_and_never_shown() -> None:
    with pytest.raises(ValueError):
        Inbound("  ")
    assert SECRET not in repr(inbound())


def test_by_default_the_clock_is_real_time() -> None:
    body = p.as_json(p.event_callback(p.dm("hello")))
    accepted: Any = Inbound(SECRET).accept(signed_headers(SECRET, body), body, JSON)
    assert accepted.status == 200
