"""Privacy end to end: real Rasa and action servers with REDACT=all and REDACT_TRACKER=redact.

A widget customer gives an e-mail address, a phone number and a card number
while asking the LLM-backed bot, talking to an agent in Slack and leaving a
ticket after hours. The local OpenAI-compatible server and the local Slack see
only placeholders; the conversation log keeps only what the configuration
allows (the contact form's address, on purpose); both servers' DEBUG logs hold
no raw address. Then the privacy commands export and erase the customer.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets

from bot.serve import Stack
from tests.e2e.stack import ROOT, ChatClient, make_stack
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack

pytestmark = pytest.mark.e2e
SUPPORT = "C0SUPPORT"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EMAIL, PHONE, CARD = "jane.doe@example.com", "020 7946 0958", "4111 1111 1111 1111"
RAW = (EMAIL, PHONE, CARD)
CONTEXT = {
    "page_url": f"https://shop.example/account?email={EMAIL}",
    "page_title": "Your account",
    "locale": "en-GB",
    "customer_email": EMAIL,  # the site says who is signed in
}


def rules(path: Path, windows: str) -> str:
    weekly = "\n".join(f"    {day}: {windows}" for day in DAYS)
    path.write_text(f"hours:\n  timezone: Europe/Berlin\n  weekly:\n{weekly}\n")
    return str(path)


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeOpenAI, FakeSlack]]:
    with FakeOpenAI() as llm, FakeSlack(users={"U0SAM": {"real_name": "Sam"}}) as slack:
        yield llm, slack


@pytest.fixture(scope="module")
def stack(fakes: tuple[FakeOpenAI, FakeSlack], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    llm, slack = fakes
    data = tmp_path_factory.mktemp("privacy")
    running = make_stack(
        data,
        LOG_LEVEL="DEBUG",  # the most talkative logs: customer text is logged, and must be redacted
        REDACT="all",
        REDACT_TRACKER="redact",
        RETENTION_DAYS="3650",
        RETENTION_SCHEDULE="daily",
        SUPPORT_RULES=rules(data / "open.yml", '["00:00-24:00"]'),
        OPENAI_API_KEY="sk-cite",
        OPENAI_BASE_URL=llm.base_url,
        SLACK_BOT_TOKEN="xoxb-ok",
        SLACK_SUPPORT_CHANNEL=SUPPORT,
        SLACK_API_URL=slack.base_url,
    )
    running.start()
    yield running
    running.stop()


async def connect(stack: Stack, conversation_id: str | None = None) -> tuple[ChatClient, dict[str, Any]]:
    chat = ChatClient(stack.websocket_url)
    chat.ws = await websockets.connect(chat.url, max_size=2**20)  # ChatClient.connect sends no context
    welcome = await chat.send({"type": "hello", "conversation_id": conversation_id, "context": CONTEXT})
    chat.conversation_id = welcome["conversation_id"]
    return chat, welcome


def sent_to_slack(slack: FakeSlack) -> str:
    return json.dumps([call.args for call in slack.calls()])


def database(stack: Stack) -> str:
    return stack.env["TRACKER_STORE_URL"].removeprefix("sqlite:///")


def rows(stack: Stack, query: str, *args: str) -> list[sqlite3.Row]:
    with sqlite3.connect(database(stack)) as db:
        db.row_factory = sqlite3.Row
        return list(db.execute(query, args))


def user_texts(stack: Stack, conversation_id: str) -> list[str]:
    found = rows(stack, "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", conversation_id)
    return [json.loads(row["data"])["text"] for row in found]


CONVERSATIONS: dict[str, str] = {}


def test_the_llm_and_the_agents_slack_see_placeholders_and_the_log_keeps_none(
    stack: Stack, fakes: tuple[FakeOpenAI, FakeSlack]
) -> None:
    llm, slack = fakes

    async def story() -> str:
        chat, _ = await connect(stack)
        [answer] = await chat.say(f"how do I reset my password? I'm {EMAIL}, phone {PHONE}")
        assert answer["citations"]  # answered by the LLM
        await chat.say("Talk to a person", payload="/human")
        slack.wait_for(lambda c: c.method == "chat.postMessage" and "blocks" in c.args)
        await chat.say(f"my card {CARD} was charged twice")
        slack.wait_for(
            lambda c: c.method == "chat.postMessage" and "charged twice" in str(c.args.get("text"))
        )
        await chat.close()
        return str(chat.conversation_id)

    cid = asyncio.run(story())
    CONVERSATIONS["handoff"] = cid

    prompts = llm.received_text()
    assert "Customer question: how do I reset my password? I'm [email], phone [phone]" in prompts
    assert not any(raw in prompts for raw in RAW)
    slack_text = sent_to_slack(slack)
    assert "my card [card] was charged twice" in slack_text and "[email]" in slack_text
    assert not any(raw in slack_text for raw in RAW), slack_text
    assert user_texts(stack, cid)[0] == "how do I reset my password? I'm [email], phone [phone]"
    [event] = rows(stack, "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' LIMIT 1", cid)
    context = json.loads(event["data"])["metadata"]["context"]
    assert context["page_url"] == "https://shop.example/account?email=[email]"
    assert context["customer_email"] == EMAIL  # who the customer is: kept, so an erase finds them


def test_after_hours_the_ticket_keeps_the_address_it_must_reply_to_and_slack_does_not_see_it(
    stack: Stack, fakes: tuple[FakeOpenAI, FakeSlack]
) -> None:
    _, slack = fakes
    slack.reset()
    stack.restart_actions(SUPPORT_RULES=rules(Path(stack.env["SUPPORTBOT_DATA_DIR"]) / "closed.yml", "[]"))

    async def story() -> str:
        chat, _ = await connect(stack)
        offline, ask_email = await chat.say("Talk to a person", payload="/human")
        assert "email address" in ask_email["text"]
        await chat.say(EMAIL)
        [thanks] = await chat.say(f"Please call me on {PHONE} about card {CARD}.")
        assert EMAIL in thanks["text"]  # the customer sees their own address
        await chat.close()
        return str(chat.conversation_id)

    cid = asyncio.run(story())
    CONVERSATIONS["ticket"] = cid
    posted = slack.wait_for(lambda c: c.method == "chat.postMessage" and "blocks" in c.args)
    ticket_post = json.dumps(posted.args)
    assert "Please call me on [phone] about card [card]." in ticket_post and "[email]" in ticket_post
    assert not any(raw in sent_to_slack(slack) for raw in RAW)
    [ticket] = rows(stack, "SELECT * FROM support_tickets WHERE conversation_id = ?", cid)
    assert ticket["email"] == EMAIL  # deliberately given for the reply
    assert ticket["message"] == "Please call me on [phone] about card [card]."
    assert user_texts(stack, cid)[1:] == [EMAIL, "Please call me on [phone] about card [card]."]


def test_the_logs_of_both_servers_hold_no_raw_personal_data(stack: Stack) -> None:
    time.sleep(1)  # let both servers flush
    logs = {
        path.name: path.read_text(errors="replace")
        for path in (Path(stack.env["SUPPORTBOT_DATA_DIR"]) / "logs").glob("*.log")
    }
    assert set(logs) >= {"rasa.log", "actions.log"}
    for name, text in logs.items():
        assert "DEBUG" in text, f"{name} is not at DEBUG level, so the check proves little"
        leaked = [raw for raw in RAW if raw in text]
        assert not leaked, f"{name} holds {leaked}"
    # Rasa logs the customer's words at DEBUG: they are there, redacted, so the check is not vacuous.
    # (The action server logs no customer text even at DEBUG; its filter is tested on its own.)
    assert "[email]" in logs["rasa.log"] and "[card]" in logs["rasa.log"] and "[phone]" in logs["rasa.log"]
    assert "retention: conversations older than 3650 days are deleted daily" in logs["actions.log"]


def privacy(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_STORE_URL": stack.env["TRACKER_STORE_URL"], "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "actions.privacy", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_customer_is_exported_and_erased_everywhere(stack: Stack, tmp_path: Path) -> None:
    target = tmp_path / "jane.json"
    exported = privacy(stack, "export", "--email", EMAIL, "--out", str(target))
    assert exported.returncode == 0, exported.stderr
    document = json.loads(target.read_text())
    ids = {c["conversation_id"] for c in document["conversations"]}
    assert ids == set(CONVERSATIONS.values())
    assert [t["email"] for t in document["tickets"]] == [EMAIL]
    assert [h["conversation_id"] for h in document["handoffs"]] == [CONVERSATIONS["handoff"]]

    erased = privacy(stack, "erase", "--email", EMAIL, "--json")
    assert erased.returncode == 0, erased.stderr
    report = json.loads(erased.stdout)
    assert sorted(report["conversations"]) == sorted(ids)
    assert report["counts"]["support_tickets"] == 1 and report["counts"]["support_handoffs"] == 1
    assert report["counts"]["events"] == sum(len(c["events"]) for c in document["conversations"])
    for cid in ids:
        assert rows(stack, "SELECT id FROM events WHERE sender_id = ?", cid) == []

    async def come_back() -> dict[str, Any]:
        chat, welcome = await connect(stack, CONVERSATIONS["handoff"])
        await chat.close()
        return welcome

    welcome = asyncio.run(come_back())
    assert welcome["conversation_id"] != CONVERSATIONS["handoff"] and welcome["history"] == []
    again = privacy(stack, "erase", "--email", EMAIL)
    assert again.returncode == 2 and "nothing is stored for email" in again.stderr
