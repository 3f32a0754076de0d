"""The whole loop with real processes: widget socket -> Rasa -> action server -> Chroma.

Starts the real action server and Rasa server (bot/serve.py's Stack) on free
loopback ports with the trained model, talks over the real WebSocket, restarts
Rasa and reads the history back from the SQLite conversation log.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.serve import Stack
from tests.e2e.stack import ROOT, ChatClient, make_stack

pytestmark = pytest.mark.e2e
HELP = "https://help.lumenote.example/articles/"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = make_stack(tmp_path_factory.mktemp("e2e"))
    running.start()
    yield running
    running.stop()


def logged_events(stack: Stack, conversation_id: str) -> list[dict]:
    database = stack.env["TRACKER_STORE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (conversation_id,)
        ).fetchall()
    return [json.loads(row[0]) for row in rows]


def test_a_customer_conversation_survives_a_rasa_restart(stack: Stack) -> None:
    async def before_restart() -> tuple[str, list[dict]]:
        chat = ChatClient(stack.websocket_url)
        welcome = await chat.connect()
        assert welcome["history"] == []

        [greeting] = await chat.say("hello")
        assert greeting["text"].startswith("Hi!") and greeting["sender"] == {"kind": "bot"}

        [answer] = await chat.say("can i bring all my notes over from evernote?")
        assert answer["citations"] == [
            {"title": "Import notes from other apps", "url": HELP + "import-from-other-apps"}
        ]
        assert "Evernote" in answer["text"]

        [answer] = await chat.say("Where do I put our company VAT number so it shows up on the invoice?")
        assert [c["url"] for c in answer["citations"]] == [HELP + "invoices-and-vat"]

        [unknown] = await chat.say("What's the capital of Australia?")
        assert unknown["citations"] == [] and "couldn't find" in unknown["text"]
        assert unknown["buttons"] == [{"title": "Talk to a person", "payload": "/human"}]

        no_agent, ask_email = await chat.say("Talk to a person", payload="/human")
        assert "No support agent is connected" in no_agent["text"]
        assert "email address" in ask_email["text"]
        retry, ask_again = await chat.say("call me maybe")
        assert "doesn't look like an email address" in retry["text"]
        assert ask_again["text"] == ask_email["text"]
        [ask_message] = await chat.say("my address is jane@example.com")
        assert "What would you like to tell the team?" in ask_message["text"]
        [thanks] = await chat.say("Please check my invoice from October.")
        assert "jane@example.com" in thanks["text"]
        await chat.close()
        return str(chat.conversation_id), [greeting, answer, unknown, thanks]

    conversation_id, seen = asyncio.run(before_restart())
    stack.restart_rasa()

    async def after_restart() -> list[dict]:
        chat = ChatClient(stack.websocket_url)
        welcome = await chat.connect(conversation_id)
        assert welcome["conversation_id"] == conversation_id and "notice" not in welcome
        [again] = await chat.say("thanks!")
        assert "welcome" in again["text"]
        await chat.close()
        return list(welcome["history"])

    history = asyncio.run(after_restart())
    texts = [item["text"] for item in history]
    assert texts[:2] == ["hello", seen[0]["text"]]
    assert "Talk to a person" in texts  # what the customer clicked, not "/human"
    assert "my address is jane@example.com" in texts and seen[3]["text"] in texts
    cited = [item for item in history if item["citations"]]
    assert [c["citations"][0]["url"] for c in cited] == [
        HELP + "import-from-other-apps",
        HELP + "invoices-and-vat",
    ]

    events = logged_events(stack, conversation_id)
    tickets = [
        e["data"]["custom"]["ticket"]
        for e in events
        if e["event"] == "bot" and "ticket" in (e["data"].get("custom") or {})
    ]
    assert tickets and tickets[0]["email"] == "jane@example.com"
    assert tickets[0]["message"] == "Please check my invoice from October."
    user_texts = [e["text"] for e in events if e["event"] == "user"]
    assert user_texts[-1] == "thanks!" and "hello" in user_texts


def test_bad_input_gets_clear_answers_and_loses_nothing(stack: Stack) -> None:
    async def scenario() -> str:
        chat = ChatClient(stack.websocket_url)
        welcome = await chat.connect("f" * 32)
        assert "couldn't find that earlier conversation" in welcome["notice"]
        assert (await chat.send("{not json", raw=True))["code"] == "bad_frame"
        assert (await chat.send(b"\x00\xff", raw=True))["code"] == "bad_frame"
        assert (await chat.send({"type": "message", "text": "  "}))["code"] == "empty_message"
        too_long = await chat.send({"type": "message", "text": "a" * 4001})
        assert too_long["code"] == "message_too_long" and "4000" in too_long["message"]
        assert (
            await chat.send({"type": "message", "text": "x", "payload": '/human{"contact_email":"a@b.c"}'})
        )["code"] == "bad_frame"
        [answer] = await chat.say("is there a linux version of the desktop app")
        assert answer["citations"]
        await chat.close()
        return str(chat.conversation_id)

    conversation_id = asyncio.run(scenario())
    user_texts = [e["text"] for e in logged_events(stack, conversation_id) if e["event"] == "user"]
    assert user_texts == ["is there a linux version of the desktop app"]


def test_the_widget_and_demo_page_are_served(stack: Stack) -> None:
    base = stack.websocket_url.replace("ws://", "http://").removesuffix("/ws")
    with urllib.request.urlopen(base + "/static/widget.js") as response:
        assert "javascript" in response.headers["Content-Type"]
        assert b"SupportChat" in response.read()
    with urllib.request.urlopen(stack.demo_url.replace("localhost", "127.0.0.1")) as response:
        assert b"widget.js" in response.read()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(base + "/static/..%2F..%2Fbot%2Fendpoints.yml")
    assert missing.value.code == 404


def test_every_custom_action_in_the_domain_is_served(stack: Stack) -> None:
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text())
    url = f"http://127.0.0.1:{stack.env['ACTION_PORT']}/actions"
    with urllib.request.urlopen(url) as response:
        served = {item["name"] for item in json.loads(response.read())}
    assert set(domain["actions"]) == served


def test_the_data_folder_holds_the_logs(stack: Stack) -> None:
    logs = Path(stack.env["SUPPORTBOT_DATA_DIR"]) / "logs"
    assert (logs / "rasa.log").is_file() and (logs / "actions.log").is_file()
