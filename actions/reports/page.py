"""The admin report page: one HTML document, charts as inline SVG, no script.

Readable on a phone: the layout is a single column below 700 px (cards and
charts wrap; charts scale to the width; the gaps table scrolls sideways inside
its own box), and nothing has a fixed width wider than 320 px.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from urllib.parse import urlencode

from actions.reports.charts import bar_chart, grouped_bars, line_chart
from actions.reports.filters import CHANNELS
from actions.reports.formats import duration as _duration
from actions.reports.formats import number as _number
from actions.reports.formats import percent as _pct
from actions.reports.report import Report

STYLE = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#212529;background:#f8f9fa}
header,main{max-width:1100px;margin:0 auto;padding:12px}
h1{font-size:1.3rem;margin:.2rem 0}
h2{font-size:1rem;margin:0 0 .4rem}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end}
form.filters label{display:flex;flex-direction:column;font-size:.8rem;flex:1 1 140px;min-width:0}
form.filters input,form.filters select,form.filters button{font:inherit;padding:6px;width:100%;min-width:0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,150px),1fr));gap:8px;margin:12px 0}
.card{background:#fff;border:1px solid #dee2e6;border-radius:8px;padding:10px;min-width:0}
.card b{display:block;font-size:1.4rem}
.card small{color:#495057}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,320px),1fr));gap:12px}
figure{margin:0;background:#fff;border:1px solid #dee2e6;border-radius:8px;padding:10px;min-width:0}
svg.chart{width:100%;height:auto;display:block}
.legend{list-style:none;padding:0;margin:4px 0 0;display:flex;flex-wrap:wrap;gap:10px;font-size:.8rem}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
.table{overflow-x:auto;background:#fff;border:1px solid #dee2e6;border-radius:8px;margin-top:12px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #f1f3f5;vertical-align:top;
  overflow-wrap:anywhere}
td.n{text-align:right;white-space:nowrap}
.error{background:#fff5f5;border:1px solid #ffa8a8;border-radius:8px;padding:10px;margin:12px 0}
nav a{margin-right:12px}
"""


def render_page(report: Report | None, query: Mapping[str, str], error: str | None = None) -> str:
    """The page: the filter form, then the report, or the error that stopped it."""
    body = f'<div class="error" role="alert">{escape(error)}</div>' if error else ""
    if report is not None:
        body += _report(report, query)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Support reports</title><style>{STYLE}</style></head><body>"
        f"<header><h1>Support reports</h1>{_form(query)}</header><main>{body}</main></body></html>"
    )


def _form(query: Mapping[str, str]) -> str:
    def value(name: str) -> str:
        return escape(query.get(name, ""), quote=True)

    options = "".join(
        f'<option value="{c}"{" selected" if query.get("channel") == c else ""}>{c}</option>'
        for c in CHANNELS
    )
    return (
        '<form class="filters" method="get" action="/admin/reports">'
        f'<label>From<input type="date" name="since" value="{value("since")}"></label>'
        f'<label>To<input type="date" name="until" value="{value("until")}"></label>'
        f'<label>Channel<select name="channel"><option value="">all</option>{options}</select></label>'
        '<label>Page URL starts with<input type="text" name="page_url_prefix" '
        f'value="{value("page_url_prefix")}" placeholder="https://www.example.com/pricing"></label>'
        '<label><span>&nbsp;</span><button type="submit">Show</button></label></form>'
    )


def _report(report: Report, query: Mapping[str, str]) -> str:
    f = report["filters"]
    given = {k: v for k, v in query.items() if v}
    links = (
        f'<nav><a href="/admin/reports.json?{escape(urlencode(given))}">JSON</a>'
        f'<a href="/admin/reports.csv?{escape(urlencode(given))}">CSV</a></nav>'
    )
    scope = f"{f['since']} to {f['until']} ({f['timezone']})"
    if f["channel"]:
        scope += f", {f['channel']}"
    if f["page_url_prefix"]:
        scope += f", pages {f['page_url_prefix']}…"
    return (
        f"<p>{escape(scope)}. {links}</p>"
        f'<section class="cards">{_cards(report)}</section>'
        f'<section class="charts">{_charts(report)}</section>'
        f"{_gaps(report)}"
    )


