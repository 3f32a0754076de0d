r"""Measured per-turn costs of Rasa 3.6, removed without changing what Rasa does.

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

Request bodies encoded with ujson. Every custom-action call posts the session's
whole tracker (about 650 KB at turn 200), and aiohttp encodes it with the
standard library's `json.dumps`: 7.7 ms at turn 200 against 2.4 ms with ujson,
which Rasa already depends on. The output is the same JSON (ujson writes `/`
as `\/`, which JSON readers decode to `/`); anything ujson refuses (NaN, say)
is encoded by `json.dumps` as before.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import aiohttp
import ujson
from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

_INSTALLED = "_supportbot_speedups"


def install() -> None:
    """Apply every speed-up; calling it again changes nothing."""
    if getattr(RemoteAction, _INSTALLED, False):
        return
    RemoteAction._validate_action_result = _validate_action_result
    EndpointConfig.session = _session
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


def _session(self: EndpointConfig) -> aiohttp.ClientSession:
    """Rasa's session for an endpoint (rasa/utils/endpoints.py), with JSON bodies encoded by ujson."""
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
        return str(ujson.dumps(value))
    except (OverflowError, TypeError, ValueError):
        return json.dumps(value)
