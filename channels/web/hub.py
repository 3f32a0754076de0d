"""Which open sockets belong to which conversation.

A conversation can be open in several tabs, and a bot or agent message can be
pushed at any time (the Slack handoff needs that), so messages are addressed to
a conversation id, not to the socket that sent the last customer message.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any, Protocol

logger = logging.getLogger(__name__)


class Socket(Protocol):
    async def send(self, data: str) -> None: ...


class ConnectionHub:
    def __init__(self) -> None:
        self._sockets: dict[str, set[Socket]] = defaultdict(set)

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
        """Send a frame to every socket of a conversation; return how many got it.

        A socket that fails is dropped: its widget reconnects and reads the
        history, which the tracker store holds independently of delivery.
        """
        data = json.dumps(frame)
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
