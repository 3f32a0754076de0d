"""action_answer: answer the latest customer message from the help centre.

Every answer carries a `custom.answer` record with an id (uuid4 hex): the
widget and Slack show helpful / not-helpful buttons for it, and the feedback
(actions/feedback.py) names the answer by that id.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge.answers import Answer
from knowledge.service import KnowledgeService

DONT_KNOW = (
    "I couldn't find an answer to that in our help centre, and I'd rather not guess. "
    "Would you like to talk to a person?"
)
CANNOT_LOOK_UP = (
    "Sorry, I can't look that up right now: our help centre isn't reachable for the moment. "
    "Please try again in a minute, or talk to a person."
)
HUMAN_BUTTON = {"title": "Talk to a person", "payload": "/human"}
STREAK = "unanswered_streak"


class ActionAnswer(Action):
    def __init__(
        self,
        knowledge: KnowledgeService,
        handoff_after: int = 0,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.knowledge = knowledge
        self.handoff_after = handoff_after  # unanswered in a row before offering a person (0: never)
        self.new_id = new_id

    def name(self) -> str:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        question = (tracker.latest_message.get("text") or "").strip()
        # Retrieval is CPU-bound (embedding) and the LLM call blocks: keep the
        # action server's event loop free for other conversations.
        answer = await asyncio.to_thread(self.knowledge.answer, question)
        if answer.unavailable:  # says nothing about the help centre: the streak neither grows nor resets
            dispatcher.utter_message(**render(answer, question, self.new_id()))
            return []
        if answer.grounded:
            dispatcher.utter_message(**render(answer, question, self.new_id()))
            return [SlotSet(STREAK, 0.0)]
        streak = int(tracker.get_slot(STREAK) or 0) + 1
        if self.handoff_after and streak >= self.handoff_after:
            # Repeated failures are a handoff trigger: go to a person rather than fail again.
            message = render(answer, question, self.new_id())
            message.pop("buttons")
            dispatcher.utter_message(**message)
            return [SlotSet(STREAK, 0.0), FollowupAction("action_handoff")]
        dispatcher.utter_message(**render(answer, question, self.new_id()))
        return [SlotSet(STREAK, float(streak))]


def render(answer: Answer, question: str, answer_id: str) -> dict[str, Any]:
    """The bot message for an answer; `custom.answer` is what reports read later.

    A declined question is recorded with its text (`unanswered`), so the
    reports can list the knowledge gaps to write next. One the help centre could
    not be searched for is `unanswered` and `unavailable`, without its text: the
    reports count it as declined but not as a gap.
    """
    record: dict[str, Any] = {
        "id": answer_id,
        "grounded": answer.grounded,
        "score": round(answer.score, 4),
        "mode": answer.mode,
    }
    if answer.unavailable:  # unanswered, but not a knowledge gap: the question is not recorded as one
        record |= {"unanswered": True, "unavailable": True}
        return {"text": CANNOT_LOOK_UP, "buttons": [HUMAN_BUTTON], "json_message": {"answer": record}}
    if not answer.grounded:
        record |= {"unanswered": True, "question": question}
        return {"text": DONT_KNOW, "buttons": [HUMAN_BUTTON], "json_message": {"answer": record}}
    citations = [{"title": c.title, "url": c.url} for c in answer.citations]
    return {"text": answer.text, "json_message": {"citations": citations, "answer": record}}
