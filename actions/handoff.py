"""action_handoff: decide how a customer reaches a person, by the business-hours rules.

In hours, with Slack connected: say a person is coming, pause the conversation
and ask the relay (Rasa side, channels/handoff) to open a Slack thread, with a
`custom.handoff` directive. Out of hours: say when the team is back and take a
message (the contact form records a ticket). Without Slack: say honestly that
no agent is connected and take a message.

Whichever way it goes, the message carries a `custom.handoff_decision` record
({"outcome": "connecting" | "after_hours" | "no_agent", "trigger": "asked" |
"unanswered"}) for the reports: the handoff rate and the after-hours share
count decisions, not only the handoffs that reached Slack.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.csat import RESOLVED, Surveys
from actions.hours import describe_reopening, is_open
from actions.support_rules import SupportRules

ASKED, UNANSWERED = "asked", "unanswered"
CONNECTING, AFTER_HOURS, NO_AGENT = "connecting", "after_hours", "no_agent"


class ActionHandoff(Action):
    def __init__(
        self, rules: SupportRules, desk_connected: bool, clock: Callable[[], float] = time.time
    ) -> None:
        self.rules, self.desk_connected, self.clock = rules, desk_connected, clock

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        why = trigger(tracker)
        if not self.desk_connected:
            dispatcher.utter_message(
                response="utter_no_agent_connected", json_message=decision(NO_AGENT, why)
            )
            return [FollowupAction("contact_form")]
        now = _aware(self.clock(), self.rules)
        if not is_open(self.rules.hours, now):
            when = describe_reopening(self.rules.hours, now, customer_timezone(tracker))
            dispatcher.utter_message(
                text=f"Our support team is offline right now; they're back {when}. Leave your email address "
                "and a message and they'll reply by email. I can keep answering questions meanwhile.",
                json_message=decision(AFTER_HOURS, why),
            )
            return [FollowupAction("contact_form")]
        dispatcher.utter_message(
            text=f"I'm connecting you with a person from the support team. It usually takes "
            f"{self.rules.handoff.typical_wait}; you can keep writing here in the meantime.",
            json_message={
                "handoff": {
                    "action": "request",
                    "trigger": why,
                    "claim_timeout_seconds": self.rules.handoff.claim_timeout_seconds,
                },
                **decision(CONNECTING, why),
            },
        )
        return [SlotSet("unanswered_streak", 0.0), ConversationPaused()]


class ActionAfterHandoff(Action):
    """Runs when an agent resolves the conversation: the bot takes over again.

    The post-chat survey (CSAT) starts here: a resolution ends the part the
    customer is most likely to judge, so it is asked now rather than later.
    """

    def __init__(self, surveys: Surveys | None = None) -> None:
        self.surveys = surveys

    def name(self) -> str:
        return "action_after_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_anything_else")
        asked = self.surveys.ask(dispatcher, tracker, RESOLVED) if self.surveys else []
        return [SlotSet("unanswered_streak", 0.0), *asked]


def decision(outcome: str, why: str) -> dict[str, Any]:
    """The `custom` part that records what action_handoff decided (contract item 2)."""
    return {"handoff_decision": {"outcome": outcome, "trigger": why}}


def trigger(tracker: Tracker) -> str:
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return ASKED if intent == "human" else UNANSWERED


def customer_timezone(tracker: Tracker) -> str | None:
    """The IANA timezone the widget reported with the customer's latest message, if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            context = (event.get("metadata") or {}).get("context") or {}
            zone = context.get("timezone") if isinstance(context, dict) else None
            return zone if isinstance(zone, str) and zone else None
    return None


def _aware(timestamp: float, rules: SupportRules) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=rules.hours.timezone)


def ticket_reason(rules: SupportRules, desk_connected: bool) -> Callable[[float], str]:
    """Why a message is being taken instead of a live chat, for the ticket and the reports."""

    def reason(now: float) -> str:
        if not desk_connected:
            return "no_agent"
        return "left_message" if is_open(rules.hours, _aware(now, rules)) else "after_hours"

    return reason
