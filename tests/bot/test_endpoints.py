"""Rasa builds its lock store from bot/endpoints.yml as the launcher fills it in."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.utils import AvailableEndpoints

from bot.environment import ROOT, resolve
from channels.cluster.locks import RedisTicketLockStore
from tests.fakes.redis_server import RedisServer


def lock_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **given: str) -> LockStore:
    for name, value in resolve({"SUPPORTBOT_DATA_DIR": str(tmp_path), **given}).items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "bot" / "endpoints.yml"))
    return LockStore.create(endpoints.lock_store)


def test_one_server_without_redis_keeps_rasas_in_memory_locks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert type(lock_store(monkeypatch, tmp_path)) is InMemoryLockStore


def test_with_redis_url_the_locks_are_in_redis_under_the_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_server: RedisServer
) -> None:
    locks = lock_store(monkeypatch, tmp_path, REDIS_URL=redis_server.url, REDIS_KEY_PREFIX="shop-1")
    assert isinstance(locks, RedisTicketLockStore) and locks.key_prefix == "shop-1:lock:"
    locks.issue_ticket("c1")
    assert locks.red.exists("shop-1:lock:c1") == 1
