"""A refused message (`rate_limited`) as the widget shows it, against scripted frames.

The real server's limits are in tests/e2e/test_faults.py; here Playwright plays the
server, so what the customer sees can be checked exactly: the reason, and their
text back in the box (nothing reached the bot), while a refused thumb leaves the
messages alone.
"""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import WebSocketRoute, expect

from tests.browser.helpers import Tab, Tabs
from tests.browser.test_rendering import bot, widget_page  # noqa: F401  (widget_page is a fixture)

REFUSAL = {
    "type": "error",
    "code": "rate_limited",
    "message": "You're sending messages faster than I can answer; please wait 12 seconds.",
}


def server(tab: Tab, answer: dict[str, Any], refuse: set[str]) -> None:
    """Welcome, answer the first message, refuse the frame types in `refuse` after that."""
    answered: list[bool] = []

    def handle(ws: WebSocketRoute, message: str | bytes) -> None:
        frame = json.loads(message)
        if frame["type"] == "hello":
            ws.send(json.dumps({"type": "welcome", "conversation_id": "c" * 32, "history": []}))
        elif frame["type"] in refuse and answered:
            ws.send(json.dumps(REFUSAL))
        else:
            answered.append(True)
            for reply in ({"type": "typing", "on": True}, answer, {"type": "typing", "on": False}):
                ws.send(json.dumps(reply))

    pattern = re.compile(r"/webhooks/webchat/ws$")
    tab.page.route_web_socket(pattern, lambda ws: ws.on_message(lambda m: handle(ws, m)))


def say(tab: Tab, text: str) -> None:
    tab.input.fill(text)
    tab.input.press("Enter")


def test_a_refused_message_is_explained_and_given_back(widget_page: str, tabs: Tabs) -> None:  # noqa: F811
    tab = tabs().new()
    server(tab, bot("Here you go."), refuse={"message"})
    tab.page.goto(widget_page)
    tab.open()
    say(tab, "first question")
    expect(tab.bot_messages).to_have_count(1)
    say(tab, "second question")
    expect(tab.page.locator("support-chat .err")).to_have_text(REFUSAL["message"])
    expect(tab.user_messages).to_have_count(1)  # the refused bubble is gone
    expect(tab.user_messages).to_contain_text("first question")
    expect(tab.input).to_have_value("second question")  # ready to send again when the wait is over
    tab.shot("rate-limited")


def test_a_refused_thumb_leaves_the_messages_alone(widget_page: str, tabs: Tabs) -> None:  # noqa: F811
    tab = tabs().new()
    server(tab, bot("An answer", answer_id="a1"), refuse={"feedback"})
    tab.page.goto(widget_page)
    tab.open()
    say(tab, "a question")
    expect(tab.bot_messages).to_have_count(1)
    tab.page.get_by_role("button", name="Helpful", exact=True).click()
    expect(tab.page.locator("support-chat .err")).to_have_text(REFUSAL["message"])
    expect(tab.user_messages).to_have_count(1)
    expect(tab.user_messages).to_contain_text("a question")
    expect(tab.input).to_have_value("")
