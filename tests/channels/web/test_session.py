from __future__ import annotations

import asyncio
from typing import Any

from channels.limits import Limits, LimitSettings
from channels.web.hub import ConnectionHub
from channels.web.protocol import Message
from channels.web.session import UNKNOWN_CONVERSATION, ChatSession
from tests.channels.web.fakes import FakeSocket

KNOWN_ID = "0123456789abcdef0123456789abcdef"
KNOWN_EVENTS = [
    {"event": "user", "text": "hi", "timestamp": 1.0},
    {"event": "bot", "text": "Hello!", "timestamp": 2.0, "data": {}},
]


class Bot:
    """Stands in for Rasa's on_new_message: records calls, replies through the hub."""

    def __init__(self, hub: ConnectionHub, fail: bool = False) -> None:
        self.hub, self.fail = hub, fail
        self.received: list[tuple[str, Message, dict[str, Any]]] = []

    async def __call__(self, cid: str, message: Message, metadata: dict[str, Any]) -> None:
        self.received.append((cid, message, metadata))
        if self.fail:
            raise RuntimeError("action server down")
        await self.hub.send(cid, {"type": "bot", "text": f"echo: {message.text}"})


async def load_events(cid: str) -> list[dict[str, Any]] | None:
    return KNOWN_EVENTS if cid == KNOWN_ID else None


def run_session(frames: list[Any], fail: bool = False) -> tuple[FakeSocket, Bot, ConnectionHub]:
    hub = ConnectionHub()
    socket, bot = FakeSocket([*frames, None]), Bot(hub, fail)
    session = ChatSession(socket, hub, bot, load_events, max_chars=100, new_id=lambda: "n" * 32)
    asyncio.run(session.run())
    return socket, bot, hub


def test_hello_without_id_starts_a_new_conversation() -> None:
    socket, _, _ = run_session([{"type": "hello", "conversation_id": None}])
    assert socket.sent == [{"type": "welcome", "conversation_id": "n" * 32, "history": []}]


def test_hello_with_a_known_id_returns_its_history() -> None:
    socket, _, _ = run_session([{"type": "hello", "conversation_id": KNOWN_ID}])
    welcome = socket.sent[0]
    assert welcome["conversation_id"] == KNOWN_ID
    assert [item["text"] for item in welcome["history"]] == ["hi", "Hello!"]
    assert "notice" not in welcome


def test_unknown_or_malformed_ids_get_a_new_conversation_and_a_notice() -> None:
    for wanted in ("f" * 32, "../etc/passwd"):
        socket, _, _ = run_session([{"type": "hello", "conversation_id": wanted}])
        assert socket.sent[0]["conversation_id"] == "n" * 32
        assert socket.sent[0]["notice"] == UNKNOWN_CONVERSATION


def test_a_message_before_hello_is_refused_and_nothing_reaches_the_bot() -> None:
    socket, bot, _ = run_session([{"type": "message", "text": "hi"}])
    assert socket.sent[0]["code"] == "not_started"
    assert bot.received == []


def test_a_message_reaches_the_bot_with_page_context_and_the_reply_comes_back() -> None:
    socket, bot, _ = run_session(
        [
            {"type": "hello", "conversation_id": None, "context": {"page_url": "https://x.example/p"}},
            {"type": "message", "text": " hello "},
        ]
    )
    cid, message, metadata = bot.received[0]
    assert (cid, message.text) == ("n" * 32, "hello")
    assert metadata["context"] == {"page_url": "https://x.example/p"}
    assert [f["type"] for f in socket.sent] == ["welcome", "typing", "bot", "typing"]
    assert socket.sent[2]["text"] == "echo: hello"
    assert socket.sent[3] == {"type": "typing", "on": False}


def test_a_button_click_sends_the_payload_and_remembers_what_was_shown() -> None:
    _, bot, _ = run_session(
        [
            {"type": "hello", "conversation_id": None},
            {"type": "message", "text": "Contact the team", "payload": "/human"},
        ]
    )
    _, message, metadata = bot.received[0]
    assert message.payload == "/human"
    assert metadata["display_text"] == "Contact the team"


