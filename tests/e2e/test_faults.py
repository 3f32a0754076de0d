"""Faults, each with the real servers: what the customer sees, what the log keeps, how service returns.

One stack for the module (Rasa, the action server, the fake Slack on a
rate-limiting token whose failures each test switches on); tests that need other
action-server settings (an LLM key, a Chroma server) restart only the action
server and put it back afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
import websockets

from bot.serve import Stack
from tests.e2e.stack import ChatClient, make_stack
from tests.e2e.test_handoff import (
    AGENT,
    ALWAYS,
    SECRET,
    SUPPORT,
    agent_says,
    click,
    logged,
    next_bot,
    parent_ts,
    rules,
    wait_for,
)
from tests.fakes.slack_server import FakeSlack

pytestmark = pytest.mark.e2e
UNAVAILABLE = "I'm having trouble answering right now"  # channels/resilience.py (Rasa's environment)
EVERNOTE = "can i bring all my notes over from evernote?"
LINUX = "is there a linux version of the desktop app"


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(users={AGENT: {"real_name": "Sam Agent", "display_name": "Sam"}}) as fake:
        fake.failing_calls = 0  # xoxb-ratelimited answers normally until a test says otherwise
        yield fake


@pytest.fixture(scope="module")
def stack(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("faults")
    running = make_stack(
        data,
        SUPPORT_RULES=str(rules(data / "open.yml", ALWAYS)),
        SLACK_BOT_TOKEN="xoxb-ratelimited",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_SUPPORT_CHANNEL=SUPPORT,
        SLACK_API_URL=slack.base_url,
        HANDOFF_SWEEP_SECONDS="1",
    )
    running.start()
    yield running
    running.stop()


def bot_events(stack: Stack, conversation_id: str) -> list[dict[str, Any]]:
    return [e for e in logged(stack, conversation_id) if e["event"] in ("user", "bot")]


def test_a_killed_action_server_is_reported_logged_and_service_resumes(stack: Stack) -> None:
    async def story() -> str:
        chat = ChatClient(stack.websocket_url)
        await chat.connect()
        [answer] = await chat.say(EVERNOTE)
        assert answer["citations"]

        stack.actions.kill()  # SIGKILL: no goodbye, the socket just stops answering
        started = time.monotonic()
        [told] = await chat.say(LINUX)
        took = time.monotonic() - started
        assert UNAVAILABLE in told["text"] and told["citations"] == [] and told["sender"] == {"kind": "bot"}
        assert took < 10, f"the customer waited {took:.1f} s to hear the bot is unavailable"

        await asyncio.to_thread(lambda: (stack.actions.start(stack.env), stack.actions.wait_healthy(180)))
        [again] = await chat.say(LINUX)
        assert again["citations"] and "Linux" in again["text"]
        await chat.close()

        reloaded = ChatClient(stack.websocket_url)  # the reply is part of the transcript, too
        welcome = await reloaded.connect(chat.conversation_id)
        await reloaded.close()
        assert [UNAVAILABLE in (item["text"] or "") for item in welcome["history"]].count(True) == 1
        return str(chat.conversation_id)

    cid = asyncio.run(story())
    said = [(e["event"], e.get("text")) for e in bot_events(stack, cid)]
    at = said.index(("user", LINUX))
    assert said[at + 1][0] == "bot" and UNAVAILABLE in str(said[at + 1][1])  # the message, then the reply
    assert said[at + 2] == ("user", LINUX) and said[at + 3][0] == "bot"
    [marked] = [e for e in bot_events(stack, cid) if UNAVAILABLE in str(e.get("text"))]
    assert marked["data"]["custom"] == {"unavailable": "action_server"}


def test_a_rasa_restart_loses_no_conversation_and_widgets_get_the_history_back(
    stack: Stack, slack: FakeSlack
) -> None:
    async def story() -> str:
        chat = ChatClient(stack.websocket_url)
        await chat.connect()
        await chat.say(EVERNOTE)
        await chat.say("Talk to a person", payload="/human")
        cid = str(chat.conversation_id)
        parent = wait_for(
            slack, "chat.postMessage", lambda c: c.args.get("channel") == SUPPORT and cid in str(c.args)
        )
        thread_ts = parent_ts(slack, parent)
        click(stack, "handoff_claim", cid, thread_ts)
        await next_bot(chat)  # "Sam ... has joined"
        agent_says(stack, "Sam here: which notebook is it?", thread_ts, event_id="EvFaultReply1")
        assert (await next_bot(chat))["sender"] == {"kind": "agent", "name": "Sam"}

        await asyncio.to_thread(stack.restart_rasa)
        with pytest.raises(websockets.ConnectionClosed):  # the widget notices, and reconnects
            while True:
                await chat.next(timeout=30)
        again = ChatClient(stack.websocket_url)
        welcome = await again.connect(cid)
        assert welcome["conversation_id"] == cid and "notice" not in welcome
        shown = [(item["type"], item["sender"].get("name"), item["text"]) for item in welcome["history"]]
        assert shown[0] == ("user", None, EVERNOTE) and shown[1][0] == "bot"
        assert ("user", None, "Talk to a person") in shown
        assert ("bot", "Sam", "Sam here: which notebook is it?") in shown

        # The handoff lives on across the restart: the agent's next reply reaches the reconnected widget.
        agent_says(stack, "Found it, fixed.", thread_ts, event_id="EvFaultReply2")
        assert (await next_bot(again))["text"] == "Found it, fixed."
        click(stack, "handoff_resolve", cid, thread_ts)
        await again.close()
        return cid

    cid = asyncio.run(story())
    texts = [e.get("text") for e in bot_events(stack, cid)]
    assert EVERNOTE in texts and "Sam here: which notebook is it?" in texts and "Found it, fixed." in texts
