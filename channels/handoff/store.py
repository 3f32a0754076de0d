"""Handoff and ticket records, in the conversation log's database (any SQLAlchemy URL).

    store = HandoffStore.connect("sqlite:///var/conversations.db")
    handoff = store.create(NewHandoff(conversation_id="c1", origin="webchat", ...))
    store.claim(handoff.id, agent_id="U1", agent_name="Sam", now=time.time())  # True once

SQLAlchemy Core only, so the same code runs on Rasa's SQLAlchemy 1.4 and on
2.x. Claiming is one conditional UPDATE: two agents pressing Claim at once
cannot both win, on SQLite or PostgreSQL alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

PENDING, CLAIMED, RESOLVED, ABANDONED = "pending", "claimed", "resolved", "abandoned"
ACTIVE = (PENDING, CLAIMED)

metadata = sa.MetaData()
handoffs = sa.Table(
    "support_handoffs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("origin", sa.String(32), nullable=False),  # the customer's channel: webchat, slack
    sa.Column("origin_address", sa.Text, nullable=False, default="{}"),  # JSON: where to reach the customer
    sa.Column("slack_channel", sa.String(64)),
    sa.Column("thread_ts", sa.String(64), index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("trigger", sa.String(32), nullable=False),  # asked, unanswered, takeover
    sa.Column("customer", sa.Text, nullable=False, default="{}"),  # JSON: email, page_url, locale
    sa.Column("agent_id", sa.String(64)),
    sa.Column("agent_name", sa.String(255)),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("claim_deadline", sa.Float),
    sa.Column("pinged_at", sa.Float),
    sa.Column("claimed_at", sa.Float),
    sa.Column("first_agent_reply_at", sa.Float),
    sa.Column("closed_at", sa.Float),
)
tickets = sa.Table(
    "support_tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("email", sa.String(320)),
    sa.Column("message", sa.Text),
    sa.Column("reason", sa.String(32), nullable=False),  # after_hours, no_agent, slack_unavailable, unclaimed
    sa.Column("context", sa.Text, nullable=False, default="{}"),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("posted_to_slack", sa.Boolean, nullable=False, default=False),
)


@dataclass(frozen=True)
class NewHandoff:
    conversation_id: str
    origin: str
    trigger: str
    created_at: float
    claim_deadline: float | None = None
    origin_address: dict[str, Any] = field(default_factory=dict)
    customer: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Handoff:
    id: int
    conversation_id: str
    origin: str
    origin_address: dict[str, Any]
    slack_channel: str | None
    thread_ts: str | None
    status: str
    trigger: str
    customer: dict[str, Any]
    agent_id: str | None
    agent_name: str | None
    created_at: float
    claim_deadline: float | None
    pinged_at: float | None
    claimed_at: float | None
    first_agent_reply_at: float | None
    closed_at: float | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


class HandoffStore:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    @classmethod
    def connect(cls, url: str) -> HandoffStore:
        return cls(sa.create_engine(url, future=True, pool_pre_ping=True))

    def create(self, new: NewHandoff) -> Handoff:
        values = {
            "conversation_id": new.conversation_id,
            "origin": new.origin,
            "origin_address": json.dumps(new.origin_address),
            "status": PENDING,
            "trigger": new.trigger,
            "customer": json.dumps(new.customer),
            "created_at": new.created_at,
            "claim_deadline": new.claim_deadline,
        }
        with self.engine.begin() as db:
            key = _new_key(db.execute(handoffs.insert().values(**values)))
        found = self.get(key)
        assert found is not None
        return found

    def get(self, handoff_id: int) -> Handoff | None:
        return self._one(handoffs.c.id == handoff_id)

    def active_for(self, conversation_id: str) -> Handoff | None:
        return self._one(
            sa.and_(handoffs.c.conversation_id == conversation_id, handoffs.c.status.in_(ACTIVE)),
            newest=True,
        )

    def latest_for(self, conversation_id: str) -> Handoff | None:
        return self._one(handoffs.c.conversation_id == conversation_id, newest=True)

    def by_thread(self, slack_channel: str, thread_ts: str) -> Handoff | None:
        return self._one(
            sa.and_(handoffs.c.slack_channel == slack_channel, handoffs.c.thread_ts == thread_ts), newest=True
        )

    def set_thread(self, handoff_id: int, slack_channel: str, thread_ts: str) -> None:
        self._update(handoff_id, None, slack_channel=slack_channel, thread_ts=thread_ts)

    def claim(self, handoff_id: int, agent_id: str, agent_name: str, now: float) -> bool:
        """True for the one agent who claimed a pending handoff; False if someone was first."""
        return self._update(
            handoff_id, (PENDING,), status=CLAIMED, agent_id=agent_id, agent_name=agent_name, claimed_at=now
        )

    def close(self, handoff_id: int, status: str, now: float) -> bool:
        """Resolve or abandon an active handoff; False if it was already closed."""
        return self._update(handoff_id, ACTIVE, status=status, closed_at=now)

    def mark_pinged(self, handoff_id: int, now: float) -> bool:
        return self._update(handoff_id, (PENDING,), pinged_at=now, extra=handoffs.c.pinged_at.is_(None))

    def record_agent_reply(self, handoff_id: int, now: float) -> None:
        self._update(
            handoff_id, None, first_agent_reply_at=now, extra=handoffs.c.first_agent_reply_at.is_(None)
        )

    def unclaimed_past_deadline(self, now: float) -> list[Handoff]:
        query = handoffs.select().where(
            handoffs.c.status == PENDING,
            handoffs.c.pinged_at.is_(None),
            handoffs.c.claim_deadline.isnot(None),
            handoffs.c.claim_deadline <= now,
        )
        with self.engine.connect() as db:
            return [_handoff(row) for row in db.execute(query).mappings()]

    def add_ticket(
        self,
        conversation_id: str,
        email: str | None,
        message: str | None,
        reason: str,
        context: dict[str, Any],
        now: float,
    ) -> int:
        values = {
            "conversation_id": conversation_id,
            "email": email,
            "message": message,
            "reason": reason,
            "context": json.dumps(context),
            "created_at": now,
            "posted_to_slack": False,
        }
        with self.engine.begin() as db:
            return _new_key(db.execute(tickets.insert().values(**values)))

    def mark_ticket_posted(self, ticket_id: int) -> None:
        with self.engine.begin() as db:
            db.execute(tickets.update().where(tickets.c.id == ticket_id).values(posted_to_slack=True))

    def tickets_for(self, conversation_id: str) -> list[dict[str, Any]]:
        query = tickets.select().where(tickets.c.conversation_id == conversation_id).order_by(tickets.c.id)
        with self.engine.connect() as db:
            return [dict(row) for row in db.execute(query).mappings()]

    def _one(self, condition: Any, newest: bool = False) -> Handoff | None:
        query = handoffs.select().where(condition)
        if newest:
            query = query.order_by(handoffs.c.id.desc())
        with self.engine.connect() as db:
            row = db.execute(query.limit(1)).mappings().first()
        return _handoff(row) if row else None

    def _update(
        self, handoff_id: int, statuses: tuple[str, ...] | None, extra: Any = None, **values: Any
    ) -> bool:
        condition = handoffs.c.id == handoff_id
        if statuses is not None:
            condition = sa.and_(condition, handoffs.c.status.in_(statuses))
        if extra is not None:
            condition = sa.and_(condition, extra)
        with self.engine.begin() as db:
            return bool(db.execute(handoffs.update().where(condition).values(**values)).rowcount)


def _new_key(result: Any) -> int:
    key = result.inserted_primary_key  # typed optional in SQLAlchemy 2; always set after an INSERT
    assert key is not None
    return int(key[0])


def _handoff(row: Any) -> Handoff:
    data = dict(row)
    data["origin_address"] = json.loads(data["origin_address"] or "{}")
    data["customer"] = json.loads(data["customer"] or "{}")
    return Handoff(**data)