def test_bad_frames_get_errors_and_the_session_carries_on() -> None:
    socket, bot, _ = run_session(
        [
            {"type": "hello", "conversation_id": None},
            "{broken json",
            b"\x00\x01",
            {"type": "message", "text": "   "},
            {"type": "message", "text": "x" * 101},
            {"type": "message", "text": "still here"},
        ]
    )
    codes = [frame["code"] for frame in socket.of_type("error")]
    assert codes == ["bad_frame", "bad_frame", "empty_message", "message_too_long"]
    assert [message.text for _, message, _ in bot.received] == ["still here"]


def test_a_failing_bot_is_reported_to_the_customer() -> None:
    socket, bot, _ = run_session(
        [{"type": "hello", "conversation_id": None}, {"type": "message", "text": "hi"}], fail=True
    )
    assert socket.of_type("error")[0]["code"] == "unavailable"
    assert socket.sent[-1] == {"type": "typing", "on": False}
    assert len(bot.received) == 1


def test_a_failing_conversation_log_is_reported_on_hello() -> None:
    async def broken(cid: str) -> None:
        raise ConnectionError("database gone")

    hub = ConnectionHub()
    socket = FakeSocket([{"type": "hello", "conversation_id": KNOWN_ID}, None])
    asyncio.run(ChatSession(socket, hub, Bot(hub), broken, max_chars=100).run())
    assert socket.sent[0]["code"] == "unavailable"


def test_every_tab_of_a_conversation_sees_the_messages() -> None:
    async def scenario() -> tuple[FakeSocket, FakeSocket]:
        hub = ConnectionHub()
        bot = Bot(hub)
        first, second = FakeSocket(), FakeSocket()
        sessions = [ChatSession(sock, hub, bot, load_events, max_chars=100) for sock in (first, second)]
        tasks = [asyncio.create_task(s.run()) for s in sessions]
        first.push({"type": "hello", "conversation_id": KNOWN_ID})
        second.push({"type": "hello", "conversation_id": KNOWN_ID})
        await asyncio.sleep(0.01)
        first.push({"type": "message", "text": "from tab one"})
        await asyncio.sleep(0.01)
        first.push(None)
        second.push(None)
        await asyncio.gather(*tasks)
        assert hub.count(KNOWN_ID) == 0  # closed sockets are forgotten
        return first, second

    first, second = asyncio.run(scenario())
    assert second.of_type("user") == [
        {"type": "user", "text": "from tab one", "ts": second.of_type("user")[0]["ts"]}
    ]
    assert [f["text"] for f in second.of_type("bot")] == ["echo: from tab one"]
    assert first.of_type("user") == []  # the sender already shows its own message


def test_a_rating_reaches_the_bot_as_a_record_with_the_page_context() -> None:
    socket, bot, _ = run_session(
        [
            {"type": "hello", "conversation_id": None, "context": {"locale": "de-DE"}},
            {"type": "csat", "survey_id": "s1", "rating": 5, "comment": None},
            {"type": "feedback", "answer_id": "a1", "helpful": True},
        ]
    )
    (_, rating, metadata), (_, thumbs, _) = bot.received
    assert rating == Message("Rating: 5", '/csat_submit{"survey_id": "s1", "rating": 5}', record=True)
    assert thumbs.record and thumbs.payload == '/answer_feedback{"answer_id": "a1", "helpful": true}'
    assert metadata["context"] == {"locale": "de-DE"} and metadata["display_text"] == "Rating: 5"
    assert [f["type"] for f in socket.sent[1:5]] == ["typing", "bot", "typing", "typing"]


def test_ratings_before_hello_or_mistyped_never_reach_the_bot() -> None:
    socket, bot, _ = run_session(
        [
            {"type": "csat", "survey_id": "s1", "rating": 5},
            {"type": "hello", "conversation_id": None},
            {"type": "csat", "survey_id": "s1", "rating": "five"},
            {"type": "feedback", "answer_id": "a1", "helpful": "yes"},
        ]
    )
    assert [frame["code"] for frame in socket.of_type("error")] == ["not_started", "bad_frame", "bad_frame"]
    assert bot.received == []


