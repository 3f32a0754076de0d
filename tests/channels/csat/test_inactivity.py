"""The quiet-conversation watch over a conversation log written by Rasa's own SQL tracker store.

Runs on SQLite and on the PostgreSQL server at 127.0.0.1:5432 (a throwaway
database, dropped afterwards; skipped with the reason when no server answers).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from channels.csat.inactivity import InactivityWatch, Quiet
from tests.fakes.postgres import throwaway_database

MINUTE = 60.0
QUIET = 30 * MINUTE
SESSION = 60 * MINUTE
NOW = 1_800_000_000.0


@pytest.fixture(params=["sqlite", "postgresql"])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[SQLTrackerStore, sa.engine.Engine]]:
    if request.param == "sqlite":
        store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "log.db"))
        yield store, sa.create_engine(f"sqlite:///{tmp_path / 'log.db'}", future=True)
        return
    with throwaway_database("csat_test") as url:
        name = url.rsplit("/", 1)[1]
        store = SQLTrackerStore(
            Domain.empty(), dialect="postgresql", host="127.0.0.1", port=5432, username="postgres", db=name
        )
        engine = sa.create_engine(url, future=True)
        yield store, engine
        engine.dispose()
        store.engine.dispose()


def customer(text: str, intent: str, at: float, channel: str = "webchat") -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 1.0}, timestamp=at, input_channel=channel)


def bot(text: str, at: float, custom: dict[str, Any] | None = None) -> BotUttered:
    return BotUttered(text, {"custom": custom} if custom else {}, timestamp=at)


def session(at: float) -> list[Event]:
    return [ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at)]


def asked_and_answered(at: float, channel: str = "webchat") -> list[Event]:
    return [
        *session(at),
        customer("how do I sync?", "question", at + 1, channel),
        bot("Like this.", at + 2, {"answer": {"id": "a1"}}),
    ]


def write(store: SQLTrackerStore, sender: str, events: list[Event]) -> None:
    async def save() -> None:
        existing = await store.retrieve_full_tracker(sender)
        tracker = existing or DialogueStateTracker(sender, slots=[])
        for event in events:
            tracker.update(event)
        await store.save(tracker)

    asyncio.run(save())


def test_a_conversation_quiet_long_enough_is_due_once(log: tuple[SQLTrackerStore, Any]) -> None:
    store, engine = log
    write(store, "quiet", asked_and_answered(NOW - 40 * MINUTE))
    write(store, "recent", asked_and_answered(NOW - 10 * MINUTE))
    write(store, "in-slack", asked_and_answered(NOW - 45 * MINUTE, channel="slack"))
    watch = InactivityWatch(engine, QUIET)
    assert sorted(watch.due(NOW, SESSION), key=lambda q: q.conversation_id) == [
        Quiet("in-slack", "slack"),
        Quiet("quiet", "webchat"),
    ]
    assert watch.due(NOW + 1, SESSION) == []  # poked once
    assert watch.due(NOW + 25 * MINUTE, SESSION) == [Quiet("recent", "webchat")]


def test_the_trigger_read_back_does_not_poke_again_but_a_new_message_does(
    log: tuple[SQLTrackerStore, Any],
) -> None:
    store, engine = log
    write(store, "c1", asked_and_answered(NOW - 40 * MINUTE))
    watch = InactivityWatch(engine, QUIET)
    assert watch.due(NOW, SESSION) == [Quiet("c1", "webchat")]
    write(store, "c1", [customer("EXTERNAL: csat", "EXTERNAL_csat_inactive", NOW + 1)])  # what the sweep adds
    assert watch.due(NOW + 31 * MINUTE, SESSION) == []
    write(store, "c1", [customer("one more thing", "question", NOW + 32 * MINUTE)])
    assert watch.due(NOW + 63 * MINUTE, SESSION) == [Quiet("c1", "webchat")]


@pytest.mark.parametrize(
    "events",
    [
        [
            *session(NOW - 40 * MINUTE),
            customer("hi", "greet", NOW - 40 * MINUTE),
            bot("Hi!", NOW - 40 * MINUTE),
        ],
        [*asked_and_answered(NOW - 40 * MINUTE), ConversationPaused(timestamp=NOW - 39 * MINUTE)],
        [
            *asked_and_answered(NOW - 40 * MINUTE),
            bot("How was it?", NOW - 39 * MINUTE, {"survey": {"id": "s"}}),
        ],
        asked_and_answered(NOW - 70 * MINUTE),  # the session has expired
        [*asked_and_answered(NOW - 90 * MINUTE), *session(NOW - 35 * MINUTE)],  # a new, empty session
    ],
    ids=["small talk only", "paused", "surveyed", "expired", "new session"],
)
def test_conversations_that_are_not_due(log: tuple[SQLTrackerStore, Any], events: list[Event]) -> None:
    store, engine = log
    write(store, "c1", events)
    assert InactivityWatch(engine, QUIET).due(NOW, SESSION) == []


def test_a_resumed_conversation_is_due_again(log: tuple[SQLTrackerStore, Any]) -> None:
    store, engine = log
    events = asked_and_answered(NOW - 50 * MINUTE)
    events += [
        ConversationPaused(timestamp=NOW - 49 * MINUTE),
        ConversationResumed(timestamp=NOW - 45 * MINUTE),
    ]
    write(store, "c1", events)
    assert InactivityWatch(engine, QUIET).due(NOW, SESSION) == [Quiet("c1", "webchat")]


def test_a_restarted_watch_starts_from_the_session_window_and_reads_in_batches(
    log: tuple[SQLTrackerStore, Any],
) -> None:
    store, engine = log
    write(store, "old", asked_and_answered(NOW - 5 * SESSION))
    for n in range(7):
        write(store, f"c{n}", asked_and_answered(NOW - 40 * MINUTE + n))
    watch = InactivityWatch(engine, QUIET, batch=4)
    assert {q.conversation_id for q in watch.due(NOW, SESSION)} == {f"c{n}" for n in range(7)}
    assert "old" not in watch._conversations  # read only from the window on
    write(store, "c9", asked_and_answered(NOW - 35 * MINUTE))
    assert watch.due(NOW + 1, SESSION) == [Quiet("c9", "webchat")]  # new rows only, after the first read


def test_an_empty_log_has_nothing_due(log: tuple[SQLTrackerStore, Any]) -> None:
    _, engine = log
    assert InactivityWatch(engine, QUIET).due(NOW, SESSION) == []
