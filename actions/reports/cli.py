"""The reports on the command line.

    python -m actions.reports --since 2026-11-01 --until 2026-11-30 --channel webchat \\
        --page-url-prefix https://www.example.com/pricing --format table|json|csv [--output FILE]

Exit codes: 0 done; 2 a wrong option (the message says what to write instead);
1 the database could not be read. The summary tables are brought up to date
first (see actions/reports/refresh.py); `--quiet` hides how long that took.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa

from actions.reports.filters import CHANNELS, FilterError
from actions.reports.formats import FORMATS, render
from actions.reports.service import DEFAULT_GAPS, MAX_GAPS, ReportService
from actions.reports.settings import ReportSettings
from actions.support_rules import RulesError
from knowledge.settings import SettingsError

ROOT = Path(__file__).resolve().parents[2]


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m actions.reports",
        description="Support reports: containment, handoffs, CSAT, helpfulness, knowledge gaps.",
    )
    cli.add_argument("--since", help="first day, YYYY-MM-DD (default: 29 days before --until)")
    cli.add_argument("--until", help="last day, YYYY-MM-DD, included (default: today)")
    cli.add_argument("--channel", help=f"only this channel: {', '.join(CHANNELS)} (default: all)")
    cli.add_argument("--page-url-prefix", help="only conversations started on pages whose URL starts so")
    cli.add_argument(
        "--timezone", help="IANA zone days are counted in (default: REPORTS_TIMEZONE or the hours' zone)"
    )
    cli.add_argument("--format", default="table", choices=FORMATS, help="output format (default: table)")
    cli.add_argument("--gaps", type=int, default=DEFAULT_GAPS, help=f"knowledge gaps to list, 0-{MAX_GAPS}")
    cli.add_argument("--output", type=Path, help="write to this file instead of standard output")
    cli.add_argument("--quiet", action="store_true", help="no progress line on standard error")
    return cli


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    service: ReportService | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    cli = parser()
    args = cli.parse_args(argv)
    if not 0 <= args.gaps <= MAX_GAPS:
        return _usage(err, f"--gaps: {args.gaps} is out of range; give a number from 0 to {MAX_GAPS}")
    try:
        service = service or ReportService.from_settings(ReportSettings.from_env(env or os.environ, ROOT))
        filters = service.filters(args.since, args.until, args.channel, args.page_url_prefix, args.timezone)
    except FilterError as error:
        return _usage(err, f"--{error.option.replace('_', '-')}{str(error)[len(error.option) :]}")
    except (SettingsError, RulesError) as error:
        return _usage(err, str(error))
    try:
        report, stats = service.run(filters, args.gaps)
    except sa.exc.SQLAlchemyError as error:
        print(f"error: cannot read the conversation log: {_first_line(error)}", file=err)
        return 1
    if not args.quiet:
        print(f"summary {stats.mode}: {stats.senders} senders in {stats.seconds:.2f} s", file=err)
    text = render(report, args.format)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        out.write(text)
    return 0


def _usage(err: TextIO, message: str) -> int:
    print(f"error: {message}", file=err)
    return 2


def _first_line(error: Exception) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0]
