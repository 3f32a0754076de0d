"""Export one customer's data as one JSON document (the right of access).

    document = export_customer(dbs, Customer.parse("slack_user", "U0123ABCD"), now=time.time())

The document (format FORMAT) holds the customer's conversations with every
logged event (as Rasa wrote it), their tickets, handoffs, survey answers and
answer feedback, and their rows in any other support_* table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TypedDict

import sqlalchemy as sa

from actions.privacy.conversations import EventRow, parse_event, slot_value, split_sessions
from actions.privacy.customers import Customer, find_conversations, in_chunks
from actions.privacy.database import HANDOFFS, TICKETS, Databases, Transaction

FORMAT = "supportbot-customer-export/1"
# Columns holding JSON text, exported as JSON values.
_JSON_COLUMNS = {TICKETS: ("context",), HANDOFFS: ("customer", "origin_address")}


class ConversationExport(TypedDict):
    conversation_id: str  # the sender_id: widget conversation id or slack-<channel>[-<thread>]
    session: int  # 0 for the first session of this conversation id
    channel: str | None  # input channel of its user messages: "webchat", "slack"
    started_at: str  # ISO 8601, UTC
    last_event_at: str
    events: list[dict[str, Any]]  # Rasa's events as stored (event, timestamp, text, metadata, ...)


class CustomerExport(TypedDict):
    format: str  # FORMAT
    exported_at: str  # ISO 8601, UTC
    customer: dict[str, str]  # how the customer was named: {"kind": "email", "value": "..."}
    conversations: list[ConversationExport]
    tickets: list[dict[str, Any]]  # support_tickets rows
    handoffs: list[dict[str, Any]]  # support_handoffs rows
    survey_answers: list[dict[str, Any]]  # csat_result values with their conversation id
    answer_feedback: list[dict[str, Any]]  # answer_feedback values with their conversation id
    other: dict[str, list[dict[str, Any]]]  # other support_* tables, rows by table name


def export_customer(dbs: Databases, customer: Customer, now: float) -> CustomerExport:
    senders = sorted(find_conversations(dbs, customer))
    with dbs.reading() as db:
        conversations = _conversations(dbs, db, senders)
        tables = {table.name: _rows(db, table, senders) for table in dbs.support_tables()}
    events = [(c["conversation_id"], e) for c in conversations for e in c["events"]]
    return CustomerExport(
        format=FORMAT,
        exported_at=iso(now),
        customer={"kind": customer.kind, "value": customer.value},
        conversations=conversations,
        tickets=tables.pop(TICKETS, []),
        handoffs=tables.pop(HANDOFFS, []),
        survey_answers=_slot_values(events, "csat_result"),
        answer_feedback=_slot_values(events, "answer_feedback"),
        other=tables,
    )


def _conversations(dbs: Databases, db: Transaction, senders: list[str]) -> list[ConversationExport]:
    events = dbs.events
    if events is None:
        return []
    rows = []
    for condition in in_chunks(events.c.sender_id, senders):
        query = sa.select(events).where(condition).order_by(events.c.sender_id, events.c.id)
        rows += list(db.execute(events, query))
    by_sender: dict[str, list[Any]] = {}
    for row in rows:
        by_sender.setdefault(row.sender_id, []).append(row)
    exported = []
    for sender, its in by_sender.items():
        light = [EventRow(r.id, r.sender_id, r.type_name, r.action_name, r.timestamp or 0.0) for r in its]
        for session in split_sessions(light):
            data = [parse_event(r.data) for r in its if session.first_id <= r.id <= session.last_id]
            exported.append(
                ConversationExport(
                    conversation_id=sender,
                    session=session.index,
                    channel=next((e.get("input_channel") for e in data if e.get("event") == "user"), None),
                    started_at=iso(session.started_at),
                    last_event_at=iso(session.last_event_at),
                    events=data,
                )
            )
    return exported


def _rows(db: Transaction, table: sa.Table, senders: list[str]) -> list[dict[str, Any]]:
    rows = []
    for condition in in_chunks(table.c.conversation_id, senders):
        query = sa.select(table).where(condition).order_by(*table.primary_key.columns)
        rows += [dict(row) for row in db.execute(table, query).mappings()]
    for row in rows:
        for column in _JSON_COLUMNS.get(table.name, ()):
            if isinstance(row.get(column), str):
                row[column] = _json(row[column])
    return rows


def _slot_values(events: Iterable[tuple[str, dict[str, Any]]], name: str) -> list[dict[str, Any]]:
    values = []
    for sender, event in events:
        value = slot_value(event, name)
        if isinstance(value, dict):
            values.append({"conversation_id": sender, **value})
    return values


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
