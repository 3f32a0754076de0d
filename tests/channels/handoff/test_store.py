from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from channels.handoff.store import CLAIMED, PENDING, RESOLVED, HandoffStore, NewHandoff
from tests.fakes.postgres import throwaway_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HandoffStore]:
    if request.param == "sqlite":
        yield HandoffStore.connect(f"sqlite:///{tmp_path / 'support.db'}")
    else:
        with throwaway_database("handoff_test") as url:
            yield HandoffStore.connect(url)


def new(conversation_id: str = "c1", deadline: float | None = 100.0) -> NewHandoff:
    return NewHandoff(
        conversation_id=conversation_id,
        origin="webchat",
        trigger="asked",
        created_at=10.0,
        claim_deadline=deadline,
        customer={"page_url": "https://shop.example/pricing"},
    )


def test_a_handoff_is_found_by_conversation_and_by_thread(store: HandoffStore) -> None:
    handoff = store.create(new())
    assert handoff.status == PENDING and handoff.customer == {"page_url": "https://shop.example/pricing"}
    store.set_thread(handoff.id, "C1", "1700000000.000100")
    assert store.active_for("c1") == store.by_thread("C1", "1700000000.000100")
    assert store.active_for("other") is None


def test_only_one_agent_can_claim(store: HandoffStore) -> None:
    handoff = store.create(new())
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def claim(agent: int) -> None:
        barrier.wait()
        results.append(store.claim(handoff.id, f"U{agent}", f"Agent {agent}", now=20.0))

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    claimed = store.get(handoff.id)
    assert claimed is not None and claimed.status == CLAIMED and claimed.claimed_at == 20.0


def test_resolve_closes_once_and_a_new_handoff_can_start(store: HandoffStore) -> None:
    first = store.create(new())
    assert store.close(first.id, RESOLVED, now=30.0)
    assert not store.close(first.id, RESOLVED, now=31.0)
    assert store.active_for("c1") is None
    second = store.create(new())
    assert store.active_for("c1") == second


def test_unclaimed_handoffs_are_due_once_after_their_deadline(store: HandoffStore) -> None:
    handoff = store.create(new(deadline=100.0))
    store.create(new("c2", deadline=None))
    assert store.unclaimed_past_deadline(now=99.0) == []
    assert [h.id for h in store.unclaimed_past_deadline(now=100.0)] == [handoff.id]
    assert store.mark_pinged(handoff.id, now=101.0)
    assert store.unclaimed_past_deadline(now=200.0) == []


def test_first_agent_reply_time_is_kept(store: HandoffStore) -> None:
    handoff = store.create(new())
    store.record_agent_reply(handoff.id, now=40.0)
    store.record_agent_reply(handoff.id, now=50.0)
    again = store.get(handoff.id)
    assert again is not None and again.first_agent_reply_at == 40.0


def test_tickets(store: HandoffStore) -> None:
    ticket = store.add_ticket("c1", "me@example.com", "call me", "after_hours", {"page_url": "x"}, now=5.0)
    store.mark_ticket_posted(ticket)
    [row] = store.tickets_for("c1")
    assert (row["email"], row["reason"], bool(row["posted_to_slack"])) == (
        "me@example.com",
        "after_hours",
        True,
    )
