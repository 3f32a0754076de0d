"""The conversation log on PostgreSQL: any SQLAlchemy URL in TRACKER_STORE_URL.

Uses the PostgreSQL server these machines run at 127.0.0.1:5432 (trust auth,
user postgres) with a throwaway database; skipped, saying why, where none answers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import psycopg
import pytest

from bot.serve import Stack
from tests.e2e.stack import ChatClient, make_stack
from tests.fakes.postgres import throwaway_database

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with throwaway_database("supportbot_test") as url:
        yield url


@pytest.fixture(scope="module")
def stack(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = make_stack(tmp_path_factory.mktemp("pg"), TRACKER_STORE_URL=database)
    running.start()
    yield running
    running.stop()


def test_conversations_are_logged_in_postgresql_and_read_back(stack: Stack, database: str) -> None:
    async def talk() -> tuple[str, list[dict]]:
        chat = ChatClient(stack.websocket_url)
        await chat.connect()
        [answer] = await chat.say("how do i search only notes with a certian tag?")
        assert answer["citations"]
        await chat.close()
        again = ChatClient(stack.websocket_url)
        welcome = await again.connect(chat.conversation_id)
        await again.close()
        return str(chat.conversation_id), list(welcome["history"])

    conversation_id, history = asyncio.run(talk())
    assert [item["type"] for item in history] == ["user", "bot"]
    with psycopg.connect(database) as db:
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = %s ORDER BY id", (conversation_id,)
        ).fetchall()
    user = [json.loads(data) for kind, data in rows if kind == "user"]
    assert [event["text"] for event in user] == ["how do i search only notes with a certian tag?"]
    assert any(kind == "bot" for kind, _ in rows)
