"""The post-chat survey (CSAT): asked once when a conversation ends, answered once.

    surveys = Surveys(rules.csat)
    ActionAskCsat(surveys)      # after goodbye, and when the conversation went quiet
    ActionAfterHandoff(surveys) # after an agent resolved it (actions/handoff.py)
    ActionCsatSubmit(surveys)   # a rating, with an optional comment
    ActionCsatComment(surveys)  # a comment added after the rating (Slack's "Add a comment")

The conversation's own events are the state; there is no other store. A survey
is a bot message whose `custom.survey` records what the customer was shown (id,
trigger, scale, wording, comment limit); an answer is the slot `csat_result`
({survey_id, rating, comment, ts}), set again with the comment when one is added
later. Answers are checked against the survey as it was asked, so changing the
scale in bot/support.yml never invalidates a survey already on screen.

The channels check the types of what arrives (channels/web/protocol.py, the Slack
channel) and send it as `/csat_submit{...}`; the rules (which survey, which range,
how long, only once) are here, so every channel gets the same answers.
A conversation is one Rasa session: the action server receives the current
session's events only, so a survey from an earlier session counts as unknown.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.support_rules import CsatRules

RESULT_SLOT = "csat_result"
GOODBYE, RESOLVED, INACTIVE = "goodbye", "resolved", "inactive"
INACTIVE_INTENT = "EXTERNAL_csat_inactive"  # triggered by the Rasa side's quiet-conversation sweeper

UNKNOWN_SURVEY = "Sorry, I can't find that survey in this conversation any more, so nothing was recorded."
RATE_FIRST = "Please choose a rating first; then you can add a comment."
ALREADY_COMMENTED = "You've already added a comment to this survey. Thank you!"
EMPTY_COMMENT = "That comment was empty, so nothing was added."


def out_of_range(low: int, high: int) -> str:
    return f"Please choose a rating from {low} to {high}."


def too_long(length: int, limit: int) -> str:
    return f"That comment is {length} characters long; please keep it to {limit}. Nothing was recorded yet."


@dataclass(frozen=True)
class Survey:
    """A survey as it was asked (the `custom.survey` record)."""

    id: str
    trigger: str
    scale_min: int
    scale_max: int
    question: str
    comment_prompt: str
    comment_max_chars: int

    def record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "trigger": self.trigger,
            "scale_min": self.scale_min,
            "scale_max": self.scale_max,
            "question": self.question,
            "comment_prompt": self.comment_prompt,
            "comment_max_chars": self.comment_max_chars,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Survey | None:
        try:
            return cls(
                id=str(record["id"]),
                trigger=str(record["trigger"]),
                scale_min=int(record["scale_min"]),
                scale_max=int(record["scale_max"]),
                question=str(record["question"]),
                comment_prompt=str(record["comment_prompt"]),
                comment_max_chars=int(record["comment_max_chars"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


class Surveys:
    """The survey rules, shared by the actions that ask and those that record answers."""

    def __init__(
        self,
        rules: CsatRules,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rules, self.new_id, self.clock = rules, new_id, clock

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, trigger: str) -> list[dict[str, Any]]:
        """Ask the survey unless it is off, was asked already, or there was nothing to rate.

        "Nothing to rate": a greeting and a goodbye, or a quiet widget, are not a
        conversation worth surveying; an agent's resolution always is.
        """
        events = session_events(tracker.events)
        if not self.rules.enabled or surveys_in(events):
            return []
        if trigger != RESOLVED and not had_exchange(events):
            return []
        rules = self.rules
        survey = Survey(
            self.new_id(),
            trigger,
            rules.scale_min,
            rules.scale_max,
            rules.question,
            rules.comment_prompt,
            rules.comment_max_chars,
        )
        dispatcher.utter_message(text=survey.question, json_message={"survey": survey.record()})
        return []

    def submit(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        """A rating (and maybe a comment) for a survey of this conversation; refused politely otherwise."""
        values = entity_values(tracker)
        events = session_events(tracker.events)
        survey = surveys_in(events).get(str(values.get("survey_id")))
        if survey is None:
            return _say(dispatcher, UNKNOWN_SURVEY)
        if survey.id in results_in(events):
            return _say(dispatcher, self.rules.already_rated)
        rating = values.get("rating")
        if isinstance(rating, bool) or not isinstance(rating, int):
            return _say(dispatcher, out_of_range(survey.scale_min, survey.scale_max))
        if not survey.scale_min <= rating <= survey.scale_max:
            return _say(dispatcher, out_of_range(survey.scale_min, survey.scale_max))
        comment = _comment(values.get("comment"))
        if comment is not None and len(comment) > survey.comment_max_chars:
            return _say(dispatcher, too_long(len(comment), survey.comment_max_chars))
        result = {"survey_id": survey.id, "rating": rating, "comment": comment, "ts": self.clock()}
        self._thank(dispatcher, survey, commented=comment is not None)
        return [SlotSet(RESULT_SLOT, result)]

    def comment(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        """A comment for a survey already rated: the result is set again, with the comment."""
        values = entity_values(tracker)
        events = session_events(tracker.events)
        survey = surveys_in(events).get(str(values.get("survey_id")))
        if survey is None:
            return _say(dispatcher, UNKNOWN_SURVEY)
        previous = results_in(events).get(survey.id)
        if previous is None:
            return _say(dispatcher, RATE_FIRST)
        if previous.get("comment"):
            return _say(dispatcher, ALREADY_COMMENTED)
        comment = _comment(values.get("comment"))
        if comment is None:
            return _say(dispatcher, EMPTY_COMMENT)
        if len(comment) > survey.comment_max_chars:
            return _say(dispatcher, too_long(len(comment), survey.comment_max_chars))
        self._thank(dispatcher, survey, commented=True)
        return [SlotSet(RESULT_SLOT, {**previous, "comment": comment, "ts": self.clock()})]

    def _thank(self, dispatcher: CollectingDispatcher, survey: Survey, commented: bool) -> None:
        # `survey_rated` lets a channel offer the comment afterwards (Slack: an "Add a comment" button).
        rated = {
            "id": survey.id,
            "commented": commented,
            "comment_prompt": survey.comment_prompt,
            "comment_max_chars": survey.comment_max_chars,
        }
        dispatcher.utter_message(text=self.rules.thanks, json_message={"survey_rated": rated})


class ActionAskCsat(Action):
    """Ask the survey: after the goodbye (rules.yml), or when the sweeper found the conversation quiet."""

    def __init__(self, surveys: Surveys) -> None:
        self.surveys = surveys

    def name(self) -> str:
        return "action_ask_csat"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return self.surveys.ask(dispatcher, tracker, INACTIVE if intent == INACTIVE_INTENT else GOODBYE)


class ActionCsatSubmit(Action):
    def __init__(self, surveys: Surveys) -> None:
        self.surveys = surveys

    def name(self) -> str:
        return "action_csat_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return self.surveys.submit(dispatcher, tracker)


class ActionCsatComment(Action):
    def __init__(self, surveys: Surveys) -> None:
        self.surveys = surveys

    def name(self) -> str:
        return "action_csat_comment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return self.surveys.comment(dispatcher, tracker)


# --- reading the conversation --------------------------------------------------------


def session_events(events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events of the current session (Rasa sends only those; cut again to be sure)."""
    current: list[Mapping[str, Any]] = []
    for event in events:
        if event.get("event") == "session_started":
            current = []
        current.append(event)
    return current


