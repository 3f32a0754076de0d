"""Fixtures for tests in either environment (standard library only at import)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.redis_server import BINARY, RedisServer


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """A private Redis (restartable without disturbing anyone); skipped where redis-server is missing."""
    if BINARY is None:
        pytest.skip("redis-server is not installed")
    with RedisServer() as server:
        yield server
