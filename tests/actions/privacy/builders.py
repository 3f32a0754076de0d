"""A conversation log and handoff store written as the product writes them.

Events go into Rasa's `events` table exactly as Rasa 3.6's SQLTrackerStore
saves them (its columns; `data` is json.dumps(event.as_dict()); the intent name
and the action or slot name copied into their columns); test_rasa_format.py
checks the same commands against rows written by Rasa itself. Handoffs and
tickets go through the product's own HandoffStore.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from actions.privacy.database import engine_url
from channels.handoff.store import HandoffStore, NewHandoff

DAY = 86_400.0
NOW = 1_760_000_000.0  # 2025-10-09: every test's "now"

metadata = sa.MetaData()
# rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, sa.Sequence("events_seq"), primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


@dataclass
class Store:
    engine: sa.Engine
    handoffs: HandoffStore

    @classmethod
    def create(cls, url: str) -> Store:
        engine = sa.create_engine(engine_url_for_tests(url))
        metadata.create_all(engine)
        return cls(engine, HandoffStore(engine))

    def close(self) -> None:
        self.engine.dispose()

    # Rasa's events --------------------------------------------------------------

    def add(self, sender: str, event: dict[str, Any]) -> None:
        parse_data = event.get("parse_data") or {}
        row = {
            "sender_id": sender,
            "type_name": event["event"],
            "timestamp": event.get("timestamp"),
            "intent_name": (parse_data.get("intent") or {}).get("name"),
            "action_name": event.get("name"),
            "data": json.dumps(event),
        }
        with self.engine.begin() as db:
            db.execute(events.insert().values(**row))

    def session(self, sender: str, at: float) -> None:
        """What Rasa logs when a session starts."""
        self.add(sender, _action("action_session_start", at))
        self.add(sender, {"event": "session_started", "timestamp": at})
        self.add(sender, _action("action_listen", at))

    def user(
        self,
        sender: str,
        text: str,
        at: float,
        channel: str = "webchat",
        context: dict[str, Any] | None = None,
        intent: str = "question",
    ) -> None:
        metadata = {"context": context or {}, "received_at": at}
        message_id = uuid.uuid4().hex
        self.add(
            sender,
            {
                "event": "user",
                "timestamp": at,
                "metadata": metadata,
                "text": text,
                "parse_data": {
                    "intent": {"name": intent, "confidence": 0.9},
                    "entities": [],
                    "text": text,
                    "message_id": message_id,
                    "metadata": metadata,
                },
                "input_channel": channel,
                "message_id": message_id,
            },
        )

    def bot(self, sender: str, text: str, at: float, custom: dict[str, Any] | None = None) -> None:
        data = {"custom": custom} if custom else {}
        self.add(sender, {"event": "bot", "timestamp": at, "text": text, "data": data, "metadata": {}})
        self.add(sender, _action("action_listen", at))

    def slot(self, sender: str, name: str, value: Any, at: float) -> None:
        self.add(sender, {"event": "slot", "timestamp": at, "name": name, "value": value})

    def conversation(
        self, sender: str, at: float, text: str = "how do I export my notes?", **user: Any
    ) -> None:
        """A session with one question and one answer, ending a minute after `at`."""
        self.session(sender, at)
        self.user(sender, text, at + 10, **user)
        self.bot(sender, "Open Settings > Export.", at + 60, {"answer": {"id": uuid.uuid4().hex}})

    def survey_answer(self, sender: str, rating: int, at: float, comment: str | None = None) -> None:
        value = {"survey_id": uuid.uuid4().hex, "rating": rating, "comment": comment, "ts": at}
        self.slot(sender, "csat_result", value, at)

    # Handoffs and tickets, through the product's store ---------------------------

    def handoff(self, sender: str, at: float, customer: dict[str, Any] | None = None) -> int:
        new = NewHandoff(sender, "webchat", "asked", at, customer=customer or {})
        return self.handoffs.create(new).id

    def ticket(self, sender: str, email: str | None, at: float, message: str = "Please call me") -> int:
        return self.handoffs.add_ticket(sender, email, message, "after_hours", {"page_url": "https://x"}, at)

    # Reading back ------------------------------------------------------------------

    def events_of(self, sender: str) -> list[dict[str, Any]]:
        query = sa.select(events.c.data).where(events.c.sender_id == sender).order_by(events.c.id)
        with self.engine.connect() as db:
            return [json.loads(data) for data in db.execute(query).scalars()]

    def count(self, table: str, **where: Any) -> int:
        reflected = sa.Table(table, sa.MetaData(), autoload_with=self.engine)
        query = sa.select(sa.func.count()).select_from(reflected)
        for column, value in where.items():
            query = query.where(reflected.c[column] == value)
        with self.engine.connect() as db:
            return int(db.execute(query).scalar_one())

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, to show that a refused command changed nothing."""
        reflected = sa.MetaData()
        reflected.reflect(self.engine)
        with self.engine.connect() as db:
            return {
                name: sorted(tuple(row) for row in db.execute(sa.select(table)))
                for name, table in sorted(reflected.tables.items())
            }


def engine_url_for_tests(url: str) -> sa.URL:
    return engine_url(url) if not url.startswith("sqlite") else sa.make_url(url)


def _action(name: str, at: float) -> dict[str, Any]:
    return {
        "event": "action",
        "timestamp": at,
        "name": name,
        "policy": None,
        "confidence": None,
        "action_text": None,
        "hide_rule_turn": False,
    }