def test_other_tabs_are_not_shown_a_rating_as_a_message() -> None:
    async def scenario() -> FakeSocket:
        hub = ConnectionHub()
        bot = Bot(hub)
        first, second = FakeSocket(), FakeSocket()
        tasks = [
            asyncio.create_task(ChatSession(sock, hub, bot, load_events, max_chars=100).run())
            for sock in (first, second)
        ]
        for sock in (first, second):
            sock.push({"type": "hello", "conversation_id": KNOWN_ID})
        await asyncio.sleep(0.01)
        first.push({"type": "feedback", "answer_id": "a1", "helpful": False})
        await asyncio.sleep(0.01)
        first.push(None)
        second.push(None)
        await asyncio.gather(*tasks)
        return second

    second = asyncio.run(scenario())
    assert second.of_type("user") == [] and len(second.of_type("bot")) == 1  # the reply, for both tabs


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def limited_session(
    limits: Limits, frames: list[Any], address: str = "203.0.113.7"
) -> tuple[FakeSocket, Bot]:
    hub = ConnectionHub()
    socket, bot = FakeSocket([*frames, None]), Bot(hub)
    session = ChatSession(socket, hub, bot, load_events, 100, limits=limits, address=address)
    asyncio.run(session.run())
    return socket, bot


def test_messages_past_the_conversation_limit_are_refused_and_never_reach_the_bot() -> None:
    limits = Limits(LimitSettings(2, 100, 100), Clock())
    messages = [{"type": "message", "text": f"question {n}"} for n in range(1, 4)]
    feedback = {"type": "feedback", "answer_id": "a1", "helpful": True}
    socket, bot = limited_session(limits, [{"type": "hello", "conversation_id": None}, *messages, feedback])
    assert [message.text for _, message, _ in bot.received] == ["question 1", "question 2"]
    refused = socket.sent[-2:]
    assert [frame["code"] for frame in refused] == ["rate_limited", "rate_limited"]  # ratings count too
    assert (
        refused[0]["message"] == "You're sending messages faster than I can answer; please wait 30 seconds."
    )
    assert [f["type"] for f in socket.sent].count("typing") == 4  # no typing indicator for refused ones


def test_other_tabs_are_not_shown_a_refused_message() -> None:
    limits = Limits(LimitSettings(1, 100, 100), Clock())

    async def scenario() -> FakeSocket:
        hub = ConnectionHub()
        bot = Bot(hub)
        first, second = FakeSocket(), FakeSocket()
        sessions = [ChatSession(s, hub, bot, load_events, 100, limits=limits) for s in (first, second)]
        tasks = [asyncio.create_task(s.run()) for s in sessions]
        for sock in (first, second):
            sock.push({"type": "hello", "conversation_id": KNOWN_ID})
        await asyncio.sleep(0.01)
        first.push({"type": "message", "text": "one"})
        first.push({"type": "message", "text": "two"})
        await asyncio.sleep(0.01)
        first.push(None)
        second.push(None)
        await asyncio.gather(*tasks)
        return second

    second = asyncio.run(scenario())
    assert [frame["text"] for frame in second.of_type("user")] == ["one"]


def test_hellos_count_against_the_address() -> None:
    limits = Limits(LimitSettings(100, 2, 100), Clock())
    hello = {"type": "hello", "conversation_id": KNOWN_ID}
    socket, bot = limited_session(limits, [hello, {"type": "message", "text": "hi"}, hello])
    assert [frame["type"] for frame in socket.sent] == ["welcome", "typing", "bot", "typing", "error"]
    assert socket.sent[-1]["code"] == "rate_limited" and len(bot.received) == 1
    other, _ = limited_session(limits, [hello], address="198.51.100.1")  # another address is not affected
    assert other.sent[0]["type"] == "welcome"
