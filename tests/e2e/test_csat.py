"""Survey and answer feedback end to end: widget and Slack customers, real Rasa and action servers.

What is checked in the end is the conversation log itself (the SQLite tracker
store): the records the reports read, in exactly the contract's shapes.
Slack is the local fake (tests/fakes/slack_server.py); customers' clicks and the
comment modal's submission are sent to the Rasa server signed as Slack signs them.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.csat import UNKNOWN_SURVEY
from actions.feedback import HELPFUL, NOT_HELPFUL, UNKNOWN_ANSWER
from actions.support_rules import CsatRules
from bot.serve import Stack
from tests.channels.slack import payloads
from tests.e2e.stack import ChatClient, make_stack
from tests.fakes.slack_server import FakeSlack
from tests.fakes.slack_signing import signed_headers

pytestmark = pytest.mark.e2e
SECRET = "csat-signing-secret"
SUPPORT = "C0SUPPORT"
AGENT = "U0SAM"
HEX32 = re.compile(r"[0-9a-f]{32}")
CSAT = CsatRules()  # the wording the rules file below leaves at its defaults
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def rules(path: Path, inactivity_minutes: float) -> Path:
    weekly = "\n".join(f'    {day}: ["00:00-24:00"]' for day in DAYS)
    path.write_text(
        f"hours:\n  timezone: Europe/Berlin\n  weekly:\n{weekly}\n"
        "handoff:\n  claim_timeout_seconds: 600\n"
        f"csat:\n  comment_max_chars: 200\n  inactivity_minutes: {inactivity_minutes}\n"
    )
    return path


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(users={AGENT: {"real_name": "Sam Agent", "display_name": "Sam"}}) as fake:
        yield fake


@pytest.fixture(scope="module")
def stack(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("csat")
    running = make_stack(
        data,
        SUPPORT_RULES=str(rules(data / "rules.yml", 0)),
        SLACK_BOT_TOKEN="xoxb-ok",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_SUPPORT_CHANNEL=SUPPORT,
        SLACK_API_URL=slack.base_url,
        HANDOFF_SWEEP_SECONDS="1",
        CSAT_SWEEP_SECONDS="1",
    )
    running.start()
    yield running
    running.stop()


# --- the conversation log -------------------------------------------------------------


def logged(stack: Stack, conversation_id: str) -> list[dict[str, Any]]:
    database = stack.env["TRACKER_STORE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (conversation_id,)
        ).fetchall()
    return [json.loads(row[0]) for row in rows]


def customs(events: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [
        e["data"]["custom"][key]
        for e in events
        if e["event"] == "bot" and key in ((e.get("data") or {}).get("custom") or {})
    ]


def slot_values(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e["value"] for e in events if e["event"] == "slot" and e["name"] == name]


def user_intents(events: list[dict[str, Any]]) -> list[str]:
    return [e["parse_data"]["intent"]["name"] for e in events if e["event"] == "user"]


# --- the widget -----------------------------------------------------------------------


async def send_record(chat: ChatClient, frame: dict[str, Any]) -> list[dict[str, Any]]:
    """Send a csat or feedback frame; the bot frames until the typing indicator goes off."""
    first = await chat.send(frame)
    assert first == {"type": "typing", "on": True}, first
    replies = []
    while (reply := await chat.next()) != {"type": "typing", "on": False}:
        replies.append(reply)
    return replies


async def next_bot(chat: ChatClient, timeout: float = 30) -> dict[str, Any]:
    while True:
        frame = await chat.next(timeout)
        if frame["type"] == "bot":
            return frame


def test_a_widget_customer_rates_an_answer_and_the_conversation_once(stack: Stack) -> None:
    async def story() -> tuple[str, str, str]:
        chat = ChatClient(stack.websocket_url)
        await chat.connect()
        [answer] = await chat.say("can i bring all my notes over from evernote?")
        answer_id = answer["answer_id"]
        assert HEX32.fullmatch(answer_id) and answer["survey"] is None

        [reply] = await send_record(chat, {"type": "feedback", "answer_id": answer_id, "helpful": False})
        assert reply["text"] == NOT_HELPFUL and reply["buttons"][0]["payload"] == "/human"
        [reply] = await send_record(chat, {"type": "feedback", "answer_id": "f" * 32, "helpful": True})
        assert reply["text"] == UNKNOWN_ANSWER
        bad = await chat.send({"type": "feedback", "answer_id": answer_id, "helpful": "yes"})
        assert bad["type"] == "error" and bad["code"] == "bad_frame"
        *_, ask_email = await chat.say("Leave my email instead", payload="/leave_message")
        during_form = await send_record(chat, {"type": "feedback", "answer_id": answer_id, "helpful": True})
        assert [f["text"] for f in during_form] == [
            HELPFUL,
            ask_email["text"],
        ]  # recorded; the form asks again
        await chat.say("cancel")
        [reply] = await send_record(chat, {"type": "feedback", "answer_id": answer_id, "helpful": False})
        assert reply["text"] == NOT_HELPFUL  # changed back: the latest counts

        goodbye, asked = await chat.say("bye")
        assert "Goodbye" in goodbye["text"] and asked["text"] == CSAT.question
        survey = asked["survey"]
        assert (survey["scale_min"], survey["scale_max"], survey["comment_max_chars"]) == (1, 5, 200)
        survey_id = survey["id"]

        def csat(rating: int, comment: str | None = None) -> dict[str, Any]:
            return {"type": "csat", "survey_id": survey_id, "rating": rating, "comment": comment}

        [reply] = await send_record(chat, csat(9))
        assert reply["text"] == "Please choose a rating from 1 to 5."
        [reply] = await send_record(chat, csat(4, "x" * 201))
        assert "201 characters" in reply["text"] and "200" in reply["text"]
        too_long = await chat.send(csat(4, "x" * 4001))
        assert too_long["code"] == "message_too_long"
        typed = await chat.send(
            {"type": "message", "text": f'/csat_submit{{"survey_id": "{survey_id}", "rating": 1}}'}
        )
        assert typed["code"] == "bad_frame"
        [reply] = await send_record(chat, {**csat(3), "survey_id": "e" * 32})
        assert reply["text"] == UNKNOWN_SURVEY

        [thanks] = await send_record(chat, csat(4, "Quick and clear"))
        assert thanks["text"] == CSAT.thanks
        [refused] = await send_record(chat, csat(2))
        assert refused["text"] == CSAT.already_rated
        assert [f["text"] for f in await chat.say("goodbye")] == [goodbye["text"]]  # never asked twice
        await chat.close()

        again = ChatClient(stack.websocket_url)
        welcome = await again.connect(chat.conversation_id)
        await again.close()
        history = welcome["history"]
        assert not any("csat_submit" in str(i["text"]) or "Rating" in str(i["text"]) for i in history)
        [rated_answer] = [i for i in history if i["answer_id"] == answer_id]
        assert rated_answer["feedback"] is False
        [rated_survey] = [i for i in history if i["survey"]]
        assert rated_survey["survey"]["id"] == survey_id and rated_survey["survey_done"] is True
        return str(chat.conversation_id), answer_id, survey_id

    conversation_id, answer_id, survey_id = asyncio.run(story())
    events = logged(stack, conversation_id)
    assert [a["id"] for a in customs(events, "answer")] == [answer_id]
    *_, feedback = slot_values(events, "answer_feedback")
    assert [f["helpful"] for f in slot_values(events, "answer_feedback")] == [False, True, False]
    assert feedback == {"answer_id": answer_id, "helpful": False, "ts": feedback["ts"]}
    assert not any(e["event"] == "slot" and e["name"] == "contact_email" and e["value"] for e in events)
    [survey] = customs(events, "survey")
    assert survey == {
        "id": survey_id,
        "trigger": "goodbye",
        "scale_min": 1,
        "scale_max": 5,
        "question": CSAT.question,
        "comment_prompt": CSAT.comment_prompt,
        "comment_max_chars": 200,
    }
    [result] = slot_values(events, "csat_result")  # refused answers stored nothing
    assert result == {"survey_id": survey_id, "rating": 4, "comment": "Quick and clear", "ts": result["ts"]}
    assert isinstance(result["ts"], float) and isinstance(feedback["ts"], float)
    assert (
        user_intents(events).count("csat_submit") == 5 and user_intents(events).count("answer_feedback") == 4
    )


# --- Slack ----------------------------------------------------------------------------


def post_to_slack(stack: Stack, body: bytes, content_type: str) -> int:
    headers = {"Content-Type": content_type, **signed_headers(SECRET, body)}
    url = f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/slack/events"
    with urllib.request.urlopen(urllib.request.Request(url, body, headers, method="POST"), timeout=10) as r:
        return int(r.status)


def customer_says(stack: Stack, text: str, channel: str, ts: str) -> None:
    event = payloads.event_callback(payloads.dm(text, channel=channel, ts=ts), event_id=f"Ev{time.time_ns()}")
    assert post_to_slack(stack, payloads.as_json(event), "application/json") == 200


def interact(stack: Stack, payload: dict[str, Any]) -> None:
    form = payloads.as_interactive_form(payload)
    assert post_to_slack(stack, form, "application/x-www-form-urlencoded") == 200


def press(
    stack: Stack, button: dict[str, Any], channel: str, message_ts: str, user: str = payloads.CUSTOMER
) -> str:
    """A person clicks a button of a bot message; returns the click's trigger id."""
    trigger = f"{time.time_ns()}.click"  # Slack gives every click its own
    payload = payloads.block_actions(
        action_id=button["action_id"], value=button["value"], user=user, trigger_id=trigger
    )
    payload["container"] |= {"message_ts": message_ts, "channel_id": channel}
    payload["channel"]["id"] = channel
    payload["message"]["ts"] = message_ts
    interact(stack, payload)
    return trigger


