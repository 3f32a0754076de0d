"""Write many rows fast: COPY on PostgreSQL, the driver's executemany on SQLite.

SQLAlchemy Core's executemany builds and processes a parameter dict per row; at
100,000 conversations that alone took 4-12 s here, longer than a report may.
Rows are tuples in the table's column order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa


def insert_rows(db: sa.Connection, table: sa.Table, rows: Iterable[Sequence[Any]]) -> None:
    columns = [column.name for column in table.columns]
    if db.dialect.name == "postgresql" and db.dialect.driver == "psycopg":
        raw: Any = db.connection.driver_connection
        names = ", ".join(f'"{name}"' for name in columns)
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    elif db.dialect.paramstyle == "qmark":  # sqlite3
        names = ", ".join(f'"{name}"' for name in columns)
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        batch = list(rows)
        if batch:
            db.exec_driver_sql(sql, batch)
    else:  # any other driver: Core, slower but portable
        dicts = [dict(zip(columns, row, strict=True)) for row in rows]
        if dicts:
            db.execute(table.insert(), dicts)
