"""HTML and script payloads from a customer or a help-centre document render as inert text.

Every payload would set window.__pwned or open a dialog if it ran; the shadow
root is searched for elements of the kinds the payloads would inject. Agent
texts are covered where an agent really speaks: test_pushed.py.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bot.serve import Stack
from tests.browser.helpers import PAYLOADS, StaticHost, Tabs, embed

pytestmark = pytest.mark.e2e


def widget_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/webchat/static/widget.js"


def test_customer_text_is_shown_as_typed_here_in_another_tab_and_after_a_reload(
    stack: Stack, host: StaticHost, tabs: Tabs
) -> None:
    url = host.page("/inject-user.html", embed(widget_url(stack)))
    profile = tabs()
    tab = profile.new(url)
    tab.open()
    tab.ask("hello")  # the conversation exists now, so a second tab joins it
    other = profile.new(url)
    expect(other.user_messages).to_have_count(1)

    typed = "\n".join(PAYLOADS)
    tab.ask(typed)
    expect(tab.user_messages.last.locator(".b")).to_have_text("You: " + typed)
    expect(other.user_messages.last.locator(".b")).to_have_text("You: " + typed)  # the server's echo
    tab.assert_nothing_ran()
    other.assert_nothing_ran()

    tab.page.reload()  # the same text from the history
    tab.launcher.click()
    expect(tab.user_messages).to_have_count(2)
    expect(tab.user_messages.last.locator(".b")).to_have_text("You: " + typed)
    tab.assert_nothing_ran()
    tab.shot("injection-customer-text")


def test_a_document_full_of_payloads_is_quoted_as_text(stack: Stack, host: StaticHost, tabs: Tabs) -> None:
    tab = tabs().new(host.page("/inject-document.html", embed(widget_url(stack))))
    tab.open()
    answer = tab.ask("How do I print quokka sticker sheets?")
    bubble = answer.locator(".b")
    expect(bubble).to_contain_text("<script>window.__pwned='script'</script>")
    expect(bubble).to_contain_text("<img src=x onerror=\"window.__pwned='img'\">")
    expect(bubble).to_contain_text("<svg onload=\"window.__pwned='svg'\"></svg>")
    expect(bubble).to_contain_text("[quokka layout](javascript:window.__pwned='link')")
    expect(bubble.locator("code")).to_have_text("<iframe src=\"javascript:alert('iframe')\">")
    expect(bubble.locator("strong")).to_have_text("Settings > Stickers")
    expect(bubble.locator("em")).to_have_text("Print quokka sheet")
    expect(bubble.locator("ul > li")).to_have_count(3)
    # The one safe link in the article is a link; the article's javascript: address is not.
    expect(bubble.locator("a")).to_have_count(1)
    expect(bubble.locator("a")).to_have_attribute(
        "href", "https://help.lumenote.example/articles/quokka-stickers"
    )
    source = answer.locator(".src li")
    expect(source).to_have_text("Print quokka sticker sheets <img src=x onerror=\"window.__pwned='title'\">")
    expect(source.locator("a")).to_have_count(0)
    tab.assert_nothing_ran()
    tab.shot("injection-document")

    tab.page.reload()
    tab.launcher.click()
    expect(tab.bot_messages.last.locator(".b")).to_contain_text("<script>window.__pwned='script'</script>")
    tab.assert_nothing_ran()
