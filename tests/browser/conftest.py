"""One real deployment and one Chromium for the whole browser suite.

The stack is the product as shipped (bot/serve.py's Stack: Rasa and the action
server on free loopback ports) with three test-only additions: a help-centre
folder holding one extra article full of HTML and script payloads, synced into
the stack's copy of the index; a local fake Slack with business hours that are
always open, so agent replies really travel Slack -> relay -> widget; and a
plain static host on another origin, allowed by WEBCHAT_ALLOWED_ORIGINS, for the
pages customers would embed the widget in. Chromium is Debian's
(/usr/bin/chromium); Playwright never downloads a browser.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, BrowserContext, Playwright, expect, sync_playwright

from bot.serve import Stack
from tests.browser.helpers import ARTIFACTS, Profile, StaticHost, Tab, Tabs
from tests.e2e.stack import ROOT, free_port, make_stack
from tests.fakes.slack_server import FakeSlack

CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
EXTRA_ARTICLES = Path(__file__).parent / "helpcentre"
SIGNING_SECRET = "test-signing-secret"
SUPPORT_CHANNEL = "C0SUPPORT"
AGENT = "U0SAM"

# Answers can take a few seconds on a busy two-core machine.
expect.set_options(timeout=30_000)


@pytest.fixture(scope="session")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(users={AGENT: {"real_name": "Sam Agent", "display_name": "Sam"}}) as fake:
        yield fake


@pytest.fixture(scope="session")
def host() -> Iterator[StaticHost]:
    with StaticHost() as server:
        yield server


def always_open_rules(path: Path) -> Path:
    """bot/support.yml as shipped, with a team that is always in: every section but the hours stays real."""
    rules = yaml.safe_load((ROOT / "bot" / "support.yml").read_text())
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    rules["hours"] = {"timezone": "Europe/Berlin", "weekly": {day: ["00:00-24:00"] for day in days}}
    path.write_text(yaml.safe_dump(rules))
    return path


@pytest.fixture(scope="session")
def stack(slack: FakeSlack, host: StaticHost, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("browser")
    folder = data / "helpcentre"
    shutil.copytree(ROOT / "knowledge" / "helpcentre", folder)
    for article in EXTRA_ARTICLES.glob("*.md"):
        shutil.copy(article, folder)
    rasa_port = free_port()
    running = make_stack(
        data,
        RASA_PORT=str(rasa_port),
        # The demo page's own origin (both spellings) and the customer's site; nothing else.
        WEBCHAT_ALLOWED_ORIGINS=f"http://127.0.0.1:{rasa_port},http://localhost:{rasa_port},{host.origin}",
        HELPCENTRE_DIR=str(folder),
        SUPPORT_RULES=str(always_open_rules(data / "support.yml")),
        SLACK_BOT_TOKEN="xoxb-ok",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_SUPPORT_CHANNEL=SUPPORT_CHANNEL,
        SLACK_API_URL=slack.base_url,
    )
    # The copied index already holds the sample help centre: only the extra article is embedded,
    # while Rasa (which never reads the index) loads its model; the action server starts after.
    sync = subprocess.Popen(
        [sys.executable, "-m", "knowledge", "sync", str(folder), "--quiet"],
        cwd=ROOT,
        env=running.env,
        stdout=subprocess.DEVNULL,
    )
    try:
        running.preflight()
        running.rasa.start(running.env)
        if sync.wait() != 0:
            raise RuntimeError(f"syncing {folder} into the test index failed")
        running.actions.start(running.env)
        running.rasa.wait_healthy(180)
        running.actions.wait_healthy(180)
        yield running
    finally:
        sync.kill()
        running.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (make test does)")
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield chromium
    chromium.close()


@pytest.fixture
def tabs(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Tabs]:
    """tabs(**context options) -> a new browser profile (own localStorage); tab.new() opens pages in it."""
    contexts: list[BrowserContext] = []
    opened: list[Tab] = []

    def profile(**options: Any) -> Profile:
        context = browser.new_context(**options)
        contexts.append(context)
        return Profile(context, opened)

    yield profile
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:  # what the page looked like when it failed
        for number, tab in enumerate(opened):
            if not tab.page.is_closed():
                tab.shot(f"{request.node.name}-failed-{number}")
    for context in contexts:
        context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]


@pytest.fixture(scope="session", autouse=True)
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
