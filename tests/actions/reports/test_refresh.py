"""The summary follows the log: new events, late events, vanished events, erased customers."""

from __future__ import annotations

import sqlalchemy as sa

from actions.reports.refresh import refresh
from actions.reports.synthetic import SyntheticLog
from actions.reports.tables import conversations, events, senders
from tests.actions.reports.helpers import at, report
from tests.actions.reports.scenario import scenario


def test_the_first_refresh_summarises_everything_and_the_next_nothing(engine: sa.Engine) -> None:
    scenario().write(engine)
    first = refresh(engine)
    assert (first.mode, first.senders) == ("full", 8)  # c1-c8 (c9 is c1 again)
    again = refresh(engine)
    assert (again.mode, again.senders, again.watermark) == ("unchanged", 0, first.watermark)


def test_new_events_are_summarised_with_their_whole_sender(engine: sa.Engine) -> None:
    scenario().write(engine)
    before = report(engine)
    log = SyntheticLog()
    later = log.conversation("c2", at(6, 9))  # c2 comes back: a new session of an old sender
    later.customer("I want to talk to a person", "human", page_url="https://shop.example.com/app")
    later.handoff_decision("no_agent")
    log.conversation("c10", at(6, 10)).customer("hi", "greet", page_url="https://x.example/").utter(
        "utter_greet"
    )
    log.write(engine)
    stats = refresh(engine)
    assert (stats.mode, stats.senders) == ("incremental", 2)
    after = report(engine)
    assert after["conversations"] == before["conversations"] + 2
    assert after["handoff"]["handed_off"] == before["handoff"]["handed_off"] + 1
    assert after["containment"]["contained"] == before["containment"]["contained"] + 1


def test_a_conversation_continued_after_the_watermark_is_recomputed(engine: sa.Engine) -> None:
    log = SyntheticLog()
    chat = log.conversation("c1", at(2, 10))
    chat.customer("How do I export notes to PDF?", page_url="https://shop.example.com/app")
    chat.answer(grounded=False, question="How do I export notes to PDF?")
    log.write(engine)
    assert report(engine)["unanswered"]["conversations_ending_unanswered"] == 1
    log.rows.clear()
    chat.customer("how do I share a note")
    chat.answer(grounded=True)
    log.write(engine)
    result = report(engine)
    assert result["conversations"] == 1  # the same conversation, now ending answered
    assert result["unanswered"]["conversations_ending_unanswered"] == 0
    assert result["containment"]["contained"] == 1


def test_events_deleted_by_retention_leave_the_report(engine: sa.Engine) -> None:
    scenario().write(engine)
    assert report(engine)["conversations"] == 7
    with engine.begin() as db:  # retention deletes old events only, and leaves the summary alone
        db.execute(events.delete().where(events.c.sender_id.in_(["c2", "slack-D0C3"])))
    stats = refresh(engine)
    assert (stats.mode, stats.senders) == ("incremental", 2)
    result = report(engine)
    assert result["conversations"] == 5
    assert result["knowledge_gaps"] == []
    with engine.connect() as db:
        left = set(db.execute(sa.select(senders.c.conversation_id)).scalars())
    assert "c2" not in left and "slack-D0C3" not in left


def test_part_of_a_sender_deleted_is_recomputed_from_what_is_left(engine: sa.Engine) -> None:
    scenario().write(engine)
    assert report(engine)["csat"]["responses"] == 2
    with engine.begin() as db:  # c1's first session goes (older than the retention period); c9 stays
        cutoff = at(4)
        db.execute(events.delete().where(events.c.sender_id == "c1", events.c.timestamp < cutoff))
    result = report(engine)
    assert result["conversations"] == 6
    # Rasa carried S1's answer into c9's session, but S1 itself went with c1: it is not counted.
    assert (result["csat"]["surveys"], result["csat"]["responses"]) == (2, 1)


def test_an_erase_that_also_deletes_the_summary_rows_needs_no_recount(engine: sa.Engine) -> None:
    scenario().write(engine)
    report(engine)
    with engine.begin() as db:  # the privacy erase: events by sender_id, support_* by conversation_id
        db.execute(events.delete().where(events.c.sender_id == "c4"))
        for table in ("support_report_senders", "support_report_conversations", "support_report_surveys",
                      "support_report_questions", "support_handoffs", "support_tickets"):  # fmt: skip
            db.execute(sa.text(f"DELETE FROM {table} WHERE conversation_id = :c"), {"c": "c4"})
    stats = refresh(engine)
    assert stats.mode == "unchanged"
    result = report(engine)
    assert result["conversations"] == 6
    assert result["handoff"]["handoffs"] == 0


def test_dropped_summary_tables_are_rebuilt(engine: sa.Engine) -> None:
    scenario().write(engine)
    before = report(engine)
    with engine.begin() as db:
        db.execute(conversations.delete())
        db.execute(senders.delete())
    assert refresh(engine).mode == "full"
    assert {**report(engine), "generated_at": ""} == {**before, "generated_at": ""}


def test_an_empty_database_has_nothing_to_summarise(engine: sa.Engine) -> None:
    stats = refresh(engine)
    assert (stats.mode, stats.senders, stats.watermark) == ("unchanged", 0, 0)
