"""Reports over a log the real product wrote: Rasa and the action server, talked to over the widget socket.

The synthetic logs of the other tests are checked against Rasa's classes
(test_synthetic.py); this checks the report against what the running product
actually records (answer ids, feedback, survey answers, handoff decisions, the
widget's page context). Starts the real servers, like tests/e2e.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
import websockets

from actions.reports.metrics import ReportSources
from actions.reports.service import ReportService
from bot.serve import Stack
from tests.e2e.stack import ChatClient, make_stack

pytestmark = pytest.mark.e2e
PAGE = "https://shop.example.com/pricing/teams"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = make_stack(tmp_path_factory.mktemp("reports"))
    running.start()
    yield running
    running.stop()


async def open_chat(stack: Stack, page_url: str) -> ChatClient:
    chat = ChatClient(stack.websocket_url)
    chat.ws = await websockets.connect(stack.websocket_url, max_size=2**20)
    welcome = await chat.send({"type": "hello", "conversation_id": None, "context": {"page_url": page_url}})
    chat.conversation_id = welcome["conversation_id"]
    return chat


async def record(chat: ChatClient, frame: dict[str, Any]) -> list[dict[str, Any]]:
    assert await chat.send(frame) == {"type": "typing", "on": True}
    replies = []
    while (reply := await chat.next()) != {"type": "typing", "on": False}:
        replies.append(reply)
    return replies


def test_the_report_reads_what_the_product_recorded(stack: Stack) -> None:
    unknown = "Do you ship printed Lumenote calendars to Antarctica?"

    async def talk() -> None:
        chat = await open_chat(stack, PAGE)
        [answer] = await chat.say("can i bring all my notes over from evernote?")
        await record(chat, {"type": "feedback", "answer_id": answer["answer_id"], "helpful": True})
        [declined] = await chat.say(unknown)
        assert declined["answer_id"] and "couldn't find" in declined["text"]
        *_, asked = await chat.say("bye")
        await record(chat, {"type": "csat", "survey_id": asked["survey"]["id"], "rating": 4, "comment": None})
        await chat.close()

        other = await open_chat(stack, "https://shop.example.com/app")
        await other.say("I want to talk to a person")  # no Slack here: the bot offers to take a message
        await other.close()

    asyncio.run(talk())
    engine = sa.create_engine(stack.env["TRACKER_STORE_URL"])
    service = ReportService(ReportSources(engine, engine), "UTC")
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    report, _ = service.run(service.filters(today, today))
    assert report["conversations"] == 2
    assert report["channels"] == {"webchat": 2}
    assert report["handoff"]["handed_off"] == 1 and report["handoff"]["after_hours"] == 0
    assert report["containment"]["contained"] == 0  # one handed off; the other ended on a declined answer
    assert report["helpfulness"]["helpful"] == 1 and report["helpfulness"]["rated"] == 1
    assert report["unanswered"]["declined_answers"] == 1
    assert [gap["question"] for gap in report["knowledge_gaps"]] == [unknown]
    assert report["csat"]["responses"] == 1 and report["csat"]["by_path"]["bot_only"]["average"] == 4.0
    on_page, _ = service.run(
        service.filters(today, today, page_url_prefix="https://shop.example.com/pricing")
    )
    assert on_page["conversations"] == 1 and on_page["csat"]["average"] == 4.0
