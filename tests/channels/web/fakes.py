"""A scripted socket: frames to receive, and the frames it was sent."""

from __future__ import annotations

import asyncio
import json
from typing import Any


class FakeSocket:
    def __init__(self, incoming: list[Any] | None = None) -> None:
        self.incoming: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        for frame in incoming or []:
            self.push(frame)
        self.sent: list[dict[str, Any]] = []
        self.closed = False

    def push(self, frame: Any) -> None:
        """Queue a frame: dicts are sent as JSON, strings/bytes as they are, None closes."""
        self.incoming.put_nowait(json.dumps(frame) if isinstance(frame, dict) else frame)

    async def recv(self) -> str | bytes | None:
        return await self.incoming.get()

    async def send(self, data: str) -> None:
        if self.closed:
            raise ConnectionError("socket closed")
        self.sent.append(json.loads(data))

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [frame for frame in self.sent if frame["type"] == kind]
