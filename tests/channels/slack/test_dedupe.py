from __future__ import annotations

import pytest

from channels.slack.dedupe import RecentIds


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_id_is_new_once_then_seen() -> None:
    seen = RecentIds()
    assert seen.seen_before("Ev1") is False
    assert seen.seen_before("Ev1") is True
    assert seen.seen_before("Ev2") is False


def test_ids_are_forgotten_after_the_ttl() -> None:
    clock = Clock()
    seen = RecentIds(ttl_seconds=60, clock=clock)
    seen.seen_before("Ev1")
    clock.now = 59.9
    assert seen.seen_before("Ev1") is True
    clock.now = 60.0
    assert seen.seen_before("Ev1") is False  # forgotten, so recorded afresh
    assert len(seen) == 1


def test_a_repeat_does_not_extend_the_ttl() -> None:
    clock = Clock()
    seen = RecentIds(ttl_seconds=60, clock=clock)
    seen.seen_before("Ev1")
    clock.now = 50
    assert seen.seen_before("Ev1")
    clock.now = 61
    assert not seen.seen_before("Ev1")


def test_the_oldest_ids_make_room_at_capacity() -> None:
    seen = RecentIds(capacity=3)
    for event_id in ("a", "b", "c", "d"):
        seen.seen_before(event_id)
    assert len(seen) == 3
    assert seen.seen_before("b") and seen.seen_before("d")
    assert not seen.seen_before("a")


@pytest.mark.parametrize(("capacity", "ttl"), [(0, 60), (10, 0)])
def test_nonsense_settings_are_refused(capacity: int, ttl: float) -> None:
    with pytest.raises(ValueError):
        RecentIds(capacity=capacity, ttl_seconds=ttl)
