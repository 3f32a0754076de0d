"""A customer's web page (a static host on its own origin) and a browser tab driving the widget.

`Tab` reads the widget the way a person does (through its shadow root, which
Playwright's CSS locators enter) and also records what crossed the WebSocket,
so a test can wait for "the bot has finished answering" without sleeping.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Locator, Page, WebSocket, expect

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "browser"
# Every payload sets this flag or opens a dialog if it ever runs.
FLAG = "__pwned"
PAYLOADS = (
    f"<script>window.{FLAG}='script'</script>",
    f"<img src=x onerror=\"window.{FLAG}='img'\">",
    f"<svg onload=\"window.{FLAG}='svg'\"></svg>",
    f"[click me](javascript:window.{FLAG}='link')",
    f"<a href=\"javascript:window.{FLAG}='a'\">a link</a>",
    "<iframe src=\"javascript:alert('iframe')\"></iframe>",
    "<b onmouseover=alert('b')>bold</b>",
)
# What the shadow root may contain of these kinds: nothing, besides the launcher's own icon.
INJECTION_PROBE = """() => {
  const root = document.querySelector('support-chat').shadowRoot;
  const all = [...root.querySelectorAll('*')];
  return {
    script: root.querySelectorAll('script').length,
    img: root.querySelectorAll('img').length,
    iframe: root.querySelectorAll('iframe, object, embed, frame').length,
    svg: root.querySelectorAll('svg:not(.i)').length,
    handlers: all.filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    unsafe_links: [...root.querySelectorAll('a')].filter(
      a => !['http:', 'https:', 'mailto:'].includes(new URL(a.href, location.href).protocol)).length,
    bold: root.querySelectorAll('b').length,
  };
}"""
CLEAN = {"script": 0, "img": 0, "iframe": 0, "svg": 0, "handlers": 0, "unsafe_links": 0, "bold": 0}


class Tab:
    """One browser tab with a page that embeds the widget."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.sent: list[dict[str, Any]] = []  # frames the widget sent
        self.received: list[dict[str, Any]] = []  # frames the server sent
        self.sockets: list[WebSocket] = []
        self.requests: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("websocket", self._on_socket)
        page.on("request", lambda request: self.requests.append(request.url))

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _on_socket(self, socket: WebSocket) -> None:
        self.sockets.append(socket)
        socket.on("framesent", lambda payload: self.sent.append(_json(payload)))
        socket.on("framereceived", lambda payload: self.received.append(_json(payload)))

    # --- the widget's parts, as a person sees them
    @property
    def launcher(self) -> Locator:
        return self.page.locator("support-chat .l")

    @property
    def badge(self) -> Locator:
        return self.page.locator("support-chat .l .bd")

    @property
    def panel(self) -> Locator:
        return self.page.locator("support-chat .p")

    @property
    def log(self) -> Locator:
        return self.page.locator("support-chat .log")

    @property
    def input(self) -> Locator:
        return self.page.locator("support-chat .f textarea")

    @property
    def bot_messages(self) -> Locator:
        return self.log.locator(".m:not(.c)")

    @property
    def user_messages(self) -> Locator:
        return self.log.locator(".m.c")

    @property
    def status(self) -> Locator:
        return self.page.locator("support-chat .st")

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.status).to_be_empty()  # connected

    def ask(self, text: str, timeout: float = 30) -> Locator:
        """Type a message, send it with Enter, wait until the bot has finished; the last bot message."""
        before = len(self.received)
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_turn(before, timeout)
        return self.bot_messages.nth(self.bot_messages.count() - 1)  # this one, not whatever comes later

    def wait_turn(self, since: int, timeout: float = 30) -> list[dict[str, Any]]:
        """Bot frames received after frame `since`, once the typing indicator went off."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            frames = self.received[since:]
            if {"type": "typing", "on": False} in frames:
                return [frame for frame in frames if frame.get("type") == "bot"]
            self.page.wait_for_timeout(50)
        raise AssertionError(f"the bot did not finish within {timeout} s; frames: {self.received[since:]}")

    def frames(self, kind: str, sent: bool = False) -> list[dict[str, Any]]:
        return [frame for frame in (self.sent if sent else self.received) if frame.get("type") == kind]

    def injected(self) -> dict[str, int]:
        return dict(self.page.evaluate(INJECTION_PROBE))

    def assert_nothing_ran(self) -> None:
        assert self.page.evaluate(f"window.{FLAG}") is None
        assert self.dialogs == []
        assert self.injected() == CLEAN

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


class Profile:
    """One browser profile (its own localStorage); `new()` opens tabs in it."""

    def __init__(self, context: BrowserContext, opened: list[Tab]) -> None:
        self.context = context
        self.opened = opened

    def new(self, url: str | None = None) -> Tab:
        tab = Tab(self.context.new_page())
        self.opened.append(tab)
        if url:
            tab.page.goto(url)
        return tab


# tabs(**browser context options) -> a new Profile; the `tabs` fixture.
Tabs = Callable[..., Profile]


def _json(payload: str | bytes) -> dict[str, Any]:
    try:
        value = json.loads(payload)
    except ValueError:
        return {"type": "<not json>", "raw": str(payload)}
    return value if isinstance(value, dict) else {"type": "<not an object>"}


class StaticHost:
    """A customer's website: static pages on 127.0.0.1, another origin than the bot's.

    with StaticHost() as site:
        url = site.page("/shop.html", "<html>...</html>")
    """

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.pages))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def page(self, path: str, html: str) -> str:
        self.pages[path] = html.encode("utf-8")
        return self.origin + path

    def file(self, path: str, source: Path) -> str:
        self.pages[path] = source.read_bytes()
        return self.origin + path

    def __enter__(self) -> StaticHost:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(pages: dict[str, bytes]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = pages.get(self.path.split("?")[0])
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            kind = "application/javascript" if self.path.split("?")[0].endswith(".js") else "text/html"
            self.send_header("Content-Type", kind + "; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

    return Handler


def embed(widget_url: str, lang: str = "en", attributes: str = "", head: str = "", body: str = "") -> str:
    """A plain shop page that embeds the widget the way docs/widget.md tells customers to."""
    return f"""<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Quokka Shop</title>{head}</head>
<body>
<h1>Quokka Shop</h1>
<p>Everything for your quokka.</p>
<button id="page-button" type="button">A page button</button>
{body}
<script async src="{widget_url}" {attributes}></script>
</body>
</html>"""
