"""action_answer: answer the latest customer message from the help centre."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from knowledge.answers import Answer
from knowledge.service import KnowledgeService

DONT_KNOW = (
    "I couldn't find an answer to that in our help centre, and I'd rather not guess. "
    "Would you like to leave a message for the team?"
)
HUMAN_BUTTON = {"title": "Contact the team", "payload": "/human"}


class ActionAnswer(Action):
    def __init__(self, knowledge: KnowledgeService) -> None:
        self.knowledge = knowledge

    def name(self) -> str:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        question = (tracker.latest_message.get("text") or "").strip()
        # Retrieval is CPU-bound (embedding) and the LLM call blocks: keep the
        # action server's event loop free for other conversations.
        answer = await asyncio.to_thread(self.knowledge.answer, question)
        dispatcher.utter_message(**render(answer, question))
        return []


def render(answer: Answer, question: str) -> dict[str, Any]:
    """The bot message for an answer; `custom.answer` is what reports read later.

    A declined question is recorded with its text (`unanswered`), so the
    reports can list the knowledge gaps to write next.
    """
    record: dict[str, Any] = {
        "grounded": answer.grounded,
        "score": round(answer.score, 4),
        "mode": answer.mode,
    }
    if not answer.grounded:
        record |= {"unanswered": True, "question": question}
        return {"text": DONT_KNOW, "buttons": [HUMAN_BUTTON], "json_message": {"answer": record}}
    citations = [{"title": c.title, "url": c.url} for c in answer.citations]
    return {"text": answer.text, "json_message": {"citations": citations, "answer": record}}
