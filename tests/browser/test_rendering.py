"""Every field a server frame can carry, rendered with hostile and tricky values.

No bot here: the widget's files come from the static host and Playwright
answers its WebSocket with scripted frames, so fields the real bot seldom fills
(agent names, button titles, survey wording, notices, error messages) and
Markdown corner cases can be tested one by one. The real servers are in the
other modules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import WebSocketRoute, expect

from tests.browser.helpers import PAYLOADS, StaticHost, Tab, Tabs, embed
from tests.browser.widget_size import STATIC

HOSTILE = " ".join(PAYLOADS)
MARKDOWN = """## Export **your** notes
Use `lumenote export --all` or the snake_case_setting; _really_ *do* it.

```
<b>not bold</b> **not bold either**
```

- [JS](JaVaScRiPt:alert('md-js')) and [data](data:text/html,<script>alert(1)</script>)
- [vb](vbscript:msgbox) and [relative](/settings) and [mail](mailto:help@example.com)
- **[Guide](https://help.example.com/guide)** or https://help.example.com/a_b_c).

3. third
4. fourth"""


def bot(text: str | None, **fields: Any) -> dict[str, Any]:
    frame: dict[str, Any] = {
        "type": "bot",
        "text": text,
        "buttons": [],
        "citations": [],
        "sender": {"kind": "bot"},
    }
    return frame | {"ts": 1_700_000_000.0} | fields


def scripted(tab: Tab, history: list[dict[str, Any]], then: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answer the widget's hello with `history`, then send `then`; return the frames the widget sent."""
    sent: list[dict[str, Any]] = []

    def on_message(ws: WebSocketRoute) -> Callable[[str | bytes], None]:
        def handle(message: str | bytes) -> None:
            frame = json.loads(message)
            sent.append(frame)
            if frame["type"] == "hello":
                ws.send(json.dumps({"type": "welcome", "conversation_id": "c" * 32, "history": history}))
                for reply in then:
                    ws.send(reply if isinstance(reply, str) else json.dumps(reply))

        return handle

    tab.page.route_web_socket(re.compile(r"/webhooks/webchat/ws$"), lambda ws: ws.on_message(on_message(ws)))
    return sent


@pytest.fixture
def widget_page(host: StaticHost) -> str:
    for name in ("widget.js", "chat.js"):
        host.file(f"/webhooks/webchat/static/{name}", STATIC / name)
    return host.page("/scripted.html", embed(host.origin + "/webhooks/webchat/static/widget.js"))


def test_markdown_corner_cases(widget_page: str, tabs: Tabs) -> None:
    tab = tabs().new()
    scripted(tab, [bot(MARKDOWN)], [])
    tab.page.goto(widget_page)
    tab.open()
    bubble = tab.bot_messages.first.locator(".b")
    expect(bubble.locator("p strong").first).to_have_text("Export your notes")  # a heading: a bold line
    expect(bubble.locator("code").first).to_have_text("lumenote export --all")
    expect(bubble).to_contain_text("snake_case_setting")  # not emphasis
    expect(bubble.locator("em")).to_have_text(["really", "do"])
    expect(bubble.locator("pre code")).to_have_text("<b>not bold</b> **not bold either**")
    hrefs = bubble.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == [
        "mailto:help@example.com",
        "https://help.example.com/guide",
        "https://help.example.com/a_b_c",
    ]
    expect(bubble.locator("strong a")).to_have_text("Guide")
    expect(bubble).to_contain_text("[JS](JaVaScRiPt:alert('md-js'))")
    expect(bubble).to_contain_text("[relative](/settings)")
    expect(bubble).to_contain_text("https://help.example.com/a_b_c).")  # the ")." is not part of the link
    expect(bubble.locator("ol")).to_have_attribute("start", "3")
    expect(bubble.locator("ul > li")).to_have_count(3)
    tab.assert_nothing_ran()
    tab.shot("markdown-corner-cases")


def test_every_text_field_of_every_frame_is_inert(widget_page: str, tabs: Tabs) -> None:
    survey: dict[str, Any] = {
        "id": "s1",
        "scale_min": 1,
        "scale_max": 3,
        "question": "Rate " + HOSTILE,
        "comment_prompt": "Why? " + HOSTILE,
        "comment_max_chars": 50,
    }
    history = [
        {"type": "user", "text": HOSTILE, "ts": 1_700_000_000.0},
        bot(
            HOSTILE,
            sender={"kind": "agent", "name": HOSTILE},
            buttons=[{"title": HOSTILE, "payload": "/human"}],
            citations=[
                {"title": HOSTILE, "url": "javascript:alert('citation')"},
                {"title": "data", "url": "data:text/html,<script>alert(1)</script>"},
                {"title": "Safe", "url": "https://help.example.com/safe"},
            ],
            answer_id="a1",
        ),
    ]
    then: list[Any] = [
        bot("A survey", survey=survey),
        {"type": "user", "text": HOSTILE, "ts": 1_700_000_001.0},  # echo from another tab
        {"type": "error", "code": "bad_frame", "message": HOSTILE},
        {"type": "welcome-v2", "html": HOSTILE},  # unknown types are ignored
        "<script>not json</script>",
    ]
    tab = tabs().new()
    scripted(tab, history, then)
    tab.page.goto(widget_page)
    tab.open()
    expect(tab.page.locator("support-chat .err")).to_have_text(HOSTILE)
    expect(tab.user_messages).to_have_count(2)
    agent = tab.bot_messages.first
    expect(agent.locator(".n")).to_have_text(HOSTILE + " · support team")
    expect(agent.locator(".b")).to_have_text(HOSTILE)
    expect(agent.locator(".qr button")).to_have_text(HOSTILE)
    expect(agent.locator(".src li")).to_have_text([HOSTILE, "data", "Safe"])
    expect(agent.locator(".src a")).to_have_attribute("href", "https://help.example.com/safe")
    form = tab.page.locator("support-chat fieldset.sv")
    expect(form.locator("legend")).to_have_text(survey["question"])
    expect(form.get_by_role("textbox")).to_have_attribute("maxlength", "50")
    expect(form.get_by_role("radio")).to_have_count(3)
    tab.assert_nothing_ran()
    tab.shot("every-field-inert")


def test_thumbs_and_survey_send_the_contract_frames(widget_page: str, tabs: Tabs) -> None:
    survey = {
        "id": "s9",
        "scale_min": 0,
        "scale_max": 10,
        "question": "How likely?",
        "comment_prompt": "",
        "comment_max_chars": 100,
    }
    tab = tabs().new()
    sent = scripted(
        tab, [bot("An answer", answer_id="a7", feedback=True)], [bot("How likely?", survey=survey)]
    )
    tab.page.goto(widget_page)
    tab.open()
    up = tab.page.get_by_role("button", name="Helpful", exact=True)
    expect(up).to_have_attribute("aria-pressed", "true")  # from the history
    tab.page.get_by_role("button", name="Not helpful").click()
    form = tab.page.locator("support-chat fieldset.sv")
    expect(form.get_by_role("radio")).to_have_count(11)  # 0..10
    expect(form.get_by_role("textbox")).to_have_count(0)  # no comment prompt, no comment box
    expect(tab.bot_messages.last.locator(".b")).to_have_count(0)  # the question is shown once, as the legend
    form.get_by_text("9", exact=True).click()  # the number a person clicks
    form.get_by_role("button", name="Send rating").click()
    expect(form).to_contain_text("Thanks for your rating!")
    assert sent[1:] == [
        {"type": "feedback", "answer_id": "a7", "helpful": False},
        {"type": "csat", "survey_id": "s9", "rating": 9, "comment": None},
    ]
