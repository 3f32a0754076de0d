"""Taking a message for the team while no agent is connected.

The contact form asks for an email address and a message; the submit action
records both in the conversation (a `ticket` in the bot event's custom data,
kept by the tracker store) and clears the slots for a later request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from email_validator import EmailNotValidError, validate_email
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.support_rules import ContactRules

_EMAIL_IN_TEXT = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")


def find_email(text: str) -> str | None:
    """The first valid email address in the text, normalised ("Me@Example.com " -> "Me@example.com")."""
    for candidate in _EMAIL_IN_TEXT.findall(text or ""):
        try:
            return validate_email(candidate.rstrip("."), check_deliverability=False).normalized
        except EmailNotValidError:
            continue
    return None


class ValidateContactForm(FormValidationAction):
    def __init__(self, rules: ContactRules) -> None:
        self.rules = rules

    def name(self) -> str:
        return "validate_contact_form"

    def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = find_email(str(value or ""))
        if email is None:
            # The form asks again right after this, with the way out ("cancel").
            dispatcher.utter_message(text="That doesn't look like an email address (like name@example.com).")
        return {"contact_email": email}

    def validate_contact_message(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        limit = self.rules.max_message_chars
        if len(text) > limit:
            dispatcher.utter_message(
                text=f"That's {len(text)} characters; please keep it under {limit}, "
                "or send the rest after the team replies."
            )
            return {"contact_message": None}
        return {"contact_message": text or None}


class ActionSubmitContact(Action):
    def __init__(
        self, clock: Any = time.time, reason: Callable[[float], str] = lambda now: "contact"
    ) -> None:
        self.clock = clock
        self.reason = reason  # why a message was taken instead of a chat: after_hours, no_agent, ...

    def name(self) -> str:
        return "action_submit_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        email = tracker.get_slot("contact_email")
        message = tracker.get_slot("contact_message")
        now = self.clock()
        ticket = {
            "email": email,
            "message": message,
            "created_at": now,
            "status": "open",
            "reason": self.reason(now),
        }
        dispatcher.utter_message(
            text=f"Thanks! I've passed your message on. The team will reply to {email}.",
            json_message={"ticket": ticket},
        )
        return [SlotSet("contact_email", None), SlotSet("contact_message", None)]
