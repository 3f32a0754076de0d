"""Survey answers and answer feedback as Rasa messages: the one place that writes `/intent{...}`.

    csat_text("9f0c...", 4, None)      # '/csat_submit{"survey_id": "9f0c...", "rating": 4}'
    feedback_text("a1b2...", False)    # '/answer_feedback{"answer_id": "a1b2...", "helpful": false}'

A channel validates the types of what the customer sent (a widget frame, a Slack
button or modal) and turns it into one of these texts; Rasa's regex message
handler reads the intent and the entities back, and the actions apply the rules.
Customers can never write this syntax themselves: `is_reserved` refuses typed
messages that use it, so an entity never comes from free text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

CSAT_SUBMIT = "csat_submit"
CSAT_COMMENT = "csat_comment"
ANSWER_FEEDBACK = "answer_feedback"
RECORD_INTENTS = (CSAT_SUBMIT, CSAT_COMMENT, ANSWER_FEEDBACK)
# While a person has the conversation Rasa predicts nothing; these still run (channels/csat/runtime.py).
RECORD_ACTIONS = {
    CSAT_SUBMIT: "action_csat_submit",
    CSAT_COMMENT: "action_csat_comment",
    ANSWER_FEEDBACK: "action_answer_feedback",
}

# Survey and answer ids are issued by the action server (uuid4 hex); anything else is refused.
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Rasa reads "/name{json}" and "/name@0.9" as an intent with entities or a confidence.
_COMMAND = re.compile(r"^\s*/(?P<name>[A-Za-z][A-Za-z0-9_-]*)(?P<extra>[{@])?")


def valid_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID.match(value))


def csat_text(survey_id: str, rating: int, comment: str | None) -> str:
    entities: dict[str, Any] = {"survey_id": survey_id, "rating": rating}
    if comment:
        entities["comment"] = comment
    return _intent(CSAT_SUBMIT, entities)


def comment_text(survey_id: str, comment: str) -> str:
    return _intent(CSAT_COMMENT, {"survey_id": survey_id, "comment": comment})


def feedback_text(answer_id: str, helpful: bool) -> str:
    return _intent(ANSWER_FEEDBACK, {"answer_id": answer_id, "helpful": helpful})


def is_reserved(text: str) -> bool:
    """Would Rasa read this customer text as entities, a confidence, or a channel-only intent?

    "/human" typed by hand stays allowed (it is what the button sends); "/csat_submit",
    '/human{"x": 1}' and "/EXTERNAL_handoff_resolved" are not a customer's to send.
    Paths ("/Users/me/a@2x.png") are ordinary text: Rasa finds no such intent in them.
    """
    match = _COMMAND.match(text)
    if match is None:
        return False
    name = match.group("name")
    return bool(match.group("extra")) or name in RECORD_INTENTS or name.startswith("EXTERNAL_")


def record_intent(event: Mapping[str, Any]) -> str | None:
    """The record intent of a serialised user event (hidden from transcripts), else None."""
    if event.get("event") != "user":
        return None
    parse_data = event.get("parse_data")
    intent = parse_data.get("intent") if isinstance(parse_data, dict) else None
    name = intent.get("name") if isinstance(intent, dict) else None
    return name if name in RECORD_INTENTS else None


def _intent(name: str, entities: dict[str, Any]) -> str:
    # ensure_ascii: Rasa's pattern reads the JSON up to the line's end, so no raw line breaks or
    # other separators may appear in it; json escapes them all this way.
    return f"/{name}{json.dumps(entities, ensure_ascii=True)}"
