"""Frames for widget sockets held by other Rasa servers, through Redis pub/sub.

A widget's socket is open on one Rasa server, but what it must show can be
produced on another: an agent's reply arrives with Slack's request wherever
the load balancer sent it, the claim-timeout sweep runs on every server, a
second tab may be connected elsewhere. So the hub delivers a frame to its own
sockets and publishes it; every other server delivers it to the sockets it
holds for that conversation (and ignores its own publications, so nobody gets
a frame twice). No sticky sessions are needed.

    fanout = fanout_from_env(os.environ)       # None without REDIS_URL: one server
    hub = ConnectionHub(fanout)
    await hub.start()                          # subscribe; reconnects if Redis restarts

One channel for all conversations: each server gets every frame and drops those
for conversations it holds no socket of. That costs one small message per frame
per server, which is nothing for a handful of servers, and needs no
subscription bookkeeping per conversation. A frame published while Redis is
unreachable reaches only the sockets of the server that produced it; the
others see it in the history when their widget reconnects (the tracker store,
not delivery, is the record).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from channels.cluster.settings import ClusterSettings

logger = logging.getLogger(__name__)

# Delivers a JSON frame to this server's sockets of a conversation; returns how many got it.
Deliver = Callable[[str, str], Awaitable[int]]


class Fanout(Protocol):
    """How a hub reaches the sockets other Rasa servers hold."""

    async def start(self, deliver: Deliver) -> None: ...

    async def publish(self, conversation_id: str, data: str) -> None: ...

    async def close(self) -> None: ...


def fanout_from_env(env: Mapping[str, str]) -> Fanout | None:
    settings = ClusterSettings.from_env(env)
    if settings.redis_url is None:
        return None
    return RedisFanout(
        aioredis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=2, socket_timeout=2, health_check_interval=10
        ),
        channel=settings.key("webchat", "frames"),
    )


class RedisFanout:
    def __init__(
        self,
        client: aioredis.Redis,
        channel: str,
        retry_seconds: float = 1.0,
        ready_timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client, self.channel = client, channel
        self.origin = uuid.uuid4().hex  # this server, so it can skip its own publications
        self.retry_seconds, self.ready_timeout = retry_seconds, ready_timeout
        self._clock = clock
        self._subscribed = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None
        self._quiet_until = 0.0

    @property
    def subscribed(self) -> bool:
        return self._subscribed.is_set()

    async def start(self, deliver: Deliver) -> None:
        """Subscribe in the background; wait (boundedly) for the first subscription."""
        if self._listener is None:
            self._listener = asyncio.get_running_loop().create_task(self._listen_forever(deliver))
        try:
            await asyncio.wait_for(self._subscribed.wait(), self.ready_timeout)
        except asyncio.TimeoutError:  # serve this server's own sockets meanwhile; keep retrying
            logger.warning("Redis pub/sub not subscribed after %.0f s; retrying", self.ready_timeout)

    async def publish(self, conversation_id: str, data: str) -> None:
        # After a failure, skip publishing for a moment instead of making every
        # frame of every turn wait for Redis's connect timeout.
        if self._clock() < self._quiet_until:
            return
        message = json.dumps({"origin": self.origin, "conversation_id": conversation_id, "data": data})
        try:
            await self.client.publish(self.channel, message)
        except (RedisError, OSError) as error:
            self._quiet_until = self._clock() + self.retry_seconds
            logger.warning("frame for %s not published to other servers: %s", conversation_id, error)

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
        await self.client.close()

    async def _listen_forever(self, deliver: Deliver) -> None:
        while True:
            try:
                await self._listen(deliver)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis restarted or unreachable: subscribe again
                self._subscribed.clear()
                logger.warning("Redis pub/sub lost (%s); resubscribing in %.1f s", error, self.retry_seconds)
                await asyncio.sleep(self.retry_seconds)

    async def _listen(self, deliver: Deliver) -> None:
        async with self.client.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(self.channel)
            self._subscribed.set()
            logger.info("receiving widget frames from other servers on %s", self.channel)
            while True:
                # A timeout, not a blocking read: health checks go out, and a dead
                # connection is noticed instead of waited on forever.
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is not None:
                    await self._on_message(message.get("data"), deliver)

    async def _on_message(self, raw: Any, deliver: Deliver) -> None:
        try:
            message = json.loads(raw)
            origin, conversation_id, data = message["origin"], message["conversation_id"], message["data"]
        except (TypeError, ValueError, KeyError) as error:
            logger.warning("ignoring a malformed frame on %s: %s", self.channel, error)
            return
        if origin == self.origin or not isinstance(conversation_id, str) or not isinstance(data, str):
            return
        await deliver(conversation_id, data)