def _cards(report: Report) -> str:
    handoff, csat, reply = report["handoff"], report["csat"], report["first_agent_reply"]
    helpful, contained, declined = report["helpfulness"], report["containment"], report["unanswered"]
    channels = ", ".join(f"{name} {count}" for name, count in report["channels"].items())
    cards = [
        ("Conversations", str(report["conversations"]), channels),
        ("Containment", _pct(contained["rate"]), f"{contained['contained']} without a person"),
        ("Handoff rate", _pct(handoff["rate"]), f"{handoff['handed_off']} conversations"),
        ("After hours", _pct(handoff["after_hours_share"]), f"{handoff['after_hours']} of the handoffs"),
        ("First agent reply", _duration(reply["median_seconds"]), f"median of {reply['replied']} replies"),
        ("CSAT", _number(csat["average"]), f"{csat['responses']} ratings"),
        (
            "Helpful answers",
            _pct(helpful["helpful_share"]),
            f"{helpful['rated']} of {helpful['answers']} rated",
        ),
        (
            "Declined",
            str(declined["declined_answers"]),
            f"{declined['conversations_ending_unanswered']} ended so",
        ),
    ]
    return "".join(
        f'<div class="card"><small>{escape(title)}</small><b>{escape(value)}</b>'
        f"<small>{escape(note)}</small></div>"
        for title, value, note in cards
    )


def _charts(report: Report) -> str:
    days = report["daily"]
    labels = [day["date"][5:] for day in days]  # MM-DD
    csat = report["csat"]
    low, high = csat["scale"]
    ratings = list(csat["distribution"])
    reply = report["first_agent_reply"]["histogram"]
    rates = [
        ("containment", [d["containment_rate"] for d in days]),
        ("handoff", [d["handoff_rate"] for d in days]),
    ]
    figures = [
        (
            "Conversations per day",
            bar_chart(labels, [d["conversations"] for d in days], "Conversations per day"),
        ),
        (
            "Containment and handoff rate per day",
            line_chart(
                labels,
                rates,
                top=1.0,
                percent=True,
                title="Containment and handoff rate per day",
            ),
        ),
        (
            "CSAT average per day",
            line_chart(
                labels,
                [("CSAT", [d["csat_average"] for d in days])],
                top=high,
                bottom=low,
                title="CSAT average per day",
            ),
        ),
        (
            "Helpful answers per day",
            line_chart(
                labels,
                [("helpful", [d["helpful_share"] for d in days])],
                top=1.0,
                percent=True,
                title="Helpful answers per day",
            ),
        ),
        (
            "CSAT: bot only and after handoff",
            grouped_bars(
                ratings,
                [
                    ("bot only", list(csat["by_path"]["bot_only"]["distribution"].values())),
                    ("after handoff", list(csat["by_path"]["after_handoff"]["distribution"].values())),
                ],
                title="CSAT ratings, bot only and after handoff",
            ),
        ),
        (
            "Time to first agent reply",
            bar_chart([b["label"] for b in reply], [b["count"] for b in reply], "Time to first agent reply"),
        ),
    ]
    return "".join(f"<figure><h2>{escape(title)}</h2>{svg}</figure>" for title, svg in figures)


def _gaps(report: Report) -> str:
    rows = "".join(
        f"<tr><td>{escape(gap['question'])}<br><small>{escape(' · '.join(gap['examples'][1:]))}</small></td>"
        f'<td class="n">{gap["count"]}</td><td class="n">{gap["conversations"]}</td>'
        f'<td class="n">{gap["phrasings"]}</td></tr>'
        for gap in report["knowledge_gaps"]
    )
    if not rows:
        rows = '<tr><td colspan="4">No declined questions in this range.</td></tr>'
    return (
        '<h2 style="margin-top:16px">Knowledge gaps: questions the bot could not answer</h2>'
        '<div class="table"><table><thead><tr><th>Question (and other phrasings)</th><th>Asked</th>'
        f"<th>Conversations</th><th>Phrasings</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )
