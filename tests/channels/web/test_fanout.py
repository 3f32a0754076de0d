"""Frames reach sockets held by another Rasa server, through a real (private) Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis

from channels.web.fanout import RedisFanout, fanout_from_env
from channels.web.hub import ConnectionHub
from tests.channels.web.fakes import FakeSocket
from tests.fakes.redis_server import RedisServer

CHANNEL = "test:webchat:frames"


def server_hub(redis_server: RedisServer) -> tuple[ConnectionHub, RedisFanout]:
    """The hub of one Rasa server, with its own Redis connections."""
    fanout = RedisFanout(
        aioredis.Redis.from_url(redis_server.url, socket_connect_timeout=1, socket_timeout=1),
        CHANNEL,
        retry_seconds=0.2,
    )
    return ConnectionHub(fanout), fanout


async def until(condition: Callable[[], bool], timeout: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def with_two_servers(
    redis_server: RedisServer, story: Callable[[ConnectionHub, ConnectionHub], Awaitable[None]]
) -> None:
    async def run() -> None:
        (a, _), (b, _) = server_hub(redis_server), server_hub(redis_server)
        await a.start()
        await b.start()
        try:
            await story(a, b)
        finally:
            await a.close()
            await b.close()

    asyncio.run(run())


def test_a_frame_sent_on_one_server_reaches_the_sockets_of_another_once(redis_server: RedisServer) -> None:
    async def story(a: ConnectionHub, b: ConnectionHub) -> None:
        tab_on_a, tab_on_b, stranger_on_b = FakeSocket(), FakeSocket(), FakeSocket()
        a.add("c1", tab_on_a)
        b.add("c1", tab_on_b)
        b.add("c2", stranger_on_b)
        assert await a.send("c1", {"type": "bot", "text": "Sam has joined"}) == 1  # counted here only
        await until(lambda: bool(tab_on_b.sent))
        await a.send("c1", {"type": "bot", "text": "second"})
        await until(lambda: len(tab_on_b.sent) == 2)
        await asyncio.sleep(0.3)  # time for any stray copy to arrive
        texts = ["Sam has joined", "second"]
        assert [f["text"] for f in tab_on_a.sent] == texts  # its own publication is not delivered again
        assert [f["text"] for f in tab_on_b.sent] == texts  # in order
        assert stranger_on_b.sent == []

    with_two_servers(redis_server, story)


def test_the_sending_tab_is_skipped_but_its_other_tabs_elsewhere_get_the_echo(
    redis_server: RedisServer,
) -> None:
    async def story(a: ConnectionHub, b: ConnectionHub) -> None:
        sender, other_tab = FakeSocket(), FakeSocket()
        a.add("c1", sender)
        b.add("c1", other_tab)
        await a.send("c1", {"type": "user", "text": "hello"}, skip=sender)
        await until(lambda: bool(other_tab.sent))
        assert other_tab.sent == [{"type": "user", "text": "hello"}] and sender.sent == []

    with_two_servers(redis_server, story)


def test_delivery_resumes_after_redis_restarts(redis_server: RedisServer) -> None:
    async def run() -> None:
        (a, _), (b, fanout_b) = server_hub(redis_server), server_hub(redis_server)
        await a.start()
        await b.start()
        here, there = FakeSocket(), FakeSocket()
        a.add("c1", here)
        b.add("c1", there)
        redis_server.stop()
        assert await a.send("c1", {"type": "bot", "text": "during the outage"}) == 1  # local still works
        await until(lambda: not fanout_b.subscribed)
        redis_server.start()
        await until(lambda: fanout_b.subscribed, timeout=10)
        await asyncio.sleep(0.3)  # a's publisher is quiet for retry_seconds after the failure
        await a.send("c1", {"type": "bot", "text": "after the restart"})
        await until(lambda: bool(there.sent))
        assert [f["text"] for f in there.sent] == ["after the restart"]
        assert [f["text"] for f in here.sent] == ["during the outage", "after the restart"]
        await a.close()
        await b.close()

    asyncio.run(run())


def test_malformed_publications_are_ignored(redis_server: RedisServer) -> None:
    async def run() -> None:
        hub, _ = server_hub(redis_server)
        await hub.start()
        socket = FakeSocket()
        hub.add("c1", socket)
        publisher = aioredis.Redis.from_url(redis_server.url)
        for junk in ("not json", json.dumps({"origin": "x"}), json.dumps([1, 2])):
            await publisher.publish(CHANNEL, junk)
        frame = json.dumps({"type": "bot", "text": "fine"})
        await publisher.publish(CHANNEL, json.dumps({"origin": "x", "conversation_id": "c1", "data": frame}))
        await until(lambda: bool(socket.sent))
        assert socket.sent == [{"type": "bot", "text": "fine"}]  # the listener survived the junk
        await publisher.close()
        await hub.close()

    asyncio.run(run())


def test_without_redis_url_the_hub_is_local_only() -> None:
    assert fanout_from_env({"REDIS_URL": ""}) is None

    async def run() -> None:
        hub = ConnectionHub.from_env({})
        await hub.start()  # nothing to subscribe to
        socket = FakeSocket()
        hub.add("c1", socket)
        assert await hub.send("c1", {"type": "bot", "text": "hi"}) == 1
        assert socket.sent == [{"type": "bot", "text": "hi"}]

    asyncio.run(run())


def test_redis_url_gives_a_redis_fanout_on_a_prefixed_channel() -> None:
    fanout = fanout_from_env({"REDIS_URL": "redis://127.0.0.1:1/0", "REDIS_KEY_PREFIX": "shop"})
    assert isinstance(fanout, RedisFanout) and fanout.channel == "shop:webchat:frames"
