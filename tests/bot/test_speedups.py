"""The action-response check after bot/speedups.py accepts and refuses exactly what Rasa's does."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

from bot import speedups

VALID: list[dict[str, Any]] = [
    {},
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "csat_result", "value": {"rating": 5}, "timestamp": None},
            {"event": "followup", "name": "action_listen"},
            {"event": "action_execution_rejected", "name": "action_answer"},
        ],
        "responses": [{"text": "hi", "buttons": [{"title": "Yes", "payload": "/affirm"}]}],
    },
]
INVALID: list[dict[str, Any]] = [
    {"events": [{"event": "slot"}]},  # a slot event without its name
    {"events": [{"event": "no_such_event"}]},
    {"events": {"event": "slot", "name": "x"}},  # not a list
    {"responses": ["text"]},
]


@pytest.fixture(scope="module")
def action() -> RemoteAction:
    speedups.install()
    speedups.install()  # twice: still Rasa's behaviour, not wrapped twice
    return RemoteAction("action_answer", EndpointConfig("http://127.0.0.1:1/webhook"))


def rasa_verdict(result: dict[str, Any]) -> str | None:
    try:
        validate(result, RemoteAction.action_response_format_spec())
    except ValidationError as error:
        return error.message
    return None


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass(action: RemoteAction, result: dict[str, Any]) -> None:
    assert rasa_verdict(result) is None
    assert action._validate_action_result(result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_with_rasas_message(action: RemoteAction, result: dict[str, Any]) -> None:
    expected = rasa_verdict(result)
    assert expected is not None
    with pytest.raises(ValidationError) as raised:
        action._validate_action_result(result)
    assert raised.value.message.startswith(expected)
    assert "Failed to validate Action server response" in raised.value.message


def test_the_installed_check_is_ours(action: RemoteAction) -> None:
    assert RemoteAction._validate_action_result is speedups._validate_action_result


def test_action_calls_post_the_same_json(action: RemoteAction) -> None:
    body = {
        "tracker": {
            "events": [
                {"event": "user", "text": "ça va? a/b <x>", "parse_data": {"confidence": 0.9999994106163451}}
            ]
        },
        "n": [None, True, 1e-300, 12345678901234567890],
    }
    assert json.loads(speedups._dumps(body)) == body
    assert json.loads(speedups._dumps({"big": 2**70})) == {"big": 2**70}  # orjson refuses it; ujson does not
    assert json.loads(speedups._dumps({"nan": float("nan")})) == {"nan": None}  # strict JSON


def test_endpoint_sessions_keep_rasas_settings() -> None:
    speedups.install()
    endpoint = EndpointConfig(
        "http://127.0.0.1:1/webhook", headers={"X-Key": "k"}, basic_auth={"username": "u", "password": "p"}
    )

    async def check() -> None:
        async with endpoint.session() as session:
            assert session.headers["X-Key"] == "k"
            assert session.auth == aiohttp.BasicAuth("u", "p")
            assert session.timeout.total == DEFAULT_REQUEST_TIMEOUT
            assert session.json_serialize is speedups._dumps

    asyncio.run(check())


def session_tracker() -> DialogueStateTracker:
    tracker = DialogueStateTracker("c1", [])
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        tracker.update(event)
    for n in range(3):
        tracker.update(UserUttered(f"question {n}", {"name": "question", "confidence": 1.0}))
        tracker.update(ActionExecuted("action_answer"))
        tracker.update(BotUttered(f"answer {n}"))
        tracker.update(ActionExecuted("action_listen"))
    latest = UserUttered("the latest", {"name": "question", "confidence": 1.0}, input_channel="webchat")
    tracker.update(latest)
    return tracker


def test_the_answer_action_gets_the_current_turn_and_the_same_state() -> None:
    speedups.install()
    domain = Domain.empty()
    tracker = session_tracker()
    answer = RemoteAction("action_answer", EndpointConfig("http://127.0.0.1:1/webhook"))

    ours = answer._action_call_format(tracker, domain)
    rasas = speedups._rasa_call_format(answer, tracker, domain)

    assert [e["event"] for e in ours["tracker"]["events"]] == ["user"]
    assert ours["tracker"]["events"][0]["text"] == "the latest"
    assert {**ours["tracker"], "events": None} == {**rasas["tracker"], "events": None}
    assert ours.keys() == rasas.keys()
    assert all(ours[key] == rasas[key] for key in ours if key != "tracker")
    assert ours["tracker"]["latest_input_channel"] == "webchat"


def test_other_actions_get_the_whole_session() -> None:
    speedups.install()
    domain = Domain.empty()
    tracker = session_tracker()
    survey = RemoteAction("action_ask_csat", EndpointConfig("http://127.0.0.1:1/webhook"))
    assert survey._action_call_format(tracker, domain) == speedups._rasa_call_format(survey, tracker, domain)
    assert len(survey._action_call_format(tracker, domain)["tracker"]["events"]) == len(tracker.events)
