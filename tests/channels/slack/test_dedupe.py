from __future__ import annotations

import threading

import pytest
import redis

from channels.slack.dedupe import RecentIds, SharedRecentIds, recent_ids_from_env
from tests.fakes.redis_server import RedisServer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_id_is_new_once_then_seen() -> None:
    seen = RecentIds()
    assert seen.seen_before("Ev1") is False
    assert seen.seen_before("Ev1") is True
    assert seen.seen_before("Ev2") is False


def test_ids_are_forgotten_after_the_ttl() -> None:
    clock = Clock()
    seen = RecentIds(ttl_seconds=60, clock=clock)
    seen.seen_before("Ev1")
    clock.now = 59.9
    assert seen.seen_before("Ev1") is True
    clock.now = 60.0
    assert seen.seen_before("Ev1") is False  # forgotten, so recorded afresh
    assert len(seen) == 1


def test_a_repeat_does_not_extend_the_ttl() -> None:
    clock = Clock()
    seen = RecentIds(ttl_seconds=60, clock=clock)
    seen.seen_before("Ev1")
    clock.now = 50
    assert seen.seen_before("Ev1")
    clock.now = 61
    assert not seen.seen_before("Ev1")


def test_the_oldest_ids_make_room_at_capacity() -> None:
    seen = RecentIds(capacity=3)
    for event_id in ("a", "b", "c", "d"):
        seen.seen_before(event_id)
    assert len(seen) == 3
    assert seen.seen_before("b") and seen.seen_before("d")
    assert not seen.seen_before("a")


@pytest.mark.parametrize(("capacity", "ttl"), [(0, 60), (10, 0)])
def test_nonsense_settings_are_refused(capacity: int, ttl: float) -> None:
    with pytest.raises(ValueError):
        RecentIds(capacity=capacity, ttl_seconds=ttl)


def shared(server: RedisServer, ttl: float = 3600) -> SharedRecentIds:
    """The memory of one Rasa server, with its own Redis connection."""
    return SharedRecentIds(redis.Redis.from_url(server.url), "test:slack:seen:", ttl_seconds=ttl)


def test_a_retry_sent_to_another_server_is_dropped_there(redis_server: RedisServer) -> None:
    first, second = shared(redis_server), shared(redis_server)
    assert first.seen_before("events_api:Ev1") is False
    assert second.seen_before("events_api:Ev1") is True
    assert second.seen_before("events_api:Ev2") is False
    assert redis.Redis.from_url(redis_server.url).ttl("test:slack:seen:events_api:Ev1") > 3500


def test_servers_given_the_same_retry_at_once_handle_it_once(redis_server: RedisServer) -> None:
    servers = [shared(redis_server) for _ in range(8)]
    answers: list[bool] = []
    start = threading.Barrier(len(servers))

    def receive(seen: SharedRecentIds) -> None:
        start.wait()
        answers.append(seen.seen_before("events_api:EvRace"))

    threads = [threading.Thread(target=receive, args=(seen,)) for seen in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(answers) == [False] + [True] * 7


def test_without_redis_this_server_still_remembers_its_own() -> None:
    seen = SharedRecentIds(redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1), "x:")
    assert seen.seen_before("Ev1") is False
    assert seen.seen_before("Ev1") is True


def test_the_environment_chooses_shared_or_local_memory() -> None:
    assert type(recent_ids_from_env({})) is RecentIds
    assert isinstance(recent_ids_from_env({"REDIS_URL": "redis://127.0.0.1:6379/0"}), SharedRecentIds)
