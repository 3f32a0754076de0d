"""A private Redis server for tests: the real redis-server binary on a free loopback port.

    with RedisServer() as server:
        url = server.url           # redis://127.0.0.1:<port>/0
        server.restart()           # same port, empty: what a Redis restart looks like

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
    """True if a Redis server answers PING (one RESP round trip, no client library)."""
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            conn.sendall(b"*1\r\n$4\r\nPING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False
