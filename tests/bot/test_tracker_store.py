"""The cached SQL tracker store answers like Rasa's own, from memory only while the database agrees."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import CachedSQLTrackerStore

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [question]
slots:
  streak:
    type: float
    initial_value: 0
    influence_conversation: false
    mappings: [{type: custom}]
"""
)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'conversations.db'}"


def store(url: str, **kwargs: Any) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(domain=DOMAIN, host=url, **kwargs)


def turn(tracker: DialogueStateTracker, text: str, streak: float) -> None:
    tracker.update(UserUttered(text, {"name": "question", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_answer"))
    tracker.update(BotUttered(f"answer to {text}"))
    tracker.update(SlotSet("streak", streak))
    tracker.update(ActionExecuted("action_listen"))


def count_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    loads: list[str] = []
    original = SQLTrackerStore.retrieve

    async def counting(self: SQLTrackerStore, sender_id: str) -> DialogueStateTracker | None:
        loads.append(sender_id)
        return await original(self, sender_id)

    monkeypatch.setattr(SQLTrackerStore, "retrieve", counting)
    return loads


def test_a_saved_conversation_is_retrieved_without_reloading_it(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = count_loads(monkeypatch)
    cached = store(url)
    tracker = DialogueStateTracker("c1", DOMAIN.slots)
    turn(tracker, "hello", 1.0)
    run(cached.save(tracker))

    again = run(cached.retrieve("c1"))

    assert loads == []
    assert again is not tracker  # a copy: the caller may change it
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]
    assert again.get_slot("streak") == 1.0
    assert again.latest_message.text == "hello"


def test_what_it_returns_equals_what_rasa_loads(url: str) -> None:
    cached = store(url)
    tracker = DialogueStateTracker("c1", DOMAIN.slots)
    for n in range(5):
        turn(tracker, f"q{n}", float(n))
        run(cached.save(tracker))
        tracker = run(cached.retrieve("c1"))

    loaded = run(SQLTrackerStore(domain=DOMAIN, host=url).retrieve("c1"))

    assert [e.as_dict() for e in tracker.events] == [e.as_dict() for e in loaded.events]
    assert tracker.current_slot_values() == loaded.current_slot_values()


def test_a_turn_handled_by_another_server_is_read_from_the_database(url: str) -> None:
    first, second = store(url), store(url)
    tracker = DialogueStateTracker("c1", DOMAIN.slots)
    turn(tracker, "one", 1.0)
    run(first.save(tracker))

    elsewhere = run(second.retrieve("c1"))
    turn(elsewhere, "two", 2.0)
    run(second.save(elsewhere))

    back = run(first.retrieve("c1"))
    assert back.latest_message.text == "two"
    assert back.get_slot("streak") == 2.0


def test_changes_that_were_not_saved_are_not_served(url: str) -> None:
    cached = store(url)
    tracker = DialogueStateTracker("c1", DOMAIN.slots)
    turn(tracker, "one", 1.0)
    run(cached.save(tracker))

    turn(tracker, "never saved", 9.0)  # the saved object itself, changed afterwards

    again = run(cached.retrieve("c1"))
    assert again.latest_message.text == "one"
    assert again.get_slot("streak") == 1.0


def test_a_new_session_starts_from_the_database(url: str) -> None:
    cached = store(url)
    tracker = DialogueStateTracker("c1", DOMAIN.slots)
    turn(tracker, "old session", 1.0)
    run(cached.save(tracker))
    tracker = run(cached.retrieve("c1"))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    turn(tracker, "new session", 2.0)
    run(cached.save(tracker))

    again = run(cached.retrieve("c1"))

    assert [e.as_dict() for e in again.events] == [
        e.as_dict() for e in run(SQLTrackerStore(domain=DOMAIN, host=url).retrieve("c1")).events
    ]
    assert not any(getattr(e, "text", None) == "old session" for e in again.events)


def test_an_erased_conversation_is_gone(url: str) -> None:
    cached = store(url)
    tracker = DialogueStateTracker("c1", DOMAIN.slots)
    turn(tracker, "one", 1.0)
    run(cached.save(tracker))
    with cached.session_scope() as session:  # what a privacy erase does to the log
        session.query(cached.SQLEvent).filter(cached.SQLEvent.sender_id == "c1").delete()
        session.commit()

    assert run(cached.retrieve("c1")) is None


def save_conversations(cached: CachedSQLTrackerStore, *senders: str) -> None:
    for sender in senders:
        tracker = DialogueStateTracker(sender, DOMAIN.slots)
        turn(tracker, sender, 1.0)  # 5 events
        run(cached.save(tracker))


def test_at_most_max_events_are_kept(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cached = store(url, max_events=10)
    save_conversations(cached, "a", "b", "c")
    loads = count_loads(monkeypatch)

    for sender in ("a", "b", "c"):
        assert run(cached.retrieve(sender)).latest_message.text == sender

    assert loads[0] == "a"  # the least recently used was dropped and read from the database
    assert cached.kept_events <= 10


def test_an_idle_conversation_is_dropped(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    cached = store(url, idle_seconds=60, clock=lambda: now[0])
    save_conversations(cached, "idle")
    now[0] = 61.0
    save_conversations(cached, "busy")  # any activity sweeps the idle ones out
    loads = count_loads(monkeypatch)

    assert cached.kept_events == 5
    assert run(cached.retrieve("idle")).latest_message.text == "idle"
    assert loads == ["idle"]


def test_an_sqlite_log_uses_write_ahead_logging(url: str) -> None:
    cached = store(url)
    with cached.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_a_kept_conversation_is_saved_without_counting_again(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = store(url)
    tracker = DialogueStateTracker("c1", DOMAIN.slots)
    turn(tracker, "hello", 1.0)
    run(cached.save(tracker))  # not kept yet: Rasa counts
    counts: list[str] = []
    original = SQLTrackerStore._additional_events

    def counting(self: SQLTrackerStore, session: Any, tracker: DialogueStateTracker) -> Any:
        counts.append(tracker.sender_id)
        return original(self, session, tracker)

    monkeypatch.setattr(SQLTrackerStore, "_additional_events", counting)

    for n in range(3):
        again = run(cached.retrieve("c1"))
        turn(again, f"question {n}", float(n))
        run(cached.save(again))

    assert counts == []
    plain = SQLTrackerStore(domain=DOMAIN, host=url)
    loaded = run(plain.retrieve("c1"))
    assert [e.as_dict() for e in loaded.events] == [e.as_dict() for e in again.events]
    assert loaded.get_slot("streak") == 2.0


def test_a_tracker_that_does_not_extend_the_kept_one_is_counted(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = store(url)
    first = DialogueStateTracker("c1", DOMAIN.slots)
    turn(first, "hello", 1.0)
    run(cached.save(first))
    other = DialogueStateTracker("c1", DOMAIN.slots)  # same conversation, built elsewhere
    other.update(SlotSet("streak", 4.0))  # so its 5th event is not the kept tracker's 5th
    turn(other, "something else", 5.0)
    turn(other, "and more", 6.0)
    counts: list[str] = []
    original = SQLTrackerStore._additional_events

    def counting(self: SQLTrackerStore, session: Any, tracker: DialogueStateTracker) -> Any:
        counts.append(tracker.sender_id)
        return original(self, session, tracker)

    monkeypatch.setattr(SQLTrackerStore, "_additional_events", counting)

    run(cached.save(other))

    assert counts == ["c1"]  # Rasa counted what the database holds

    loaded = run(SQLTrackerStore(domain=DOMAIN, host=url).retrieve("c1"))
    # Rasa's rule: the database held 5 events, so events from the 6th on are new.
    expected = [*first.events, *list(other.events)[5:]]
    assert [e.as_dict() for e in loaded.events] == [e.as_dict() for e in expected]
