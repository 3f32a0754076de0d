"""A local Slack Web API for tests (127.0.0.1 only, standard library only).

    with FakeSlack() as slack:
        client = make_client("xoxb-ok", base_url=slack.base_url)
        ...
        assert slack.calls("chat.postMessage")[0].args["channel"] == "C1"

The bearer token chooses the scenario, so one server serves every test:
  xoxb-ok           every call succeeds (also any other xoxb-/xoxp-/xapp- token)
  xoxb-ratelimited  the first 2 (`failing_calls`) calls of each method: 429 with Retry-After
                    (`retry_after`, 1 s)
  xoxb-500          the first 2 (`failing_calls`) calls of each method: 500 (an HTML page,
                    like Slack's edge)
  xoxb-down         always 500
  xoxb-slow         answers after `slow_seconds` (2 s)
  xoxb-disconnect   the first call of each method: connection closed without an answer
  xoxb-invalid      {"ok": false, "error": "invalid_auth"}; no token: "not_authed"
Every request is recorded (method, token, merged query/form/JSON arguments,
monotonic time), including refused ones, in a thread-safe list.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
TEAM_ID = "T0FAKE"
FIRST_TS = 1_700_000_000
ERROR_PAGE = b"<html><body><h1>500 Internal Server Error</h1></body></html>"


@dataclass(frozen=True)
class Call:
    method: str  # "chat.postMessage"
    token: str  # the bearer token ("" when none was sent)
    args: dict[str, Any]  # query string, form fields and JSON body, merged
    at: float = field(default_factory=time.monotonic)
    response: dict[str, Any] = field(default_factory=dict)  # what the fake answered (when it answered 200)


class FakeSlack:
    def __init__(self, users: dict[str, dict[str, str]] | None = None, connections_url: str = "") -> None:
        # users.info answers from this: {"U1": {"real_name": "Ann Agent", "display_name": "ann"}}
        self.users: dict[str, dict[str, str]] = dict(users or {})
        # apps.connections.open answers with this (FakeSocketMode.url)
        self.connections_url = connections_url
        self.retry_after = 1
        self.failing_calls = 2
        self.slow_seconds = 2.0
        self.outage = False  # True: every call answers 500, whatever the token (Slack is down)
        self._calls: list[Call] = []
        self._failures: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._sequence = 0
        self._dm_channels: dict[str, str] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def __enter__(self) -> FakeSlack:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(
        self,
        predicate: Callable[[Call], bool] = lambda call: True,
        method: str | None = None,
        timeout: float = 30,
    ) -> Call:
        """The latest call (of `method`) that `predicate` accepts, waiting up to `timeout` seconds for one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [call for call in self.calls(method) if predicate(call)]
            if found:
                return found[-1]
            time.sleep(0.1)
        seen = [(c.method, c.args) for c in self.calls(method)]
        raise AssertionError(f"no {method or 'Slack'} call matched within {timeout} s: {seen}")

    def reset(self) -> None:
        """Forget recorded calls and scenario counters (e.g. between phases of a test)."""
        with self._lock:
            self._calls.clear()
            self._failures.clear()

    # --- the scenarios and methods, called from the handler threads --------------

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def _should_fail(self, token: str, method: str, times: int) -> bool:
        """True for the first `times` calls of `method` with `token`."""
        with self._lock:
            self._failures[(token, method)] += 1
            return self._failures[(token, method)] <= times

    def _next_ts(self) -> str:
        with self._lock:
            self._sequence += 1
            micros = self._sequence * 100
        return f"{FIRST_TS + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        handler = self._methods().get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(args)

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "auth.test": lambda _: {
                "ok": True,
                "url": "https://fake.slack.com/",
                "team": "Fake",
                "user": "supportbot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            },
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "users.info": self._user_info,
            "conversations.open": self._open_dm,
            "views.open": self._open_view,
            "apps.connections.open": lambda _: (
                {"ok": True, "url": self.connections_url}
                if self.connections_url
                else {"ok": False, "error": "no_connections_url_set_in_test"}
            ),
        }

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = {"type": "message", "bot_id": BOT_ID, "user": BOT_USER_ID, "ts": ts}
        message.update({k: args[k] for k in ("text", "blocks", "thread_ts") if k in args})
        return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not args.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        message = {k: args[k] for k in ("text", "blocks") if k in args}
        return {
            "ok": True,
            "channel": args["channel"],
            "ts": args["ts"],
            "text": args.get("text", ""),
            "message": message,
        }

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not args.get("user"):
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _user_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user", ""))
        known = self.users.get(user_id)
        if known is None:
            return {"ok": False, "error": "user_not_found"}
        profile = {"real_name": known.get("real_name", ""), "display_name": known.get("display_name", "")}
        return {
            "ok": True,
            "user": {
                "id": user_id,
                "name": known.get("name", user_id.lower()),
                "real_name": profile["real_name"],
                "is_bot": False,
                "profile": profile,
            },
        }

    def _open_view(self, args: dict[str, Any]) -> dict[str, Any]:
        """A modal opened in answer to a click; Slack wants the click's trigger_id and a modal view."""
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        if not isinstance(view, dict) or view.get("type") != "modal" or not view.get("title"):
            return {"ok": False, "error": "invalid_arguments"}
        if len(str(view["title"].get("text", ""))) > 24 or len(str(view.get("private_metadata", ""))) > 3000:
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            self._sequence += 1
            view_id = f"V{self._sequence:08d}"
        return {"ok": True, "view": {**view, "id": view_id, "team_id": TEAM_ID}}

    def _open_dm(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users", ""))
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        with self._lock:
            channel = self._dm_channels.setdefault(users, f"D{len(self._dm_channels) + 1:08d}")
        return {"ok": True, "channel": {"id": channel}}


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            url = urlsplit(self.path)
            method = url.path.removeprefix("/api/")
            args = dict(parse_qsl(url.query, keep_blank_values=True))
            args.update(self._body())
            token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            token = token or str(args.pop("token", ""))
            call = Call(method, token, args)
            fake._record(call)
            self._scenario(token, method, args, call)

        def _scenario(self, token: str, method: str, args: dict[str, Any], call: Call) -> None:
            if token == "xoxb-ratelimited" and fake._should_fail(token, method, fake.failing_calls):
                return self._json(
                    429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(fake.retry_after)}
                )
            if (
                (token == "xoxb-500" and fake._should_fail(token, method, fake.failing_calls))
                or token == "xoxb-down"
                or fake.outage
            ):
                return self._send(500, ERROR_PAGE, "text/html; charset=utf-8")
            if token == "xoxb-disconnect" and fake._should_fail(token, method, 1):
                self.close_connection = True
                return None  # nothing written: the client sees the server disconnect
            if token == "xoxb-slow":
                time.sleep(fake.slow_seconds)
            if not token:
                return self._json(200, {"ok": False, "error": "not_authed"})
            if token == "xoxb-invalid":
                return self._json(200, {"ok": False, "error": "invalid_auth"})
            call.response.update(fake._answer(method, args))
            return self._json(200, call.response)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            kind = self.headers.get("Content-Type", "").split(";")[0].strip()
            if kind == "application/json" and raw:
                data = json.loads(raw)
                return data if isinstance(data, dict) else {}
            if kind == "application/x-www-form-urlencoded":
                return dict(parse_qsl(raw.decode(), keep_blank_values=True))
            return {}

        def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers)

        def _send(
            self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client timed out first
                pass

    return Handler