def wait_for(slack: FakeSlack, method: str, predicate: Any = lambda call: True, timeout: float = 30) -> Any:
    return slack.wait_for(predicate, method, timeout)


def posted_ts(call: Any) -> str:
    deadline = time.monotonic() + 10
    while not call.response and time.monotonic() < deadline:
        time.sleep(0.05)
    return str(call.response["ts"])


def buttons(call: Any) -> list[dict[str, Any]]:
    return [
        e for block in call.args.get("blocks") or [] if block["type"] == "actions" for e in block["elements"]
    ]


def test_a_slack_customer_rates_with_buttons_and_adds_a_comment_in_a_modal(
    stack: Stack, slack: FakeSlack
) -> None:
    dm = "D0RATER01"
    cid = f"slack-{dm}"

    def to_customer(text: str) -> Any:
        return wait_for(
            slack, "chat.postMessage", lambda c: c.args.get("channel") == dm and text in c.args["text"]
        )

    customer_says(stack, "can i bring all my notes over from evernote?", dm, "1700001000.000100")
    answer = to_customer("Evernote")
    helpful = next(b for b in buttons(answer) if b["action_id"] == "answer_helpful")
    press(stack, helpful, dm, posted_ts(answer))
    to_customer(HELPFUL)

    customer_says(stack, "bye", dm, "1700001000.000200")
    survey = to_customer(CSAT.question)
    points = buttons(survey)
    assert [b["text"]["text"] for b in points] == ["1", "2", "3", "4", "5"]
    press(stack, points[3], dm, posted_ts(survey))
    thanks = to_customer(CSAT.thanks)
    [add_comment] = buttons(thanks)
    trigger = press(stack, add_comment, dm, posted_ts(thanks))

    opened = wait_for(slack, "views.open", lambda c: c.args.get("trigger_id") == trigger)
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["blocks"][0]["label"]["text"] == CSAT.comment_prompt
    assert view["blocks"][0]["element"]["max_length"] == 200
    submitted = {
        "type": "view_submission",
        "user": {"id": payloads.CUSTOMER, "username": "cus"},
        "trigger_id": f"{time.time_ns()}.submit",
        "view": {
            **view,
            "id": opened.response["view"]["id"],
            "state": {
                "values": {"comment": {"comment": {"type": "plain_text_input", "value": "Next time faster"}}}
            },
        },
    }
    interact(stack, submitted)
    wait_for(
        slack,
        "chat.postMessage",
        lambda c: c.args.get("channel") == dm and c.args["text"] == CSAT.thanks and not buttons(c),
    )
    press(stack, points[1], dm, posted_ts(survey))  # a second rating
    to_customer("already rated")

    events = logged(stack, cid)
    [asked] = customs(events, "survey")
    results = slot_values(events, "csat_result")
    assert [(r["survey_id"], r["rating"], r["comment"]) for r in results] == [
        (asked["id"], 4, None),
        (asked["id"], 4, "Next time faster"),  # set again with the comment; the last one counts
    ]
    [feedback] = slot_values(events, "answer_feedback")
    assert feedback["answer_id"] == helpful["value"] and feedback["helpful"] is True
    records = [
        e
        for e in events
        if e["event"] == "user" and e["parse_data"]["intent"]["name"].startswith(("csat", "answer"))
    ]
    assert {e["input_channel"] for e in records} == {"slack"}
    assert not any(
        "csat" in str(c.args.get("text")) for c in slack.calls("chat.postMessage")
    )  # never shown raw


