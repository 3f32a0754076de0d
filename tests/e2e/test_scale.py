"""Two Rasa servers, one action server, shared PostgreSQL, Redis and a Chroma server, on loopback.

The deployment of docs/deploy/compose.yml (tests/e2e/cluster.py lists it), minus
the load balancer: each Rasa server is addressed directly, to alternate on
purpose. PostgreSQL (127.0.0.1:5432, a throwaway database) and Redis
(127.0.0.1:6379, a key prefix of its own, deleted afterwards) are the ones these
machines run; the test is skipped, saying why, where either does not answer.
The Chroma server is started here from the action environment's CLI, with the
index synced into it. Slack is the local fake; its requests are signed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot import environment
from bot.serve import Stack
from tests.e2e.cluster import APP, REPLICAS, SYNC, Addresses, service_env
from tests.e2e.stack import BUILT, MODEL, ChatClient, free_port
from tests.e2e.test_handoff import (
    AGENT,
    ALWAYS,
    SECRET,
    SUPPORT,
    agent_says,
    click,
    parent_ts,
    rules,
    wait_for,
)
from tests.fakes.postgres import throwaway_database
from tests.fakes.redis_server import command, ping
from tests.fakes.slack_server import FakeSlack

pytestmark = pytest.mark.e2e
REDIS_PORT = 6379
CHROMA = Path(sys.executable).parent / "chroma"
# Test-only differences from the deployment: loopback, free ports, the fake Slack.
NOT_FROM_HERE = (
    "OPENAI_",
    "TRACKER_STORE",
    "CHROMA_",
    "RASA_PORT",
    "ACTION_",
    "REDIS_",
    "SLACK_",
    "LOCK_STORE",
)


@dataclass
class Cluster:
    actions: Stack
    a: Stack  # rasa-1
    b: Stack  # rasa-2
    database: str
    redis_prefix: str


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with throwaway_database("supportbot_scale") as url:
        yield url


@pytest.fixture(scope="module")
def redis_prefix() -> Iterator[str]:
    if not ping(REDIS_PORT):
        pytest.skip(f"no Redis server answers at 127.0.0.1:{REDIS_PORT}")
    prefix = f"supportbot-e2e-{uuid.uuid4().hex[:10]}"
    yield prefix
    for key in keys(f"{prefix}:*"):
        command("DEL", key, port=REDIS_PORT)


def keys(pattern: str) -> list[str]:
    found, cursor = [], "0"
    while True:
        cursor, batch = command("SCAN", cursor, "MATCH", pattern, "COUNT", "1000", port=REDIS_PORT)
        found.extend(batch)
        if cursor == "0":
            return found


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`chroma run` on loopback; it starts from a copy of the built index, so the sync has little to do."""
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed in the action environment")
    path = tmp_path_factory.mktemp("chroma-server") / "data"
    if (BUILT / "chroma").is_dir():
        shutil.copytree(BUILT / "chroma", path)
    port = free_port()
    log = (path.parent / "chroma.log").open("wb")
    server = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not _listening(port):
        assert server.poll() is None and time.monotonic() < deadline, "the Chroma server did not start"
        time.sleep(0.2)
    yield port
    server.terminate()
    server.wait(10)
    log.close()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(users={AGENT: {"real_name": "Sam Agent", "display_name": "Sam"}}) as fake:
        yield fake


