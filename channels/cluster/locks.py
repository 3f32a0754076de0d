"""Conversation locks in Redis that hold across Rasa servers.

Rasa handles one message of a conversation at a time by giving each a ticket in
a queue (its `TicketLock`). Rasa's own RedisLockStore reads the queue, changes
it and writes it back in separate commands; that is enough for one process (no
await in between) but not for two: servers that take a ticket for the same
conversation at the same moment can both get ticket 0 and handle their
messages at once, and a server finishing a turn can overwrite or delete the
ticket another has just taken, whose message then stalls until tickets expire
(60 s) or fails with a LockError. (Four processes taking 25 turns each on one
conversation, as in tests/channels/cluster/test_locks.py: with Rasa's store two
turns overlapped and most turns stalled.) Here every change of a queue is one
WATCH/MULTI transaction, retried when another server changed the queue
meanwhile; waiting and ordering stay Rasa's.

If Redis does not answer when a turn starts, the turn takes a lock in this
server's memory instead, as a lone server would: customers keep getting
answers, and only messages of one conversation arriving at two servers in the
same moment could then overlap. Rasa's own store would refuse every message.

bot/endpoints.yml names this class when REDIS_URL is set (the launcher sets
LOCK_STORE_TYPE); Rasa builds it with the endpoint's `url` and `key_prefix`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from channels.cluster.settings import DEFAULT_KEY_PREFIX

logger = logging.getLogger(__name__)
T = TypeVar("T")
SOCKET_TIMEOUT_SECONDS = 5.0


class RedisTicketLockStore(RedisLockStore):
    """Rasa's ticket locks, kept in Redis under `<key_prefix>:lock:<conversation id>`.

    A subclass of RedisLockStore, so Rasa treats it as multi-process safe
    (e.g. it allows several Sanic workers).
    """

    def __init__(self, endpoint_config: EndpointConfig, client: Any = None) -> None:
        # RedisLockStore.__init__ would connect by host and port and accept only
        # alphanumeric prefixes; this store connects by URL.
        LockStore.__init__(self)
        self.red = client or redis.Redis.from_url(
            str(endpoint_config.url),
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        )
        prefix = (endpoint_config.kwargs or {}).get("key_prefix") or DEFAULT_KEY_PREFIX
        self.key_prefix = f"{prefix}:lock:"
        self.local = InMemoryLockStore()  # while Redis does not answer

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncIterator[TicketLock]:
        try:
            ticket = self.issue_ticket(conversation_id, lock_lifetime)
        except LockError as error:
            logger.warning("Redis lock for %s unavailable, locking here only: %s", conversation_id, error)
            async with self.local.lock(conversation_id, lock_lifetime, wait_time_in_seconds) as lock:
                yield lock
            return
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._change(conversation_id, lambda lock: int(lock.issue_ticket(lock_lifetime)))
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # One transaction: an empty queue is deleted by _change, so no ticket
        # taken meanwhile by another server can be deleted with it.
        try:
            self.finish_serving(conversation_id, ticket_number)
        except redis.RedisError as error:  # the ticket expires by itself after its lifetime
            logger.warning("could not release the lock of %s: %s", conversation_id, error)

    def _change(self, conversation_id: str, change: Callable[[TicketLock], T]) -> T:
        """Apply `change` to the conversation's queue atomically; return what it returned."""
        key = self.key_prefix + conversation_id

        def attempt(pipe: Any) -> T:
            raw = pipe.get(key)  # under WATCH: a write by anyone else until EXEC makes it retry
            lock = TicketLock.from_dict(json.loads(raw)) if raw else TicketLock(conversation_id)
            result = change(lock)
            lock.remove_expired_tickets()
            pipe.multi()
            if lock.tickets:
                # Gone by itself when its last ticket expires: a server that died
                # mid-turn leaves nothing behind.
                pipe.set(key, lock.dumps(), px=_milliseconds_left(lock))
            else:
                pipe.delete(key)
            return result

        return self.red.transaction(attempt, key, value_from_callable=True)


def _milliseconds_left(lock: TicketLock) -> int:
    latest = max(ticket.expires for ticket in lock.tickets)
    return max(1, int((latest - time.time()) * 1000))
