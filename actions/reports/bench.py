"""How long reports take over a large conversation log, on SQLite and PostgreSQL.

    python -m actions.reports.bench [--conversations 100000]     (make bench-reports)

Generates the benchmark mix (actions/reports/synthetic.py) in Rasa's events
format, loads it into a fresh SQLite file and a throwaway PostgreSQL database
(127.0.0.1:5432; skipped, saying why, where none answers), then times, on each:

- cold: the first report, which builds the summary tables from every event;
- warm: a report when nothing changed since the last one (median of 3);
- incremental: a report after another 1% of conversations arrived.

Progress goes to standard error; the last line of standard output is JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from actions.reports.bulk import insert_rows
from actions.reports.metrics import ReportSources
from actions.reports.service import ReportService
from actions.reports.synthetic import SyntheticLog, generate
from actions.reports.tables import events, metadata, rasa_metadata
from channels.handoff.store import metadata as handoff_metadata

ROOT = Path(__file__).resolve().parents[2]
START = dt.datetime(2026, 9, 1, tzinfo=ZoneInfo("UTC"))
DAYS = 60
CHUNK = 10_000  # conversations generated and loaded at a time (the whole log would not fit in memory twice)
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


class Target:
    """One database being loaded: assigns event ids so both databases hold identical rows."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.next_id = 1
        for meta in (metadata, handoff_metadata, rasa_metadata):
            meta.drop_all(engine)
            meta.create_all(engine)

    def settle(self) -> None:
        _settle(self.engine)

    def load(self, log: SyntheticLog) -> None:
        columns = [column.name for column in events.columns]
        rows = []
        for row in log.rows:
            rows.append((self.next_id, *(row[name] for name in columns[1:])))
            self.next_id += 1
        with self.engine.begin() as db:
            insert_rows(db, events, rows)
        empty = SyntheticLog(handoffs=log.handoffs, tickets=log.tickets)
        empty.write(self.engine)
        if self.engine.dialect.name == "postgresql":  # ids were given: move the sequence past them
            with self.engine.begin() as db:
                db.execute(
                    sa.text(
                        "SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events))"
                    )
                )


def _settle(engine: sa.Engine) -> None:
    """What a live database has had time for: PostgreSQL's autovacuum and statistics after a bulk load.

    Without them a freshly loaded table has no visibility map (count(*) reads the whole heap) and
    no statistics (the planner may scan the table for a handful of senders).
    """
    if engine.dialect.name == "postgresql":  # SQLite is left as Rasa leaves it: no ANALYZE
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.execute(sa.text("VACUUM (ANALYZE) events"))


def main(argv: Sequence[str] | None = None) -> int:
    cli = argparse.ArgumentParser(prog="python -m actions.reports.bench")
    cli.add_argument("--conversations", type=int, default=100_000)
    cli.add_argument("--seed", type=int, default=5)
    cli.add_argument("--sqlite", type=Path, default=ROOT / "var" / "bench" / "reports.db")
    cli.add_argument("--postgres", default=ADMIN_URL, help="server to make a throwaway database on")
    args = cli.parse_args(argv)
    if args.conversations < 100:
        cli.error("--conversations: at least 100")
    args.sqlite.parent.mkdir(parents=True, exist_ok=True)
    args.sqlite.unlink(missing_ok=True)
    targets = {"sqlite": Target(sa.create_engine(f"sqlite:///{args.sqlite}"))}
    database, admin = _throwaway_postgres(args.postgres)
    if database:
        targets["postgresql"] = Target(sa.create_engine(database))
    try:
        result = _run(args.conversations, args.seed, targets)
    finally:
        for target in targets.values():
            target.engine.dispose()
        if admin is not None and database:
            with admin.connect() as db:
                db.execute(
                    sa.text(f'DROP DATABASE IF EXISTS "{sa.make_url(database).database}" WITH (FORCE)')
                )
            admin.dispose()
    if not database:
        result["postgresql"] = {"skipped": admin_reason(args.postgres)}
    print(json.dumps(result))
    return 0


def _run(conversations: int, seed: int, targets: dict[str, Target]) -> dict[str, Any]:
    started = time.perf_counter()
    rows = 0
    for number, first in enumerate(range(0, conversations, CHUNK)):
        log = generate(min(CHUNK, conversations - first), seed=seed * 1000 + number, start=START, days=DAYS)
        rows += len(log.rows)
        for target in targets.values():
            target.load(log)
        _progress(f"loaded {min(first + CHUNK, conversations)} conversations, {rows} events")
    for target in targets.values():
        target.settle()
    _progress(f"generated and loaded in {time.perf_counter() - started:.0f} s")
    increment = generate(max(conversations // 100, 1), seed=seed * 1000 + 999, start=START, days=DAYS)
    result: dict[str, Any] = {"conversations": conversations, "events": rows}
    for name, target in targets.items():
        service = ReportService(ReportSources(target.engine, target.engine), "UTC")
        filters = service.filters(
            START.date().isoformat(), (START + dt.timedelta(days=DAYS - 1)).date().isoformat()
        )
        run = functools.partial(service.run, filters)
        (cold, cold_cpu), report = _timed(run)
        repeats = [_timed(run)[0] for _ in range(3)]
        warm, warm_cpu = (statistics.median(values) for values in zip(*repeats, strict=True))
        target.load(increment)
        (incremental, incremental_cpu), _ = _timed(run)
        result[name] = {
            "cold_seconds": round(cold, 2),
            "warm_seconds": round(warm, 2),
            "incremental_seconds": round(incremental, 2),
            # CPU time of this process alone: what the CPU load of others does not inflate (SQLite
            # works in this process; PostgreSQL's own work is in its server and not counted here).
            "cpu_seconds": {
                "cold": round(cold_cpu, 2),
                "warm": round(warm_cpu, 2),
                "incremental": round(incremental_cpu, 2),
            },
            "reported_conversations": report[0]["conversations"],
        }
        _progress(f"{name}: cold {cold:.2f} s, warm {warm:.2f} s, after 1% more {incremental:.2f} s")
    result["load_average"] = [round(v, 1) for v in os.getloadavg()]  # other work on the machine meanwhile
    return result


def _timed(call: Callable[[], Any]) -> tuple[tuple[float, float], Any]:
    """((wall seconds, this process's CPU seconds), what the call returned)."""
    started, cpu = time.perf_counter(), time.process_time()
    value = call()
    return (time.perf_counter() - started, time.process_time() - cpu), value


def _throwaway_postgres(admin_url: str) -> tuple[str | None, sa.Engine | None]:
    url = sa.make_url(admin_url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"supportbot_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as db:
            db.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        admin.dispose()
        return None, None
    return url.set(database=name).render_as_string(hide_password=False), admin


def admin_reason(admin_url: str) -> str:
    return f"no PostgreSQL server answers at {sa.make_url(admin_url).render_as_string(hide_password=True)}"


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