@pytest.fixture(scope="module")
def cluster(
    database: str,
    redis_prefix: str,
    chroma_port: int,
    slack: FakeSlack,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Cluster]:
    if not MODEL.is_file():
        raise RuntimeError(f"no trained model at {MODEL}: run `make model` (make test does)")
    data = tmp_path_factory.mktemp("scale")
    action_port = free_port()
    at = Addresses(
        tracker_store_url=database,
        redis_url=f"redis://127.0.0.1:{REDIS_PORT}/0",
        redis_key_prefix=redis_prefix,
        chroma_host="127.0.0.1",
        chroma_port=str(chroma_port),
        action_server_url=f"http://127.0.0.1:{action_port}/webhook",
        slack_bot_token="xoxb-ok",
        slack_signing_secret=SECRET,
        slack_support_channel=SUPPORT,
    )
    test_only = {
        "SUPPORTBOT_HOST": "127.0.0.1",
        "SUPPORT_RULES": str(rules(data / "open.yml", ALWAYS)),
        "SLACK_API_URL": slack.base_url,
    }

    def env(service: str, **more: str) -> dict[str, str]:
        given = {k: v for k, v in os.environ.items() if not k.startswith(NOT_FROM_HERE)}
        folder = data / service
        return environment.resolve(
            {
                **given,
                "SUPPORTBOT_DATA_DIR": str(folder),
                "RASA_MODEL": str(MODEL),
                **service_env(service, at),
                **test_only,
                **more,
            }
        )

    synced = subprocess.run(
        [sys.executable, "-m", "knowledge", "sync"],
        env=env(SYNC),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert synced.returncode == 0, synced.stdout[-2000:] + synced.stderr[-2000:]
    stacks = [Stack(env=env("actions", ACTION_PORT=str(action_port)), roles=(APP["actions"],))]
    stacks += [Stack(env=env(name, RASA_PORT=str(free_port())), roles=(APP[name],)) for name in REPLICAS]
    with ThreadPoolExecutor(len(stacks)) as pool:  # the three start side by side, as in production
        started = [pool.submit(stack.start) for stack in stacks]
    try:
        for future in started:
            future.result()
        yield Cluster(*stacks, database=database, redis_prefix=redis_prefix)
    finally:
        for stack in stacks:
            stack.stop()


def events_of(database: str, conversation_id: str) -> list[dict[str, Any]]:
    with psycopg.connect(database) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = %s ORDER BY id", (conversation_id,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


async def history(stack: Stack, conversation_id: str) -> list[dict[str, Any]]:
    chat = ChatClient(stack.websocket_url)
    welcome = await chat.connect(conversation_id)
    await chat.close()
    assert welcome["conversation_id"] == conversation_id
    return [{"type": item["type"], "text": item["text"]} for item in welcome["history"]]


def test_a_conversation_alternating_between_the_servers_keeps_its_state(cluster: Cluster) -> None:
    """The contact form: started on rasa-1, email on rasa-2, message on rasa-1: one ticket with both."""

    async def story() -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
        first = ChatClient(cluster.a.websocket_url)
        await first.connect()
        ask_email = await first.say("Leave a message", payload="/leave_message")
        assert "email address" in ask_email[-1]["text"]
        cid = str(first.conversation_id)
        await first.close()

        second = ChatClient(cluster.b.websocket_url)
        await second.connect(cid)
        [ask_message] = await second.say("jo@example.com")
        assert ask_message["text"] == "What would you like to tell the team?"  # the form went on
        await second.close()

        third = ChatClient(cluster.a.websocket_url)
        await third.connect(cid)
        [thanks] = await third.say("My PDF export fails since Monday.")
        assert "jo@example.com" in thanks["text"]
        await third.close()
        return cid, await history(cluster.a, cid), await history(cluster.b, cid)

    cid, from_a, from_b = asyncio.run(story())
    assert from_a == from_b  # either server shows the whole conversation
    assert [item["text"] for item in from_a if item["type"] == "user"] == [
        "Leave a message",
        "jo@example.com",
        "My PDF export fails since Monday.",
    ]
    tickets = poll(lambda: tickets_of(cluster.database, cid))
    assert [(t["email"], t["message"]) for t in tickets] == [
        ("jo@example.com", "My PDF export fails since Monday.")
    ]


def test_an_agent_reply_reaches_a_customer_connected_to_the_other_server(
    cluster: Cluster, slack: FakeSlack
) -> None:
    """The customer is on rasa-2; Slack's requests for the thread land on rasa-1."""
    text = "Hi, Sam here. Which export is it?"

    async def story() -> str:
        chat = ChatClient(cluster.b.websocket_url)
        await chat.connect()
        cid = str(chat.conversation_id)
        frames = await chat.say("Talk to a person", payload="/human")
        assert any("connecting you with a person" in str(f["text"]) for f in frames), frames
        parent = wait_for(
            slack,
            "chat.postMessage",
            lambda c: c.args.get("channel") == SUPPORT and cid in json.dumps(c.args),
        )
        thread_ts = parent_ts(slack, parent)
        event_id = f"EvScale{uuid.uuid4().hex[:8]}"

        agent_says(cluster.a, text, thread_ts, event_id=event_id)
        joined = await next_bot(chat)
        assert joined["text"] == "Sam from the support team has joined the chat."
        reply = await next_bot(chat)
        assert (reply["text"], reply["sender"]) == (text, {"kind": "agent", "name": "Sam"})
        agent_says(
            cluster.b, text, thread_ts, event_id=event_id, retry=1
        )  # Slack's retry, on the other server
        assert await quiet(chat, seconds=3) == []  # no second copy: not delivered twice, retry dropped

        assert await chat.say("The PDF one, thanks") == []  # paused: a person has it
        wait_for(
            slack, "chat.postMessage", lambda c: c.args.get("thread_ts") == thread_ts and "PDF" in str(c.args)
        )

        click(cluster.a, "handoff_resolve", cid, thread_ts)
        closed = await next_bot(chat)
        assert "Sam has closed this part of the conversation" in closed["text"]
        await chat.close()
        return cid

    cid = asyncio.run(story())
    agent_lines = [
        e["text"] for e in events_of(cluster.database, cid) if e["event"] == "bot" and _by_agent(e)
    ]
    assert agent_lines == [text]


def test_messages_sent_to_both_servers_at_once_are_handled_one_at_a_time(cluster: Cluster) -> None:
    questions = (
        "how do i search only notes with a certian tag?",
        "is there a linux version of the desktop app",
    )

    async def story() -> tuple[str, list[list[dict[str, Any]]]]:
        on_a = ChatClient(cluster.a.websocket_url)
        await on_a.connect()
        await on_a.say("hello")  # the conversation exists from its first message
        cid = str(on_a.conversation_id)
        on_b = ChatClient(cluster.b.websocket_url)
        await on_b.connect(cid)  # the same conversation in two tabs, one per server
        sockets = (on_a, on_b)
        await asyncio.gather(
            *(
                chat.ws.send(json.dumps({"type": "message", "text": q}))
                for chat, q in zip(sockets, questions, strict=True)
            )
        )
        seen = await asyncio.gather(*(until_answered(chat, answers=2) for chat in sockets))
        for chat in sockets:
            await chat.close()
        return cid, list(seen)

    cid, seen = asyncio.run(story())
    for frames, other in zip(seen, reversed(questions), strict=True):
        assert [f["text"] for f in frames if f["type"] == "user"] == [other]  # the other tab's message
        assert all(f["citations"] for f in frames if f["type"] == "bot")  # both answered, from Chroma
    events = events_of(cluster.database, cid)
    turns = [turn for turn in split_turns(events) if turn[0]["text"] != "hello"]
    assert sorted(turn[0]["text"] for turn in turns) == sorted(questions)  # both logged, once each
    for turn, following in zip(turns, [*turns[1:], []], strict=True):
        assert any(e["event"] == "bot" for e in turn), turn  # answered: nothing lost
        assert turn[-1]["event"] == "action" and turn[-1]["name"] == "action_listen"
        if following:  # the second turn began after the first had finished
            assert following[0]["timestamp"] >= turn[-1]["timestamp"]
    assert keys(f"{cluster.redis_prefix}:lock:*") == []  # every lock released


def test_the_servers_shared_redis_as_configured(cluster: Cluster) -> None:
    for stack in (cluster.a, cluster.b):
        assert stack.env["LOCK_STORE_TYPE"] == "channels.cluster.locks.RedisTicketLockStore"
        log = (Path(stack.env["SUPPORTBOT_DATA_DIR"]) / "logs" / "rasa.log").read_text(errors="replace")
        assert "LockError" not in log and "Traceback" not in log
    assert keys(f"{cluster.redis_prefix}:slack:seen:*")  # the retry above was dropped through Redis


# Helpers -------------------------------------------------------------------


def tickets_of(database: str, conversation_id: str) -> list[dict[str, Any]]:
    with psycopg.connect(database) as db:
        db.row_factory = psycopg.rows.dict_row
        return db.execute(
            "SELECT email, message FROM support_tickets WHERE conversation_id = %s", (conversation_id,)
        ).fetchall()


def poll(read: Any, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := read()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


async def next_bot(chat: ChatClient, timeout: float = 30) -> dict[str, Any]:
    while (frame := await chat.next(timeout))["type"] != "bot":
        pass
    return frame


async def quiet(chat: ChatClient, seconds: float) -> list[dict[str, Any]]:
    """The bot frames that arrive within `seconds` (none expected)."""
    frames = []
    try:
        while True:
            frame = await chat.next(seconds)
            if frame["type"] == "bot":
                frames.append(frame)
    except asyncio.TimeoutError:
        return frames


async def until_answered(chat: ChatClient, answers: int) -> list[dict[str, Any]]:
    """Frames until this tab has seen `answers` bot frames and its own typing indicator go off."""
    frames: list[dict[str, Any]] = []
    while sum(f["type"] == "bot" for f in frames) < answers or {"type": "typing", "on": False} not in frames:
        frames.append(await chat.next(60))
    return frames


def split_turns(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The events from each user message up to the next one."""
    turns: list[list[dict[str, Any]]] = []
    for event in events:
        if event["event"] == "user":
            turns.append([])
        if turns:
            turns[-1].append(event)
    return turns


def _by_agent(event: dict[str, Any]) -> bool:
    sender = ((event.get("data") or {}).get("custom") or {}).get("sender") or {}
    return bool(sender.get("kind") == "agent")
