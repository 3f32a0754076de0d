from __future__ import annotations

import asyncio

from channels.web.hub import ConnectionHub
from channels.web.output import WebChatOutput
from tests.channels.web.fakes import FakeSocket


def test_one_rasa_message_becomes_one_frame_with_its_citations() -> None:
    hub, socket = ConnectionHub(), FakeSocket()
    hub.add("c1", socket)
    message = {
        "text": "Open Settings > Security.",
        "custom": {"citations": [{"title": "Reset your password", "url": "https://help.example/r"}]},
    }
    asyncio.run(WebChatOutput(hub).send_response("c1", message))
    assert len(socket.sent) == 1
    assert socket.sent[0]["text"] == "Open Settings > Security."
    assert socket.sent[0]["citations"] == [{"title": "Reset your password", "url": "https://help.example/r"}]


def test_a_message_for_a_conversation_with_no_open_socket_is_not_an_error() -> None:
    asyncio.run(WebChatOutput(ConnectionHub()).send_text_message("nobody", "hello"))


def test_a_closed_socket_is_dropped_and_the_others_still_receive() -> None:
    hub, dead, alive = ConnectionHub(), FakeSocket(), FakeSocket()
    dead.closed = True
    hub.add("c1", dead)
    hub.add("c1", alive)
    delivered = asyncio.run(hub.send("c1", {"type": "bot", "text": "hi"}))
    assert delivered == 1
    assert hub.count("c1") == 1
    assert alive.sent == [{"type": "bot", "text": "hi"}]
