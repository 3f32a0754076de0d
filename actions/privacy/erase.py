"""Erase one customer: every row of every conversation that is theirs, in one transaction.

    erasure = erase_customer(dbs, Customer.parse("email", "jane@example.com"))
    erasure.counts   # {"events": 37, "support_handoffs": 1, "support_tickets": 1, ...}

Rasa's `events` by sender_id and every support_* table with a conversation_id
column. Erasing again finds nothing (UnknownCustomer): the end state is the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.privacy.customers import Customer, find_conversations, in_chunks
from actions.privacy.database import Databases
from actions.privacy.deletion import Deletion, count, delete


@dataclass(frozen=True)
class Erasure:
    customer: Customer
    conversations: list[str]  # sender_ids
    counts: dict[str, int]  # rows per table
    dry_run: bool


def erase_customer(dbs: Databases, customer: Customer, dry_run: bool = False) -> Erasure:
    senders = sorted(find_conversations(dbs, customer))
    deletions = conversation_deletions(dbs, senders)
    counts = count(dbs, deletions) if dry_run else delete(dbs, deletions)
    return Erasure(customer, senders, counts, dry_run)


def conversation_deletions(dbs: Databases, senders: list[str]) -> list[Deletion]:
    deletions = []
    if dbs.events is not None:
        deletions += [Deletion(dbs.events, c) for c in in_chunks(dbs.events.c.sender_id, senders)]
    for table in dbs.support_tables():
        deletions += [Deletion(table, c) for c in in_chunks(table.c.conversation_id, senders)]
    return deletions
