"""Ratings in Slack: survey buttons, helpful / not helpful, and the comment modal.

Pure functions from a bot message's `custom` records to Block Kit, and back
from the clicks to checked values; the channel (channel.py) sends those to Rasa
as `/csat_submit{...}` and the like (channels/csat/intents.py).

    elements = buttons_for(message["custom"])     # under the message's text
    rate = rating(action)                         # ("9f0c...", 4) or None
    view = comment_modal(survey_id, prompt, 1000, where)
    views.open(trigger_id=..., view=view)         # "Add a comment"
    comment_of(submission)                        # ("9f0c...", "too slow", where) or None

A survey is answered with one button per point of its scale; once rated, the
thanks carries an "Add a comment" button that opens a modal (a DM has no other
place for a long answer), submitted as a view_submission.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from channels.csat.intents import valid_id
from channels.slack import messages
from channels.slack.events import BlockAction, ViewSubmission

RATE_ACTION = "csat_rate"  # action_id "csat_rate:<n>", value: the survey id
HELPFUL_ACTION = "answer_helpful"  # value: the answer id
NOT_HELPFUL_ACTION = "answer_not_helpful"
COMMENT_ACTION = "csat_add_comment"  # value: {"survey_id", "max", "prompt"} as JSON
COMMENT_VIEW = "csat_comment"  # the modal's callback_id
COMMENT_BLOCK = COMMENT_INPUT = "comment"
_LABEL_LIMIT = 2000  # Slack's limit for an input block's label
_MODAL_INPUT_LIMIT = 3000  # and for a plain_text_input's max_length

Block = dict[str, Any]


def buttons_for(custom: Mapping[str, Any]) -> list[Block]:
    """The rating controls a bot message calls for: a survey's scale, thumbs, or "Add a comment"."""
    survey = custom.get("survey")
    if isinstance(survey, dict) and valid_id(survey.get("id")):
        low, high = survey.get("scale_min"), survey.get("scale_max")
        if isinstance(low, int) and isinstance(high, int) and 0 <= low < high <= 10:
            return [_button(str(n), f"{RATE_ACTION}:{n}", survey["id"]) for n in range(low, high + 1)]
    rated = custom.get("survey_rated")
    if isinstance(rated, dict) and valid_id(rated.get("id")) and rated.get("commented") is False:
        value = {
            "survey_id": rated["id"],
            "max": rated.get("comment_max_chars"),
            "prompt": rated.get("comment_prompt"),
        }
        return [_button(messages.ADD_COMMENT, COMMENT_ACTION, json.dumps(value))]
    answer = custom.get("answer")
    if isinstance(answer, dict) and valid_id(answer.get("id")):
        return [
            _button(messages.HELPFUL, HELPFUL_ACTION, answer["id"]),
            _button(messages.NOT_HELPFUL, NOT_HELPFUL_ACTION, answer["id"]),
        ]
    return []


def rating(action: BlockAction) -> tuple[str, int] | None:
    """(survey id, rating) from a click on a survey button; None if it is not one or is malformed."""
    name, _, point = action.action_id.partition(":")
    if name != RATE_ACTION or not point.isdigit() or not valid_id(action.value):
        return None
    return action.value, int(point)


def helpful(action: BlockAction) -> tuple[str, bool] | None:
    if action.action_id not in (HELPFUL_ACTION, NOT_HELPFUL_ACTION) or not valid_id(action.value):
        return None
    return action.value, action.action_id == HELPFUL_ACTION


def comment_modal(survey_id: str, prompt: str, max_chars: int, where: Mapping[str, str | None]) -> Block:
    """The "Add a comment" modal; `where` (the customer's channel and thread) comes back on submit."""
    metadata = json.dumps({"survey_id": survey_id, **where})
    return {
        "type": "modal",
        "callback_id": COMMENT_VIEW,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": messages.COMMENT_TITLE},
        "submit": {"type": "plain_text", "text": messages.COMMENT_SUBMIT},
        "close": {"type": "plain_text", "text": messages.COMMENT_CANCEL},
        "blocks": [
            {
                "type": "input",
                "block_id": COMMENT_BLOCK,
                "label": {"type": "plain_text", "text": prompt[:_LABEL_LIMIT] or messages.COMMENT_TITLE},
                "element": {
                    "type": "plain_text_input",
                    "action_id": COMMENT_INPUT,
                    "multiline": True,
                    "max_length": max(1, min(max_chars, _MODAL_INPUT_LIMIT)),
                },
            }
        ],
    }


def modal_request(action: BlockAction) -> tuple[str, str, int] | None:
    """(survey id, prompt, max chars) from an "Add a comment" click, or None."""
    if action.action_id != COMMENT_ACTION:
        return None
    try:
        value = json.loads(action.value)
    except ValueError:
        return None
    if not isinstance(value, dict) or not valid_id(value.get("survey_id")):
        return None
    limit, prompt = value.get("max"), value.get("prompt")
    limit = (
        limit if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else _MODAL_INPUT_LIMIT
    )
    return value["survey_id"], prompt if isinstance(prompt, str) else "", limit


def comment_of(submission: ViewSubmission) -> tuple[str, str, dict[str, str | None]] | None:
    """(survey id, comment, where) from the modal's submission; None if it is not ours or malformed."""
    if submission.callback_id != COMMENT_VIEW:
        return None
    try:
        metadata = json.loads(submission.private_metadata or "")
    except ValueError:
        return None
    if not isinstance(metadata, dict) or not valid_id(metadata.get("survey_id")):
        return None
    channel, thread = metadata.get("channel"), metadata.get("thread_ts")
    if not isinstance(channel, str) or not channel or not (thread is None or isinstance(thread, str)):
        return None
    comment = submission.values.get(f"{COMMENT_BLOCK}.{COMMENT_INPUT}")
    if not isinstance(comment, str):
        return None
    return metadata["survey_id"], comment.strip(), {"channel": channel, "thread_ts": thread}


def _button(label: str, action_id: str, value: str) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
