"""The privacy commands: retention, export and erase (`python -m actions.privacy ...`).

    python -m actions.privacy retention [--days N] [--dry-run] [--json]
    python -m actions.privacy export WHO [--out FILE]
    python -m actions.privacy erase WHO [--dry-run] [--missing-ok] [--json]

WHO is one of --conversation ID, --email ADDRESS, --customer-id ID, --slack-user U...

Databases: TRACKER_STORE_URL and HANDOFF_DB_URL, as the servers use them.
Exit codes: 0 done; 2 wrong input (a setting, an identifier, an unknown
customer) and nothing changed; 1 the database failed (the transaction was
rolled back, nothing changed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa

from actions.privacy.customers import Customer, UnknownCustomer
from actions.privacy.database import Databases
from actions.privacy.erase import Erasure, erase_customer
from actions.privacy.export import export_customer, iso
from actions.privacy.retention import RetentionReport, run_retention
from actions.privacy.settings import DatabaseUrls, PrivacySettingsError, RetentionSettings, parse_days

LISTED = 100  # conversations a text report names before "... and N more"
_IDENTIFIERS = (
    ("--conversation", "conversation", "a conversation id (the widget's, or slack-<channel>[-<thread ts>])"),
    ("--email", "email", "an e-mail address (tickets, contact form, widget context)"),
    ("--customer-id", "customer_id", "the customer_id your site passes to the widget"),
    ("--slack-user", "slack_user", "a Slack user id (U...) of a customer who asked in Slack"),
)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m actions.privacy", description=__doc__.split("\n\n")[0])
    commands = top.add_subparsers(dest="command", required=True)
    retention = commands.add_parser("retention", help="delete conversations older than RETENTION_DAYS")
    retention.add_argument("--days", help="keep this many days (default: RETENTION_DAYS)")
    retention.add_argument("--dry-run", action="store_true", help="say what would go; delete nothing")
    retention.add_argument("--json", action="store_true", help="print the report as JSON")
    export = commands.add_parser("export", help="write one customer's data as one JSON document")
    _identify(export)
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    erase = commands.add_parser("erase", help="delete everything stored about one customer")
    _identify(erase)
    erase.add_argument("--dry-run", action="store_true", help="say what would go; delete nothing")
    erase.add_argument("--missing-ok", action="store_true", help="exit 0 when nothing is stored for them")
    erase.add_argument("--json", action="store_true", help="print the report as JSON")
    return top


def _identify(command: argparse.ArgumentParser) -> None:
    who = command.add_mutually_exclusive_group(required=True)
    for flag, dest, meaning in _IDENTIFIERS:
        who.add_argument(flag, dest=dest, metavar=dest.upper(), help=meaning)


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    args = parser().parse_args(argv)
    env = os.environ if env is None else env
    out, err = out or sys.stdout, err or sys.stderr
    try:
        if args.command == "retention":
            return _retention(args, env, clock, out)
        customer = _customer(args)
        with Databases.connect(DatabaseUrls.from_env(env)) as dbs:
            if args.command == "export":
                return _export(dbs, customer, args.out, clock, out, err)
            return _erase(dbs, customer, args, out)
    except PrivacySettingsError as error:
        print(f"error: {error}", file=err)
        return 2
    except UnknownCustomer as error:
        if args.command == "erase" and args.missing_ok:
            print(f"nothing to erase: {error}", file=out)
            return 0
        print(f"error: {error}", file=err)
        return 2
    except sa.exc.SQLAlchemyError as error:
        print(f"error: the database failed, nothing was changed: {type(error).__name__}: {error}", file=err)
        return 1


def _customer(args: argparse.Namespace) -> Customer:
    for _flag, dest, _meaning in _IDENTIFIERS:
        if getattr(args, dest) is not None:
            return Customer.parse(dest, getattr(args, dest))
    raise PrivacySettingsError("name the customer: " + ", ".join(flag for flag, _, _ in _IDENTIFIERS))


def _retention(
    args: argparse.Namespace, env: Mapping[str, str], clock: Callable[[], float], out: TextIO
) -> int:
    settings = RetentionSettings.from_env(env)
    days = parse_days(args.days, "--days") if args.days is not None else settings.days
    if days == 0:
        raise PrivacySettingsError("retention is off (RETENTION_DAYS is unset or 0): set it or pass --days N")
    with Databases.connect(DatabaseUrls.from_env(env)) as dbs:
        report = run_retention(dbs, days, clock(), dry_run=args.dry_run)
    print(json.dumps(retention_json(report), indent=2) if args.json else retention_text(report), file=out)
    return 0


def _export(
    dbs: Databases,
    customer: Customer,
    path: Path | None,
    clock: Callable[[], float],
    out: TextIO,
    err: TextIO,
) -> int:
    document = export_customer(dbs, customer, clock())
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str)
    if path is None:
        print(text, file=out)
    else:
        # Personal data: readable by its owner only.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text + "\n")
    summary = ", ".join(
        f"{len(items)} {name}"
        for name, items in (
            ("conversations", document["conversations"]),
            ("tickets", document["tickets"]),
            ("handoffs", document["handoffs"]),
            ("survey answers", document["survey_answers"]),
            ("answer feedback", document["answer_feedback"]),
        )
    )
    print(f"exported {customer}: {summary}" + (f" to {path}" if path else ""), file=err)
    return 0


def _erase(dbs: Databases, customer: Customer, args: argparse.Namespace, out: TextIO) -> int:
    erasure = erase_customer(dbs, customer, dry_run=args.dry_run)
    print(json.dumps(erasure_json(erasure), indent=2) if args.json else erasure_text(erasure), file=out)
    return 0


def retention_text(report: RetentionReport) -> str:
    verb = "would delete (dry run)" if report.dry_run else "deleted"
    lines = [
        f"retention {report.days} days: conversations whose last event is before {iso(report.cutoff)}",
        f"{verb}: {len(report.conversations)} conversations, {report.survey_answers} survey answers",
        *_table_lines(report.counts),
    ]
    for session in report.conversations[:LISTED]:
        lines.append(
            f"  {session.sender_id} (session {session.index}, last event {iso(session.last_event_at)})"
        )
    if len(report.conversations) > LISTED:
        lines.append(f"  ... and {len(report.conversations) - LISTED} more (--json lists them all)")
    return "\n".join(lines)


def retention_json(report: RetentionReport) -> dict[str, Any]:
    return {
        "days": report.days,
        "cutoff": iso(report.cutoff),
        "dry_run": report.dry_run,
        "counts": report.counts,
        "survey_answers": report.survey_answers,
        "conversations": [
            {"conversation_id": s.sender_id, "session": s.index, "last_event_at": iso(s.last_event_at)}
            for s in report.conversations
        ],
    }


def erasure_text(erasure: Erasure) -> str:
    verb = "would erase (dry run)" if erasure.dry_run else "erased"
    ids = ", ".join(erasure.conversations)
    return "\n".join(
        [f"{verb} {erasure.customer}: {len(erasure.conversations)} conversation ids ({ids})"]
        + _table_lines(erasure.counts)
    )


def erasure_json(erasure: Erasure) -> dict[str, Any]:
    return {
        "customer": {"kind": erasure.customer.kind, "value": erasure.customer.value},
        "dry_run": erasure.dry_run,
        "conversations": erasure.conversations,
        "counts": erasure.counts,
    }


def _table_lines(counts: Mapping[str, int]) -> list[str]:
    width = max((len(name) for name in counts), default=0)
    return [f"  {name:<{width}}  {rows:>7} rows" for name, rows in counts.items()]
