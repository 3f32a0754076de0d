from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import HUMAN_BUTTON
from actions.feedback import (
    HELPFUL,
    NOT_HELPFUL,
    NOT_HELPFUL_WITH_AGENT,
    UNCLEAR,
    UNKNOWN_ANSWER,
    ActionAnswerFeedback,
)

EVENTS = [
    {
        "event": "bot",
        "text": "Open Settings.",
        "data": {"custom": {"answer": {"id": "a1", "grounded": True}}},
    },
    {
        "event": "bot",
        "text": "I don't know.",
        "data": {"custom": {"answer": {"id": "a2", "grounded": False}}},
    },
]


def feedback(
    entities: dict[str, Any], events: list[dict[str, Any]] = EVENTS, paused: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tracker = Tracker(
        sender_id="c1",
        slots={},
        latest_message={
            "text": "/answer_feedback",
            "intent": {"name": "answer_feedback", "confidence": 1.0},
            "entities": [{"entity": k, "value": v} for k, v in entities.items()],
        },
        events=events,
        paused=paused,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
    dispatcher = CollectingDispatcher()
    stored = asyncio.run(ActionAnswerFeedback(clock=lambda: 77.0).run(dispatcher, tracker, {}))
    return stored, dispatcher.messages


def test_helpful_is_stored_with_the_answer_id() -> None:
    stored, [reply] = feedback({"answer_id": "a1", "helpful": True})
    assert stored == [SlotSet("answer_feedback", {"answer_id": "a1", "helpful": True, "ts": 77.0})]
    assert reply["text"] == HELPFUL


def test_not_helpful_offers_a_person() -> None:
    stored, [reply] = feedback({"answer_id": "a2", "helpful": False})
    assert stored == [SlotSet("answer_feedback", {"answer_id": "a2", "helpful": False, "ts": 77.0})]
    assert reply["text"] == NOT_HELPFUL and reply["buttons"] == [HUMAN_BUTTON]


def test_while_an_agent_has_the_conversation_no_person_is_offered() -> None:
    stored, [reply] = feedback({"answer_id": "a1", "helpful": False}, paused=True)
    assert stored and reply["text"] == NOT_HELPFUL_WITH_AGENT and not reply["buttons"]


def test_changing_ones_mind_is_stored_again() -> None:
    earlier = {"event": "slot", "name": "answer_feedback", "value": {"answer_id": "a1", "helpful": True}}
    stored, _ = feedback({"answer_id": "a1", "helpful": False}, [*EVENTS, earlier])
    assert stored[0]["value"]["helpful"] is False


@pytest.mark.parametrize(
    "events",
    [[], [{"event": "bot", "text": "Hi", "data": {}}], [EVENTS[0] | {"event": "user"}]],
)
def test_unknown_answers_are_refused_and_nothing_is_stored(events: list[dict[str, Any]]) -> None:
    assert feedback({"answer_id": "a1", "helpful": True}, events) == ([], [said(UNKNOWN_ANSWER)])


def test_an_answer_of_an_earlier_session_is_unknown() -> None:
    events = [*EVENTS, {"event": "session_started"}]
    assert feedback({"answer_id": "a1", "helpful": True}, events) == ([], [said(UNKNOWN_ANSWER)])


@pytest.mark.parametrize("helpful", [None, "yes", 1])
def test_helpful_must_be_true_or_false(helpful: Any) -> None:
    assert feedback({"answer_id": "a1", "helpful": helpful}) == ([], [said(UNCLEAR)])


def said(text: str) -> dict[str, Any]:
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(text=text)
    return dispatcher.messages[0]
