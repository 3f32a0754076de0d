"""The widget's size budget, and the rules its source keeps (no server or browser needed).

The browser tests check the other half: that a real page fetches no more than
`widget_size.BEFORE_OPEN` before the chat is opened.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.browser import widget_size
from tests.browser.widget_size import STATIC

SCRIPTS = sorted(STATIC.glob("*.js"))
# Ways text becomes markup or code, or the page is blocked; none may appear in the widget.
FORBIDDEN = {
    "innerHTML": r"\binnerHTML\b",
    "outerHTML": r"\bouterHTML\b",
    "insertAdjacentHTML": r"\binsertAdjacentHTML\b",
    "document.write": r"\bdocument\.write",
    "createContextualFragment": r"\bcreateContextualFragment\b",
    "DOMParser": r"\bDOMParser\b",
    "srcdoc": r"\bsrcdoc\b",
    "eval": r"\beval\s*\(",
    "new Function": r"\bnew\s+Function\b",
    "string timers": r"set(?:Timeout|Interval)\s*\(\s*['\"`]",
    "XMLHttpRequest (sync or not)": r"\bXMLHttpRequest\b",
}


def test_what_a_page_downloads_before_opening_the_chat_is_within_15_kb_gzipped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    widget_size.main()
    last = capsys.readouterr().out.strip().splitlines()[-1]
    reported = json.loads(last)
    assert list(reported) == ["gzip_kb"]
    assert reported["gzip_kb"] == widget_size.gzip_kb(widget_size.BEFORE_OPEN)
    assert reported["gzip_kb"] <= widget_size.BUDGET_KB
    assert widget_size.gzip_kb(widget_size.FIRST_VISIT) < reported["gzip_kb"]


def test_the_measure_is_real_gzip_of_the_files() -> None:
    loader = (STATIC / "widget.js").read_bytes()
    assert 0 < widget_size.gzip_bytes(loader) < len(loader)
    assert widget_size.gzip_kb(("widget.js",)) == round(widget_size.gzip_bytes(loader) / 1000, 2)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_the_widget_never_parses_html_evaluates_strings_or_blocks_the_page(script: Path) -> None:
    source = script.read_text()
    code = re.sub(r"/\*[\s\S]*?\*/|^\s*//.*$", "", source, flags=re.M)  # comments may name them
    found = [name for name, pattern in FORBIDDEN.items() if re.search(pattern, code)]
    assert found == []


def test_every_script_of_the_widget_is_measured() -> None:
    # A new file must join BEFORE_OPEN, or be shown not to load before the chat opens.
    assert {path.name for path in SCRIPTS} == set(widget_size.BEFORE_OPEN)
