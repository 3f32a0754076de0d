"""Redaction on the Rasa server: its log, and the customer's text before it is logged.

    on_new_message = redact_incoming(on_new_message, self.handoffs.customers.agent)

Each input channel wraps Rasa's handler once in its blueprint. That installs
the log filter for this process (REDACT: no customer data in rasa.log) and,
with REDACT_TRACKER=redact, redacts the customer's text (and the page and
title the widget reports) before Rasa sees it, so the conversation log never
holds the original. One exception, on purpose: while the contact form asks for
an e-mail address, the address is kept, because the ticket needs it to reply.
The site's own customer_email and customer_id in the widget context are kept
too: they say who the customer is (and let an erase find them).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage

from knowledge.redaction import EMAIL, RedactionSettings, Redactor, install_log_redaction

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]
CONTACT_EMAIL_SLOT = "contact_email"
KEPT_CONTEXT = ("customer_email", "customer_id", "slack_user", "slack_channel")
# A survey answer arrives as '/csat_submit{"comment": ...}' (channels/csat/intents.py): its JSON is
# redacted value by value, so a JSON escape (\n, \u00fc) next to an address cannot be broken.
_COMMAND = re.compile(r"^(/[A-Za-z][A-Za-z0-9_-]*)(\{.*\})$", re.DOTALL)


def redact_incoming(
    on_new_message: Handler, agent: Callable[[], Agent], env: Mapping[str, str] | None = None
) -> Handler:
    """Rasa's handler, redacting as REDACT / REDACT_TRACKER say; installs the log filter once."""
    settings = RedactionSettings.from_env(os.environ if env is None else env)
    install_log_redaction(settings.redactor)
    if not settings.redact_tracker:
        return on_new_message
    everything = settings.redactor
    but_email = Redactor(kind for kind in settings.kinds if kind != EMAIL)

    async def handler(message: UserMessage) -> Any:
        asked = await _asking_for_email(agent, message.sender_id)
        redact(message, but_email if asked else everything)
        return await on_new_message(message)

    return handler


def redact(message: UserMessage, redactor: Redactor) -> None:
    """Redact a message in place: its text, the text shown for a button, the page it came from."""
    if message.text:
        message.text = redact_text(message.text, redactor)
    metadata = message.metadata if isinstance(message.metadata, dict) else {}
    if isinstance(metadata.get("display_text"), str):
        metadata["display_text"] = redactor.redact(metadata["display_text"])
    context = metadata.get("context")
    if isinstance(context, dict):
        for key, value in context.items():
            if isinstance(value, str) and key not in KEPT_CONTEXT:
                context[key] = redactor.redact(value)


def redact_text(text: str, redactor: Redactor) -> str:
    command = _COMMAND.match(text)
    if command is None:
        return redactor.redact(text)
    try:
        entities = json.loads(command.group(2))
    except ValueError:
        return redactor.redact(text)
    if not isinstance(entities, dict):
        return redactor.redact(text)
    cleaned = {key: redactor.redact(v) if isinstance(v, str) else v for key, v in entities.items()}
    return command.group(1) + json.dumps(cleaned, ensure_ascii=True)


async def _asking_for_email(agent: Callable[[], Agent], sender_id: str) -> bool:
    """Is the contact form waiting for this customer's e-mail address?"""
    try:
        tracker = await agent().tracker_store.retrieve(sender_id)
    except Exception as error:  # unsure: redact everything, the safe side
        logger.warning("could not read conversation %s to redact it: %s", sender_id, type(error).__name__)
        return False
    return tracker is not None and tracker.get_slot("requested_slot") == CONTACT_EMAIL_SLOT
