"""action_answer_feedback: the customer's helpful / not helpful on one bot answer.

The answer is named by the id in its `custom.answer` record (actions/answer.py);
the feedback is the slot `answer_feedback` ({answer_id, helpful, ts}). A customer
may change their mind: the slot is set again and the latest value per answer
counts (reports read it so). Feedback for an answer this conversation does not
hold is refused and nothing is stored.

"Not helpful" is also a moment to offer a way forward: ask differently, or a
person (unless a person is already in the conversation).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import HUMAN_BUTTON
from actions.csat import custom_of, entity_values, session_events

FEEDBACK_SLOT = "answer_feedback"
HELPFUL = "Thanks, glad that helped!"
NOT_HELPFUL = "Thanks for telling me. Try asking in other words, or talk to a person from the team."
NOT_HELPFUL_WITH_AGENT = "Thanks for telling me; that helps us improve the help centre."
UNKNOWN_ANSWER = "Sorry, I can't find that answer in this conversation any more, so nothing was recorded."
UNCLEAR = "Sorry, I didn't understand that feedback, so nothing was recorded."


class ActionAnswerFeedback(Action):
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def name(self) -> str:
        return "action_answer_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        values = entity_values(tracker)
        answer_id, helpful = values.get("answer_id"), values.get("helpful")
        if not isinstance(helpful, bool):
            dispatcher.utter_message(text=UNCLEAR)
            return []
        if answer_id not in answer_ids(session_events(tracker.events)):
            dispatcher.utter_message(text=UNKNOWN_ANSWER)
            return []
        if helpful:
            dispatcher.utter_message(text=HELPFUL)
        elif tracker.is_paused():  # recorded while an agent has the conversation (see channels/csat)
            dispatcher.utter_message(text=NOT_HELPFUL_WITH_AGENT)
        else:
            dispatcher.utter_message(text=NOT_HELPFUL, buttons=[HUMAN_BUTTON])
        return [SlotSet(FEEDBACK_SLOT, {"answer_id": answer_id, "helpful": helpful, "ts": self.clock()})]


def answer_ids(events: Iterable[Mapping[str, Any]]) -> set[str]:
    ids = set()
    for event in events:
        record = custom_of(event).get("answer")
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            ids.add(record["id"])
    return ids
