"""One sender's events -> its conversations, surveys and declined questions.

The definitions in docs/reports.md, in code. Pure functions over `EventRow`s in
id order (the order Rasa itself replays a tracker in), so they are tested
without a database.

- A conversation starts where a Rasa session starts (`action_session_start`, or
  `session_started` without one) and counts once the customer has written in it.
  A session in which the customer writes nothing (Rasa opens one when an agent's
  late reply or the survey after a resolve arrives past the session timeout)
  continues the conversation before it.
- Customer messages are user events, except survey answers, answer feedback
  (`csat_submit`, `csat_comment`, `answer_feedback`) and intents Rasa is sent by
  the product itself (`EXTERNAL_*`).
- A survey answer belongs to the conversation its survey was asked in, and an
  answer's feedback to the conversation the answer was given in, by id: Rasa
  carries slots over into the next session, and the last value per id counts.
  An answer or feedback whose survey or answer is no longer in the log (retention
  deleted that session) is not counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from actions.reports.extract import CSAT_SLOT, FEEDBACK_SLOT, SESSION_START_ACTION, EventRow, parse_object
from actions.reports.gaps import question_key, words_key

NOT_CUSTOMER_INTENTS = frozenset({"csat_submit", "csat_comment", "answer_feedback"})
PRODUCT_INTENT_PREFIX = "EXTERNAL_"
AFTER_HOURS = "after_hours"
MAX_QUESTION_CHARS = 2000


@dataclass
class Conversation:
    conversation_id: str
    session_event_id: int
    window_start: float
    window_end: float | None = None
    started_at: float = 0.0
    channel: str = ""
    page_url: str = ""
    customer_messages: int = 0
    answers: int = 0
    answers_declined: int = 0
    last_answer_declined: bool = False
    rated_helpful: int = 0
    rated_unhelpful: int = 0
    handoff_decisions: int = 0
    after_hours_decisions: int = 0
    agent_messages: int = 0
    first_message_id: int = 0  # not stored: where channel and page_url are read from

    def row(self) -> dict[str, Any]:
        return {column: getattr(self, column) for column in CONVERSATION_COLUMNS}


CONVERSATION_COLUMNS = tuple(name for name in Conversation.__dataclass_fields__ if name != "first_message_id")


@dataclass
class Survey:
    conversation_id: str
    session_event_id: int
    survey_id: str
    trigger: str | None = None
    scale_min: int | None = None
    scale_max: int | None = None
    rating: int | None = None
    commented: bool = False
    conversation: Conversation | None = None  # not stored: where the filter columns come from

    @property
    def escalated(self) -> bool:
        """A handoff decision or an agent message (handoff and ticket rows are added by the report)."""
        owner = self.conversation
        return owner is not None and bool(owner.handoff_decisions or owner.agent_messages)

    started_at = property(lambda self: self.conversation.started_at if self.conversation else 0.0)
    channel = property(lambda self: self.conversation.channel if self.conversation else "")
    page_url = property(lambda self: self.conversation.page_url if self.conversation else "")


@dataclass(frozen=True)
class Question:
    conversation_id: str
    session_event_id: int
    event_id: int
    asked_at: float
    question: str
    question_key: str
    question_words: str
    conversation: Conversation  # not stored: where the filter columns come from

    started_at = property(lambda self: self.conversation.started_at)
    channel = property(lambda self: self.conversation.channel)
    page_url = property(lambda self: self.conversation.page_url)


@dataclass
class SenderSummary:
    conversations: list[Conversation] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)


def summarise_sender(sender_id: str, rows: Iterable[EventRow]) -> SenderSummary:
    """Conversations (with at least one customer message) of one sender, from its relevant events."""
    state = _SenderState(sender_id)
    for row in rows:
        state.add(row)
    return state.finish()


class _SenderState:
    def __init__(self, sender_id: str) -> None:
        self.sender_id = sender_id
        self.sessions: list[Conversation] = []  # every session, written in or not
        self.fresh = False  # the current session has only its action_session_start so far
        self.answer_session: dict[str, Conversation] = {}
        self.feedback: dict[str, bool] = {}
        self.surveys: dict[str, _AskedSurvey] = {}
        self.ratings: dict[str, dict[str, Any]] = {}  # survey_id -> last csat_result value
        self.questions: list[tuple[Conversation, EventRow, str]] = []

    def add(self, row: EventRow) -> None:
        starts = row.kind == "action" and row.name == SESSION_START_ACTION
        if starts or (row.kind == "session_started" and not self.fresh) or not self.sessions:
            self.sessions.append(Conversation(self.sender_id, row.id, row.timestamp))
        self.fresh = starts
        current = self.sessions[-1]
        if row.kind == "user":
            self._user(current, row)
        elif row.payload is None:
            return
        elif row.kind == "bot" and (custom := parse_object(row.payload)):
            self._bot(current, row, custom)
        elif row.kind == "slot" and (value := parse_object(row.payload)):
            self._slot(current, row.name, value)

    def _user(self, current: Conversation, row: EventRow) -> None:
        intent = row.intent or ""
        if intent in NOT_CUSTOMER_INTENTS or intent.startswith(PRODUCT_INTENT_PREFIX):
            return
        if current.customer_messages == 0:
            current.started_at = row.timestamp
            current.first_message_id = row.id
        current.customer_messages += 1

    def _bot(self, current: Conversation, row: EventRow, custom: dict[str, Any]) -> None:
        answer = custom.get("answer")
        if isinstance(answer, dict):
            declined = answer.get("unanswered") is True or answer.get("grounded") is False
            current.answers += 1
            current.answers_declined += declined
            current.last_answer_declined = declined
            if isinstance(answer.get("id"), str):
                self.answer_session.setdefault(answer["id"], current)
            question = answer.get("question")
            if declined and isinstance(question, str) and question.strip():
                self.questions.append((current, row, question.strip()[:MAX_QUESTION_CHARS]))
        decision = custom.get("handoff_decision")
        if isinstance(decision, dict):
            current.handoff_decisions += 1
            current.after_hours_decisions += decision.get("outcome") == AFTER_HOURS
        sender = custom.get("sender")
        if isinstance(sender, dict) and sender.get("kind") == "agent":
            current.agent_messages += 1
        survey = custom.get("survey")
        if isinstance(survey, dict) and isinstance(survey.get("id"), str):
            self.surveys.setdefault(
                survey["id"],
                _AskedSurvey(
                    current,
                    survey["id"],
                    _text(survey.get("trigger")),
                    _int(survey.get("scale_min")),
                    _int(survey.get("scale_max")),
                ),
            )

    def _slot(self, current: Conversation, name: str | None, value: dict[str, Any]) -> None:
        if name == FEEDBACK_SLOT and isinstance(value.get("answer_id"), str):
            if isinstance(value.get("helpful"), bool):
                self.feedback[value["answer_id"]] = value["helpful"]
        elif name == CSAT_SLOT and isinstance(value.get("survey_id"), str):
            self.ratings[value["survey_id"]] = value

    def finish(self) -> SenderSummary:
        owner = self._owners()
        for answer_id, helpful in self.feedback.items():
            if answer_id in self.answer_session:
                target = owner[id(self.answer_session[answer_id])]
                target.rated_helpful += helpful
                target.rated_unhelpful += not helpful
        for survey_id, value in self.ratings.items():
            if survey_id in self.surveys:  # an answer to a survey no longer in the log went with it
                self.surveys[survey_id].answer = value
        conversations = [session for session in self.sessions if session.customer_messages]
        for conversation, following in zip(conversations, conversations[1:], strict=False):
            conversation.window_end = following.window_start
        return SenderSummary(
            conversations,
            [
                survey.summary(owner[id(survey.session)])
                for survey in self.surveys.values()
                if owner[id(survey.session)].customer_messages
            ],
            [
                Question(
                    self.sender_id,
                    owner[id(s)].session_event_id,
                    row.id,
                    row.timestamp,
                    text,
                    question_key(text),
                    words_key(text),
                    owner[id(s)],
                )
                for s, row, text in self.questions
                if owner[id(s)].customer_messages
            ],
        )

    def _owners(self) -> dict[int, Conversation]:
        """Each session -> the conversation it belongs to: itself, or the last one written in before it.

        What happened in a session nobody wrote in is added to its owner here.
        """
        owner: dict[int, Conversation] = {}
        last_written: Conversation | None = None
        for session in self.sessions:
            if session.customer_messages:
                last_written = session
            target = last_written or session
            owner[id(session)] = target
            if target is not session:
                _merge(target, session)
        return owner


@dataclass
class _AskedSurvey:
    session: Conversation
    survey_id: str
    trigger: str | None = None
    scale_min: int | None = None
    scale_max: int | None = None
    answer: dict[str, Any] | None = None  # the last csat_result value for this survey

    def summary(self, conversation: Conversation) -> Survey:
        survey = Survey(
            conversation.conversation_id,
            conversation.session_event_id,
            self.survey_id[:64],
            self.trigger,
            self.scale_min,
            self.scale_max,
            conversation=conversation,
        )
        if self.answer is not None:
            survey.rating = _rating(self.answer.get("rating"), survey)
            survey.commented = survey.rating is not None and _text(self.answer.get("comment")) is not None
        return survey


def _merge(target: Conversation, session: Conversation) -> None:
    target.answers += session.answers
    target.answers_declined += session.answers_declined
    if session.answers:
        target.last_answer_declined = session.last_answer_declined
    target.handoff_decisions += session.handoff_decisions
    target.after_hours_decisions += session.after_hours_decisions
    target.agent_messages += session.agent_messages


def _rating(raw: Any, survey: Survey) -> int | None:
    """The rating if it is a whole number on the survey's scale."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None
    low = survey.scale_min if survey.scale_min is not None else 0
    high = survey.scale_max if survey.scale_max is not None else 10
    return raw if low <= raw <= high else None


def _int(raw: Any) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def _text(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and raw.strip() else None


def summarise_events(rows: Iterable[EventRow]) -> dict[str, SenderSummary]:
    """Every sender's summary from relevant events of many senders, in id order."""
    states: dict[str, _SenderState] = {}
    for row in rows:
        state = states.get(row.sender_id)
        if state is None:
            state = states[row.sender_id] = _SenderState(row.sender_id)
        state.add(row)
    return {sender: state.finish() for sender, state in states.items()}
