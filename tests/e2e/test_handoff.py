"""Human handoff end to end: widget customer, real Rasa and action servers, Slack faked locally.

The fake Slack Web API (tests/fakes/slack_server.py) records what the bot posts;
agents' clicks and replies are sent to the Rasa server as Slack sends them,
signed with the real algorithm. Business hours come from a support rules file:
always open for the in-hours story, never open for the after-hours one.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.serve import Stack
from tests.channels.slack import payloads
from tests.e2e.stack import ChatClient, make_stack
from tests.fakes.slack_server import FakeSlack
from tests.fakes.slack_signing import signed_headers

pytestmark = pytest.mark.e2e
SECRET = "test-signing-secret"
SUPPORT = "C0SUPPORT"
AGENT = "U0SAM"
OTHER_AGENT = "U0ANN"
ALWAYS = '["00:00-24:00"]'
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def rules(path: Path, windows: str, claim_timeout: int = 600) -> Path:
    weekly = "\n".join(f"    {day}: {windows}" for day in DAYS)
    path.write_text(
        f"hours:\n  timezone: Europe/Berlin\n  weekly:\n{weekly}\n"
        f"handoff:\n  after_unanswered: 2\n  claim_timeout_seconds: {claim_timeout}\n"
        "  typical_wait: a few minutes\n"
    )
    return path


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    users = {AGENT: {"real_name": "Sam Agent", "display_name": "Sam"}, OTHER_AGENT: {"real_name": "Ann"}}
    with FakeSlack(users=users) as fake:
        yield fake


@pytest.fixture(scope="module")
def stack(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("handoff")
    running = make_stack(
        data,
        SUPPORT_RULES=str(rules(data / "open.yml", ALWAYS)),
        SLACK_BOT_TOKEN="xoxb-ok",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_SUPPORT_CHANNEL=SUPPORT,
        SLACK_API_URL=slack.base_url,
        HANDOFF_SWEEP_SECONDS="1",
    )
    running.start()
    yield running
    running.stop()


def post_to_slack_endpoint(stack: Stack, body: bytes, content_type: str, retry: int = 0) -> int:
    headers = {"Content-Type": content_type, **signed_headers(SECRET, body)}
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    url = f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/slack/events"
    with urllib.request.urlopen(urllib.request.Request(url, body, headers, method="POST"), timeout=10) as r:
        return int(r.status)


def click(stack: Stack, action: str, conversation_id: str, thread_ts: str, user: str = AGENT) -> None:
    trigger = f"{time.time_ns()}.{user}"  # Slack gives every click its own trigger id
    payload = payloads.block_actions(action_id=action, value=conversation_id, user=user, trigger_id=trigger)
    payload["container"] |= {"message_ts": thread_ts, "channel_id": SUPPORT}
    payload["channel"]["id"] = SUPPORT
    payload["message"]["ts"] = thread_ts
    assert (
        post_to_slack_endpoint(
            stack, payloads.as_interactive_form(payload), "application/x-www-form-urlencoded"
        )
        == 200
    )


def agent_says(stack: Stack, text: str, thread_ts: str, event_id: str, retry: int = 0) -> None:
    event = payloads.thread_reply(
        text, user=AGENT, thread_ts=thread_ts, ts=f"{time.time():.6f}", channel=SUPPORT
    )
    body = payloads.as_json(payloads.event_callback(event, event_id=event_id))
    assert post_to_slack_endpoint(stack, body, "application/json", retry=retry) == 200


def wait_for(slack: FakeSlack, method: str, predicate: Any = lambda call: True, timeout: float = 30) -> Any:
    return slack.wait_for(predicate, method, timeout)


async def next_bot(chat: ChatClient, timeout: float = 30) -> dict[str, Any]:
    while True:
        frame = await chat.next(timeout)
        if frame["type"] == "bot":
            return frame


def logged(stack: Stack, conversation_id: str) -> list[dict[str, Any]]:
    database = stack.env["TRACKER_STORE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (conversation_id,)
        ).fetchall()
    return [json.loads(row[0]) for row in rows]


def table(stack: Stack, name: str, conversation_id: str) -> list[dict[str, Any]]:
    database = stack.env["TRACKER_STORE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(f"SELECT * FROM {name} WHERE conversation_id = ?", (conversation_id,)).fetchall()
    return [dict(row) for row in rows]


def test_in_hours_an_agent_claims_replies_and_resolves_in_slack(stack: Stack, slack: FakeSlack) -> None:
    async def story() -> str:
        chat = ChatClient(stack.websocket_url)
        await chat.connect()
        await chat.say("how do i search only notes with a certian tag?")
        [connecting] = await chat.say("Talk to a person", payload="/human")
        assert "connecting you with a person" in connecting["text"] and "a few minutes" in connecting["text"]
        cid = str(chat.conversation_id)

        parent = wait_for(
            slack, "chat.postMessage", lambda c: c.args.get("channel") == SUPPORT and "blocks" in c.args
        )
        thread_ts = parent_ts(slack, parent)
        blocks_text = json.dumps(parent.args["blocks"])
        assert cid in blocks_text and "certian tag" in blocks_text  # who, and the transcript so far
        assert "handoff_claim" in blocks_text and "handoff_resolve" in blocks_text

        click(stack, "handoff_claim", cid, thread_ts)
        joined = await next_bot(chat)
        assert joined["text"] == "Sam from the support team has joined the chat."
        wait_for(slack, "chat.update", lambda c: c.args.get("ts") == thread_ts)
        click(stack, "handoff_claim", cid, thread_ts, user=OTHER_AGENT)  # a second agent cannot take it
        refused = wait_for(slack, "chat.postEphemeral", lambda c: c.args.get("user") == OTHER_AGENT)
        assert "Already claimed by Sam" in refused.args["text"]

        agent_says(stack, "Hi, Sam here. Which invoice is it?", thread_ts, event_id="EvReply1")
        reply = await next_bot(chat)
        assert reply["text"] == "Hi, Sam here. Which invoice is it?"
        assert reply["sender"] == {"kind": "agent", "name": "Sam"}
        agent_says(stack, "Hi, Sam here. Which invoice is it?", thread_ts, event_id="EvReply1", retry=1)

        frames = await chat.say("The one from October, thanks Sam")  # paused: the bot stays quiet
        assert frames == []
        forwarded = wait_for(
            slack,
            "chat.postMessage",
            lambda c: c.args.get("thread_ts") == thread_ts and "October" in str(c.args.get("text")),
        )
        assert forwarded.args["channel"] == SUPPORT

        click(stack, "handoff_resolve", cid, thread_ts)
        closed = await next_bot(chat)
        assert "Sam has closed this part of the conversation" in closed["text"]
        anything_else = await next_bot(chat)
        assert anything_else["text"] == "Is there anything else I can help you with?"
        assert (await next_bot(chat))["survey"] is not None  # the post-chat survey (tests/e2e/test_csat.py)
        [answer] = await chat.say("is there a linux version of the desktop app")
        assert answer["citations"]  # the bot answers again
        await chat.close()

        again = ChatClient(stack.websocket_url)
        welcome = await again.connect(cid)
        await again.close()
        agents = [item for item in welcome["history"] if item["sender"].get("kind") == "agent"]
        assert [item["text"] for item in agents] == ["Hi, Sam here. Which invoice is it?"]  # once, not twice
        return cid

    cid = asyncio.run(story())
    events = logged(stack, cid)
    assert [e["event"] for e in events].count("pause") == 1 and [e["event"] for e in events].count(
        "resume"
    ) == 1
    agent_lines = [e for e in events if e["event"] == "bot" and (e["data"].get("custom") or {}).get("sender")]
    assert [e["text"] for e in agent_lines] == ["Hi, Sam here. Which invoice is it?"]
    assert any(e["event"] == "user" and e["text"] == "The one from October, thanks Sam" for e in events)
    [handoff] = table(stack, "support_handoffs", cid)
    assert handoff["status"] == "resolved" and handoff["agent_name"] == "Sam"
    assert handoff["claimed_at"] <= handoff["first_agent_reply_at"] <= handoff["closed_at"]


def test_nobody_claims_in_time_the_thread_is_pinged_and_email_offered(stack: Stack, slack: FakeSlack) -> None:
    stack.restart_actions(
        SUPPORT_RULES=str(rules(Path(stack.env["SUPPORTBOT_DATA_DIR"]) / "quick.yml", ALWAYS, 10))
    )

    async def story() -> None:
        chat = ChatClient(stack.websocket_url)
        await chat.connect()
        await chat.say("I want to talk to a person")
        offer = await next_bot(chat, timeout=40)
        assert "Nobody from the team has picked this up yet" in offer["text"]
        assert offer["buttons"] == [{"title": "Leave my email instead", "payload": "/leave_message"}]
        ping = wait_for(slack, "chat.postMessage", lambda c: "<!here>" in str(c.args.get("text")))
        assert ping.args["channel"] == SUPPORT
        ask = await chat.say("Leave my email instead", payload="/leave_message")
        assert "email address" in ask[-1]["text"]
        await chat.say("me@example.com")
        [thanks] = await chat.say("Please call me back about my plan.")
        assert "me@example.com" in thanks["text"]
        await chat.close()
        [handoff] = table(stack, "support_handoffs", str(chat.conversation_id))
        assert handoff["status"] == "abandoned" and handoff["pinged_at"] is not None

    asyncio.run(story())


def test_after_hours_a_ticket_is_recorded_and_posted_for_the_morning(stack: Stack, slack: FakeSlack) -> None:
    stack.restart_actions(
        SUPPORT_RULES=str(rules(Path(stack.env["SUPPORTBOT_DATA_DIR"]) / "closed.yml", "[]"))
    )

    async def story() -> str:
        chat = ChatClient(stack.websocket_url)
        await chat.connect()
        offline, ask_email = await chat.say("Talk to a person", payload="/human")
        assert "offline" in offline["text"] and "email address" in ask_email["text"]
        await chat.say("jane@example.com")
        [thanks] = await chat.say("My sync is broken since Friday.")
        assert "jane@example.com" in thanks["text"]
        [answer] = await chat.say("how do i search only notes with a certian tag?")
        assert answer["citations"]  # it keeps answering questions meanwhile
        await chat.close()
        return str(chat.conversation_id)

    cid = asyncio.run(story())
    posted = wait_for(
        slack, "chat.postMessage", lambda c: "jane@example.com" in json.dumps(c.args.get("blocks", ""))
    )
    assert posted.args["channel"] == SUPPORT and "Friday" in json.dumps(posted.args["blocks"])
    [ticket] = table(stack, "support_tickets", cid)
    assert (ticket["email"], ticket["reason"], ticket["posted_to_slack"]) == (
        "jane@example.com",
        "after_hours",
        1,
    )
    assert table(stack, "support_handoffs", cid) == []


def test_when_slack_is_down_the_customer_is_told_and_the_request_becomes_a_ticket(
    stack: Stack, slack: FakeSlack
) -> None:
    stack.restart_actions(
        SUPPORT_RULES=str(rules(Path(stack.env["SUPPORTBOT_DATA_DIR"]) / "open2.yml", ALWAYS))
    )
    slack.outage = True
    try:

        async def story() -> str:
            chat = ChatClient(stack.websocket_url)
            await chat.connect()
            await chat.say("Talk to a person", payload="/human")
            told = await next_bot(chat, timeout=60)
            assert "couldn't reach the support team" in told["text"]
            ask = await next_bot(chat)
            assert "email address" in ask["text"]
            await chat.say("sam@example.com")
            [thanks] = await chat.say("Call me please")
            assert "sam@example.com" in thanks["text"]
            await chat.close()
            return str(chat.conversation_id)

        cid = asyncio.run(story())
    finally:
        slack.outage = False
    [handoff] = table(stack, "support_handoffs", cid)
    assert handoff["status"] == "abandoned"
    [ticket] = table(stack, "support_tickets", cid)
    assert ticket["email"] == "sam@example.com" and ticket["posted_to_slack"] == 0  # kept, not lost


def test_forged_or_stale_slack_requests_are_refused(stack: Stack) -> None:
    body = payloads.as_json(payloads.event_callback(payloads.thread_reply("x"), event_id="EvForged"))
    url = f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/slack/events"
    for headers in (
        {"Content-Type": "application/json"},
        {"Content-Type": "application/json", **signed_headers("wrong-secret", body)},
        {
            "Content-Type": "application/json",
            **signed_headers(SECRET, body, timestamp=int(time.time()) - 600),
        },
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url, body, headers, method="POST"), timeout=10)
        assert refused.value.code == 401


def parent_ts(slack: FakeSlack, parent: Any) -> str:
    """The ts the fake gave the thread's parent message."""
    deadline = time.monotonic() + 10
    while not parent.response and time.monotonic() < deadline:
        time.sleep(0.05)
    return str(parent.response["ts"])


