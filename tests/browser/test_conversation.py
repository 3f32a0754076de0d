"""A customer's conversation in a real Chromium against the real servers.

Asks on the demo page the Rasa server serves and on a customer's own page on
another origin; reloads; follows the conversation in a second tab, which is how
the server pushes messages to a widget that did not send them.
"""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from playwright.sync_api import expect

from bot.serve import Stack
from tests.browser.helpers import StaticHost, Tab, Tabs, embed

pytestmark = pytest.mark.e2e
HELP = "https://help.lumenote.example/articles/"


def demo_url(stack: Stack) -> str:
    return stack.demo_url.replace("localhost", "127.0.0.1")


def widget_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/webchat/static/widget.js"


def watch_typing(tab: Tab) -> None:
    """Record in the page whether the typing indicator was ever shown (it is on for a moment only)."""
    tab.page.evaluate(
        """() => {
          const t = document.querySelector('support-chat').shadowRoot.querySelector('.t');
          window.typingSeen = false;
          new MutationObserver(() => { if (!t.hidden) window.typingSeen = true; })
            .observe(t, {attributes: true, attributeFilter: ['hidden']});
        }"""
    )


def test_ask_on_the_demo_page_read_the_cited_answer_reload_and_follow_in_a_second_tab(
    stack: Stack, tabs: Tabs
) -> None:
    profile = tabs()
    tab = profile.new(demo_url(stack))
    tab.open()
    watch_typing(tab)

    answer = tab.ask("Can I use Lumenote offline?")
    expect(answer.locator(".b")).to_contain_text("offline")
    expect(answer.locator(".b strong").first).to_have_text("all plans")  # Markdown, rendered
    source = answer.locator(".src a")
    expect(source).to_have_text("Use Lumenote offline")
    expect(source).to_have_attribute("href", HELP + "offline-mode")
    expect(source).to_have_attribute("rel", "noopener noreferrer")
    assert tab.page.evaluate("window.typingSeen") is True
    expect(tab.page.locator("support-chat .t")).to_be_hidden()

    listed = tab.ask("How do I make notebooks available offline on my phone?")
    expect(listed.locator(".b ol li").first).to_contain_text("Open the notebook list")
    tab.shot("demo-cited-answer")

    # Reload: the conversation is restored before the panel is even opened.
    tab.page.reload()
    expect(tab.panel).to_be_hidden()
    expect(tab.user_messages).to_have_count(2)
    tab.launcher.click()
    expect(tab.user_messages.first).to_contain_text("Can I use Lumenote offline?")
    expect(tab.bot_messages.filter(has_text="all plans").locator(".src a")).to_have_attribute(
        "href", HELP + "offline-mode"
    )

    # A second tab of the same browser joins the conversation and is pushed what the first one says.
    other = profile.new(demo_url(stack))
    expect(other.user_messages).to_have_count(2)
    expect(other.launcher).to_have_attribute("aria-label", "Open chat: Lumenote support")
    tab.ask("is there a linux version of the desktop app")
    expect(other.user_messages.last).to_contain_text("is there a linux version")
    expect(other.bot_messages.last.locator(".src a")).to_have_count(1)
    expect(other.badge).to_have_text("1")  # closed panel: unread badge
    expect(other.launcher).to_have_attribute("aria-label", re.compile(r"\(1 new\)$"))
    other.shot("second-tab-unread-badge")
    other.launcher.click()
    expect(other.badge).to_be_hidden()


def test_a_customer_page_on_another_origin_in_german_with_settings_and_context(
    stack: Stack, host: StaticHost, tabs: Tabs
) -> None:
    url = host.page(
        "/de/konto.html",
        embed(
            widget_url(stack),
            lang="de-AT",
            attributes='data-title="Hilfe" data-color="#2b8a3e" data-position="left"',
            head="<script>window.SupportChat = {customerId: 'cust-42', customerEmail: 'jana@example.com'};"
            "</script>",
        ),
    )
    tab = tabs(timezone_id="Europe/Vienna", locale="en-US").new(url)
    expect(tab.launcher).to_have_attribute("aria-label", "Chat öffnen: Hilfe")
    box = tab.launcher.bounding_box()
    assert box is not None and box["x"] < 100  # bottom left
    tab.open()
    header = tab.page.locator("support-chat header")
    expect(header).to_have_css("background-color", "rgb(43, 138, 62)")
    expect(header.locator("h2")).to_have_text("Hilfe")
    expect(tab.input).to_have_attribute("placeholder", "Nachricht eingeben…")
    expect(tab.page.locator("support-chat .hu")).to_have_text("Mit einem Menschen sprechen")
    expect(tab.page.locator("support-chat [role=dialog]")).to_have_attribute("aria-labelledby", "h")

    answer = tab.ask("can i bring all my notes over from evernote?")
    expect(answer.locator(".src a")).to_have_attribute("href", HELP + "import-from-other-apps")
    expect(answer.locator(".src")).to_contain_text("Quellen:")
    tab.shot("customer-page-german")

    hello = tab.frames("hello", sent=True)[0]
    assert hello["context"] == {
        "page_url": url,
        "page_title": "Quokka Shop",
        "locale": "de-AT",
        "timezone": "Europe/Vienna",
        "customer_id": "cust-42",
        "customer_email": "jana@example.com",
    }
    # A single-page shop moves on without a reload; the next message carries the new page.
    tab.page.evaluate("history.pushState({}, '', '/de/kasse.html'); document.title = 'Kasse'")
    tab.ask("how do i reset my password")
    moved = tab.frames("hello", sent=True)[-1]["context"]
    assert (moved["page_url"], moved["page_title"]) == (host.origin + "/de/kasse.html", "Kasse")
    expect(tab.user_messages).to_have_count(2)  # the history was re-read, nothing doubled

    # What the server kept with the customer's messages: the conversation log.
    cid = tab.page.evaluate("localStorage.getItem('supportchat.conversation_id')")
    database = stack.env["TRACKER_STORE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (cid,)
        ).fetchall()
    assert [json.loads(row[0])["metadata"]["context"] for row in rows] == [hello["context"], moved]
