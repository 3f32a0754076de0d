"""The SVG charts: scalable, gaps stay gaps, labels never crowd, text is escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from actions.reports.charts import bar_chart, grouped_bars, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup[: markup.index("</svg>") + len("</svg>")])


def test_a_line_breaks_where_a_day_has_no_data() -> None:
    svg = parse(
        line_chart(["a", "b", "c", "d", "e"], [("csat", [4.0, 4.5, None, 3.0, 3.5])], top=5, bottom=1)
    )
    lines = svg.findall(f"{SVG}polyline")
    assert [len(line.get("points", "").split()) for line in lines] == [2, 2]
    assert svg.get("viewBox") == "0 0 360 180" and svg.get("width") is None  # scales to its box


def test_a_lone_point_is_drawn_as_a_dot() -> None:
    svg = parse(line_chart(["a", "b", "c"], [("csat", [None, 4.0, None])], top=5, bottom=1))
    assert len(svg.findall(f"{SVG}circle")) == 1 and not svg.findall(f"{SVG}polyline")


def test_at_most_six_day_labels_are_shown() -> None:
    days = [f"11-{n:02d}" for n in range(1, 31)]
    svg = parse(bar_chart(days, list(range(30))))
    labels = [t.text for t in svg.findall(f"{SVG}text") if t.text and t.text.startswith("11-")]
    assert 1 < len(labels) <= 6 and labels[0] == "11-01"
    assert len(svg.findall(f"{SVG}rect")) == 30


def test_count_axes_have_whole_distinct_labels() -> None:
    svg = parse(bar_chart(["1", "2"], [1, 2]))
    axis = [t.text for t in svg.findall(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert axis == ["0", "1", "2", "3", "4"]


def test_two_series_get_a_legend_and_labels_are_escaped() -> None:
    markup = grouped_bars(["<1>", "2"], [("bot <only>", [1, 2]), ("after", [0, 3])], title="a & b")
    assert '<ul class="legend">' in markup and "bot &lt;only&gt;" in markup
    assert "<1>" not in markup and "&lt;1&gt;" in markup
    assert parse(markup).get("aria-label") == "a & b"
    assert not re.search(r"<(script|foreignObject)", markup)