def customer_says(stack: Stack, event: dict[str, Any], event_id: str) -> None:
    body = payloads.as_json(payloads.event_callback(event, event_id=event_id))
    assert post_to_slack_endpoint(stack, body, "application/json") == 200


def test_customers_in_slack_get_cited_answers_and_the_same_handoff(stack: Stack, slack: FakeSlack) -> None:
    stack.restart_actions(
        SUPPORT_RULES=str(rules(Path(stack.env["SUPPORTBOT_DATA_DIR"]) / "open3.yml", ALWAYS))
    )
    dm = "D0CUSTOMER1"
    customer_says(stack, payloads.dm("can i bring all my notes over from evernote?", channel=dm), "EvDm1")
    answer = wait_for(slack, "chat.postMessage", lambda c: c.args.get("channel") == dm)
    assert (
        "Evernote" in answer.args["text"]
        and "help.lumenote.example/articles/import-from-other-apps" in answer.args["text"]
    )

    mention = payloads.app_mention(
        "<@U0BOT> how do i search only notes with a certian tag?", channel="C0GENERAL"
    )
    customer_says(stack, mention, "EvMention1")
    in_thread = wait_for(slack, "chat.postMessage", lambda c: c.args.get("channel") == "C0GENERAL")
    assert in_thread.args["thread_ts"] == mention["ts"]  # answers go in the mention's thread

    customer_says(
        stack, payloads.dm("I want to talk to a person", channel=dm, ts="1700000300.000400"), "EvDm2"
    )
    parent = wait_for(
        slack,
        "chat.postMessage",
        lambda c: c.args.get("channel") == SUPPORT and f"slack-{dm}" in json.dumps(c.args),
    )
    thread_ts = parent_ts(slack, parent)
    agent_says(stack, "Hello from Sam in Slack", thread_ts, event_id="EvReplySlack")
    relayed = wait_for(
        slack,
        "chat.postMessage",
        lambda c: c.args.get("channel") == dm and "Hello from Sam" in c.args["text"],  # not "Sam ... joined"
    )
    assert relayed.args["text"] == "*Sam (support):* Hello from Sam in Slack"
    click(stack, "handoff_resolve", f"slack-{dm}", thread_ts)
    wait_for(
        slack, "chat.postMessage", lambda c: c.args.get("channel") == dm and "anything else" in c.args["text"]
    )


