"""Start the action server and the Rasa server; stop both on Ctrl-C.

    python bot/serve.py               # what `make run` runs
    python bot/serve.py --only rasa   # one of several Rasa servers (docs/deploy)

Standard library only, so the tests (in the action server's environment) use the
same `Stack` to start real servers on free ports. Each server writes its log to
<data dir>/logs/; a server that fails to start is reported with its last line.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import environment  # noqa: E402
from bot.environment import ROOT, ConfigError  # noqa: E402

RASA_BIN = Path(os.environ.get("RASA_BIN") or ROOT / ".venv-rasa" / "bin" / "rasa")
RASA_PYTHON = RASA_BIN.parent / "python"
ACTIONS_PYTHON = Path(os.environ.get("ACTIONS_PYTHON") or ROOT / ".venv-actions" / "bin" / "python")
ROLES = ("actions", "rasa")


class StartError(RuntimeError):
    """A server did not come up; the message says which and why."""


@dataclass
class Server:
    name: str
    command: list[str]
    health_url: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, env: Mapping[str, str]) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        # A session of its own: Ctrl-C reaches only the launcher, which stops the
        # servers in order instead of both racing to exit.
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise StartError(f"{self.name} exited ({self.process.returncode}): {self.last_error()}")
            if _answers(self.health_url):
                return
            time.sleep(0.3)
        raise StartError(
            f"{self.name} did not answer {self.health_url} within {timeout:.0f} s; see {self.log_path}"
        )

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def last_error(self) -> str:
        lines = [ln for ln in self.log_path.read_text(errors="replace").splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith("error:") or "Error" in ln or "Exception" in ln]
        return (errors or lines or ["no output"])[-1].strip()


@dataclass
class Stack:
    """Both servers of one deployment, configured by environment variables.

    `roles` picks a part of it: at scale each Rasa server and the action server
    run on their own (docs/deploy), all from the same variables.
    """

    env: dict[str, str] = field(default_factory=lambda: environment.resolve())
    roles: tuple[str, ...] = ROLES

    def __post_init__(self) -> None:
        environment.validate(self.env)
        logs = Path(self.env["SUPPORTBOT_DATA_DIR"]) / "logs"
        host, rasa_port, action_port = (
            self.env["SUPPORTBOT_HOST"],
            self.env["RASA_PORT"],
            self.env["ACTION_PORT"],
        )
        self.actions = Server(
            "action server",
            [str(ACTIONS_PYTHON), "-m", "actions.server", "--host", host, "--port", action_port],
            f"http://127.0.0.1:{action_port}/health",
            logs / "actions.log",
        )
        self.rasa = Server(
            "Rasa server",
            [
                str(RASA_PYTHON),
                "-m",
                "bot.rasa_server",  # Rasa's command, after bot/speedups.py
                "run",
                "--model",
                self.env["RASA_MODEL"],
                "--endpoints",
                "bot/endpoints.yml",
                "--credentials",
                "bot/credentials.yml",
                "--interface",
                host,
                "--port",
                rasa_port,
            ],
            f"http://127.0.0.1:{rasa_port}/webhooks/webchat/",
            logs / "rasa.log",
        )

    @property
    def servers(self) -> list[Server]:
        pairs = (("actions", self.actions), ("rasa", self.rasa))
        return [server for role, server in pairs if role in self.roles]

    @property
    def demo_url(self) -> str:
        return f"http://{self._public_host()}:{self.env['RASA_PORT']}/webhooks/webchat/demo"

    @property
    def websocket_url(self) -> str:
        return f"ws://127.0.0.1:{self.env['RASA_PORT']}/webhooks/webchat/ws"

    def start(self, timeout: float = 180.0) -> None:
        self.preflight()
        try:
            for server in self.servers:  # Rasa loads TensorFlow meanwhile: start both at once
                server.start(self.env)
            for server in self.servers:
                server.wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise

    def preflight(self) -> None:
        host = self.env["SUPPORTBOT_HOST"]
        if "rasa" in self.roles:
            environment.check_port_free(host, int(self.env["RASA_PORT"]), "RASA_PORT")
        if "actions" in self.roles:
            environment.check_port_free(host, int(self.env["ACTION_PORT"]), "ACTION_PORT")
        if "rasa" not in self.roles:
            return
        model = Path(self.env["RASA_MODEL"])
        if not model.is_file():
            raise ConfigError(f"no trained model at {model}; run `make model` (or set RASA_MODEL)")
        check = subprocess.run(
            [str(RASA_PYTHON), "-m", "bot.preflight", self.env["TRACKER_STORE_URL"]],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise ConfigError(
                (check.stderr.strip().splitlines() or ["tracker store check failed"])[-1].removeprefix(
                    "error: "
                )
            )

    def restart_actions(self, timeout: float = 180.0, **overrides: str) -> None:
        """Restart the action server, with changed settings (tests switch support rules so)."""
        self.actions.stop()
        self.env.update(overrides)
        self.actions.start(self.env)
        self.actions.wait_healthy(timeout)

    def restart_rasa(self, timeout: float = 180.0, **overrides: str) -> None:
        self.rasa.stop()
        self.env.update(overrides)
        self.rasa.start(self.env)
        self.rasa.wait_healthy(timeout)

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()

    def wait(self) -> int:
        """Block until a server exits (1) or we are told to stop (0)."""
        stop = {"requested": False}

        def request_stop(signum: int, _frame: object) -> None:
            stop["requested"] = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        while not stop["requested"]:
            for server in (self.actions, self.rasa):
                if server.process is not None and server.process.poll() is not None:
                    print(f"{server.name} stopped unexpectedly: {server.last_error()}", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0

    def _public_host(self) -> str:
        host = self.env["SUPPORTBOT_HOST"]
        return "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start the support bot's servers.")
    parser.add_argument("--only", choices=ROLES, help="start only this server (several machines)")
    only = parser.parse_args(argv).only
    try:
        stack = Stack(roles=(only,) if only else ROLES)
        print(f"starting the {' and the '.join(s.name for s in stack.servers)} (about 30 s)...", flush=True)
        stack.start()
    except (ConfigError, StartError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    print(f"\n  Support bot is running. Demo page: {stack.demo_url}\n", flush=True)
    print(
        f"  logs: {Path(stack.env['SUPPORTBOT_DATA_DIR']) / 'logs'}   (Ctrl-C stops both servers)\n",
        flush=True,
    )
    try:
        code = stack.wait()
    finally:
        print("stopping...", flush=True)
        stack.stop()
    print("stopped.")
    return code


if __name__ == "__main__":
    sys.exit(main())
