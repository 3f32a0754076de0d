"""Small SVG charts drawn on the server: no script, no CDN, readable on a phone.

Each chart has a viewBox and no fixed size, so it scales to its container's
width; text stays legible because the viewBox is narrow (360 units). Gaps in a
series (a day without data) break the line rather than drawing it at zero.

    line_chart(["11-01", "11-02"], [("containment", [0.7, None])], top=1.0, percent=True)
    bar_chart(["1", "2", "3"], [4, 0, 9])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

WIDTH, HEIGHT = 360, 180
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 10, 26
COLOURS = ("#3b5bdb", "#e8590c", "#2b8a3e", "#862e9c")


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    top: float,
    bottom: float = 0.0,
    percent: bool = False,
    title: str = "",
) -> str:
    """One line per series over the labels (days); y from `bottom` to `top`."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = (top - bottom) or 1.0

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (len(labels) - 1) if len(labels) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - bottom) / span)

    parts = [_open(title), *_y_axis(bottom, top, y, percent), *_x_labels(labels, x)]
    for colour, (name, values) in zip(COLOURS, series, strict=False):
        for run in _runs(values):
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
            if len(run) == 1:
                i, v = run[0]
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2" fill="{colour}"/>')
            else:
                parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.append(f"<!-- {escape(name)} -->")
    parts.append("</svg>")
    return "".join(parts) + _legend(series)


def bar_chart(labels: Sequence[str], values: Sequence[int], title: str = "", colour: str = COLOURS[0]) -> str:
    """Vertical bars with their counts; few labels (days are thinned)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _whole_top(max(values, default=0))
    step = plot_w / max(len(values), 1)
    parts = [_open(title), *_y_axis(0, top, lambda v: TOP + plot_h * (1 - v / top), False, whole=True)]
    for i, value in enumerate(values):
        h = plot_h * value / top
        parts.append(
            f'<rect x="{LEFT + i * step + step * 0.1:.1f}" y="{TOP + plot_h - h:.1f}" '
            f'width="{max(step * 0.8, 0.5):.1f}" height="{h:.1f}" fill="{colour}">'
            f"<title>{escape(labels[i])}: {value}</title></rect>"
        )
    parts.extend(_x_labels(labels, lambda i: LEFT + i * step + step / 2))
    parts.append("</svg>")
    return "".join(parts)


def grouped_bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], title: str = "") -> str:
    """Bars side by side per label, one colour per series (e.g. CSAT bot-only vs after handoff)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _whole_top(max((v for _, values in series for v in values), default=0))
    step = plot_w / max(len(labels), 1)
    width = step * 0.8 / max(len(series), 1)
    parts = [_open(title), *_y_axis(0, top, lambda v: TOP + plot_h * (1 - v / top), False, whole=True)]
    for s, (colour, (name, values)) in enumerate(zip(COLOURS, series, strict=False)):
        for i, value in enumerate(values):
            h = plot_h * value / top
            parts.append(
                f'<rect x="{LEFT + i * step + step * 0.1 + s * width:.1f}" y="{TOP + plot_h - h:.1f}" '
                f'width="{width:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(name)} {escape(labels[i])}: {value}</title></rect>"
            )
    parts.extend(_x_labels(labels, lambda i: LEFT + i * step + step / 2))
    parts.append("</svg>")
    return "".join(parts) + _legend(series)


def _whole_top(largest: int) -> int:
    """The axis top for counts: a multiple of 4, so the five gridlines get whole, distinct labels."""
    return max(4, -(-largest // 4) * 4)


def _open(title: str) -> str:
    label = escape(title, quote=True)
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="10" font-family="system-ui, sans-serif">'
        f"<title>{escape(title)}</title>"
    )


def _y_axis(
    bottom: float, top: float, y: Callable[[float], float], percent: bool, whole: bool = False
) -> list[str]:
    parts = []
    for step in range(5):
        value = bottom + (top - bottom) * step / 4
        text = (
            f"{value * 100:.0f}%" if percent else (f"{value:.0f}" if whole or top >= 10 else f"{value:.1f}")
        )
        level = y(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{level:.1f}" y2="{level:.1f}" stroke="#dee2e6"/>'
            f'<text x="{LEFT - 4}" y="{level + 3:.1f}" text-anchor="end" fill="#495057">{text}</text>'
        )
    return parts


def _x_labels(labels: Sequence[str], x: Callable[[int], float]) -> list[str]:
    """At most six labels, evenly spaced, so they never overlap on a narrow screen."""
    if not labels:
        return []
    every = max(1, -(-len(labels) // 6))
    shown = list(range(0, len(labels), every))
    return [
        f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="middle" fill="#495057">'
        f"{escape(labels[i])}</text>"
        for i in shown
    ]


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    runs: list[list[tuple[int, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((i, value))
    return [run for run in runs if run]


def _legend(series: Sequence[tuple[str, object]]) -> str:
    if len(series) < 2:
        return ""
    items = "".join(
        f'<li><span class="swatch" style="background:{colour}"></span>{escape(name)}</li>'
        for colour, (name, _) in zip(COLOURS, series, strict=False)
    )
    return f'<ul class="legend">{items}</ul>'
