"""Retention against real SQLite and PostgreSQL, with data in the product's own formats."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from actions.privacy.database import Databases
from actions.privacy.retention import RetentionReport, old_sessions, run_retention
from actions.privacy.settings import DatabaseUrls
from tests.actions.privacy.builders import DAY, NOW, Store

DAYS = 30
CUTOFF = NOW - DAYS * DAY


def retention(url: str, dry_run: bool = False, days: int = DAYS) -> RetentionReport:
    with Databases.connect(DatabaseUrls(url, url)) as dbs:
        return run_retention(dbs, days, NOW, dry_run=dry_run)


def test_a_conversation_goes_when_its_last_event_is_older_than_the_cutoff(store: Store, db_url: str) -> None:
    store.conversation("old", CUTOFF - 2 * DAY)
    store.conversation("new", NOW - DAY)
    # Started before the cutoff, still talking after it: a live conversation is not cut in half.
    store.session("long", CUTOFF - DAY)
    store.user("long", "first question", CUTOFF - DAY + 5)
    store.user("long", "still here", CUTOFF + 60)

    report = retention(db_url)

    assert store.events_of("old") == []
    assert len(store.events_of("new")) == 6
    assert [e.get("text") for e in store.events_of("long") if e["event"] == "user"] == [
        "first question",
        "still here",
    ]
    assert [(s.sender_id, s.index) for s in report.conversations] == [("old", 0)]
    assert report.counts["events"] == 6
    assert report.senders == ["old"]


def test_old_sessions_of_a_returning_customer_go_and_the_current_one_stays(store: Store, db_url: str) -> None:
    store.conversation("back", CUTOFF - 40 * DAY, text="my first visit")
    store.conversation("back", CUTOFF - 10 * DAY, text="my second visit")
    store.conversation("back", NOW - 2 * DAY, text="today's visit")

    report = retention(db_url)

    left = store.events_of("back")
    assert [e["text"] for e in left if e["event"] == "user"] == ["today's visit"]
    assert left[0] == {**left[0], "event": "action", "name": "action_session_start"}  # a whole session
    assert [s.index for s in report.conversations] == [0, 1]
    assert report.senders == []


def test_tickets_go_by_creation_and_handoffs_with_their_conversation(store: Store, db_url: str) -> None:
    store.conversation("gone", CUTOFF - 5 * DAY)
    old_handoff = store.handoff("gone", CUTOFF - 5 * DAY + 30)
    store.conversation("mixed", CUTOFF - 3 * DAY)
    store.handoff("mixed", CUTOFF - 3 * DAY + 30)  # opened in the session that goes
    store.session("mixed", CUTOFF - DAY)  # the current session started before the cutoff ...
    live_handoff = store.handoff("mixed", CUTOFF - DAY + 30)  # ... and this handoff is in it
    store.user("mixed", "thanks for the help", NOW - 60)  # ... and is still going
    orphan = store.handoff("erased-earlier", CUTOFF - 9 * DAY)  # its conversation is gone already
    store.ticket("gone", "old@example.com", CUTOFF - 5 * DAY)
    store.ticket("mixed", "recent@example.com", NOW - DAY)

    report = retention(db_url)

    remaining = {row.id for row in _rows(store, "support_handoffs")}
    assert old_handoff not in remaining and orphan not in remaining
    assert remaining == {live_handoff}
    assert [row.email for row in _rows(store, "support_tickets")] == ["recent@example.com"]
    counts = report.counts
    assert (counts["support_handoffs"], counts["support_tickets"]) == (3, 1)


def test_survey_answers_go_with_their_conversation_and_are_counted(store: Store, db_url: str) -> None:
    store.conversation("rated", CUTOFF - DAY)
    store.survey_answer("rated", 4, CUTOFF - DAY + 100, comment="quick answer")
    store.slot("rated", "csat_result", None, CUTOFF - DAY + 101)  # a reset is not an answer
    store.conversation("rated-today", NOW - DAY)
    store.survey_answer("rated-today", 5, NOW - DAY + 100)

    report = retention(db_url)

    assert report.survey_answers == 1
    assert store.events_of("rated") == []
    assert any(e.get("name") == "csat_result" for e in store.events_of("rated-today"))


def test_other_support_tables_found_by_reflection_lose_the_rows_of_gone_conversations(
    store: Store, db_url: str
) -> None:
    with store.engine.begin() as db:
        db.execute(sa.text("CREATE TABLE support_report_daily (conversation_id VARCHAR(255), n INTEGER)"))
        db.execute(sa.text("CREATE TABLE support_csat (conversation_id VARCHAR(255))"))  # not derived
        db.execute(sa.text("CREATE TABLE support_settings (name VARCHAR(50))"))  # no conversation_id
        db.execute(sa.text("CREATE TABLE audit (conversation_id VARCHAR(255))"))  # not a support_ table
        for cid in ("gone", "returning", "kept"):
            for table in ("support_report_daily", "support_csat", "audit"):
                db.execute(sa.text(f"INSERT INTO {table} (conversation_id) VALUES (:c)"), {"c": cid})
        db.execute(sa.text("INSERT INTO support_settings (name) VALUES ('x')"))
    store.conversation("gone", CUTOFF - DAY)
    store.conversation("returning", CUTOFF - DAY)
    store.conversation("returning", NOW - DAY)
    store.conversation("kept", NOW - DAY)

    report = retention(db_url)

    # A report summary of a sender that lost a session is rebuilt by the next report: it goes.
    assert [r.conversation_id for r in _rows(store, "support_report_daily")] == ["kept"]
    # Other support_* rows go only with the last session of their sender.
    assert sorted(r.conversation_id for r in _rows(store, "support_csat")) == ["kept", "returning"]
    assert store.count("audit") == 3 and store.count("support_settings") == 1
    assert (report.counts["support_report_daily"], report.counts["support_csat"]) == (2, 1)
    assert "support_settings" not in report.counts


def test_a_dry_run_counts_exactly_what_the_real_run_deletes_and_deletes_nothing(
    store: Store, db_url: str
) -> None:
    for n in range(5):
        store.conversation(f"c{n}", CUTOFF - n * 10 * DAY + 5 * DAY)
        store.handoff(f"c{n}", CUTOFF - n * 10 * DAY + 5 * DAY + 20)
        store.ticket(f"c{n}", f"c{n}@example.com", CUTOFF - n * 10 * DAY + 5 * DAY + 30)
    store.survey_answer("c2", 3, CUTOFF - 15 * DAY + 90)
    before = store.snapshot()

    planned = retention(db_url, dry_run=True)
    assert store.snapshot() == before
    done = retention(db_url)

    for field in ("counts", "survey_answers", "conversations", "senders"):
        assert getattr(planned, field) == getattr(done, field)
    assert done.counts["events"] == 4 * 6 + 1
    assert retention(db_url).counts == {
        "events": 0,
        "support_handoffs": 0,
        "support_tickets": 0,
    }


def test_sessions_are_computed_in_the_database_as_in_python(store: Store, db_url: str) -> None:
    store.add("legacy", {"event": "user", "timestamp": 10.0, "text": "before sessions existed"})
    store.session("legacy", 20.0)
    store.user("legacy", "hello", 21.0)
    store.add("api", {"event": "session_started", "timestamp": 30.0})  # without the action
    store.user("api", "hi", 31.0)
    store.session("api", 40.0)

    with Databases.connect(DatabaseUrls(db_url, db_url)) as dbs:
        sessions = old_sessions(dbs, NOW)

    assert {
        s: [(x.index, x.started_at, x.last_event_at, x.events) for x in v] for s, v in sessions.items()
    } == {
        "legacy": [(0, 10.0, 10.0, 1), (1, 20.0, 21.0, 4)],
        "api": [(0, 30.0, 31.0, 2), (1, 40.0, 40.0, 3)],
    }


def test_an_empty_database_has_nothing_to_delete(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        sa.create_engine(db_url).connect().close()  # the file exists, with no tables
    report = retention(db_url)
    assert report.conversations == [] and report.counts == {}


def _rows(store: Store, table: str) -> list[sa.Row[Any]]:
    reflected = sa.Table(table, sa.MetaData(), autoload_with=store.engine)
    with store.engine.connect() as db:
        return list(db.execute(sa.select(reflected).order_by(list(reflected.c)[0])))
