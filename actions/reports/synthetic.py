"""Conversation logs in Rasa's own format, for tests and the benchmark.

`ConversationBuilder` writes the events a real conversation leaves in Rasa's
SQLTrackerStore, shaped as `Event.as_dict()` (rasa/shared/core/events.py)
shapes them and stored as `SQLTrackerStore.save` stores them (type_name,
intent_name from parse_data, action_name from the event's `name`, JSON data).
The records the action server adds (answers, handoff decisions, surveys,
feedback) follow the issue-5 contract. tests/actions/reports/test_synthetic.py
replays these events through Rasa's own classes to prove the shapes.

    log = SyntheticLog()
    chat = log.conversation("c1", at=1_795_000_000.0)
    chat.customer("how do I export to pdf?", page_url="https://app.example.com/notes")
    chat.answer(grounded=False, question="how do I export to pdf?")
    log.write(engine)      # events, support_handoffs, support_tickets

`generate(100_000)` makes a realistic mix for the benchmark.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from actions.reports.tables import events, rasa_metadata

INTENTS = ("greet", "goodbye", "thanks", "human", "question", "cancel", "leave_message", "nlu_fallback")


@dataclass
class Handoff:
    conversation_id: str
    created_at: float
    trigger: str = "asked"
    origin: str = "webchat"
    status: str = "resolved"
    claimed_at: float | None = None
    first_agent_reply_at: float | None = None
    closed_at: float | None = None


@dataclass
class Ticket:
    conversation_id: str
    created_at: float
    reason: str = "after_hours"
    email: str | None = "customer@example.com"
    message: str | None = "Please call me back."


@dataclass
class SyntheticLog:
    rows: list[dict[str, Any]] = field(default_factory=list)  # rows of Rasa's `events` table
    handoffs: list[Handoff] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)

    def conversation(self, sender_id: str, at: float, channel: str = "webchat") -> ConversationBuilder:
        builder = ConversationBuilder(self, sender_id, at, channel)
        builder.start_session()
        return builder

    def write(self, engine: sa.Engine, batch: int = 50_000) -> None:
        """Append the events, handoffs and tickets (creating Rasa's and the handoff tables if needed)."""
        from channels.handoff.store import handoffs, tickets
        from channels.handoff.store import metadata as handoff_metadata

        rasa_metadata.create_all(engine)
        handoff_metadata.create_all(engine)
        with engine.begin() as db:
            for start in range(0, len(self.rows), batch):
                db.execute(events.insert(), self.rows[start : start + batch])
            if self.handoffs:
                db.execute(handoffs.insert(), [_handoff_row(h) for h in self.handoffs])
            if self.tickets:
                db.execute(tickets.insert(), [_ticket_row(t) for t in self.tickets])


class ConversationBuilder:
    """One sender's events, appended to the log as Rasa would store them; time moves forward."""

    def __init__(self, log: SyntheticLog, sender_id: str, at: float, channel: str) -> None:
        self.log, self.sender_id, self.now, self.channel = log, sender_id, at, channel
        self.context: dict[str, Any] = {}

    def wait(self, seconds: float) -> ConversationBuilder:
        self.now += seconds
        return self

    def event(self, data: dict[str, Any]) -> dict[str, Any]:
        """Store one event exactly as SQLTrackerStore.save does."""
        self.now += 0.001
        data = {
            "event": data["event"],
            "timestamp": self.now,
            **{k: v for k, v in data.items() if k != "event"},
        }
        self.log.rows.append(
            {
                "sender_id": self.sender_id,
                "type_name": data["event"],
                "timestamp": data["timestamp"],
                "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                "action_name": data.get("name"),
                "data": json.dumps(data),
            }
        )
        return data

    def start_session(self, carried_slots: dict[str, Any] | None = None) -> ConversationBuilder:
        self.action("action_session_start")
        self.event({"event": "session_started"})
        for name, value in (carried_slots or {}).items():
            self.slot(name, value)
        self.slot("session_started_metadata", None)
        return self.action("action_listen")

    def action(self, name: str, policy: str | None = None) -> ConversationBuilder:
        confidence = 1.0 if policy else None
        self.event(
            {
                "event": "action",
                "name": name,
                "policy": policy,
                "confidence": confidence,
                "action_text": None,
                "hide_rule_turn": False,
            }
        )
        return self

    def slot(self, name: str, value: Any) -> ConversationBuilder:
        self.event({"event": "slot", "name": name, "value": value})
        return self

    def user(
        self, text: str, intent: str, page_url: str | None = None, **context: Any
    ) -> ConversationBuilder:
        """A user event; `page_url` and `context` go to metadata.context as the widget sends them."""
        if page_url is not None:
            self.context = {
                "page_url": page_url,
                "page_title": "Lumenote",
                "locale": "en-GB",
                "timezone": "Europe/London",
                **context,
            }
        message_id = uuid.UUID(int=random.getrandbits(128)).hex
        ranking = [{"name": intent, "confidence": 0.91}] + [
            {"name": other, "confidence": 0.01} for other in INTENTS if other != intent
        ]
        metadata: dict[str, Any] = {"received_at": self.now}
        if self.channel == "webchat":
            metadata["context"] = dict(self.context)
        else:
            metadata["context"] = {"slack_user": "U0CUSTOMER", "slack_channel": "D0CUSTOMER"}
        self.event(
            {
                "event": "user",
                "metadata": metadata,
                "text": text,
                "parse_data": {
                    "intent": {"name": intent, "confidence": 0.91},
                    "entities": [],
                    "text": text,
                    "message_id": message_id,
                    "metadata": metadata,
                    "text_tokens": [[0, len(text)]],
                    "intent_ranking": ranking,
                },
                "input_channel": self.channel,
                "message_id": message_id,
            }
        )
        self.event({"event": "user_featurization", "use_text_for_featurization": False})
        return self

    def bot(
        self, text: str | None, custom: dict[str, Any] | None = None, buttons: Any = None
    ) -> ConversationBuilder:
        data = {
            "elements": None,
            "quick_replies": None,
            "buttons": buttons,
            "attachment": None,
            "image": None,
            "custom": custom,
        }
        self.event({"event": "bot", "metadata": {"utter_action": None}, "text": text, "data": data})
        return self

    # The turns a support conversation is made of.

    def customer(
        self, text: str, intent: str = "question", page_url: str | None = None
    ) -> ConversationBuilder:
        return self.user(text, intent, page_url)

    def answer(
        self, grounded: bool = True, question: str = "", answer_id: str | None = None, score: float = 0.62
    ) -> str:
        """action_answer's reply; returns the answer id."""
        answer_id = answer_id or uuid.UUID(int=random.getrandbits(128)).hex
        record: dict[str, Any] = {"id": answer_id, "grounded": grounded, "score": score, "mode": "extractive"}
        if not grounded:
            record |= {"unanswered": True, "question": question}
        self.action("action_answer", policy="RulePolicy")
        text = "Here is how: open Settings." if grounded else "I couldn't find an answer to that."
        citations = (
            [{"title": "Export your data", "url": "https://help.example.com/export"}] if grounded else None
        )
        custom: dict[str, Any] = {"answer": record} | ({"citations": citations} if citations else {})
        self.bot(text, custom)
        self.slot("unanswered_streak", 0.0 if grounded else 1.0)
        self.action("action_listen", policy="RulePolicy")
        return answer_id

    def utter(self, response: str) -> ConversationBuilder:
        self.action(response, policy="RulePolicy")
        self.bot("Hello! How can I help?")
        return self.action("action_listen", policy="RulePolicy")

    def handoff_decision(self, outcome: str, trigger: str = "asked") -> ConversationBuilder:
        self.action("action_handoff", policy="RulePolicy")
        self.bot(
            "I'm connecting you with a person.",
            {"handoff_decision": {"outcome": outcome, "trigger": trigger}},
        )
        if outcome == "connecting":
            self.slot("unanswered_streak", 0.0)
            self.event({"event": "pause"})
        else:
            self.event({"event": "followup", "name": "contact_form"})
            self.action("contact_form", policy="RulePolicy")
            self.event({"event": "active_loop", "name": "contact_form"})
        return self

    def handoff(
        self,
        trigger: str = "asked",
        claim_after: float | None = 40.0,
        reply_after: float | None = 95.0,
        status: str = "resolved",
    ) -> Handoff:
        """A support_handoffs row, created now (the relay's record of the Slack thread)."""
        created = self.now
        handoff = Handoff(
            self.sender_id,
            created,
            trigger,
            self.channel,
            status,
            created + claim_after if claim_after is not None else None,
            created + reply_after if reply_after is not None else None,
        )
        self.log.handoffs.append(handoff)
        return handoff

    def agent(self, text: str, name: str = "Sam") -> ConversationBuilder:
        self.bot(text, {"sender": {"kind": "agent", "name": name}})
        return self

    def resolved(self) -> ConversationBuilder:
        self.event({"event": "resume"})
        self.action("action_listen")
        self.user("/EXTERNAL_handoff_resolved", "EXTERNAL_handoff_resolved")
        self.action("action_after_handoff", policy="RulePolicy")
        self.bot("Anything else I can help with?")
        return self.action("action_listen", policy="RulePolicy")

    def ticket(self, reason: str = "after_hours") -> Ticket:
        self.slot("contact_email", "customer@example.com")
        self.event({"event": "active_loop", "name": None})
        ticket = Ticket(self.sender_id, self.now, reason)
        self.log.tickets.append(ticket)
        return ticket

    def survey(
        self, survey_id: str | None = None, trigger: str = "goodbye", scale: tuple[int, int] = (1, 5)
    ) -> str:
        survey_id = survey_id or uuid.UUID(int=random.getrandbits(128)).hex
        survey = {
            "id": survey_id,
            "trigger": trigger,
            "scale_min": scale[0],
            "scale_max": scale[1],
            "question": "How did we do?",
            "comment_prompt": "Anything to add?",
            "comment_max_chars": 1000,
        }
        self.action("action_ask_csat", policy="RulePolicy")
        self.bot("How did we do?", {"survey": survey})
        self.action("action_listen", policy="RulePolicy")
        return survey_id

    def csat(self, survey_id: str, rating: Any, comment: str | None = None) -> ConversationBuilder:
        self.user(
            f'/csat_submit{{"rating": {json.dumps(rating)}}}', "csat_comment" if comment else "csat_submit"
        )
        value = {"survey_id": survey_id, "rating": rating, "comment": comment, "ts": self.now}
        self.action("action_submit_csat", policy="RulePolicy")
        self.slot("csat_result", value)
        self.bot("Thank you for your feedback!")
        return self.action("action_listen", policy="RulePolicy")

    def feedback(self, answer_id: str, helpful: bool) -> ConversationBuilder:
        self.user(f'/answer_feedback{{"helpful": {json.dumps(helpful)}}}', "answer_feedback")
        self.action("action_answer_feedback", policy="RulePolicy")
        self.slot("answer_feedback", {"answer_id": answer_id, "helpful": helpful, "ts": self.now})
        self.bot("Thanks!")
        return self.action("action_listen", policy="RulePolicy")


def _handoff_row(handoff: Handoff) -> dict[str, Any]:
    return {
        "conversation_id": handoff.conversation_id,
        "origin": handoff.origin,
        "origin_address": "{}",
        "slack_channel": "C0SUPPORT",
        "thread_ts": f"{handoff.created_at:.6f}",
        "status": handoff.status,
        "trigger": handoff.trigger,
        "customer": "{}",
        "agent_id": "U0AGENT" if handoff.claimed_at else None,
        "agent_name": "Sam" if handoff.claimed_at else None,
        "created_at": handoff.created_at,
        "claim_deadline": handoff.created_at + 180,
        "pinged_at": None,
        "claimed_at": handoff.claimed_at,
        "first_agent_reply_at": handoff.first_agent_reply_at,
        "closed_at": handoff.closed_at,
    }


def _ticket_row(ticket: Ticket) -> dict[str, Any]:
    return {
        "conversation_id": ticket.conversation_id,
        "email": ticket.email,
        "message": ticket.message,
        "reason": ticket.reason,
        "context": "{}",
        "created_at": ticket.created_at,
        "posted_to_slack": True,
    }


# A realistic mix for the benchmark: what customers ask, how often the bot declines,
# how often they want a person, and how they rate it.
GAP_FAMILIES = (
    (
        "How do I export notes to PDF?",
        "export my notes as a pdf",
        "Can I export a notebook to PDF",
        "pdf export of notes?",
        "Exporting notes to PDF format",
    ),
    ("Do you have a Linux app?", "is there a linux version", "Lumenote for Linux?", "linux desktop app"),
    ("Can I pay with PayPal?", "paypal payment possible", "do you take paypal"),
    ("Is there a dark mode?", "dark mode please", "how do I turn on dark mode", "dark theme"),
    ("Can I recover deleted notes?", "recover a deleted note", "recovering deleted notes from last week"),
    (
        "Google Calendar integration?",
        "does lumenote integrate with google calendar",
        "connect google calendar",
    ),
    ("What is your phone number?", "support phone number", "can I call you, phone number?"),
    ("Do you offer a student discount?", "student discount", "discount for students?"),
)
ANSWERED = (
    "How do I reset my password?",
    "how do i search only notes with a tag",
    "How do I share a note?",
    "What does the Pro plan cost?",
    "How do I cancel my plan?",
    "Can I get a refund?",
    "how do I turn on two-factor authentication",
    "my notes don't sync",
    "how do I import from Evernote",
)
PAGES = (
    "https://lumenote.example.com/pricing",
    "https://lumenote.example.com/app/notes",
    "https://lumenote.example.com/app/settings/billing",
    "https://help.lumenote.example.com/articles/sync",
    "https://lumenote.example.com/download",
)
RARE_WORDS = (
    "zapier",
    "webhook",
    "markdown",
    "latex",
    "widget",
    "kanban",
    "ocr",
    "handwriting",
    "api",
    "sso",
    "saml",
    "audit",
    "backup",
    "versioning",
    "template",
    "emoji",
    "printing",
    "fax",
)
BERLIN = ZoneInfo("Europe/Berlin")


def generate(
    conversations: int, seed: int = 5, start: datetime | None = None, days: int = 60
) -> SyntheticLog:
    """`conversations` conversations spread over `days` days from `start` (UTC midnight by default)."""
    rng = random.Random(seed)
    random.seed(seed)  # message and answer ids in the builder
    begin = (start or datetime(2026, 9, 1, tzinfo=ZoneInfo("UTC"))).timestamp()
    log = SyntheticLog()
    returning: list[tuple[str, str, float]] = []
    for _ in range(conversations):
        at = begin + rng.randrange(days) * 86400 + _hour(rng) * 3600 + rng.random() * 3600
        if returning and rng.random() < 0.08:
            sender, channel, last = returning.pop(rng.randrange(len(returning)))
            at = max(at, last + 7200)
        else:
            channel = "webchat" if rng.random() < 0.8 else "slack"
            sender = uuid.UUID(int=rng.getrandbits(128)).hex
            if channel == "slack":
                sender = f"slack-D{sender[:10].upper()}"  # a DM conversation (channels/slack/customers.py)
        chat = log.conversation(sender, at, channel)
        _play(chat, rng)
        returning.append((sender, channel, chat.now))
    return log


def _hour(rng: random.Random) -> int:
    return rng.choices(
        range(24), weights=[1, 1, 1, 1, 1, 2, 3, 5, 8, 9, 9, 9, 8, 9, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    )[0]


def _play(chat: ConversationBuilder, rng: random.Random) -> None:
    page = rng.choice(PAGES)
    if rng.random() < 0.3:
        chat.customer("hi", "greet", page_url=page).utter("utter_greet")
    streak, handed_off = 0, False
    for _ in range(1 + min(int(rng.expovariate(1.2)), 5)):
        chat.wait(rng.uniform(5, 90))
        if rng.random() < 0.07:
            chat.customer("I want to talk to a person", "human", page_url=page)
            handed_off = _handoff(chat, rng, "asked")
            break
        declined = rng.random() < 0.18
        question = _gap_question(rng) if declined else rng.choice(ANSWERED)
        chat.customer(question, "question", page_url=page)
        answer_id = chat.answer(grounded=not declined, question=question)
        if rng.random() < 0.25:
            chat.wait(rng.uniform(2, 20)).feedback(
                answer_id, helpful=rng.random() < (0.25 if declined else 0.8)
            )
        streak = streak + 1 if declined else 0
        if streak == 2:
            handed_off = _handoff(chat, rng, "unanswered")
            break
    if handed_off or rng.random() < 0.4:
        if not handed_off:
            chat.wait(rng.uniform(5, 60)).customer("thanks, bye", "goodbye").utter("utter_goodbye")
        survey_id = chat.survey(trigger="resolved" if handed_off else "goodbye")
        if rng.random() < 0.45:
            weights = [14, 10, 14, 26, 36] if handed_off else [9, 7, 11, 25, 48]
            rating = rng.choices(range(1, 6), weights=weights)[0]
            chat.wait(rng.uniform(3, 30)).csat(survey_id, rating)
            if rng.random() < 0.2:
                chat.wait(rng.uniform(10, 60)).csat(survey_id, rating, comment="Quick and clear, thanks.")


def _gap_question(rng: random.Random) -> str:
    if rng.random() < 0.25:  # the long tail: questions nobody else asks
        return f"does it support {rng.choice(RARE_WORDS)} with {rng.choice(RARE_WORDS)} {rng.randrange(1000)}"
    family = GAP_FAMILIES[min(int(rng.expovariate(0.45)), len(GAP_FAMILIES) - 1)]
    return rng.choice(family)


def _handoff(chat: ConversationBuilder, rng: random.Random, trigger: str) -> bool:
    local = datetime.fromtimestamp(chat.now, BERLIN)
    open_now = local.weekday() < 5 and 8 <= local.hour < 18
    if not open_now:
        chat.handoff_decision("after_hours", trigger)
        if rng.random() < 0.7:
            chat.wait(rng.uniform(20, 120)).ticket("after_hours")
        return False
    if rng.random() < 0.05:
        chat.handoff_decision("no_agent", trigger)
        chat.wait(rng.uniform(20, 120)).ticket("no_agent")
        return False
    chat.handoff_decision("connecting", trigger)
    claim = rng.uniform(15, 400)
    replied = rng.random() < 0.9
    handoff = chat.handoff(
        trigger, claim_after=claim, reply_after=claim + rng.uniform(5, 120) if replied else None
    )
    if not replied:
        handoff.status, handoff.claimed_at = "abandoned", None
        chat.wait(200).ticket("unclaimed")
        return False
    chat.wait((handoff.first_agent_reply_at or chat.now) - chat.now)
    for _ in range(rng.randint(1, 3)):
        chat.agent("Happy to help with that.").wait(rng.uniform(20, 90))
    handoff.closed_at = chat.now
    chat.resolved()
    return True
