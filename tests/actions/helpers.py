"""Build rasa-sdk Trackers the way the action server receives them."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def tracker(text: str = "", slots: dict[str, Any] | None = None, intent: str = "question") -> Tracker:
    return Tracker(
        sender_id="c1",
        slots=slots or {},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
