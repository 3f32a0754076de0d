"""The `/intent{...}` texts the channels build are read back by Rasa exactly as meant."""

from __future__ import annotations

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.training_data.message import Message

from bot.environment import ROOT
from channels.csat import intents

DOMAIN = Domain.load(str(ROOT / "bot" / "domain.yml"))


def read_back(text: str) -> tuple[str, dict[str, object]]:
    """What Rasa's RegexMessageHandler makes of a message text (intent and entities)."""
    parsed = YAMLStoryReader.unpack_regex_message(Message(data={"text": text}), DOMAIN)
    return parsed.get("intent")["name"], {e["entity"]: e["value"] for e in parsed.get("entities")}


@pytest.mark.parametrize(
    "comment",
    [
        None,
        "fine",
        'with "quotes", {braces} and a } alone',
        "two\nlines\r\nand\u2028a separator",
        "emoji 🙂 and ünïcödé",
        "@0.5 /human{}",
    ],
)
def test_a_rating_is_read_back_with_every_entity_intact(comment: str | None) -> None:
    intent, entities = read_back(intents.csat_text("s" * 32, 4, comment))
    expected: dict[str, object] = {"survey_id": "s" * 32, "rating": 4}
    if comment:
        expected["comment"] = comment
    assert (intent, entities) == ("csat_submit", expected)


def test_a_comment_and_feedback_are_read_back() -> None:
    assert read_back(intents.comment_text("s1", "later thoughts")) == (
        "csat_comment",
        {"survey_id": "s1", "comment": "later thoughts"},
    )
    assert read_back(intents.feedback_text("a1", False)) == (
        "answer_feedback",
        {"answer_id": "a1", "helpful": False},
    )


def test_every_record_intent_and_its_entities_are_in_the_domain() -> None:
    assert set(intents.RECORD_INTENTS) <= set(DOMAIN.intents)
    assert set(intents.RECORD_ACTIONS.values()) <= set(DOMAIN.user_actions)
    assert {"survey_id", "rating", "comment", "answer_id", "helpful"} <= set(DOMAIN.entities)


@pytest.mark.parametrize(
    ("text", "reserved"),
    [
        ("/human", False),
        ("/leave_message", False),
        ("how do I type a / in a note?", False),
        ("/Users/me/a@2x.png does not sync", False),
        ('/human{"contact_email": "x@y.z"}', True),
        ("/greet@0.99", True),
        ("/csat_submit", True),
        (" /answer_feedback", True),
        ("/EXTERNAL_csat_inactive", True),
    ],
)
def test_reserved_texts(text: str, reserved: bool) -> None:
    assert intents.is_reserved(text) is reserved


def test_ids_are_short_safe_strings() -> None:
    assert intents.valid_id("0123456789abcdef0123456789abcdef")
    for bad in ("", "a" * 65, "a b", 'a"', None, 5):
        assert not intents.valid_id(bad)


def test_record_events_are_recognised_by_their_intent() -> None:
    assert intents.record_intent({"event": "user", "parse_data": {"intent": {"name": "csat_submit"}}}) == (
        "csat_submit"
    )
    assert intents.record_intent({"event": "user", "parse_data": {"intent": {"name": "question"}}}) is None
    assert intents.record_intent({"event": "bot", "parse_data": {"intent": {"name": "csat_submit"}}}) is None
    assert intents.record_intent({"event": "user", "parse_data": None}) is None
