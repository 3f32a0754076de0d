"""RecentRulePolicy predicts exactly what RulePolicy predicts, for the trained model's rules.

Conversations are random walks over the domain (user intents, the actions the
rules run, slots, the contact form, pauses, rewinds, restarts, new sessions),
predicted after every event by RulePolicy (whole history, every time) and by
RecentRulePolicy (recent states, replayed once per conversation), sharing the
trained model's rules.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    ConversationResumed,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies import RecentRulePolicy, StateHistory

FALLBACKS = ("action_default_fallback", "action_listen")
MODEL = Path(os.environ.get("RASA_MODEL", "var/models/supportbot.tar.gz"))


@pytest.fixture(scope="module")
def policies() -> tuple[RecentRulePolicy, RulePolicy, Domain]:
    if not MODEL.is_file():
        pytest.skip(f"no trained model at {MODEL}: run `make model`")
    agent = Agent.load(str(MODEL))
    runner: Any = agent.processor.graph_runner  # type: ignore[union-attr]
    nodes = [node._component for node in runner._instantiated_nodes.values()]
    recent = next(c for c in nodes if isinstance(c, RecentRulePolicy))
    plain = RulePolicy(
        dict(recent.config),
        recent._model_storage,
        recent._resource,
        ExecutionContext(GraphSchema({}), is_finetuning=recent.finetune_mode),
        featurizer=recent.featurizer,
        lookup=recent.lookup,
    )
    return recent, plain, agent.domain  # type: ignore[return-value]


def random_events(domain: Domain, rng: random.Random, length: int) -> Iterator[Event]:
    intents = [i for i in domain.intents if not i.startswith("session_start")]
    actions = [a for a in domain.action_names_or_texts if a not in ("action_listen",)]
    slots = [s for s in domain.slots if s.type_name in ("text", "bool", "any", "float", "categorical")]
    rare: list[Event] = [
        UserUtteranceReverted(),
        Restarted(),
        ConversationPaused(),
        ConversationResumed(),
        ActiveLoop(None),
    ]
    for _ in range(length):
        roll = rng.random()
        if roll < 0.3:
            yield ActionExecuted("action_listen")
            yield UserUttered(
                f"message {rng.random()}",
                {"name": rng.choice(intents), "confidence": rng.choice([0.2, 0.9, 1.0])},
            )
        elif roll < 0.75:
            yield ActionExecuted(rng.choice(actions))
        elif roll < 0.88:
            slot = rng.choice(slots)
            yield SlotSet(
                slot.name, rng.choice([None, "x", True, 1.0]) if slot.type_name != "categorical" else None
            )
        elif roll < 0.93:
            form = rng.choice(list(domain.form_names) or [None])
            yield ActiveLoop(form)
        elif roll < 0.96:
            yield ActionExecuted("action_session_start")
            yield SessionStarted()
        else:
            yield rng.choice(rare)


def same(a: Any, b: Any) -> bool:
    return bool(
        list(a.probabilities) == list(b.probabilities)
        and a.events == b.events
        and a.optional_events == b.optional_events
        and a.action_metadata == b.action_metadata
    )


@pytest.mark.parametrize("seed", range(12))
def test_predictions_match_rule_policy_after_every_event(
    policies: tuple[RecentRulePolicy, RulePolicy, Domain], seed: int
) -> None:
    recent, plain, domain = policies
    rng = random.Random(seed)
    tracker = DialogueStateTracker(f"walk-{seed}", domain.slots)
    checked, ruled = 0, 0
    for event in random_events(domain, rng, 300):
        tracker.update(event)
        if rng.random() < 0.1:
            # As the tracker store serves it: a copy sharing the events, or reloaded (new objects).
            tracker = tracker.copy() if rng.random() < 0.7 else reloaded(tracker, domain)
        if rng.random() < 0.4:
            continue  # several events between two predictions, as within a turn
        expected = plain.predict_action_probabilities(tracker, domain)
        actual = recent.predict_action_probabilities(tracker, domain)
        assert same(actual, expected), (seed, checked, event)
        checked += 1
        ruled += domain.action_names_or_texts[expected.max_confidence_index] not in FALLBACKS
    assert checked >= 120
    assert ruled >= 20  # the walk reaches the rules, not only the fallback


def test_a_conversation_reaches_its_rules(policies: tuple[RecentRulePolicy, RulePolicy, Domain]) -> None:
    """Not only fallbacks: a greeting is answered by the greeting rule, and a question by the answer."""
    recent, _plain, domain = policies
    tracker = DialogueStateTracker("real", domain.slots)
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        tracker.update(event)
    for n in range(60):
        tracker.update(UserUttered(f"question {n}", {"name": "question", "confidence": 1.0}))
        prediction = recent.predict_action_probabilities(tracker, domain)
        assert domain.action_names_or_texts[prediction.max_confidence_index] == "action_answer"
        tracker.update(ActionExecuted("action_answer"))
        tracker.update(ActionExecuted("action_listen"))


def reloaded(tracker: DialogueStateTracker, domain: Domain) -> DialogueStateTracker:
    return DialogueStateTracker.from_dict(
        tracker.sender_id, [e.as_dict() for e in tracker.events], domain.slots
    )


def test_replays_are_bounded_by_events(policies: tuple[RecentRulePolicy, RulePolicy, Domain]) -> None:
    _recent, _plain, domain = policies
    history = StateHistory(max_events=50)
    for n in range(5):
        tracker = DialogueStateTracker(f"c{n}", domain.slots)
        for _ in range(10):
            tracker.update(ActionExecuted("action_listen"))
            tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
        history.tail(tracker, domain, 3)
    assert history._events == 40  # two conversations of 20 events
    assert list(history._replays) == ["c3", "c4"]


@pytest.mark.parametrize("seed", range(6))
def test_applied_events_are_continued_as_rasa_computes_them(
    policies: tuple[RecentRulePolicy, RulePolicy, Domain], seed: int
) -> None:
    _recent, _plain, domain = policies
    history, rng = StateHistory(), random.Random(100 + seed)
    tracker = DialogueStateTracker("walk", domain.slots)
    for event in random_events(domain, rng, 300):
        tracker.update(event)
        if rng.random() < 0.5:
            history.tail(tracker, domain, 3)
            replayed = history._replays["walk"].applied
            assert len(replayed) == len(tracker.applied_events())
            assert all(a is b for a, b in zip(replayed, tracker.applied_events(), strict=True))


def test_an_idle_conversation_is_dropped(policies: tuple[RecentRulePolicy, RulePolicy, Domain]) -> None:
    _recent, _plain, domain = policies
    now = [0.0]
    history = StateHistory(idle_seconds=300, clock=lambda: now[0])
    for name in ("quiet", "busy"):
        tracker = DialogueStateTracker(name, domain.slots)
        tracker.update(ActionExecuted("action_listen"))
        history.tail(tracker, domain, 3)
        now[0] += 200
    now[0] += 150  # "quiet" last seen 550 s ago, "busy" 350 s ago
    tracker = DialogueStateTracker("new", domain.slots)
    tracker.update(ActionExecuted("action_listen"))
    history.tail(tracker, domain, 3)
    assert list(history._replays) == ["new"]
    assert history._events == 1
