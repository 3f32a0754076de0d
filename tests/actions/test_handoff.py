from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionAfterHandoff, ActionHandoff, customer_timezone, ticket_reason
from actions.support_rules import SupportRules, load_support_rules

BERLIN = ZoneInfo("Europe/Berlin")
RULES = """
hours:
  timezone: Europe/Berlin
  weekly:
    monday: ["08:00-18:00"]
    tuesday: ["08:00-18:00"]
    wednesday: ["08:00-18:00"]
    thursday: ["08:00-18:00"]
    friday: ["08:00-18:00"]
    saturday: []
    sunday: []
  exceptions:
    - date: 2026-12-25
      closed: true
      note: Christmas Day
handoff:
  after_unanswered: 2
  claim_timeout_seconds: 120
  typical_wait: "about five minutes"
"""


@pytest.fixture
def rules(tmp_path: Path) -> SupportRules:
    path = tmp_path / "support.yml"
    path.write_text(RULES)
    return load_support_rules(path)


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp()


def tracker(intent: str = "human", timezone: str | None = None) -> Tracker:
    metadata = {"context": {"timezone": timezone}} if timezone else {}
    return Tracker(
        sender_id="c1",
        slots={},
        latest_message={"text": "/human", "intent": {"name": intent, "confidence": 1.0}},
        events=[{"event": "user", "text": "/human", "metadata": metadata}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action: ActionHandoff, t: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return events, dispatcher.messages


def test_in_hours_the_conversation_is_paused_and_a_thread_requested(rules: SupportRules) -> None:
    action = ActionHandoff(rules, desk_connected=True, clock=lambda: at("2026-11-23T10:00"))
    events, [message] = run(action, tracker())
    assert events == [SlotSet("unanswered_streak", 0.0), ConversationPaused()]
    assert "about five minutes" in message["text"]
    assert message["custom"]["handoff"] == {
        "action": "request",
        "trigger": "asked",
        "claim_timeout_seconds": 120,
    }
    assert message["custom"]["handoff_decision"] == {"outcome": "connecting", "trigger": "asked"}


def test_after_hours_says_when_people_are_back_in_the_customers_time_and_takes_a_message(
    rules: SupportRules,
) -> None:
    action = ActionHandoff(rules, desk_connected=True, clock=lambda: at("2026-12-24T20:00"))
    events, [message] = run(action, tracker(timezone="America/New_York"))
    assert events == [FollowupAction("contact_form")]
    assert "offline" in message["text"] and "08:00" in message["text"] and "your time" in message["text"]
    assert "custom" not in message or "handoff" not in message.get("custom", {})
    assert message["custom"]["handoff_decision"] == {"outcome": "after_hours", "trigger": "asked"}


def test_a_holiday_is_closed(rules: SupportRules) -> None:
    action = ActionHandoff(rules, desk_connected=True, clock=lambda: at("2026-12-25T10:00"))
    events, _ = run(action, tracker())
    assert events == [FollowupAction("contact_form")]


def test_without_slack_the_bot_says_no_agent_is_connected(rules: SupportRules) -> None:
    action = ActionHandoff(rules, desk_connected=False, clock=lambda: at("2026-11-23T10:00"))
    events, [message] = run(action, tracker())
    assert message["response"] == "utter_no_agent_connected"
    assert message["custom"]["handoff_decision"] == {"outcome": "no_agent", "trigger": "asked"}
    assert events == [FollowupAction("contact_form")]


def test_the_trigger_is_recorded(rules: SupportRules) -> None:
    action = ActionHandoff(rules, desk_connected=True, clock=lambda: at("2026-11-23T10:00"))
    _, [message] = run(action, tracker(intent="question"))
    assert message["custom"]["handoff"]["trigger"] == "unanswered"
    assert message["custom"]["handoff_decision"] == {"outcome": "connecting", "trigger": "unanswered"}
    closed = ActionHandoff(rules, desk_connected=True, clock=lambda: at("2026-12-25T10:00"))
    _, [message] = run(closed, tracker(intent="question"))
    assert message["custom"]["handoff_decision"] == {"outcome": "after_hours", "trigger": "unanswered"}


def test_customer_timezone_comes_from_the_latest_message() -> None:
    assert customer_timezone(tracker(timezone="Asia/Tokyo")) == "Asia/Tokyo"
    assert customer_timezone(tracker()) is None


def test_ticket_reasons(rules: SupportRules) -> None:
    assert ticket_reason(rules, desk_connected=False)(at("2026-11-23T10:00")) == "no_agent"
    assert ticket_reason(rules, desk_connected=True)(at("2026-11-23T20:00")) == "after_hours"
    assert ticket_reason(rules, desk_connected=True)(at("2026-11-23T10:00")) == "left_message"


def test_after_handoff_the_bot_is_back() -> None:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAfterHandoff().run(dispatcher, tracker(), {}))
    assert dispatcher.messages[0]["response"] == "utter_anything_else"
    assert events == [SlotSet("unanswered_streak", 0.0)]
