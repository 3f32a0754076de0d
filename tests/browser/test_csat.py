"""Thumbs on answers and the post-chat survey, as a customer uses them, and as a reload shows them.

The survey is the real one: bot/support.yml's csat section (scale 1..5, an
optional comment), asked by action_ask_csat after the customer says goodbye.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
import yaml
from playwright.sync_api import expect

from bot.serve import Stack
from tests.browser.helpers import StaticHost, Tabs, embed
from tests.e2e.stack import ROOT

pytestmark = pytest.mark.e2e


def slot_values(stack: Stack, conversation_id: str, name: str) -> list[Any]:
    database = stack.env["TRACKER_STORE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot' ORDER BY id",
            (conversation_id,),
        ).fetchall()
    events = [json.loads(row[0]) for row in rows]
    return [event["value"] for event in events if event["name"] == name]


def test_thumbs_and_the_survey_are_sent_recorded_and_shown_after_a_reload(
    stack: Stack, host: StaticHost, tabs: Tabs
) -> None:
    csat = yaml.safe_load((ROOT / "bot" / "support.yml").read_text())["csat"]
    widget = f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/webchat/static/widget.js"
    tab = tabs().new(host.page("/csat.html", embed(widget)))
    tab.open()

    answer = tab.ask("how do i reset my password")
    [frame] = [f for f in tab.frames("bot") if f.get("answer_id")]
    up = answer.get_by_role("button", name="Helpful", exact=True)
    down = answer.get_by_role("button", name="Not helpful")
    expect(up).to_have_attribute("aria-pressed", "false")
    since = len(tab.received)
    up.click()
    tab.wait_turn(since)
    expect(up).to_have_attribute("aria-pressed", "true")
    since = len(tab.received)
    down.click()  # changed their mind: the latest counts
    tab.wait_turn(since)
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(down).to_have_attribute("aria-pressed", "true")
    assert tab.frames("feedback", sent=True) == [
        {"type": "feedback", "answer_id": frame["answer_id"], "helpful": True},
        {"type": "feedback", "answer_id": frame["answer_id"], "helpful": False},
    ]

    tab.ask("goodbye")
    survey = tab.page.locator("support-chat fieldset.sv")
    expect(survey.locator("legend")).to_have_text(csat["question"])
    group = survey.get_by_role("radiogroup", name=csat["question"])
    radios = group.get_by_role("radio")
    expect(radios).to_have_count(csat["scale_max"] - csat["scale_min"] + 1)
    send = survey.get_by_role("button", name="Send rating")
    expect(send).to_be_disabled()
    comment = survey.get_by_role("textbox", name=csat["comment_prompt"])
    expect(comment).to_have_attribute("maxlength", str(csat["comment_max_chars"]))
    tab.shot("survey-asked")

    radios.first.focus()  # the keyboard way: arrows move the choice
    keys = tab.page.keyboard
    keys.press("ArrowRight")
    keys.press("ArrowRight")
    keys.press("ArrowRight")
    expect(radios.nth(3)).to_be_checked()
    comment.fill("Quick and clear, thanks.")
    expect(send).to_be_enabled()
    since = len(tab.received)
    send.click()
    [thanks] = tab.wait_turn(since)
    assert thanks["text"] == csat["thanks"]
    expect(tab.bot_messages.last).to_contain_text(csat["thanks"])
    expect(send).to_be_disabled()  # answered once
    expect(radios.first).to_be_disabled()
    [sent] = tab.frames("csat", sent=True)
    survey_id = [f["survey"]["id"] for f in tab.frames("bot") if f.get("survey")][0]
    assert sent == {
        "type": "csat",
        "survey_id": survey_id,
        "rating": 4,
        "comment": "Quick and clear, thanks.",
    }
    tab.shot("survey-answered")

    cid = tab.page.evaluate("localStorage.getItem('supportchat.conversation_id')")
    [result] = slot_values(stack, cid, "csat_result")
    assert (result["survey_id"], result["rating"], result["comment"]) == (
        survey_id,
        4,
        "Quick and clear, thanks.",
    )
    assert slot_values(stack, cid, "answer_feedback")[-1]["helpful"] is False

    tab.page.reload()  # the history remembers both
    tab.launcher.click()
    expect(tab.page.locator("support-chat [aria-pressed=true]")).to_have_accessible_name("Not helpful")
    restored = tab.page.locator("support-chat fieldset.sv")
    expect(restored).to_contain_text("Thanks for your rating!")
    expect(restored.get_by_role("radio")).to_have_count(0)
    expect(tab.user_messages.filter(has_text="Rating")).to_have_count(0)  # not shown as a message
