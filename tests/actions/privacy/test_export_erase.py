"""Per-customer export and erase across the log, handoffs, tickets, surveys and report tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from actions.privacy.customers import Customer, UnknownCustomer
from actions.privacy.database import Databases
from actions.privacy.erase import erase_customer
from actions.privacy.export import FORMAT, export_customer
from actions.privacy.settings import DatabaseUrls
from tests.actions.privacy.builders import DAY, NOW, Store

JANE = {"customer_email": "jane@example.com", "customer_id": "cus_jane", "page_url": "https://shop.example/"}


def jane_and_john(store: Store) -> None:
    """Jane: two visits (two sessions of one conversation id) and a second widget conversation."""
    store.conversation("jane-1", NOW - 3 * DAY, context=JANE, text="my card 4111 1111 1111 1111 failed")
    store.survey_answer("jane-1", 2, NOW - 3 * DAY + 120, comment="slow")
    store.slot(
        "jane-1", "answer_feedback", {"answer_id": "a1", "helpful": False, "ts": NOW}, NOW - 3 * DAY + 130
    )
    store.conversation("jane-1", NOW - DAY, context=JANE, text="it works now")
    store.conversation("jane-2", NOW, context={"customer_email": "jane@example.com"})
    store.handoff("jane-2", NOW + 70, customer={"email": "jane@example.com", "locale": "de"})
    store.ticket("jane-2", "jane@example.com", NOW + 80, message="call me on 020 7946 0958")
    store.conversation("john", NOW, context={"customer_email": "john@example.com"})
    store.handoff("john", NOW + 70, customer={"email": "john@example.com"})
    store.ticket("john", "john@example.com", NOW + 80)
    with store.engine.begin() as db:
        db.execute(
            sa.text("CREATE TABLE support_report_facts (conversation_id VARCHAR(255), contained INTEGER)")
        )
        db.execute(
            sa.text("INSERT INTO support_report_facts VALUES ('jane-1', 1), ('jane-2', 0), ('john', 1)")
        )


def connect(url: str) -> Databases:
    return Databases.connect(DatabaseUrls(url, url))


def test_the_export_holds_every_conversation_ticket_handoff_and_survey_answer(
    store: Store, db_url: str
) -> None:
    jane_and_john(store)
    with connect(db_url) as dbs:
        document = export_customer(dbs, Customer.parse("email", "jane@example.com"), now=NOW)

    json.dumps(document)  # one JSON document, as written
    assert document["format"] == FORMAT and document["exported_at"] == "2025-10-09T08:53:20Z"
    assert document["customer"] == {"kind": "email", "value": "jane@example.com"}
    sessions = [(c["conversation_id"], c["session"], c["channel"]) for c in document["conversations"]]
    assert sessions == [("jane-1", 0, "webchat"), ("jane-1", 1, "webchat"), ("jane-2", 0, "webchat")]
    first = document["conversations"][0]
    assert [e["event"] for e in first["events"]][:3] == ["action", "session_started", "action"]
    assert any(e.get("text") == "my card 4111 1111 1111 1111 failed" for e in first["events"])
    assert first["started_at"] == "2025-10-06T08:53:20Z"
    [ticket] = document["tickets"]
    assert ticket["message"] == "call me on 020 7946 0958" and ticket["context"] == {"page_url": "https://x"}
    [handoff] = document["handoffs"]
    assert handoff["customer"] == {"email": "jane@example.com", "locale": "de"}  # JSON, not text
    assert [(a["conversation_id"], a["rating"], a["comment"]) for a in document["survey_answers"]] == [
        ("jane-1", 2, "slow")
    ]
    assert document["answer_feedback"] == [
        {"conversation_id": "jane-1", "answer_id": "a1", "helpful": False, "ts": NOW}
    ]
    assert sorted(r["conversation_id"] for r in document["other"]["support_report_facts"]) == [
        "jane-1",
        "jane-2",
    ]
    assert "john" not in json.dumps(document)


def test_erase_removes_the_customer_everywhere_reports_per_table_and_leaves_others(
    store: Store, db_url: str
) -> None:
    jane_and_john(store)
    john_before = store.events_of("john")

    with connect(db_url) as dbs:
        erasure = erase_customer(dbs, Customer.parse("customer_id", "cus_jane"))

    assert erasure.conversations == ["jane-1"]  # the widget's customer_id was only on jane-1
    assert erasure.counts == {
        "events": 14,
        "support_handoffs": 0,
        "support_report_facts": 1,
        "support_tickets": 0,
    }
    with connect(db_url) as dbs:
        erasure = erase_customer(dbs, Customer.parse("email", "jane@example.com"))
    assert erasure.conversations == ["jane-2"]
    assert erasure.counts == {
        "events": 6,
        "support_handoffs": 1,
        "support_report_facts": 1,
        "support_tickets": 1,
    }
    assert store.events_of("jane-1") == store.events_of("jane-2") == []
    assert store.events_of("john") == john_before
    assert store.count("support_tickets") == store.count("support_handoffs") == 1
    assert store.count("support_report_facts", conversation_id="john") == 1


def test_erasing_again_finds_nothing_and_changes_nothing(store: Store, db_url: str) -> None:
    jane_and_john(store)
    jane = Customer.parse("email", "jane@example.com")
    with connect(db_url) as dbs:
        erase_customer(dbs, jane)
    after = store.snapshot()
    with connect(db_url) as dbs, pytest.raises(UnknownCustomer):
        erase_customer(dbs, jane)
    assert store.snapshot() == after


def test_a_dry_run_erase_counts_and_keeps_everything(store: Store, db_url: str) -> None:
    jane_and_john(store)
    before = store.snapshot()
    with connect(db_url) as dbs:
        planned = erase_customer(dbs, Customer.parse("email", "jane@example.com"), dry_run=True)
    assert store.snapshot() == before
    assert planned.dry_run and planned.conversations == ["jane-1", "jane-2"]
    assert planned.counts["events"] == 20 and planned.counts["support_tickets"] == 1


def test_a_failure_halfway_erases_nothing(store: Store, db_url: str) -> None:
    jane_and_john(store)
    with store.engine.begin() as db:
        db.execute(sa.text("CREATE TABLE support_zz_locked (conversation_id VARCHAR(255))"))
        db.execute(sa.text("INSERT INTO support_zz_locked VALUES ('jane-2')"))
        if db_url.startswith("sqlite"):
            db.execute(
                sa.text(
                    "CREATE TRIGGER keep BEFORE DELETE ON support_zz_locked "
                    "BEGIN SELECT RAISE(ABORT, 'kept'); END"
                )
            )
        else:
            db.execute(
                sa.text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'kept'; END $$ "
                    "LANGUAGE plpgsql"
                )
            )
            db.execute(
                sa.text(
                    "CREATE TRIGGER keep BEFORE DELETE ON support_zz_locked "
                    "FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )
    before = store.snapshot()
    # The last table in the order fails: everything deleted before it must come back.
    with connect(db_url) as dbs, pytest.raises(sa.exc.DatabaseError):
        erase_customer(dbs, Customer.parse("email", "jane@example.com"))
    assert store.snapshot() == before


def test_with_a_separate_handoff_database_both_are_searched_and_erased(tmp_path: Path) -> None:
    folder = tmp_path
    log, desk = (
        Store.create(f"sqlite:///{folder / 'log.db'}"),
        Store.create(f"sqlite:///{folder / 'desk.db'}"),
    )
    log.conversation("jane", NOW, context={"customer_email": "jane@example.com"})
    desk.ticket("jane", "jane@example.com", NOW)
    desk.handoff("jane-slack", NOW, customer={"email": "jane@example.com"})
    urls = DatabaseUrls(f"sqlite:///{folder / 'log.db'}", f"sqlite:///{folder / 'desk.db'}")
    with Databases.connect(urls) as dbs:
        erasure = erase_customer(dbs, Customer.parse("email", "jane@example.com"))
    assert erasure.conversations == ["jane", "jane-slack"]
    assert erasure.counts == {"events": 6, "support_handoffs": 1, "support_tickets": 1}
    assert log.events_of("jane") == [] and desk.count("support_tickets") == 0
