"""A report as JSON, CSV or a plain-text table.

CSV is long ("tidy"): one number per line, `section,metric,key,value`, so a
spreadsheet can pivot it and every part of the report fits one file:

    section,metric,key,value
    summary,conversations,,1234
    csat,distribution,5,120
    daily,containment_rate,2026-11-01,0.71
    knowledge_gaps,count,How do I export notes to PDF?,35
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from actions.reports.report import Report

FORMATS = ("table", "json", "csv")


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(report)
    if fmt == "table":
        return to_table(report)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def to_json(report: Report) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def csv_rows(report: Report) -> Iterator[tuple[str, str, str, Any]]:
    data: dict[str, Any] = dict(report)
    for name, given in report["filters"].items():
        yield "filters", name, "", _cell(given)
    yield "summary", "conversations", "", report["conversations"]
    for channel, count in report["channels"].items():
        yield "channels", "conversations", channel, count
    for section in ("containment", "handoff", "helpfulness", "unanswered"):
        for metric, value in data[section].items():
            yield section, metric, "", _cell(value)
    reply: dict[str, Any] = dict(report["first_agent_reply"])
    for metric in ("handoffs", "replied", "median_seconds", "p90_seconds", "mean_seconds"):
        yield "first_agent_reply", metric, "", _cell(reply[metric])
    for bucket in report["first_agent_reply"]["histogram"]:
        yield "first_agent_reply", "histogram", bucket["label"], bucket["count"]
    csat = report["csat"]
    for metric in ("surveys", "responses", "average", "response_rate"):
        yield "csat", metric, "", _cell(csat[metric])
    for rating, count in csat["distribution"].items():
        yield "csat", "distribution", rating, count
    for path, part in csat["by_path"].items():
        yield f"csat_{path}", "responses", "", part["responses"]
        yield f"csat_{path}", "average", "", _cell(part["average"])
        for rating, count in part["distribution"].items():
            yield f"csat_{path}", "distribution", rating, count
    for gap in report["knowledge_gaps"]:
        fields: dict[str, Any] = dict(gap)
        for metric in ("count", "conversations", "phrasings", "last_asked"):
            yield "knowledge_gaps", metric, gap["question"], fields[metric]
    for day in report["daily"]:
        for metric, number in day.items():
            if metric != "date":
                yield "daily", metric, day["date"], _cell(number)


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("section", "metric", "key", "value"))
    writer.writerows(csv_rows(report))
    return out.getvalue()


def to_table(report: Report) -> str:
    f = report["filters"]
    where = ", ".join(f"{k}={v}" for k, v in (("channel", f["channel"]), ("page", f["page_url_prefix"])) if v)
    handoff, csat, reply = report["handoff"], report["csat"], report["first_agent_reply"]
    helpful, contained = report["helpfulness"], report["containment"]
    lines = [
        f"Support report {f['since']} .. {f['until']} ({f['timezone']}){' ' + where if where else ''}",
        "",
        _line("conversations", report["conversations"]),
        _line("containment", percent(contained["rate"]), f"{contained['contained']} contained"),
        _line(
            "handoff rate",
            percent(handoff["rate"]),
            f"{handoff['handed_off']} handed off, {handoff['tickets']} tickets",
        ),
        _line(
            "after-hours share",
            percent(handoff["after_hours_share"]),
            f"{handoff['after_hours']} after hours",
        ),
        _line(
            "first agent reply",
            duration(reply["median_seconds"]),
            f"median; p90 {duration(reply['p90_seconds'])}; {reply['replied']}/{reply['handoffs']} replied",
        ),
        _line(
            "CSAT",
            number(csat["average"]),
            f"{csat['responses']} ratings, {percent(csat['response_rate'])} of surveys",
        ),
        _line(
            "  bot only",
            number(csat["by_path"]["bot_only"]["average"]),
            f"{csat['by_path']['bot_only']['responses']} ratings",
        ),
        _line(
            "  after handoff",
            number(csat["by_path"]["after_handoff"]["average"]),
            f"{csat['by_path']['after_handoff']['responses']} ratings",
        ),
        _line(
            "helpful answers",
            percent(helpful["helpful_share"]),
            f"{helpful['helpful']}/{helpful['rated']} rated answers",
        ),
        _line(
            "declined answers",
            report["unanswered"]["declined_answers"],
            f"{report['unanswered']['conversations_ending_unanswered']} conversations ended unanswered",
        ),
        "",
        "CSAT distribution: " + "  ".join(f"{k}: {v}" for k, v in csat["distribution"].items()),
        "",
        "Knowledge gaps (declined questions, grouped):",
    ]
    if not report["knowledge_gaps"]:
        lines.append("  none")
    for rank, gap in enumerate(report["knowledge_gaps"], 1):
        many = "s" if gap["phrasings"] != 1 else ""
        lines.append(
            f"  {rank:>2}. {gap['count']:>5}x  {gap['question']}  ({gap['phrasings']} phrasing{many})"
        )
    return "\n".join(lines) + "\n"


def _line(label: str, value: Any, note: str = "") -> str:
    return f"  {label:<20} {value!s:>10}   {note}".rstrip()


def percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _cell(value: Any) -> Any:
    return "" if value is None else value
