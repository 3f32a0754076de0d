"""Redact e-mail addresses, phone numbers and payment card numbers from customer text.

    >>> Redactor(kinds=("email", "card")).redact("I'm jane@example.com, card 4111 1111 1111 1111.")
    "I'm [email], card [card]."

Standard library only and Python 3.10-compatible: the Rasa server (the tracker,
the Slack desk, its logs) and the action server (the LLM prompt, its logs) both
import it. Settings come from the environment (REDACT, REDACT_TRACKER; see
docs/privacy.md) and are validated with one-line errors naming the variable.

The patterns are deliberately conservative, so order numbers, dates, prices and
times are left alone (tests/knowledge/test_redaction.py checks both sides):
- card: 13-19 digits, unbroken or in the usual groups (4-4-4-4, 4-6-5, ...),
  starting with 2-6 (the card networks' ranges) and passing the Luhn check;
- phone: international (+ and 8-15 digits), national with a trunk 0 and
  separators (020 7946 0958, 06 12 34 56 78), or North American
  ((555) 123-4567, 555-123-4567). A bare run of digits without + is not a
  phone: it cannot be told from an order number;
- email: name@domain.tld, Unicode letters included.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

EMAIL, PHONE, CARD = "email", "phone", "card"
KINDS = (EMAIL, PHONE, CARD)
TRACKER_POLICIES = ("keep", "redact")

# Not preceded by anything that makes the digits part of a larger token (a word, a
# decimal, a date or time, an id like ORD-2024-000123 or #0042, the groups of 1 000 000).
_DIGITS_START = r"(?<![\w+#.,/-])(?<![0-9][ .:-])"
# Not followed by a word character or by more digits after a separator (1.5, 12-3).
_DIGITS_END = r"(?![\w]|[.,/-]?[0-9])"

_EMAIL = re.compile(
    r"(?<![\w.%+'-])[\w%+'-][\w.%+'-]*@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}(?![\w-]|\.[^\W_])"
)
_CARD = re.compile(_DIGITS_START + r"[0-9](?:[ -]?[0-9]){12,18}" + _DIGITS_END)
_PHONE_INTERNATIONAL = re.compile(r"(?<![\w+])\+[0-9](?:[ .-]?(?:\([0-9]{1,4}\)|[0-9])){6,18}" + _DIGITS_END)
_PHONE_TRUNK = re.compile(
    _DIGITS_START + r"(?:\(0[0-9]{1,4}\) ?|0[0-9]{1,4}[ .-])[0-9]{2,10}(?:[ .-][0-9]{2,8}){0,4}" + _DIGITS_END
)
_PHONE_NANP = re.compile(
    _DIGITS_START
    # North American numbering: area code [2-9][0-8]x, exchange [2-9]xx.
    # Without parentheses only - or . separate the groups: "200 200 1000" is a price and a number.
    + r"(?:1[.-])?(?:\([2-9][0-8][0-9]\) ?[2-9][0-9]{2}[ .-]|[2-9][0-8][0-9]([.-])[2-9][0-9]{2}\1)[0-9]{4}"
    + _DIGITS_END
)
_SEPARATORS = re.compile(r"[ .-]")


class RedactionError(ValueError):
    """One line saying which redaction setting is wrong and how to fix it."""


class Redactor:
    """Replaces each kind of personal data it was built for with a placeholder ([email], ...)."""

    def __init__(self, kinds: Iterable[str] = KINDS) -> None:
        wanted = tuple(dict.fromkeys(kinds))
        unknown = [kind for kind in wanted if kind not in KINDS]
        if unknown:
            raise RedactionError(f"unknown kind {unknown[0]!r}: choose from {', '.join(KINDS)}")
        self.kinds = tuple(kind for kind in KINDS if kind in wanted)
        # Order matters: an e-mail address may hold digits, a card number looks like a long phone.
        self._steps: list[Callable[[str], str]] = [_STEPS[kind] for kind in _ORDER if kind in wanted]

    @classmethod
    def off(cls) -> Redactor:
        return cls(())

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def __repr__(self) -> str:
        return f"Redactor(kinds={self.kinds!r})"

    def redact(self, text: str) -> str:
        for step in self._steps:
            text = step(text)
        return text


@dataclass(frozen=True)
class RedactionSettings:
    """REDACT (what to redact) and REDACT_TRACKER (keep or redact the customer's text in the log)."""

    kinds: tuple[str, ...] = ()
    tracker: str = "keep"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RedactionSettings:
        raw = env.get("REDACT", "").strip().lower()
        kinds = tuple(part.strip() for part in raw.split(",") if part.strip())
        if kinds == ("all",):
            kinds = KINDS
        unknown = [kind for kind in kinds if kind not in KINDS]
        if unknown:
            raise RedactionError(
                f"REDACT must be a comma-separated list of {', '.join(KINDS)} (or all; empty for none), "
                f"got {env.get('REDACT')!r}"
            )
        tracker = env.get("REDACT_TRACKER", "").strip().lower() or "keep"
        if tracker not in TRACKER_POLICIES:
            raise RedactionError(f"REDACT_TRACKER must be keep or redact, got {env.get('REDACT_TRACKER')!r}")
        if tracker == "redact" and not kinds:
            raise RedactionError("REDACT_TRACKER=redact needs REDACT to say what to redact, e.g. REDACT=all")
        return cls(kinds, tracker)

    @property
    def redactor(self) -> Redactor:
        return Redactor(self.kinds)

    @property
    def redact_tracker(self) -> bool:
        return self.tracker == "redact"


class RedactingFilter(logging.Filter):
    """Rewrites a log record's message (arguments and traceback included) with the redactor.

    Always returns True: records are cleaned, never dropped.
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let the handler report it as logging does
            return True
        record.msg, record.args = self.redactor.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True


_installed: list[RedactingFilter] = []


def install_log_redaction(redactor: Redactor) -> bool:
    """Redact every log record of this process from now on; False if there is nothing to redact.

    The filter runs where records are made (a log-record factory), so every logger
    and every handler sees only redacted text, including handlers that Rasa and
    Sanic configure after this call. Installing twice keeps one filter (the first).
    """
    if not redactor or _installed:
        return bool(_installed)
    cleaner = RedactingFilter(redactor)
    make_record = logging.getLogRecordFactory()

    def redacted_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        cleaner.filter(record)
        return record

    logging.setLogRecordFactory(redacted_record)
    _installed.append(cleaner)
    return True


def _email(text: str) -> str:
    return _EMAIL.sub("[email]", text)


def _cards(text: str) -> str:
    return _CARD.sub(_card_match, text)


def _card_match(match: re.Match[str]) -> str:
    # The longest prefix that ends at a group boundary and is a card: "4111 1111 1111 1111 5".
    candidate = match.group(0)
    for end in sorted({m.start() for m in _SEPARATORS.finditer(candidate)} | {len(candidate)}, reverse=True):
        if is_card_number(candidate[:end]):
            return "[card]" + candidate[end:]
    return candidate


def is_card_number(text: str) -> bool:
    """13-19 digits in a card's grouping, issued by a card network (2-6) and Luhn-valid."""
    groups = [len(group) for group in re.split(r"[ -]", text)]
    digits = "".join(c for c in text if c.isdigit())
    if not 13 <= len(digits) <= 19 or digits[0] not in "23456" or not _card_grouping(groups):
        return False
    return luhn_valid(digits)


def _card_grouping(groups: list[int]) -> bool:
    if len(groups) == 1:
        return True
    if groups[0] != 4:
        return False
    if len(groups) == 3 and groups[1] == 6:  # American Express 4-6-5, Diners 4-6-4
        return groups[2] in (4, 5)
    return all(size == 4 for size in groups[:-1]) and 1 <= groups[-1] <= 5


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _phones(text: str) -> str:
    text = _PHONE_INTERNATIONAL.sub(_international_match, text)
    text = _PHONE_TRUNK.sub(_trunk_match, text)
    return _PHONE_NANP.sub("[phone]", text)


def _international_match(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    return "[phone]" if 8 <= digits <= 16 else match.group(0)  # 15 (E.164) plus a "(0)" trunk


def _trunk_match(match: re.Match[str]) -> str:
    number = match.group(0)
    digits = sum(c.isdigit() for c in number)
    separators = set(_SEPARATORS.findall(number.split(")")[-1].lstrip()))
    # One kind of separator, like people write numbers; "05.06.2024 12" is a date and an hour.
    return "[phone]" if 9 <= digits <= 12 and len(separators) <= 1 else number


_STEPS: dict[str, Callable[[str], str]] = {EMAIL: _email, CARD: _cards, PHONE: _phones}
_ORDER = (EMAIL, CARD, PHONE)
