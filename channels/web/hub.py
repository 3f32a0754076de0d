"""Which open sockets belong to which conversation.

A conversation can be open in several tabs, and a bot or agent message can be
pushed at any time (the Slack handoff needs that), so messages are addressed to
a conversation id, not to the socket that sent the last customer message.
With several Rasa servers, a `Fanout` (fanout.py) carries each frame to the
sockets the other servers hold.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # only with REDIS_URL does anything load Redis's client
    from channels.web.fanout import Fanout

logger = logging.getLogger(__name__)


class Socket(Protocol):
    async def send(self, data: str) -> None: ...


class ConnectionHub:
    def __init__(self, fanout: Fanout | None = None) -> None:
        self._sockets: dict[str, set[Socket]] = defaultdict(set)
        self._fanout = fanout

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ConnectionHub:
        """A hub that also reaches the other Rasa servers' sockets when REDIS_URL is set."""
        from channels.web.fanout import fanout_from_env

        return cls(fanout_from_env(os.environ if env is None else env))

    async def start(self) -> None:
        """Begin receiving the frames other Rasa servers publish (call once the loop runs)."""
        if self._fanout is not None:
            await self._fanout.start(self._deliver)

    async def close(self) -> None:
        if self._fanout is not None:
            await self._fanout.close()

    def add(self, conversation_id: str, socket: Socket) -> None:
        self._sockets[conversation_id].add(socket)

    def remove(self, conversation_id: str, socket: Socket) -> None:
        sockets = self._sockets.get(conversation_id)
        if sockets is None:
            return
        sockets.discard(socket)
        if not sockets:
            del self._sockets[conversation_id]

    def count(self, conversation_id: str) -> int:
        return len(self._sockets.get(conversation_id, ()))

    async def send(self, conversation_id: str, frame: dict[str, Any], skip: Socket | None = None) -> int:
        """Send a frame to every socket of a conversation; return how many here got it.

        `skip` is a socket of this server (the tab that sent a message is not
        echoed its own text); the other servers deliver to all of theirs.
        """
        data = json.dumps(frame)
        delivered = await self._deliver(conversation_id, data, skip)
        if self._fanout is not None:
            await self._fanout.publish(conversation_id, data)
        return delivered

    async def _deliver(self, conversation_id: str, data: str, skip: Socket | None = None) -> int:
        # A socket that fails is dropped: its widget reconnects and reads the
        # history, which the tracker store holds independently of delivery.
        delivered = 0
        for socket in list(self._sockets.get(conversation_id, ())):
            if socket is skip:
                continue
            try:
                await socket.send(data)
                delivered += 1
            except Exception as error:  # closed mid-send: the reconnect recovers it
                logger.info("dropping a closed socket of %s: %s", conversation_id, error)
                self.remove(conversation_id, socket)
        return delivered
