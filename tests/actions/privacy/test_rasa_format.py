"""The privacy commands on a log written by Rasa itself, and Rasa reading what retention left.

Rasa 3.6 lives in the other environment (.venv-rasa, Python 3.10), so its real
SQLTrackerStore writes and reads in a subprocess; the commands run here.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from actions.privacy.customers import Customer
from actions.privacy.database import Databases
from actions.privacy.erase import erase_customer
from actions.privacy.export import export_customer
from actions.privacy.retention import run_retention
from actions.privacy.settings import DatabaseUrls

ROOT = Path(__file__).resolve().parents[3]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
DAY = 86_400.0
T0 = 1_700_000_000.0

WRITE = """
import asyncio, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

T0, DAY = 1_700_000_000.0, 86_400.0

def session(at, text, context):
    return [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
        UserUttered(text, {"name": "question", "confidence": 0.9}, input_channel="webchat",
                    metadata={"context": context}, timestamp=at + 5),
        BotUttered("Open Settings.", {"custom": {"answer": {"id": "a1"}}}, timestamp=at + 6),
        ActionExecuted("action_listen", timestamp=at + 6),
    ]

async def main(url):
    store = SQLTrackerStore(Domain.empty(), host=url)
    jane = {"customer_email": "jane@example.com", "page_url": "https://shop.example/"}
    answer = {"survey_id": "s1", "rating": 4, "comment": None, "ts": T0 + 9}
    events = session(T0, "first visit", jane) + [
        SlotSet("csat_result", answer, timestamp=T0 + 9)
    ] + session(T0 + 40 * DAY, "second visit", jane)
    tracker = DialogueStateTracker("web-jane", [])
    for event in events:
        tracker.update(event)
    await store.save(tracker)
    other = DialogueStateTracker("slack-D0BOB", [])
    for event in session(T0, "hello from slack", {"slack_user": "U0BOB", "slack_channel": "D0BOB"}):
        other.update(event)
    await store.save(other)

for url in sys.argv[1:]:
    asyncio.run(main(url))
"""

READ = """
import asyncio, json, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

async def main(url):
    store = SQLTrackerStore(Domain.empty(), host=url)
    latest = await store.retrieve("web-jane")
    full = await store.retrieve_full_tracker("web-jane")
    return {
        "latest": [e.as_dict().get("text") for e in latest.events if e.type_name == "user"],
        "full": [e.as_dict().get("text") for e in full.events if e.type_name == "user"],
        "slack": (await store.retrieve("slack-D0BOB")) is not None,
    }

print(json.dumps([asyncio.run(main(url)) for url in sys.argv[1:]]))
"""


def rasa(script: str, *urls: str) -> str:
    if not RASA_PYTHON.is_file():
        pytest.skip(f"no Rasa environment at {RASA_PYTHON}: run `make install`")
    env = {**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "RASA_TELEMETRY_ENABLED": "false"}
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", script, *urls], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_retention_export_and_erase_work_on_rasa_s_own_rows_and_rasa_reads_the_rest(
    tmp_path: Path, fresh_postgres: str
) -> None:
    urls = [f"sqlite:///{tmp_path / 'rasa.db'}", fresh_postgres]
    rasa(WRITE, *urls)

    for url in urls:
        with Databases.connect(DatabaseUrls(url, url)) as dbs:
            document = export_customer(dbs, Customer.parse("email", "jane@example.com"), now=T0)
            assert [(c["conversation_id"], c["session"]) for c in document["conversations"]] == [
                ("web-jane", 0),
                ("web-jane", 1),
            ]
            assert document["survey_answers"] == [
                {"conversation_id": "web-jane", "survey_id": "s1", "rating": 4, "comment": None, "ts": T0 + 9}
            ]
            report = run_retention(dbs, days=30, now=T0 + 50 * DAY)
            assert [(s.sender_id, s.index) for s in report.conversations] == [
                ("slack-D0BOB", 0),
                ("web-jane", 0),
            ]
            assert report.survey_answers == 1

    # Rasa still reads the conversation whose older session went: its current session is whole.
    read = json.loads(rasa(READ, *urls))
    assert read == [{"latest": ["second visit"], "full": ["second visit"], "slack": False}] * 2

    for url in urls:
        with Databases.connect(DatabaseUrls(url, url)) as dbs:
            assert erase_customer(dbs, Customer.parse("email", "jane@example.com")).counts["events"] == 6
            assert run_retention(dbs, days=1, now=T0 + 99 * DAY, dry_run=True).conversations == []
