"""Deleting rows across the product's tables, or counting what a deletion would remove.

    deletions = [Deletion(events, events.c.sender_id.in_(ids)), ...]
    counts = delete(dbs, deletions)          # {"events": 37, "support_tickets": 1}
    counts = count(dbs, deletions)           # the same numbers, nothing removed (--dry-run)

Retention and erase build their deletions; this module runs them, all in one
transaction per database, so a failure halfway removes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from actions.privacy.database import Databases


@dataclass(frozen=True)
class Deletion:
    table: sa.Table
    where: sa.ColumnElement[bool]


def count(dbs: Databases, deletions: Sequence[Deletion]) -> dict[str, int]:
    counts = _zero(dbs, deletions)
    with dbs.reading() as db:
        for item in deletions:
            query = sa.select(sa.func.count()).select_from(item.table).where(item.where)
            counts[item.table.name] += db.execute(item.table, query).scalar_one()
    return counts


def delete(dbs: Databases, deletions: Sequence[Deletion]) -> dict[str, int]:
    counts = _zero(dbs, deletions)
    with dbs.transaction() as db:
        for item in deletions:
            result = db.execute(item.table, sa.delete(item.table).where(item.where))
            counts[item.table.name] += int(result.rowcount)
    return counts


def _zero(dbs: Databases, deletions: Sequence[Deletion]) -> dict[str, int]:
    """Every table the command looked at, so a report shows the zeros too."""
    names: dict[str, int] = {}
    if dbs.events is not None:
        names[dbs.events.name] = 0
    for table in dbs.support_tables():
        names[table.name] = 0
    for item in deletions:
        names.setdefault(item.table.name, 0)
    return names
