"""Remember recently seen ids, so that Slack's retries are handled once.

Slack resends an event it thinks was not acknowledged (HTTP: with
X-Slack-Retry-Num; Socket Mode: with retry_attempt), keeping its event_id.

    seen = RecentIds()
    if seen.seen_before(event_id):
        return  # a retry of something already handled

With several Rasa servers a retry may reach another server than the first
attempt, so `recent_ids_from_env` shares the memory through Redis when
REDIS_URL is set.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import redis

from channels.cluster.settings import ClusterSettings

logger = logging.getLogger(__name__)


class RecentIds:
    """At most `capacity` ids, each forgotten `ttl_seconds` after it was first seen.

    Slack retries within minutes (three retries over about an hour at most), so
    the defaults keep every id that can still come back, in bounded memory.
    """

    def __init__(
        self,
        capacity: int = 10_000,
        ttl_seconds: float = 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1 or ttl_seconds <= 0:
            raise ValueError("RecentIds needs capacity >= 1 and ttl_seconds > 0")
        self.capacity = capacity
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()  # oldest first
        self._lock = threading.Lock()

    def seen_before(self, id: str) -> bool:
        """True if `id` was seen within the TTL; otherwise remember it and return False."""
        with self._lock:
            now = self._clock()
            self._forget_expired(now)
            if id in self._expiry:
                return True
            self._expiry[id] = now + self.ttl_seconds
            if len(self._expiry) > self.capacity:
                self._expiry.popitem(last=False)
            return False

    def __len__(self) -> int:
        with self._lock:
            self._forget_expired(self._clock())
            return len(self._expiry)

    def _forget_expired(self, now: float) -> None:
        # Insertion order is expiry order (one TTL for all), so only the front can expire.
        while self._expiry:
            oldest, expires = next(iter(self._expiry.items()))
            if expires > now:
                break
            del self._expiry[oldest]


class SharedRecentIds(RecentIds):
    """RecentIds that every Rasa server shares: the first to record an id in Redis wins.

    One `SET key 1 NX EX ttl` per id, so two servers given the same retry at
    once cannot both handle it. If Redis does not answer, this server's own
    memory decides, and a retry sent to another server may be handled twice.
    """

    def __init__(self, client: Any, key_prefix: str, ttl_seconds: float = 3600, **local: Any) -> None:
        super().__init__(ttl_seconds=ttl_seconds, **local)
        self.client, self.key_prefix = client, key_prefix

    def seen_before(self, id: str) -> bool:
        seen_here = super().seen_before(id)
        try:
            recorded = self.client.set(self.key_prefix + id, b"1", nx=True, ex=math.ceil(self.ttl_seconds))
        except (redis.RedisError, OSError) as error:
            logger.warning("Redis did not answer for Slack de-duplication, deciding locally: %s", error)
            return seen_here
        return not recorded


def recent_ids_from_env(env: Mapping[str, str]) -> RecentIds:
    """Shared through Redis when REDIS_URL is set, else this process's memory."""
    settings = ClusterSettings.from_env(env)
    if settings.redis_url is None:
        return RecentIds()
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
    return SharedRecentIds(client, settings.key("slack", "seen", ""))