def custom_of(event: Mapping[str, Any]) -> dict[str, Any]:
    """A bot event's `data.custom`, or {} (agents' and relay messages have other shapes)."""
    if event.get("event") != "bot":
        return {}
    custom = (event.get("data") or {}).get("custom")
    return custom if isinstance(custom, dict) else {}


def surveys_in(events: Iterable[Mapping[str, Any]]) -> dict[str, Survey]:
    found = {}
    for event in events:
        record = custom_of(event).get("survey")
        survey = Survey.from_record(record) if isinstance(record, dict) else None
        if survey is not None:
            found[survey.id] = survey
    return found


def results_in(events: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The latest `csat_result` per survey id."""
    found = {}
    for event in events:
        value = event.get("value")
        if event.get("event") == "slot" and event.get("name") == RESULT_SLOT and isinstance(value, dict):
            found[str(value.get("survey_id"))] = value
    return found


def had_exchange(events: Iterable[Mapping[str, Any]]) -> bool:
    """Did the bot answer a question, a person reply, or a handoff or ticket happen?"""
    for event in events:
        custom = custom_of(event)
        sender = custom.get("sender")
        if "answer" in custom or "handoff_decision" in custom or "ticket" in custom:
            return True
        if isinstance(sender, dict) and sender.get("kind") == "agent":
            return True
    return False


def entity_values(tracker: Tracker) -> dict[str, Any]:
    """The latest message's entities by name (the channel put them there as `/intent{...}`)."""
    values: dict[str, Any] = {}
    for entity in tracker.latest_message.get("entities") or []:
        if isinstance(entity, dict) and isinstance(entity.get("entity"), str):
            values[entity["entity"]] = entity.get("value")
    return values


def _comment(value: Any) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    return text or None


def _say(dispatcher: CollectingDispatcher, text: str) -> list[dict[str, Any]]:
    dispatcher.utter_message(text=text)
    return []
