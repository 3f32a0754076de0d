"""Measured per-turn costs of the Rasa 3.6 server, removed.

`install()` is called once by the Rasa server's entry point (bot/rasa_server.py),
before Rasa starts; nothing happens at import.

Action responses validated against a schema checked once. Rasa validates every
action server response with `jsonschema.validate(result, schema)`, and that
function first validates the *schema* against the JSON Schema metaschema: about
16 ms per custom-action call against 0.5 ms for the response itself, which
under load was about 40% of the Rasa server's busy time (py-spy profile in
docs/benchmarks.md). The replacement checks Rasa's schema on first use, keeps
the validator, and reports an invalid response exactly as Rasa does (the same
best-matching `ValidationError`, with Rasa's message appended).

Request bodies encoded with orjson. Every custom-action call posts the
session's whole tracker (about 650 KB at turn 200), and aiohttp encodes it with
the standard library's `json.dumps`: 7.1 ms at turn 200, against 2.2 ms with
ujson and 0.5 ms with orjson. The values are the same, except that orjson writes
NaN and infinities as `null`, as strict JSON has it (`json.dumps` writes the
non-standard `NaN`); what orjson refuses (integers over 64 bits) is encoded by
ujson, and what ujson refuses by `json.dumps`.

The answer action's calls carry the current turn's events. Rasa posts the whole
session (every event, serialised) at every custom-action call: at turn 200 that
is about 650 KB to encode, send and parse for an action that reads only the
latest message and the slots (actions/answer.py; tests/actions/test_answer.py
runs it with a tracker whose events cannot be read). For the actions named in
`CURRENT_TURN_ACTIONS` the call is Rasa's own, with the same slots, latest
message, active loop and the rest of the tracker state, but with the events
since the latest user message only. Every other action gets the session.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import aiohttp
import orjson
import rasa
import ujson
from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

_INSTALLED = "_supportbot_speedups"

# Custom actions that read the latest message and the slots, never the event history.
CURRENT_TURN_ACTIONS = frozenset({"action_answer"})


def install() -> None:
    """Apply every speed-up; calling it again changes nothing."""
    if getattr(RemoteAction, _INSTALLED, False):
        return
    RemoteAction._validate_action_result = _validate_action_result
    EndpointConfig.session = _session
    RemoteAction._action_call_format = _action_call_format
    setattr(RemoteAction, _INSTALLED, True)


@cache
def _response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    error: ValidationError | None = best_match(_response_validator().iter_errors(result))
    if error is None:
        return True
    # Rasa's own wording (rasa/core/actions/action.py), so logs read the same.
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


_rasa_call_format = RemoteAction._action_call_format


def _action_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> dict[str, Any]:
    """Rasa's request to the action server; for `CURRENT_TURN_ACTIONS`, with the current turn's events."""
    if self.name() not in CURRENT_TURN_ACTIONS:
        return _rasa_call_format(self, tracker, domain)
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in current_turn(tracker)]
    name = self.name()
    call = {"next_action": name, "sender_id": tracker.sender_id, "tracker": state}
    call["version"] = rasa.__version__
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(name):
        call["domain"] = domain.as_dict()
    return call


def current_turn(tracker: DialogueStateTracker) -> list[Event]:
    """The events from the latest user message on (all of them if there is none)."""
    turn: list[Event] = []
    for event in reversed(tracker.events):
        turn.append(event)
        if isinstance(event, UserUttered):
            break
    turn.reverse()
    return turn


def _session(self: EndpointConfig) -> aiohttp.ClientSession:
    """Rasa's session for an endpoint (rasa/utils/endpoints.py), with JSON bodies encoded by orjson."""
    auth = (
        aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
        if self.basic_auth
        else None
    )
    return aiohttp.ClientSession(
        headers=self.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        json_serialize=_dumps,
    )


def _dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        pass
    try:
        return str(ujson.dumps(value))
    except (OverflowError, TypeError, ValueError):
        return json.dumps(value)
