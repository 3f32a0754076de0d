"""Conversation locks shared by several Rasa servers, against a real (private) Redis."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
import redis
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from channels.cluster.locks import RedisTicketLockStore
from tests.fakes.redis_server import RedisServer


def store(server: RedisServer, prefix: str = "test") -> RedisTicketLockStore:
    """A store as one Rasa server builds it from bot/endpoints.yml: its own connection."""
    return RedisTicketLockStore(EndpointConfig(url=server.url, type="x", key_prefix=prefix))


def crowd(stores: list[Any], conversation_id: str, turns: int) -> tuple[int, int, list[BaseException]]:
    """Every store takes `turns` turns at once from its own thread; return (most at once, turns, errors)."""
    state = {"inside": 0, "most": 0, "done": 0}
    guard = threading.Lock()
    errors: list[BaseException] = []
    start = threading.Barrier(len(stores))

    async def turn(locks: LockStore) -> None:
        async with locks.lock(conversation_id, wait_time_in_seconds=0.002):
            with guard:
                state["inside"] += 1
                state["most"] = max(state["most"], state["inside"])
            await asyncio.sleep(0.002)  # a turn takes time: others must wait
            with guard:
                state["inside"] -= 1
                state["done"] += 1

    def server(locks: LockStore) -> None:
        async def run() -> None:
            for _ in range(turns):
                await turn(locks)

        start.wait()
        try:
            asyncio.run(run())
        except BaseException as error:  # LockError: a message Rasa would have failed
            errors.append(error)

    threads = [threading.Thread(target=server, args=(locks,)) for locks in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return state["most"], state["done"], errors


def test_servers_taking_turns_on_one_conversation_never_overlap(redis_server: RedisServer) -> None:
    most, done, errors = crowd([store(redis_server) for _ in range(4)], "c-crowd", turns=25)
    assert errors == []
    assert (most, done) == (1, 100)
    assert redis.Redis.from_url(redis_server.url).keys("test:lock:*") == []  # nothing left behind


def test_tickets_taken_at_once_by_many_servers_are_all_different(redis_server: RedisServer) -> None:
    stores = [store(redis_server) for _ in range(8)]
    numbers: list[int] = []
    start = threading.Barrier(len(stores))

    def take(locks: RedisTicketLockStore) -> None:
        start.wait()
        numbers.extend(locks.issue_ticket("c-tickets") for _ in range(20))

    threads = [threading.Thread(target=take, args=(locks,)) for locks in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(numbers) == list(range(160))


def test_the_queue_expires_with_its_last_ticket(redis_server: RedisServer) -> None:
    locks = store(redis_server, prefix="ttl")
    client = redis.Redis.from_url(redis_server.url)
    locks.issue_ticket("c-dead", lock_lifetime=0.5)  # a server that died mid-turn
    assert 0 < client.pttl("ttl:lock:c-dead") <= 500
    time.sleep(0.6)
    assert client.exists("ttl:lock:c-dead") == 0

    async def next_turn() -> int:
        async with locks.lock("c-dead", wait_time_in_seconds=0.01) as lock:
            return int(lock.now_serving)

    assert asyncio.run(next_turn()) == 0  # not blocked by the dead server's ticket


def test_a_finished_turn_does_not_delete_a_ticket_taken_meanwhile(redis_server: RedisServer) -> None:
    first, second = store(redis_server, prefix="race"), store(redis_server, prefix="race")
    mine = first.issue_ticket("c-race")
    theirs = second.issue_ticket("c-race")
    first.cleanup("c-race", mine)
    lock = second.get_lock("c-race")
    assert lock is not None and not lock.is_locked(theirs)  # the other server's turn is next, not lost


def test_rasa_treats_it_as_safe_for_several_processes(redis_server: RedisServer) -> None:
    from rasa.core.utils import _lock_store_is_multi_worker_compatible

    assert isinstance(store(redis_server), RedisLockStore)
    assert _lock_store_is_multi_worker_compatible(store(redis_server))


def test_without_redis_a_server_still_takes_turns_on_its_own() -> None:
    from rasa.core.lock_store import LockError

    dead = RedisTicketLockStore(EndpointConfig(url="redis://127.0.0.1:1/0", type="x"))
    with pytest.raises(LockError):
        dead.issue_ticket("c1")

    async def overlapping() -> int:
        state = {"inside": 0, "most": 0}

        async def turn() -> None:
            async with dead.lock("c-alone", wait_time_in_seconds=0.002):
                state["inside"] += 1
                state["most"] = max(state["most"], state["inside"])
                await asyncio.sleep(0.01)
                state["inside"] -= 1

        await asyncio.gather(*(turn() for _ in range(4)))
        return state["most"]

    assert asyncio.run(overlapping()) == 1  # answered, and still one at a time on this server