# --- while a person has the conversation -----------------------------------------------


def test_feedback_while_an_agent_chats_is_kept_and_the_survey_follows_the_resolution(
    stack: Stack, slack: FakeSlack
) -> None:
    async def story() -> str:
        chat = ChatClient(stack.websocket_url)
        await chat.connect()
        [answer] = await chat.say("how do i search only notes with a certian tag?")
        [connecting] = await chat.say("Talk to a person", payload="/human")
        assert "connecting you with a person" in connecting["text"]
        cid = str(chat.conversation_id)
        parent = wait_for(
            slack,
            "chat.postMessage",
            lambda c: c.args.get("channel") == SUPPORT and cid in json.dumps(c.args),
        )
        thread_ts = posted_ts(parent)

        [reply] = await send_record(
            chat, {"type": "feedback", "answer_id": answer["answer_id"], "helpful": False}
        )
        assert "Thanks for telling me" in reply["text"] and reply["buttons"] == []  # a person is here already
        await chat.say("still there?")  # an ordinary message still goes to the agents' thread
        wait_for(
            slack,
            "chat.postMessage",
            lambda c: c.args.get("thread_ts") == thread_ts and "still there" in c.args["text"],
        )
        in_thread = [
            c.args["text"] for c in slack.calls("chat.postMessage") if c.args.get("thread_ts") == thread_ts
        ]
        assert not any("answer_feedback" in text or "helpful" in text.lower() for text in in_thread)

        resolve = {"action_id": "handoff_resolve", "value": cid}
        press(stack, resolve, SUPPORT, thread_ts, user=AGENT)
        frames = [await next_bot(chat) for _ in range(3)]
        assert "closed this part of the conversation" in frames[0]["text"]
        survey = frames[2]["survey"]
        assert frames[2]["text"] == CSAT.question and survey is not None
        [thanks] = await send_record(
            chat, {"type": "csat", "survey_id": survey["id"], "rating": 5, "comment": None}
        )
        assert thanks["text"] == CSAT.thanks
        await chat.close()
        return cid

    cid = asyncio.run(story())
    events = logged(stack, cid)
    [feedback] = slot_values(events, "answer_feedback")
    assert feedback["helpful"] is False
    [survey] = customs(events, "survey")
    assert survey["trigger"] == "resolved"
    [decision] = customs(events, "handoff_decision")
    assert decision == {"outcome": "connecting", "trigger": "asked"}
    assert [r["rating"] for r in slot_values(events, "csat_result")] == [5]


