"""Ratings in Slack: the buttons under bot messages, the comment modal, and reading clicks back."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from channels.slack import messages, surveys
from channels.slack.client import call, make_client
from channels.slack.customers import SlackCustomerOutput
from channels.slack.events import BlockAction, ViewSubmission, parse
from tests.channels.slack import payloads as p
from tests.fakes.slack_server import FakeSlack

SID = "5" * 32
AID = "a" * 32
SURVEY = {
    "id": SID,
    "trigger": "goodbye",
    "scale_min": 1,
    "scale_max": 5,
    "question": "How was it?",
    "comment_prompt": "Anything we could do better?",
    "comment_max_chars": 500,
}


def click(action_id: str, value: str, channel: str = p.DM_CHANNEL) -> BlockAction:
    payload = p.block_actions(action_id=action_id, value=value, user=p.CUSTOMER)
    payload["channel"]["id"] = payload["container"]["channel_id"] = channel
    item = parse("interactive", payload)
    assert isinstance(item, BlockAction)
    return item


def test_a_survey_gets_one_button_per_point_and_clicks_read_back() -> None:
    buttons = surveys.buttons_for({"survey": SURVEY})
    assert [b["text"]["text"] for b in buttons] == ["1", "2", "3", "4", "5"]
    assert len({b["action_id"] for b in buttons}) == 5  # unique within the actions block
    assert surveys.rating(click(buttons[3]["action_id"], buttons[3]["value"])) == (SID, 4)


def test_an_eleven_point_scale_fits() -> None:
    buttons = surveys.buttons_for({"survey": {**SURVEY, "scale_min": 0, "scale_max": 10}})
    assert [b["text"]["text"] for b in buttons][::5] == ["0", "5", "10"]


def test_answers_get_helpful_and_not_helpful() -> None:
    helpful, not_helpful = surveys.buttons_for({"answer": {"id": AID, "grounded": True}})
    assert (helpful["text"]["text"], not_helpful["text"]["text"]) == (messages.HELPFUL, messages.NOT_HELPFUL)
    assert surveys.helpful(click(helpful["action_id"], helpful["value"])) == (AID, True)
    assert surveys.helpful(click(not_helpful["action_id"], not_helpful["value"])) == (AID, False)


def test_the_thanks_for_a_rating_without_comment_offers_one() -> None:
    rated = {"id": SID, "commented": False, "comment_prompt": "Tell us more", "comment_max_chars": 300}
    [button] = surveys.buttons_for({"survey_rated": rated})
    assert button["text"]["text"] == messages.ADD_COMMENT
    assert surveys.modal_request(click(button["action_id"], button["value"])) == (SID, "Tell us more", 300)
    assert surveys.buttons_for({"survey_rated": {**rated, "commented": True}}) == []


@pytest.mark.parametrize(
    "custom",
    [
        {},
        {"citations": []},
        {"answer": {"grounded": True}},  # no id: nothing to rate
        {"answer": {"id": "../x"}},
        {"survey": {**SURVEY, "id": None}},
        {"survey": {**SURVEY, "scale_max": 30}},
        {"survey": {**SURVEY, "scale_min": "1"}},
        {"survey_rated": {"id": SID}},
    ],
)
def test_nothing_to_rate_means_no_buttons(custom: dict[str, Any]) -> None:
    assert surveys.buttons_for(custom) == []


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("csat_rate:x", SID),
        ("csat_rate:", SID),
        ("csat_rate:4", "bad id!"),
        ("handoff_claim", SID),
        ("answer_helpful", ""),
        ("csat_add_comment", "not json"),
        ("csat_add_comment", '{"survey_id": "../x"}'),
    ],
)
def test_malformed_clicks_are_not_ratings(action_id: str, value: str) -> None:
    action = click(action_id, value)
    assert surveys.rating(action) is None and surveys.helpful(action) is None
    assert surveys.modal_request(action) is None


def submission(view: dict[str, Any], comment: Any = "Too slow, sorry") -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": "T0FAKE"},
        "user": {"id": p.CUSTOMER, "username": "cus"},
        "trigger_id": "555.666.ghi",
        "view": {
            **view,
            "id": "V0001",
            "state": {"values": {"comment": {"comment": {"type": "plain_text_input", "value": comment}}}},
        },
    }


def test_the_comment_modal_round_trips_through_its_submission() -> None:
    where = {"channel": "C0GENERAL", "thread_ts": "1700000300.000400"}
    view = surveys.comment_modal(SID, "Anything we could do better?", 500, where)
    assert view["type"] == "modal" and len(view["title"]["text"]) <= 24
    assert view["blocks"][0]["label"]["text"] == "Anything we could do better?"
    assert view["blocks"][0]["element"]["max_length"] == 500
    item = parse("interactive", submission(view, "  Too slow, sorry \n"))
    assert isinstance(item, ViewSubmission) and item.user_id == p.CUSTOMER
    assert surveys.comment_of(item) == (SID, "Too slow, sorry", where)


@pytest.mark.parametrize(
    ("view", "comment"),
    [
        ({"callback_id": "someone_elses"}, "x"),
        ({"callback_id": "csat_comment", "private_metadata": "not json"}, "x"),
        ({"callback_id": "csat_comment", "private_metadata": json.dumps({"survey_id": SID})}, "x"),
        (
            {
                "callback_id": "csat_comment",
                "private_metadata": json.dumps({"survey_id": "!", "channel": "D1"}),
            },
            "x",
        ),
        (
            {
                "callback_id": "csat_comment",
                "private_metadata": json.dumps({"survey_id": SID, "channel": "D1"}),
            },
            None,
        ),
    ],
)
def test_submissions_that_are_not_our_comment_are_ignored(view: dict[str, Any], comment: Any) -> None:
    item = parse("interactive", submission(view, comment))
    assert isinstance(item, ViewSubmission) and surveys.comment_of(item) is None


def test_customer_messages_carry_their_rating_buttons_to_slack(slack: FakeSlack) -> None:
    output = SlackCustomerOutput(make_client("xoxb-ok", base_url=slack.base_url), p.DM_CHANNEL, None)
    declined = {
        "text": "I couldn't find an answer.",
        "buttons": [{"title": "Talk to a person", "payload": "/human"}],
        "custom": {"answer": {"id": AID, "grounded": False}},
    }
    asyncio.run(output.send_response("slack-D0CUSTOMER", declined))
    asyncio.run(
        output.send_response("slack-D0CUSTOMER", {"text": "How was it?", "custom": {"survey": SURVEY}})
    )
    asyncio.run(output.send_response("slack-D0CUSTOMER", {"text": "Hello!"}))
    answer, survey, plain = (c.args for c in slack.calls("chat.postMessage"))
    labels = [e["text"]["text"] for e in answer["blocks"][1]["elements"]]
    assert labels == ["Talk to a person", messages.HELPFUL, messages.NOT_HELPFUL]
    assert survey["text"] == "How was it?" and len(survey["blocks"][1]["elements"]) == 5
    assert "blocks" not in plain


def test_the_fake_opens_modals_like_slack(slack: FakeSlack) -> None:
    client = make_client("xoxb-ok", base_url=slack.base_url)
    view = surveys.comment_modal(SID, "Tell us", 100, {"channel": p.DM_CHANNEL, "thread_ts": None})
    opened = asyncio.run(call(client, "views.open", trigger_id="1.2.3", view=view))
    assert opened["view"]["callback_id"] == "csat_comment" and opened["view"]["id"].startswith("V")
    assert slack.calls("views.open")[0].args["trigger_id"] == "1.2.3"
    with pytest.raises(Exception, match="invalid_trigger_id"):
        asyncio.run(call(client, "views.open", trigger_id="", view=view))
    with pytest.raises(Exception, match="invalid_arguments"):
        asyncio.run(call(client, "views.open", trigger_id="1.2.3", view={**view, "type": "home"}))
