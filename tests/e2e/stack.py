"""Start the real servers for end-to-end tests, on free loopback ports.

Uses the launcher's own `Stack` (bot/serve.py), the model trained by `make model`
and a copy of the index built by `make sync`, so a test run trains once and
embeds once, and never touches the developer's own data folder.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import websockets

from bot import environment
from bot.serve import Stack

ROOT = Path(__file__).resolve().parents[2]
BUILT = Path(os.environ.get("SUPPORTBOT_DATA_DIR") or ROOT / "var")
MODEL = Path(os.environ.get("RASA_MODEL") or BUILT / "models" / "supportbot.tar.gz")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_stack(data_dir: Path, **overrides: str) -> Stack:
    if not MODEL.is_file():
        raise RuntimeError(f"no trained model at {MODEL}: run `make model` (make test does)")
    chroma = data_dir / "chroma"
    if (BUILT / "chroma").is_dir():
        shutil.copytree(BUILT / "chroma", chroma)
    else:  # not built by make: index the sample help centre here
        subprocess.run(
            [sys.executable, "-m", "knowledge", "sync"],
            check=True,
            cwd=ROOT,
            env={**os.environ, "CHROMA_PATH": str(chroma), "PYTHONPATH": str(ROOT)},
        )
    given = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPENAI_", "TRACKER_STORE", "CHROMA_", "RASA_PORT", "ACTION_"))
    }
    env = environment.resolve(
        {
            **given,
            "SUPPORTBOT_DATA_DIR": str(data_dir),
            "RASA_MODEL": str(MODEL),
            "CHROMA_PATH": str(chroma),
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            **overrides,
        }
    )
    return Stack(env=env)


class ChatClient:
    """A widget as the server sees it: one WebSocket speaking the widget protocol."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.ws: Any = None
        self.conversation_id: str | None = None

    async def connect(self, conversation_id: str | None = None) -> dict[str, Any]:
        self.ws = await websockets.connect(self.url, max_size=2**20)
        welcome = await self.send({"type": "hello", "conversation_id": conversation_id})
        assert welcome["type"] == "welcome", welcome
        self.conversation_id = welcome["conversation_id"]
        return welcome

    async def send(self, frame: Any, raw: bool = False) -> dict[str, Any]:
        await self.ws.send(frame if raw else json.dumps(frame))
        return await self.next()

    async def next(self, timeout: float = 60) -> dict[str, Any]:
        return dict(json.loads(await asyncio.wait_for(self.ws.recv(), timeout)))

    async def say(self, text: str, payload: str | None = None) -> list[dict[str, Any]]:
        """Send a message; return the bot frames until the typing indicator goes off."""
        frame = {"type": "message", "text": text, **({"payload": payload} if payload else {})}
        first = await self.send(frame)
        assert first == {"type": "typing", "on": True}, first
        replies = []
        while (reply := await self.next()) != {"type": "typing", "on": False}:
            replies.append(reply)
        return replies

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