# --- quiet conversations (last: it restarts Rasa with the inactivity timeout on) --------


def test_a_quiet_conversation_is_asked_even_across_a_restart_and_small_talk_is_not(stack: Stack) -> None:
    async def before() -> tuple[str, str]:
        asked = ChatClient(stack.websocket_url)
        await asked.connect()
        await asked.say("is there a linux version of the desktop app")
        await asked.close()
        greeted = ChatClient(stack.websocket_url)
        await greeted.connect()
        await greeted.say("hello")
        await greeted.close()
        return str(asked.conversation_id), str(greeted.conversation_id)

    asked_id, greeted_id = asyncio.run(before())
    quick = rules(Path(stack.env["SUPPORTBOT_DATA_DIR"]) / "quick.yml", 0.05)  # 3 seconds
    stack.restart_rasa(SUPPORT_RULES=str(quick))  # Rasa reads inactivity_minutes; the sweep starts afresh

    async def after() -> None:
        chat = ChatClient(stack.websocket_url)
        welcome = await chat.connect(asked_id)
        # The first sweep may come before this socket does; then the survey is in the history.
        survey = next((i for i in welcome["history"] if i["survey"]), None) or await next_bot(
            chat, timeout=30
        )
        assert survey["text"] == CSAT.question and survey["survey"] is not None
        with pytest.raises(asyncio.TimeoutError):
            await next_bot(chat, timeout=5)  # once
        await chat.close()

    asyncio.run(after())
    time.sleep(2)
    [survey] = customs(logged(stack, asked_id), "survey")
    assert survey["trigger"] == "inactive"
    assert customs(logged(stack, greeted_id), "survey") == []  # nothing to rate: not asked
    assert "EXTERNAL_csat_inactive" not in user_intents(logged(stack, greeted_id))
