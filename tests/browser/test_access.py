"""A conversation with the keyboard alone, and on a phone.

Keyboard: Tab reaches the launcher, Enter opens the dialog with focus in the
message box, focus is visible, quick replies and links are reachable, Escape
closes and gives focus back to the launcher. Phone: 390x844, the panel fills
the screen.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bot.serve import Stack
from tests.browser.helpers import StaticHost, Tab, Tabs, embed

pytestmark = pytest.mark.e2e


def widget_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/webchat/static/widget.js"


def focused(tab: Tab) -> str:
    """The focused element inside the widget, as "tag.class[aria-label]: text"."""
    return str(
        tab.page.evaluate(
            """() => {
              const host = document.activeElement;
              if (!host || host.tagName !== 'SUPPORT-CHAT') return 'page: ' + (host && host.tagName);
              const e = host.shadowRoot.activeElement;
              const label = e.getAttribute('aria-label') || '';
              return e.tagName.toLowerCase() + '.' + e.className + '[' + label + ']: ' + e.textContent.trim();
            }"""
        )
    )


def test_a_whole_conversation_with_the_keyboard_alone(stack: Stack, host: StaticHost, tabs: Tabs) -> None:
    tab = tabs().new(host.page("/keyboard.html", embed(widget_url(stack))))
    keys = tab.page.keyboard
    expect(tab.launcher).to_be_visible()
    keys.press("Tab")  # the page's own button first
    keys.press("Tab")
    assert focused(tab).startswith("button.l[Open chat: Support]")
    assert tab.launcher.evaluate("e => getComputedStyle(e).outlineStyle") != "none"  # focus is visible
    expect(tab.launcher).to_have_attribute("aria-expanded", "false")

    keys.press("Enter")
    expect(tab.panel).to_be_visible()
    expect(tab.launcher).to_have_attribute("aria-expanded", "true")
    assert focused(tab).startswith("textarea")  # focus moved into the dialog
    dialog = tab.page.locator("support-chat [role=dialog]")
    expect(dialog).to_have_accessible_name("Support")
    expect(dialog).to_have_attribute("aria-modal", "false")  # a side panel: the page stays usable
    expect(tab.log).to_have_attribute("role", "log")
    expect(tab.log).to_have_attribute("aria-live", "polite")

    since = len(tab.received)
    keys.type("What's the capital of Australia?")
    keys.press("Enter")
    tab.wait_turn(since)
    offer = tab.bot_messages.last.locator(".qr button")
    expect(offer).to_have_text("Talk to a person")
    since = len(tab.received)
    keys.type("how do i reset my password")
    keys.press("Enter")
    tab.wait_turn(since)

    keys.press("Shift+Tab")  # the "talk to a person" control under the conversation
    assert focused(tab) == "button.hu[]: Talk to a person"
    keys.press("Shift+Tab")  # the answer's "Not helpful", "Helpful", then its source
    keys.press("Shift+Tab")
    keys.press("Shift+Tab")
    assert focused(tab) == "a.[]: Reset your password"
    assert tab.page.evaluate(
        "getComputedStyle(document.querySelector('support-chat').shadowRoot.activeElement).outlineStyle"
    ) not in ("none", "")
    tab.shot("keyboard-focus-on-source")

    keys.press("Escape")
    expect(tab.panel).to_be_hidden()
    assert focused(tab).startswith("button.l")  # back on the launcher
    keys.press("Enter")
    expect(tab.panel).to_be_visible()
    assert focused(tab).startswith("textarea")
    keys.press("Tab")  # Send
    assert focused(tab) == "button.[]: Send"


def test_on_a_phone_the_chat_fills_the_screen(stack: Stack, tabs: Tabs) -> None:
    phone = tabs(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    tab = phone.new(stack.demo_url.replace("localhost", "127.0.0.1"))
    box = tab.launcher.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
    tab.launcher.tap()
    expect(tab.panel).to_be_visible()
    assert tab.panel.bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 844}
    expect(tab.launcher).to_be_hidden()  # it would cover Send
    expect(tab.input).to_have_css("font-size", "16px")  # iOS does not zoom into the page
    expect(tab.panel).to_have_attribute("aria-modal", "true")  # it covers the page
    keys = tab.page.keyboard
    keys.press("Tab")  # from the message box to Send, then round to the top of the dialog
    keys.press("Tab")
    assert focused(tab) == "button.[Close chat]: ×"
    keys.press("Shift+Tab")
    assert focused(tab) == "button.[]: Send"

    answer = tab.ask("how much does the plus plan cost")
    expect(answer.locator(".src a")).to_be_visible()
    tab.shot("phone-390x844")
    tab.page.locator("support-chat header button").tap()
    expect(tab.panel).to_be_hidden()
    expect(tab.launcher).to_be_visible()
