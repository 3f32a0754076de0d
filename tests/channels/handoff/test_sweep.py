"""Every Rasa server sweeps for unclaimed handoffs; each one is pinged once, by one of them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from channels.handoff.ports import Line
from channels.handoff.relay import HandoffRelay
from channels.handoff.store import Handoff, HandoffStore, NewHandoff


class Desk:
    def __init__(self) -> None:
        self.pings: list[str] = []

    async def ping(self, handoff: Handoff, waited_seconds: float) -> None:
        self.pings.append(handoff.conversation_id)


class Log:
    async def add_bot_message(self, conversation_id: str, message: dict[str, Any]) -> dict[str, Any]:
        return message

    async def transcript(self, conversation_id: str) -> list[Line]:
        return []


class Customers:
    def __init__(self) -> None:
        self.told: list[str] = []

    async def deliver(self, handoff: Handoff, message: dict[str, Any]) -> None:
        self.told.append(handoff.conversation_id)


class StaleStore(HandoffStore):
    """What a second server read before the first marked anything: the same due handoffs."""

    def __init__(self, store: HandoffStore, due: list[Handoff]) -> None:
        super().__init__(store.engine)
        self.due = due

    def unclaimed_past_deadline(self, now: float) -> list[Handoff]:
        return self.due


def test_two_servers_sweeping_at_once_ping_each_handoff_once(tmp_path: Path) -> None:
    store = HandoffStore.connect(f"sqlite:///{tmp_path / 'support.db'}")
    for cid in ("c1", "c2"):
        store.create(
            NewHandoff(
                conversation_id=cid, origin="webchat", trigger="asked", created_at=0, claim_deadline=10
            )
        )
    desk, customers = Desk(), Customers()
    due = store.unclaimed_past_deadline(now=20)
    first = HandoffRelay(store, desk, Log(), customers, clock=lambda: 20.0)  # type: ignore[arg-type]
    second = HandoffRelay(StaleStore(store, due), desk, Log(), customers, clock=lambda: 20.0)  # type: ignore[arg-type]

    async def sweep_both() -> list[int]:
        return list(await asyncio.gather(first.sweep(), second.sweep()))

    assert sum(asyncio.run(sweep_both())) == 2
    assert sorted(desk.pings) == ["c1", "c2"] and sorted(customers.told) == ["c1", "c2"]
