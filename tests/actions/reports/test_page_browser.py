"""The report page in a real Chromium at a phone's width (390 x 844 CSS px, an iPhone 12-15).

Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH); Playwright never
downloads a browser. Skipped, saying why, where there is none.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, sync_playwright

from actions.reports.page import render_page
from tests.actions.reports.helpers import report
from tests.actions.reports.scenario import scenario

CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)")
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.mark.parametrize("width", [390, 320, 1280])
def test_the_page_fits_the_screen_without_sideways_scrolling(
    browser: Browser, sqlite_engine: sa.Engine, tmp_path: Path, width: int
) -> None:
    scenario().write(sqlite_engine)
    html = render_page(report(sqlite_engine), {"since": "2026-11-01", "until": "2026-11-30"})
    page = browser.new_page(viewport={"width": width, "height": 844})
    try:
        page.set_content(html)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        charts = page.locator("svg.chart")
        assert charts.count() == 6
        for index in range(charts.count()):
            box = charts.nth(index).bounding_box()
            assert (
                box is not None
                and 0.6 * min(width, 1100) / (1 if width < 700 else 3) <= box["width"] <= width
            )
        for card in page.locator(".card").all():
            assert card.is_visible()
        page.screenshot(path=str(tmp_path / f"report-{width}.png"), full_page=True)
    finally:
        page.close()
