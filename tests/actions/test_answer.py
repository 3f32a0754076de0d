from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import CANNOT_LOOK_UP, DONT_KNOW, ActionAnswer
from knowledge.answers import ExtractiveComposer
from knowledge.service import KnowledgeService
from knowledge.store import StoreUnavailable
from tests.actions.helpers import tracker
from tests.fakes.stores import helpcentre_retriever


@pytest.fixture(scope="module")
def action() -> ActionAnswer:
    return ActionAnswer(KnowledgeService(helpcentre_retriever(), ExtractiveComposer(), min_score=0.425))


def run(action: ActionAnswer, text: str) -> list[dict]:
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker(text), {}))
    return dispatcher.messages


def test_an_answer_carries_its_citations_and_a_record_for_reports(action: ActionAnswer) -> None:
    [message] = run(action, "can i bring all my notes over from evernote?")
    assert message["text"]
    custom = message["custom"]
    assert custom["citations"] == [
        {
            "title": "Import notes from other apps",
            "url": "https://help.lumenote.example/articles/import-from-other-apps",
        }
    ]
    assert custom["answer"]["grounded"] is True and custom["answer"]["mode"] == "extractive"
    assert 0.425 <= custom["answer"]["score"] <= 1.0
    assert re.fullmatch(r"[0-9a-f]{32}", custom["answer"]["id"])  # feedback names the answer by it


def test_no_answer_says_so_and_offers_the_team(action: ActionAnswer) -> None:
    [message] = run(action, "Can you give me a good recipe for banana bread?")
    assert message["text"] == DONT_KNOW
    assert message["buttons"] == [{"title": "Talk to a person", "payload": "/human"}]
    record = message["custom"]["answer"]
    assert record["grounded"] is False and record["unanswered"] is True
    assert record["question"] == "Can you give me a good recipe for banana bread?"
    assert "citations" not in message["custom"]
    assert record["id"]  # declined answers can be rated too


def test_every_answer_gets_its_own_id() -> None:
    ids = iter(["a1", "a2"])
    action = ActionAnswer(
        KnowledgeService(helpcentre_retriever(), ExtractiveComposer(), min_score=0.425),
        new_id=lambda: next(ids),
    )
    first = run(action, "can i bring all my notes over from evernote?")[0]["custom"]["answer"]["id"]
    second = run(action, OFF_TOPIC)[0]["custom"]["answer"]["id"]
    assert (first, second) == ("a1", "a2")


def test_the_action_name_matches_the_domain(action: ActionAnswer) -> None:
    assert action.name() == "action_answer"


OFF_TOPIC = "Can you give me a good recipe for banana bread?"


def test_answers_reset_the_unanswered_streak(action: ActionAnswer) -> None:
    events = asyncio.run(
        action.run(CollectingDispatcher(), tracker("how do i search only notes with a certian tag?"), {})
    )
    assert events == [SlotSet("unanswered_streak", 0.0)]


def test_repeated_failures_hand_off_to_a_person(action: ActionAnswer) -> None:
    action.handoff_after = 2
    first = asyncio.run(action.run(CollectingDispatcher(), tracker(OFF_TOPIC), {}))
    assert first == [SlotSet("unanswered_streak", 1.0)]
    dispatcher = CollectingDispatcher()
    second = asyncio.run(action.run(dispatcher, tracker(OFF_TOPIC, slots={"unanswered_streak": 1.0}), {}))
    assert second == [SlotSet("unanswered_streak", 0.0), FollowupAction("action_handoff")]
    assert "buttons" not in dispatcher.messages[0] or not dispatcher.messages[0]["buttons"]
    action.handoff_after = 0


class Unreachable:
    """A retriever whose index can't be reached (knowledge/retrieval.py raises this then)."""

    def search(self, query: str, k: int = 4) -> list:
        raise StoreUnavailable("the knowledge index cannot be reached (ConnectionError)")


def test_an_unreachable_help_centre_is_said_honestly_with_the_team_offered() -> None:
    action = ActionAnswer(
        KnowledgeService(Unreachable(), ExtractiveComposer(), min_score=0.425), handoff_after=2
    )
    dispatcher = CollectingDispatcher()
    slots = {"unanswered_streak": 1.0}  # one more decline would hand off; this is not a decline
    events = asyncio.run(action.run(dispatcher, tracker("how do I export my notes?", slots=slots), {}))
    [message] = dispatcher.messages
    assert message["text"] == CANNOT_LOOK_UP
    assert message["buttons"] == [{"title": "Talk to a person", "payload": "/human"}]
    record = message["custom"]["answer"]
    assert record["unanswered"] is True and record["unavailable"] is True and record["grounded"] is False
    assert "question" not in record  # not a knowledge gap: the help centre was never asked
    assert events == []  # the unanswered streak neither grows nor resets


class Unreadable(list[dict[str, Any]]):
    def __iter__(self) -> Iterator[dict[str, Any]]:
        raise AssertionError("action_answer read the event history")

    def __getitem__(self, index: Any) -> Any:
        raise AssertionError("action_answer read the event history")

    def __len__(self) -> int:
        raise AssertionError("action_answer read the event history")


QUESTIONS = ["can i bring all my notes over from evernote?", "banana bread recipe please"]


@pytest.mark.parametrize("text", QUESTIONS)
def test_the_answer_reads_no_event_history(action: ActionAnswer, text: str) -> None:
    """bot/speedups.py sends action_answer the current turn only (CURRENT_TURN_ACTIONS)."""
    blind = tracker(text, slots={"unanswered_streak": 1.0})
    blind.events = Unreadable()
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, blind, {}))
    assert dispatcher.messages
