"""A local OpenAI-compatible chat-completions server for tests (127.0.0.1 only).

The API key chooses the scenario, so one server serves every test:
  sk-cite     answer citing passage [1]
  sk-refuse   reply NO_ANSWER
  sk-500      HTTP 500
  sk-slow     answer after 3 s (longer than the client's timeout in tests)
POST /v1/embeddings answers with bag-of-words vectors (hashed words, 64 dims):
texts sharing words are similar, so retrieval through it is meaningful.
Every request body is recorded in `requests` for assertions on the prompt;
`chat_requests()`, `embedding_requests()` and `received_text()` read them back.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ANSWER = "Open Settings > Security and choose Change password [1]."


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def chat_requests(self) -> list[dict[str, Any]]:
        return [body for body in list(self.requests) if "messages" in body]

    def embedding_requests(self) -> list[dict[str, Any]]:
        return [body for body in list(self.requests) if "input" in body]

    def received_text(self) -> str:
        """Every message and every text to embed the server was sent, one per line."""
        lines = [str(m.get("content", "")) for body in self.chat_requests() for m in body["messages"]]
        for body in self.embedding_requests():
            lines += body["input"] if isinstance(body["input"], list) else [str(body["input"])]
        return "\n".join(lines)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                key = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if self.path.endswith("/embeddings"):
                    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    return self._reply(200, embeddings(body.get("model", "fake"), texts))
                if key == "sk-500":
                    return self._reply(
                        500, {"error": {"message": "upstream exploded", "type": "server_error"}}
                    )
                if key == "sk-slow":
                    time.sleep(3)
                text = "NO_ANSWER" if key == "sk-refuse" else ANSWER
                self._reply(200, completion(body.get("model", "fake"), text))

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                except (BrokenPipeError, ConnectionResetError):
                    return
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client timed out first
                    self.wfile.write(data)

        return Handler


def completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def embeddings(model: str, texts: list[str]) -> dict[str, Any]:
    return {
        "object": "list",
        "model": model,
        "data": [
            {"object": "embedding", "index": i, "embedding": bag_of_words(t)} for i, t in enumerate(texts)
        ],
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }


def bag_of_words(text: str, dims: int = 64) -> list[float]:
    vector = [0.0] * dims
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        vector[zlib.crc32(word.encode()) % dims] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]
