"""The tables reports read and the summary tables they keep.

`events` mirrors Rasa's SQLTrackerStore table (rasa/core/tracker_store.py,
`SQLTrackerStore.SQLEvent`) column for column: reports only read it, Rasa owns
it. It is declared here so tests and benchmarks can create a database in
exactly Rasa's shape.

The `support_report_*` tables are derived from `events` and can be dropped at
any time (the next report rebuilds them). Each carries `conversation_id` (the
tracker's sender_id), because the privacy commands erase every `support_*`
table by conversation_id:

    support_report_senders        one row per sender: how many events were summarised, up to which id
    support_report_conversations  one row per conversation (Rasa session) with a customer message
    support_report_surveys        one row per CSAT survey asked or answered
    support_report_questions      one row per question the bot declined to answer
"""

from __future__ import annotations

import sqlalchemy as sa

# Rasa's own table. Rasa's `id` has an optional sequence (used by Oracle only),
# so on SQLite and PostgreSQL it is a plain autoincrementing integer key.
rasa_metadata = sa.MetaData()
events = sa.Table(
    "events",
    rasa_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

metadata = sa.MetaData()
senders = sa.Table(
    "support_report_senders",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("events", sa.Integer, nullable=False),  # rows of `events` summarised for this sender
    sa.Column("last_event_id", sa.Integer, nullable=False),
)
conversations = sa.Table(
    "support_report_conversations",
    metadata,
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("session_event_id", sa.Integer, nullable=False),  # events.id where the session starts
    sa.Column("window_start", sa.Float, nullable=False),  # session start .. next session start:
    sa.Column("window_end", sa.Float),  # handoffs and tickets created in between belong here
    sa.Column("started_at", sa.Float, nullable=False, index=True),  # the customer's first message
    sa.Column("channel", sa.String(32), nullable=False, index=True),
    sa.Column("page_url", sa.Text, nullable=False),
    sa.Column("customer_messages", sa.Integer, nullable=False),
    sa.Column("answers", sa.Integer, nullable=False),
    sa.Column("answers_declined", sa.Integer, nullable=False),
    sa.Column("last_answer_declined", sa.Boolean, nullable=False),
    sa.Column("rated_helpful", sa.Integer, nullable=False),
    sa.Column("rated_unhelpful", sa.Integer, nullable=False),
    sa.Column("handoff_decisions", sa.Integer, nullable=False),
    sa.Column("after_hours_decisions", sa.Integer, nullable=False),
    sa.Column("agent_messages", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("conversation_id", "session_event_id"),
)
surveys = sa.Table(
    "support_report_surveys",
    metadata,
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("session_event_id", sa.Integer, nullable=False),
    sa.Column("survey_id", sa.String(64), nullable=False),
    sa.Column("trigger", sa.String(32)),  # resolved, goodbye, inactive (as the survey record says)
    sa.Column("scale_min", sa.Integer),
    sa.Column("scale_max", sa.Integer),
    sa.Column("rating", sa.Integer),  # None: asked, not answered
    sa.Column("commented", sa.Boolean, nullable=False),
    # The conversation's filter columns, copied so that reports need no join:
    sa.Column("started_at", sa.Float, nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("page_url", sa.Text, nullable=False),
    sa.Column("escalated", sa.Boolean, nullable=False),  # a handoff decision or agent message in it
    sa.PrimaryKeyConstraint("conversation_id", "session_event_id", "survey_id"),
)
questions = sa.Table(
    "support_report_questions",
    metadata,
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("session_event_id", sa.Integer, nullable=False),
    sa.Column("event_id", sa.Integer, nullable=False),
    sa.Column("asked_at", sa.Float, nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("question_key", sa.Text, nullable=False),  # normalised: the same question typed differently
    sa.Column("question_words", sa.Text, nullable=False),  # stemmed content words (reports/gaps.py)
    # The conversation's filter columns, copied so that reports need no join:
    sa.Column("started_at", sa.Float, nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("page_url", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("conversation_id", "event_id"),
)
sa.Index("ix_support_report_questions_session", questions.c.conversation_id, questions.c.session_event_id)
sa.Index("ix_support_report_surveys_session", surveys.c.conversation_id, surveys.c.session_event_id)
SUMMARY_TABLES = (senders, conversations, surveys, questions)
