"""What the widget costs a customer's page, and that the page and the widget cannot hurt each other.

The pages are plain static pages on another origin, embedding the widget with
one async script tag as docs/widget.md tells customers to.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Route, expect

from bot.serve import Stack
from tests.browser import widget_size
from tests.browser.helpers import StaticHost, Tab, Tabs, embed

pytestmark = pytest.mark.e2e
HOSTILE_CSS = """<style>
* { color: transparent !important; font-family: serif !important; }
button { display: none !important; }
div { background: #f00 !important; padding: 40px !important; }
body > * { display: none !important; }
support-chat { display: none !important; --c: #f00 !important; }
</style>"""
STYLES_OF = """(id) => { const s = getComputedStyle(document.getElementById(id));
  return JSON.stringify([...s].map(p => [p, s.getPropertyValue(p)])); }"""


def widget_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/webchat/static/widget.js"


def bot_files(tab: Tab, stack: Stack) -> list[str]:
    """Names of the widget files this tab fetched from the bot's server."""
    prefix = f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/webchat/static/"
    return [url.removeprefix(prefix).split("?")[0] for url in tab.requests if url.startswith(prefix)]


def downloaded_gzip_kb(bodies: dict[str, bytes]) -> float:
    return round(sum(widget_size.gzip_bytes(body) for body in bodies.values()) / 1000, 2)


def record_bodies(tab: Tab) -> dict[str, bytes]:
    bodies: dict[str, bytes] = {}

    def keep(response: Any) -> None:
        if "/webhooks/webchat/static/" in response.url:
            bodies[response.url.rsplit("/", 1)[1]] = response.body()

    tab.page.on("response", keep)
    return bodies


def settle(tab: Tab) -> None:
    tab.page.wait_for_load_state("networkidle")
    tab.page.wait_for_timeout(300)


def test_a_first_visit_downloads_only_the_loader_until_the_chat_opens(
    stack: Stack, host: StaticHost, tabs: Tabs
) -> None:
    url = host.page("/first.html", embed(widget_url(stack)))
    tab = tabs().new()
    bodies = record_bodies(tab)
    tab.page.goto(url)
    expect(tab.launcher).to_be_visible()
    settle(tab)
    assert bot_files(tab, stack) == ["widget.js"] and tab.sockets == []
    assert downloaded_gzip_kb(bodies) <= widget_size.gzip_kb(widget_size.FIRST_VISIT)
    tab.shot("first-visit-launcher")

    tab.open()  # now the panel is fetched and the connection opens
    assert bot_files(tab, stack) == ["widget.js", "chat.js"] and len(tab.sockets) == 1


def test_a_returning_visitor_is_restored_within_the_budget_and_gets_the_badge(
    stack: Stack, host: StaticHost, tabs: Tabs
) -> None:
    url = host.page("/returning.html", embed(widget_url(stack)))
    profile = tabs()
    first = profile.new(url)
    first.open()
    first.ask("hello")

    again = profile.new()
    bodies = record_bodies(again)
    again.page.goto(url)
    expect(again.user_messages).to_have_count(1)  # restored before opening
    settle(again)
    fetched = bot_files(again, stack)
    assert set(fetched) <= set(widget_size.BEFORE_OPEN), fetched  # what `make widget-size` measures
    assert downloaded_gzip_kb(bodies) <= widget_size.BUDGET_KB
    assert len(again.sockets) == 1

    first.ask("how do i reset my password")  # pushed to the other tab by the server
    expect(again.badge).to_have_text("1")
    expect(again.launcher).to_have_attribute("aria-label", re.compile(r"\(1 new\)$"))


def test_a_tab_opened_before_the_conversation_began_joins_it(
    stack: Stack, host: StaticHost, tabs: Tabs
) -> None:
    url = host.page("/early.html", embed(widget_url(stack)))
    profile = tabs()
    early = profile.new(url)
    expect(early.launcher).to_be_visible()
    talking = profile.new(url)
    talking.open()
    talking.ask("hello")
    # The stored conversation id reaches the early tab as a storage event: it fetches the panel and joins.
    expect(early.user_messages).to_have_count(1)
    expect(early.badge).to_be_hidden()  # what it read from the history is not new
    talking.ask("how do i reset my password")
    expect(early.badge).to_have_text("1")
    assert len(early.sockets) == 1


def test_loading_it_twice_does_nothing_the_second_time(stack: Stack, host: StaticHost, tabs: Tabs) -> None:
    twice = f'<script async src="{widget_url(stack)}" data-title="Second copy"></script>'
    url = host.page("/twice.html", embed(widget_url(stack), body=twice))
    tab = tabs().new(url)
    expect(tab.launcher).to_be_visible()
    tab.page.evaluate(
        """(src) => new Promise(done => {
             const s = document.createElement('script');
             s.src = src; s.onload = done; document.body.append(s);
           })""",
        widget_url(stack),
    )
    tab.open()
    assert tab.page.locator("support-chat").count() == 1
    assert (
        tab.page.evaluate("document.querySelector('support-chat').shadowRoot.querySelectorAll('.p').length")
        == 1
    )
    assert len(tab.sockets) == 1
    assert bot_files(tab, stack).count("chat.js") == 1


def test_the_page_never_waits_for_the_widget(stack: Stack, host: StaticHost, tabs: Tabs) -> None:
    probe = """<script>
      document.addEventListener('DOMContentLoaded', () => {
        window.readyAt = performance.now(); window.widgetAtReady = !!window.SupportChat; });
    </script>"""
    url = host.page("/slow.html", embed(widget_url(stack), head=probe))
    tab = tabs().new()

    def slow(route: Route) -> None:
        time.sleep(2)  # a slow or unreachable bot server
        route.continue_()

    tab.page.route("**/widget.js", slow)
    tab.page.goto(url, wait_until="domcontentloaded")
    expect(tab.launcher).to_be_visible()
    assert tab.page.evaluate("window.widgetAtReady") is False
    assert tab.page.evaluate("window.readyAt") < 1500  # the page was ready long before the widget came


def test_hostile_page_styles_cannot_break_it(stack: Stack, host: StaticHost, tabs: Tabs) -> None:
    url = host.page("/hostile.html", embed(widget_url(stack), head=HOSTILE_CSS))
    tab = tabs().new(url)
    expect(tab.launcher).to_be_visible()
    expect(tab.launcher).to_have_css("background-color", "rgb(59, 91, 219)")
    tab.open()
    header = tab.page.locator("support-chat header")
    expect(header.locator("h2")).to_have_css("color", "rgb(255, 255, 255)")
    expect(tab.page.locator("support-chat .f button")).to_be_visible()
    answer = tab.ask("how do i reset my password")
    bubble = answer.locator(".b")
    expect(bubble).to_have_css("color", "rgb(33, 37, 41)")
    expect(bubble).to_have_css("background-color", "rgb(241, 243, 245)")
    assert bubble.evaluate("e => getComputedStyle(e).fontFamily") != "serif"
    tab.shot("hostile-page-styles")


def test_its_styles_do_not_leak_into_the_page(stack: Stack, host: StaticHost, tabs: Tabs) -> None:
    # Recorded by the page itself, before the widget's async script can run.
    before = """<script>
      window.before = { sheets: document.styleSheets.length,
        button: (s => JSON.stringify([...s].map(p => [p, s.getPropertyValue(p)])))(
          getComputedStyle(document.getElementById('page-button'))) };
    </script>"""
    url = host.page("/plain-leak.html", embed(widget_url(stack), body=before))
    tab = tabs().new(url)
    tab.open()
    tab.ask("hello")
    after = tab.page.evaluate(STYLES_OF, "page-button")
    recorded = tab.page.evaluate("window.before")
    assert after == recorded["button"]
    assert tab.page.evaluate("document.styleSheets.length") == recorded["sheets"]
    assert tab.page.evaluate("document.adoptedStyleSheets.length") == 0
    # The page's own elements, then the widget's one host element; everything else is in its shadow root.
    children = tab.page.evaluate("[...document.body.children].map(e => e.tagName.toLowerCase())")
    assert children == ["h1", "p", "button", "script", "script", "support-chat"]


def test_a_strict_content_security_policy_needs_no_exceptions_for_it(
    stack: Stack, host: StaticHost, tabs: Tabs
) -> None:
    port = stack.env["RASA_PORT"]
    policy = (
        "default-src 'none'; script-src 'nonce-t3st'; style-src 'none'; "
        f"connect-src ws://127.0.0.1:{port}; img-src 'none'"
    )
    head = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    page = embed(widget_url(stack), head=head, attributes='nonce="t3st"')
    tab = tabs().new()
    tab.page.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation', e => violations.push(e.violatedDirective))"
    )
    tab.page.goto(host.page("/csp.html", page))
    tab.open()
    expect(tab.launcher).to_have_css("background-color", "rgb(59, 91, 219)")  # its styles applied
    answer = tab.ask("how do i reset my password")
    expect(answer.locator(".b")).to_have_css("background-color", "rgb(241, 243, 245)")
    assert tab.page.evaluate("window.violations") == []
