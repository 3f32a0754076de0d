"""The survey rules, on trackers shaped as Rasa sends them (events of the current session)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.csat import (
    ALREADY_COMMENTED,
    EMPTY_COMMENT,
    RATE_FIRST,
    UNKNOWN_SURVEY,
    ActionAskCsat,
    ActionCsatComment,
    ActionCsatSubmit,
    Surveys,
    out_of_range,
    session_events,
    too_long,
)
from actions.handoff import ActionAfterHandoff
from actions.support_rules import CsatRules

RULES = CsatRules(comment_max_chars=20)
ANSWERED = {"event": "bot", "text": "Open Settings.", "data": {"custom": {"answer": {"id": "a1"}}}}
GREETED = {"event": "bot", "text": "Hi!", "data": {}}


def surveys(rules: CsatRules = RULES) -> Surveys:
    ids = iter(f"s{n}" for n in range(1, 100))
    return Surveys(rules, new_id=lambda: next(ids), clock=lambda: 1000.0)


def tracker(
    events: list[dict[str, Any]], intent: str = "goodbye", entities: dict[str, Any] | None = None
) -> Tracker:
    return Tracker(
        sender_id="c1",
        slots={},
        latest_message={
            "text": "x",
            "intent": {"name": intent, "confidence": 1.0},
            "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
        },
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return events, dispatcher.messages


def asked(survey_id: str = "s1", trigger: str = "goodbye", scale: tuple[int, int] = (1, 5)) -> dict[str, Any]:
    record = {
        "id": survey_id,
        "trigger": trigger,
        "scale_min": scale[0],
        "scale_max": scale[1],
        "question": "How was it?",
        "comment_prompt": "Anything else?",
        "comment_max_chars": 20,
    }
    return {"event": "bot", "text": "How was it?", "data": {"custom": {"survey": record}}}


def result(survey_id: str = "s1", rating: int = 4, comment: str | None = None) -> dict[str, Any]:
    value = {"survey_id": survey_id, "rating": rating, "comment": comment, "ts": 5.0}
    return {"event": "slot", "name": "csat_result", "value": value}


def test_after_an_answer_the_goodbye_asks_the_survey_with_its_full_record() -> None:
    events, [message] = run(ActionAskCsat(surveys()), tracker([ANSWERED]))
    assert events == []
    assert message["text"] == RULES.question
    assert message["custom"]["survey"] == {
        "id": "s1",
        "trigger": "goodbye",
        "scale_min": 1,
        "scale_max": 5,
        "question": RULES.question,
        "comment_prompt": RULES.comment_prompt,
        "comment_max_chars": 20,
    }


def test_a_quiet_conversation_is_asked_with_the_inactive_trigger() -> None:
    _, [message] = run(ActionAskCsat(surveys()), tracker([ANSWERED], intent="EXTERNAL_csat_inactive"))
    assert message["custom"]["survey"]["trigger"] == "inactive"


@pytest.mark.parametrize(
    "events",
    [
        [GREETED],  # hello and goodbye: nothing to rate
        [],
        [ANSWERED, asked()],  # asked already in this conversation
        [ANSWERED, asked(), result()],
    ],
)
def test_no_survey_without_an_exchange_or_a_second_time(events: list[dict[str, Any]]) -> None:
    assert run(ActionAskCsat(surveys()), tracker(events)) == ([], [])


def test_an_agent_or_a_handoff_counts_as_an_exchange() -> None:
    agent = {"event": "bot", "text": "Hi", "data": {"custom": {"sender": {"kind": "agent", "name": "Sam"}}}}
    decided = {
        "event": "bot",
        "text": "...",
        "data": {"custom": {"handoff_decision": {"outcome": "no_agent"}}},
    }
    for events in ([agent], [decided]):
        assert len(run(ActionAskCsat(surveys()), tracker(events))[1]) == 1


def test_a_survey_of_an_earlier_session_does_not_count() -> None:
    events = [ANSWERED, asked(), {"event": "session_started"}, ANSWERED]
    assert session_events(events) == [{"event": "session_started"}, ANSWERED]
    _, [message] = run(ActionAskCsat(surveys()), tracker(events))
    assert message["custom"]["survey"]["id"] == "s1"


def test_switched_off_nothing_is_asked() -> None:
    assert run(ActionAskCsat(surveys(replace(RULES, enabled=False))), tracker([ANSWERED])) == ([], [])


def test_after_an_agent_resolves_the_survey_follows_anything_else() -> None:
    events, messages = run(
        ActionAfterHandoff(surveys()), tracker([GREETED], intent="EXTERNAL_handoff_resolved")
    )
    assert messages[0]["response"] == "utter_anything_else"
    assert messages[1]["custom"]["survey"]["trigger"] == "resolved"  # an agent's work is always rated
    assert events == [SlotSet("unanswered_streak", 0.0)]
    _, again = run(ActionAfterHandoff(surveys()), tracker([asked()], intent="EXTERNAL_handoff_resolved"))
    assert len(again) == 1  # never twice


def submit(
    events: list[dict[str, Any]], **entities: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return run(ActionCsatSubmit(surveys()), tracker(events, "csat_submit", entities))


def test_a_rating_is_stored_and_thanked() -> None:
    events, [thanks] = submit([ANSWERED, asked()], survey_id="s1", rating=4, comment="  quick and clear ")
    assert events == [
        SlotSet("csat_result", {"survey_id": "s1", "rating": 4, "comment": "quick and clear", "ts": 1000.0})
    ]
    assert thanks["text"] == RULES.thanks
    assert thanks["custom"]["survey_rated"] == {
        "id": "s1",
        "commented": True,
        "comment_prompt": "Anything else?",  # as the survey was asked
        "comment_max_chars": 20,
    }


def test_a_rating_without_a_comment_stores_null() -> None:
    events, [thanks] = submit([asked()], survey_id="s1", rating=1, comment="   ")
    assert events == [SlotSet("csat_result", {"survey_id": "s1", "rating": 1, "comment": None, "ts": 1000.0})]
    assert thanks["custom"]["survey_rated"]["commented"] is False


def test_the_range_is_the_one_the_customer_was_shown() -> None:
    events, _ = submit([asked(scale=(0, 10))], survey_id="s1", rating=9)
    assert events[0]["value"]["rating"] == 9  # the rules say 1..5 now; the survey said 0..10


@pytest.mark.parametrize("rating", [0, 6, -1, 10**12, True, 4.0, "4", None])
def test_out_of_range_or_mistyped_ratings_are_refused(rating: Any) -> None:
    assert submit([asked()], survey_id="s1", rating=rating) == ([], [{**said(out_of_range(1, 5))}])


def test_a_comment_over_the_limit_is_refused_and_nothing_is_stored() -> None:
    events, [message] = submit([asked()], survey_id="s1", rating=5, comment="x" * 21)
    assert events == [] and message["text"] == too_long(21, 20)
    assert "21" in message["text"] and "20" in message["text"]


@pytest.mark.parametrize("survey_id", ["nope", None, "s2"])
def test_unknown_surveys_are_refused(survey_id: Any) -> None:
    assert submit([asked()], survey_id=survey_id, rating=3) == ([], [said(UNKNOWN_SURVEY)])


def test_a_second_rating_is_refused_politely() -> None:
    events, [message] = submit([asked(), result()], survey_id="s1", rating=1)
    assert events == [] and message["text"] == RULES.already_rated


def comment(
    events: list[dict[str, Any]], **entities: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return run(ActionCsatComment(surveys()), tracker(events, "csat_comment", entities))


def test_a_comment_added_later_sets_the_result_again() -> None:
    events, [thanks] = comment([asked(), result(rating=2)], survey_id="s1", comment="too slow")
    assert events == [
        SlotSet("csat_result", {"survey_id": "s1", "rating": 2, "comment": "too slow", "ts": 1000.0})
    ]
    assert thanks["text"] == RULES.thanks and thanks["custom"]["survey_rated"]["commented"] is True


@pytest.mark.parametrize(
    ("events", "entities", "reply"),
    [
        ([asked()], {"survey_id": "s1", "comment": "hi"}, RATE_FIRST),
        ([asked(), result(comment="first")], {"survey_id": "s1", "comment": "second"}, ALREADY_COMMENTED),
        ([asked(), result()], {"survey_id": "s1", "comment": "  "}, EMPTY_COMMENT),
        ([asked(), result()], {"survey_id": "s1", "comment": "y" * 25}, too_long(25, 20)),
        ([asked(), result()], {"survey_id": "s9", "comment": "hi"}, UNKNOWN_SURVEY),
    ],
)
def test_comments_are_refused_when_they_cannot_be_added(
    events: list[dict[str, Any]], entities: dict[str, Any], reply: str
) -> None:
    assert comment(events, **entities) == ([], [said(reply)])


def test_action_names_match_the_domain() -> None:
    names = {a(surveys()).name() for a in (ActionAskCsat, ActionCsatSubmit, ActionCsatComment)}
    assert names == {"action_ask_csat", "action_csat_submit", "action_csat_comment"}


def said(text: str) -> dict[str, Any]:
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(text=text)
    return dispatcher.messages[0]