def test_an_agent_takes_over_a_live_conversation_from_slack(stack: Stack, slack: FakeSlack) -> None:
    async def story() -> None:
        chat = ChatClient(stack.websocket_url)
        await chat.connect()
        await chat.say("is there a linux version of the desktop app")
        cid = str(chat.conversation_id)
        command = payloads.slash_command(text=f"takeover {cid}", trigger_id=f"{time.time_ns()}.takeover")
        command |= {"user_id": AGENT, "channel_id": SUPPORT}
        body = payloads.as_form(command)
        assert post_to_slack_endpoint(stack, body, "application/x-www-form-urlencoded") == 200
        joining = await next_bot(chat)
        assert joining["text"] == "Sam from the support team is joining this chat."
        note = wait_for(slack, "chat.postEphemeral", lambda c: cid in str(c.args.get("text")))
        assert "You took over conversation" in note.args["text"]
        assert await chat.say("hello?") == []  # the bot stays quiet: a person has it
        [handoff] = table(stack, "support_handoffs", cid)
        assert (handoff["trigger"], handoff["status"], handoff["agent_id"]) == ("takeover", "claimed", AGENT)
        await chat.close()

    asyncio.run(story())


def test_events_arrive_over_socket_mode_too(stack: Stack, slack: FakeSlack) -> None:
    from tests.fakes.slack_socket import FakeSocketMode

    with FakeSocketMode() as socket:
        slack.connections_url = socket.url
        stack.restart_rasa(SLACK_APP_TOKEN="xapp-test")
        socket.wait_for_connections(1, timeout=30)
        event = payloads.event_callback(
            payloads.dm("how do i search only notes with a certian tag?", channel="D0SOCKET")
        )
        envelope = socket.push("events_api", event)
        socket.push("events_api", event, envelope_id=envelope, retry_attempt=1)  # a retry: handled once
        answer = wait_for(slack, "chat.postMessage", lambda c: c.args.get("channel") == "D0SOCKET")
        assert "tag" in answer.args["text"].lower()
        time.sleep(2)
        assert len([c for c in slack.calls("chat.postMessage") if c.args.get("channel") == "D0SOCKET"]) == 1
        assert len(socket.wait_for_acks(2)) == 2  # every envelope acknowledged, even the repeat
