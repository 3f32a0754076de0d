"""Who a customer is, and which conversations (sender_ids) are theirs.

    who = Customer.parse("email", "Jane@Example.com")
    senders = find_conversations(dbs, who)     # {"3f2a...", "slack-D0123"}

A customer is named by one of:
- conversation: a sender_id (the widget's conversation id, or a Slack one,
  `slack-<channel>[-<thread ts>]`, see channels/slack/customers.py);
- email: matched case-insensitively against tickets' email, the handoffs'
  customer JSON (email, customer_email), `contact_email` slot values and the
  widget context's customer_email in user events' metadata;
- customer_id: the widget context's customer_id (set by the site);
- slack_user: the Slack user id recorded in a Slack customer's user events
  (metadata.context.slack_user) and in their handoffs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from actions.privacy.conversations import parse_event, slot_value, user_context
from actions.privacy.database import EVENTS, HANDOFFS, TICKETS, Databases, Transaction
from actions.privacy.settings import PrivacySettingsError

KINDS = ("conversation", "email", "customer_id", "slack_user")
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,255}$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,30}$")
_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]{1,255}$")
CHUNK = 500  # ids per IN (...) list: well under every database's parameter limit


class UnknownCustomer(LookupError):
    """Nothing is stored for this customer (never was, or already erased)."""


@dataclass(frozen=True)
class Customer:
    kind: str  # one of KINDS
    value: str

    @classmethod
    def parse(cls, kind: str, raw: str) -> Customer:
        """Validate an identifier; PrivacySettingsError says what a valid one looks like."""
        value = raw.strip()
        if kind == "conversation":
            if not _CONVERSATION_ID.match(value):
                raise PrivacySettingsError(
                    f"--conversation must be a conversation id (letters, digits, - _ . :; as in the widget "
                    f"or slack-C0123-1700000000.000100), got {raw!r}"
                )
        elif kind == "email":
            try:
                validate_email(value, check_deliverability=False)
            except EmailNotValidError as error:
                raise PrivacySettingsError(
                    f"--email must be an e-mail address ({error}), got {raw!r}"
                ) from None
            value = value.lower()
        elif kind == "slack_user":
            if not _SLACK_USER.match(value):
                raise PrivacySettingsError(
                    f"--slack-user must be a Slack user id like U0123ABCD, got {raw!r}"
                )
        elif kind == "customer_id":
            if not _PRINTABLE.match(value):
                raise PrivacySettingsError(
                    f"--customer-id must be 1-255 printable characters (the widget customer_id), got {raw!r}"
                )
        else:
            raise PrivacySettingsError(f"unknown identifier kind {kind!r}: choose from {', '.join(KINDS)}")
        return cls(kind, value)

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"

    def matches_event(self, event: dict[str, Any]) -> bool:
        context = user_context(event)
        if self.kind == "email":
            found = [slot_value(event, "contact_email"), context.get("customer_email")]
            return any(isinstance(v, str) and v.strip().lower() == self.value for v in found)
        if self.kind == "customer_id":
            return context.get("customer_id") == self.value
        if self.kind == "slack_user":
            return context.get("slack_user") == self.value
        return False

    def matches_handoff_customer(self, customer: dict[str, Any]) -> bool:
        if self.kind == "email":
            found = [customer.get("email"), customer.get("customer_email")]
            return any(isinstance(v, str) and v.strip().lower() == self.value for v in found)
        key = {"customer_id": "customer_id", "slack_user": "slack_user"}.get(self.kind)
        return key is not None and customer.get(key) == self.value

    @property
    def needle(self) -> str:
        """How the value appears inside Rasa's JSON text (json.dumps escapes non-ASCII)."""
        return json.dumps(self.value)[1:-1].lower()


def find_conversations(dbs: Databases, customer: Customer) -> set[str]:
    """Every sender_id holding this customer's data; UnknownCustomer if there is none."""
    with dbs.reading() as db:
        if customer.kind == "conversation":
            found = _known_conversation(dbs, db, customer.value)
        else:
            found = _from_events(dbs, db, customer) | _from_handoffs(dbs, db, customer)
            if customer.kind == "email":
                found |= _from_tickets(dbs, db, customer)
    if not found:
        raise UnknownCustomer(f"nothing is stored for {customer} (never was, or it was erased already)")
    return found


def _known_conversation(dbs: Databases, db: Transaction, sender_id: str) -> set[str]:
    tables = ([dbs.events] if dbs.events is not None else []) + dbs.support_tables()
    for table in tables:
        column = table.c.sender_id if table.name == EVENTS else table.c.conversation_id
        if db.execute(table, sa.select(column).where(column == sender_id).limit(1)).first():
            return {sender_id}
    return set()


def _from_events(dbs: Databases, db: Transaction, customer: Customer) -> set[str]:
    events = dbs.events
    if events is None:
        return set()
    # The database narrows by text, the JSON decides: a name inside someone's message is no match.
    query = sa.select(events.c.sender_id, events.c.data).where(
        events.c.type_name.in_(("user", "slot")),
        sa.func.lower(events.c.data).contains(customer.needle, autoescape=True),
    )
    return {
        row.sender_id for row in db.execute(events, query) if customer.matches_event(parse_event(row.data))
    }


def _from_handoffs(dbs: Databases, db: Transaction, customer: Customer) -> set[str]:
    found = set()
    for handoffs in dbs.tables_named(HANDOFFS):
        if "customer" not in handoffs.c:
            continue
        query = sa.select(handoffs.c.conversation_id, handoffs.c.customer).where(
            sa.func.lower(handoffs.c.customer).contains(customer.needle, autoescape=True)
        )
        found |= {
            row.conversation_id
            for row in db.execute(handoffs, query)
            if customer.matches_handoff_customer(_json_object(row.customer))
        }
    return found


def _from_tickets(dbs: Databases, db: Transaction, customer: Customer) -> set[str]:
    found = set()
    for tickets in dbs.tables_named(TICKETS):
        if "email" in tickets.c:
            query = sa.select(tickets.c.conversation_id).where(
                sa.func.lower(tickets.c.email) == customer.value
            )
            found |= set(db.execute(tickets, query).scalars())
    return found


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def chunks(values: Iterable[str], size: int = CHUNK) -> Iterable[list[str]]:
    batch: list[str] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def in_chunks(column: sa.ColumnElement[Any], values: Iterable[str]) -> list[sa.ColumnElement[bool]]:
    """`column IN (...)` conditions, one per chunk of values."""
    return [column.in_(batch) for batch in chunks(sorted(values))]
