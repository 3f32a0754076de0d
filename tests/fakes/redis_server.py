"""A private Redis server for tests: the real redis-server binary on a free loopback port.

    with RedisServer() as server:
        url = server.url           # redis://127.0.0.1:<port>/0
        server.restart()           # same port, empty: what a Redis restart looks like

    command("SCAN", "0", "MATCH", "test:*", port=6379)   # any Redis, no client library

Not a fake (there is no need to fake Redis), but private, so a test may stop and
restart it without disturbing anyone else's Redis. Nothing is saved to disk.
Standard library only, so tests in either environment can use it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from types import TracebackType
from typing import Any, BinaryIO

BINARY = shutil.which("redis-server")


class RedisServer:
    def __init__(self) -> None:
        if BINARY is None:
            raise FileNotFoundError("redis-server is not installed")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> None:
        assert BINARY is not None
        self.process = subprocess.Popen(
            [BINARY, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ping(self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def ping(port: int, host: str = "127.0.0.1") -> bool:
    """True if a Redis server answers PING."""
    try:
        return command("PING", port=port, host=host) == "PONG"
    except (OSError, RuntimeError):
        return False


def command(*args: str, port: int, host: str = "127.0.0.1") -> Any:
    """One Redis command over RESP (the tests' environment has no Redis client library)."""
    encoded = [arg.encode() for arg in args]
    request = b"*%d\r\n" % len(encoded) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in encoded)
    with socket.create_connection((host, port), timeout=5) as conn:
        conn.sendall(request)
        return _reply(conn.makefile("rb"))


def _reply(stream: BinaryIO) -> Any:
    line = stream.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else stream.read(size + 2)[:-2].decode(errors="replace")
    if kind == b"*":
        size = int(rest)
        return None if size < 0 else [_reply(stream) for _ in range(size)]
    raise RuntimeError(f"not a Redis reply: {line[:40]!r}")
