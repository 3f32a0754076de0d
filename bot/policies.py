"""RulePolicy, predicting from the recent dialogue states only, computed once each.

    policies:                                    # config.yml
      - name: bot.policies.RecentRulePolicy

Rasa 3.6's RulePolicy turns the whole session into dialogue states before every
prediction (two or more per message): it replays every event and builds a state
for every past action, then compares the states with its rules from the most
recent one backwards. At turn 200 (about 1,250 events) that was a fifth of the
Rasa server's CPU per message, and it grows with every turn.

Only the last few states can change a prediction: `RulePolicy._is_rule_applicable`
accepts a rule at every state further back than the rule is long. So this policy
gives RulePolicy the last `longest rule + 1` states, exactly as RulePolicy would
compute them, and computes each state once per conversation: it keeps, for each
conversation, a tracker replayed up to the events it has seen and the states so
far, and reads and replays only the events that are new (continuing Rasa's
`applied_events` over them). Events are only ever appended; where a rewind (a
reverted user message, a restart, a new session) makes the applied events
differ from what was replayed, the conversation is replayed from the start,
as RulePolicy does every time.

The kept replays are bounded like the tracker store's cache (bot/tracker_store.py):
at most `MAX_EVENTS` replayed events in all (least recently used out first), and
a conversation idle for `IDLE_SECONDS` is dropped; a dropped conversation is
replayed from the start at its next prediction.
tests/bot/test_policies.py checks the predictions against RulePolicy's.
"""

from __future__ import annotations

import copy
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

MAX_EVENTS = 20_000
IDLE_SECONDS = 300.0


@dataclass
class _Replay:
    """A conversation's tracker replayed over `applied`, its applied events so far."""

    tracker: DialogueStateTracker
    applied: list[Event] = field(default_factory=list)
    states: list[State] = field(default_factory=list)  # one per ActionExecuted replayed
    read: int = 0  # the conversation's events read to find `applied`
    last_read: Event | None = None
    loop_names: frozenset[str] = frozenset()
    touched: float = 0.0


class StateHistory:
    """The dialogue states of conversations, extended as their events are appended."""

    def __init__(
        self,
        max_events: int = MAX_EVENTS,
        idle_seconds: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_events, self.idle_seconds, self.clock = max_events, idle_seconds, clock
        self._replays: OrderedDict[str, _Replay] = OrderedDict()
        self._events = 0

    def tail(self, tracker: DialogueStateTracker, domain: Domain, length: int) -> list[State]:
        """The last `length` of `domain.states_for_tracker_history(tracker)`, as fresh dicts."""
        replay = self._forget(tracker.sender_id)
        applied, loop_names = _applied_events(tracker, replay)
        seen = len(replay.applied) if replay else 0
        # Appended events leave the replayed ones in place; a rewind replays from the start.
        if replay is None or seen > len(applied) or (seen and applied[seen - 1] is not replay.applied[-1]):
            replay, seen = _Replay(tracker.init_copy()), 0
        for event in applied[seen:]:
            if isinstance(event, ActionExecuted):
                replay.states.append(_state(replay.tracker, domain))
            replay.tracker.update(event)
            replay.applied.append(event)
        replay.read = len(tracker.events)
        replay.last_read = tracker.events[-1] if tracker.events else None
        replay.loop_names = loop_names
        self._remember(tracker.sender_id, replay)
        # The state after the last event is not kept: the next event changes it.
        recent = replay.states[-(length - 1) :] if length > 1 else []
        return copy.deepcopy(recent) + [_state(replay.tracker, domain)]

    def _forget(self, sender_id: str) -> _Replay | None:
        replay = self._replays.pop(sender_id, None)
        if replay is not None:
            self._events -= len(replay.applied)
        return replay

    def _remember(self, sender_id: str, replay: _Replay) -> None:
        now = replay.touched = self.clock()
        if len(replay.applied) <= self.max_events:
            self._replays[sender_id] = replay
            self._events += len(replay.applied)
        while self._replays:
            oldest_id, oldest = next(iter(self._replays.items()))
            if self._events <= self.max_events and now - oldest.touched < self.idle_seconds:
                break
            self._forget(oldest_id)


def _applied_events(
    tracker: DialogueStateTracker, replay: _Replay | None
) -> tuple[list[Event], frozenset[str]]:
    """`tracker.applied_events()` and the loop names it used, continued from `replay` where it can be."""
    events = tracker.events
    if replay is not None and 0 < replay.read <= len(events) and events[replay.read - 1] is replay.last_read:
        new = [events[i] for i in range(replay.read, len(events))]
        # Rasa decides how a loop's actions apply from the loops named anywhere in the
        # conversation; a loop named for the first time can change earlier events.
        if all(not isinstance(e, ActiveLoop) or not e.name or e.name in replay.loop_names for e in new):
            return _continue(tracker, list(replay.applied), new, replay.loop_names), replay.loop_names
    loop_names = frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)
    return tracker.applied_events(), loop_names


def _continue(
    tracker: DialogueStateTracker, applied: list[Event], new: list[Event], loop_names: frozenset[str]
) -> list[Event]:
    # DialogueStateTracker.applied_events (Rasa 3.6), from `applied` on.
    for event in new:
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
    return applied


def _state(tracker: DialogueStateTracker, domain: Domain) -> State:
    # What Domain.states_for_tracker_history computes for RulePolicy (no rule-only turns hidden).
    return domain._clean_state(domain.get_active_state(tracker, omit_unset_slots=False))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT], is_trainable=True)
class RecentRulePolicy(RulePolicy):
    """RulePolicy with the same predictions, from the recent states only (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._history = StateHistory()
        self._longest: tuple[tuple[int, int], int] | None = None  # (lookup sizes, longest rule)

    def _prediction_states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        use_text_for_last_user_input: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        # RulePolicy hides no rule-only turns, so `rule_only_data` changes no state.
        states = self._history.tail(tracker, domain, self._longest_rule() + 1)
        # The featurizer's own last step (text or intent for the last user message).
        self.featurizer._choose_last_user_input([states], use_text_for_last_user_input)
        return states

    def _longest_rule(self) -> int:
        """States in the longest rule; found again when training adds rules to the lookup."""
        rules = self.lookup.get(RULES, {})
        unhappy = self.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})
        sizes = (len(rules), len(unhappy))
        if self._longest is None or self._longest[0] != sizes:
            keys = [*rules, *unhappy]
            self._longest = (sizes, max((len(self._rule_key_to_state(key)) for key in keys), default=1))
        return self._longest[1]
