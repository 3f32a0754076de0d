"""The connection drops and comes back; a server that refuses is retried ever more slowly.

The drop is real: Playwright's WebSocket route sits between the page and the
real server, and closes the page's side. The refusal is real too: a page whose
origin is not in WEBCHAT_ALLOWED_ORIGINS is turned away by the server.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import WebSocketRoute, expect

from bot.serve import Stack
from tests.browser.helpers import StaticHost, Tabs, embed

pytestmark = pytest.mark.e2e
# Records when the widget opens each socket, with Math.random pinned so the jittered delay is known.
ATTEMPTS = """
window.attempts = [];
const Native = window.WebSocket;
window.WebSocket = function (url, protocols) {
  window.attempts.push(performance.now());
  return new Native(url, protocols);
};
window.WebSocket.prototype = Native.prototype;
Math.random = () => 0;
"""


def widget_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/webchat/static/widget.js"


def test_a_dropped_connection_is_shown_and_restored_without_losing_anything(
    stack: Stack, host: StaticHost, tabs: Tabs
) -> None:
    routes: list[WebSocketRoute] = []

    def through(route: WebSocketRoute) -> None:
        route.connect_to_server()  # frames pass unchanged between the page and the real server
        routes.append(route)

    tab = tabs().new()
    tab.page.route_web_socket(re.compile(r"/webhooks/webchat/ws$"), through)
    tab.page.goto(host.page("/reconnect.html", embed(widget_url(stack))))
    tab.open()
    tab.ask("how do i reset my password")

    routes[-1].close(code=1006, reason="network gone")
    expect(tab.status).to_contain_text("Connection lost. Reconnecting")
    expect(tab.status.locator("button")).to_have_text("Retry now")
    tab.shot("reconnecting")
    expect(tab.status).to_be_empty()  # back, after a second or so
    assert len(routes) == 2
    expect(tab.user_messages).to_have_count(1)  # the history, re-read once, not appended twice
    answer = tab.ask("can i bring all my notes over from evernote?")
    expect(answer.locator(".src a")).to_have_text("Import notes from other apps")


def test_a_refusing_server_is_retried_with_growing_jittered_delays(
    stack: Stack, host: StaticHost, tabs: Tabs
) -> None:
    # Same static host, other spelling: http://localhost:<port> is an origin the server does not allow.
    url = host.page("/refused.html", embed(widget_url(stack))).replace("127.0.0.1", "localhost")
    tab = tabs().new()
    tab.page.add_init_script(ATTEMPTS)
    tab.page.goto(url)
    tab.launcher.click()
    expect(tab.panel).to_be_visible()
    expect(tab.status).to_contain_text("Reconnecting")
    tab.page.wait_for_function("window.attempts.length >= 4", timeout=15_000)
    times: list[Any] = tab.page.evaluate("window.attempts")
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)][:3]
    # Delay = cap/2 + random * cap/2 with cap = 1, 2, 4 s; random pinned at 0 gives 0.5, 1, 2 s,
    # plus the time the server takes to refuse.
    for gap, delay in zip(gaps, (500, 1000, 2000), strict=True):
        assert delay <= gap < delay + 600, gaps
    assert any(frame.get("type") == "welcome" for frame in tab.received) is False
