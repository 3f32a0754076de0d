"""Measured per-turn costs of Rasa 3.6, removed without changing what Rasa does.

`install()` is called once by the Rasa server's entry point (bot/rasa_server.py),
before Rasa starts; nothing happens at import.

Action responses validated against a schema checked once. Rasa validates every
action server response with `jsonschema.validate(result, schema)`, and that
function first validates the *schema* against the JSON Schema metaschema: about
16 ms per custom-action call against 0.5 ms for the response itself, which
under load was about a third of the Rasa server's CPU (py-spy profile in
docs/benchmarks.md). The replacement checks Rasa's schema on first use, keeps
the validator, and reports an invalid response exactly as Rasa does (the same
best-matching `ValidationError`, with Rasa's message appended).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_INSTALLED = "_supportbot_speedups"


def install() -> None:
    """Apply every speed-up; calling it again changes nothing."""
    if getattr(RemoteAction, _INSTALLED, False):
        return
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
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
