"""An agent's reply in Slack is pushed to the customer's widget, labelled with the agent's name.

The customer uses the "talk to a person" control; the real Rasa server opens
the handoff thread in the local fake Slack; the agent claims it and replies the
way Slack delivers events (signed, HTML-escaped as Slack escapes it). The reply
travels relay -> hub -> WebSocket -> widget, the real push path, while the
panel is closed, so it also raises the unread badge.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from bot.serve import Stack
from tests.browser.helpers import PAYLOADS, StaticHost, Tabs, embed
from tests.e2e.test_handoff import agent_says, click, parent_ts, wait_for
from tests.fakes.slack_server import FakeSlack

pytestmark = pytest.mark.e2e
SUPPORT = "C0SUPPORT"


def slack_escaped(text: str) -> str:
    """How Slack sends text a person typed: &, < and > as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_talk_to_a_person_and_the_agents_reply_arrives_labelled_and_inert(
    stack: Stack, host: StaticHost, slack: FakeSlack, tabs: Tabs
) -> None:
    url = host.page(
        "/pushed.html",
        embed(
            f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/webchat/static/widget.js",
            attributes='data-title="Quokka help"',
        ),
    )
    tab = tabs().new(url)
    tab.open()
    tab.ask("how do i search only notes with a certian tag?")

    since = len(tab.received)
    tab.page.locator("support-chat .hu").click()
    [connecting] = tab.wait_turn(since)
    assert "connecting you with a person" in connecting["text"]
    assert tab.frames("message", sent=True)[-1] == {
        "type": "message",
        "text": "Talk to a person",
        "payload": "/human",
    }
    expect(tab.user_messages.last).to_contain_text("Talk to a person")
    cid = tab.page.evaluate("localStorage.getItem('supportchat.conversation_id')")

    thread = wait_for(
        slack, "chat.postMessage", lambda c: c.args.get("channel") == SUPPORT and cid in str(c.args)
    )
    thread_ts = parent_ts(slack, thread)
    click(stack, "handoff_claim", cid, thread_ts)
    joined = tab.bot_messages.filter(has_text="Sam from the support team has joined the chat.")
    expect(joined).to_have_count(1)

    tab.page.keyboard.press("Escape")  # the customer closes the panel and reads the page
    expect(tab.panel).to_be_hidden()
    said = "Here is the guide: https://help.lumenote.example/articles/search-tips\n" + "\n".join(PAYLOADS)
    agent_says(stack, slack_escaped(said), thread_ts, event_id=f"EvBrowser{time.time_ns()}")  # ids are unique

    expect(tab.badge).to_have_text("1")
    expect(tab.launcher).to_have_attribute("aria-label", re.compile(r"Quokka help \(1 new\)$"))
    tab.launcher.click()
    reply = tab.bot_messages.last
    expect(reply.locator(".n")).to_have_text("Sam · support team")
    for payload in PAYLOADS:
        expect(reply.locator(".b")).to_contain_text(payload)
    expect(reply.locator(".b a")).to_have_attribute(
        "href", "https://help.lumenote.example/articles/search-tips"
    )
    tab.assert_nothing_ran()
    tab.shot("agent-reply-pushed")

    tab.page.reload()  # the agent's message is in the history, labelled the same way
    tab.launcher.click()
    expect(tab.bot_messages.last.locator(".n")).to_have_text("Sam · support team")
    tab.assert_nothing_ran()
