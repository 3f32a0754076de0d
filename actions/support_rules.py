"""The support rules file (bot/support.yml): typed, validated, read once at start.

    rules = load_support_rules(Path("bot/support.yml"))
    rules.answers.min_score          # 0.425
    is_open(rules.hours, clock())    # actions/hours.py
    rules.handoff.after_unanswered   # 2
    rules.csat.scale_max             # 5 (the post-chat survey, actions/csat.py)

Errors name the file, the line, the key and what is expected, in one line:

    bot/support.yml line 14: hours.weekly.monday[1]: "13:00-25:00" is not a time range like "08:00-12:30"

A missing section takes its defaults. A missing `hours` section means always open (a
bot without business hours may hand over at any time); an empty one is an error.
The file is read as YAML nodes rather than plain values so that errors can give lines.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

import yaml

from actions.hours import WEEKDAYS, BusinessHours, DayException, Window, zone_or_none

_SECTIONS = ("answers", "contact", "hours", "handoff", "csat")
_NULL_TAG = "tag:yaml.org,2002:null"
_RANGES_EXAMPLE = '["08:00-12:00", "13:00-18:00"]'


class RulesError(ValueError):
    """The rules file is wrong; the message says where and how to fix it."""


@dataclass(frozen=True)
class AnswerRules:
    min_score: float = 0.425
    top_k: int = 4
    max_answer_chars: int = 700


@dataclass(frozen=True)
class ContactRules:
    max_message_chars: int = 2000


@dataclass(frozen=True)
class HandoffRules:
    after_unanswered: int = 2  # offer a person after this many unanswered questions in a row; 0 = never
    claim_timeout_seconds: int = 180  # unclaimed Slack thread by then: ping it and offer email
    typical_wait: str = "a few minutes"  # told to the customer when a person is on the way


@dataclass(frozen=True)
class CsatRules:
    """The post-chat survey: asked once per conversation, when it ends (actions/csat.py)."""

    enabled: bool = True
    scale_min: int = 1
    scale_max: int = 5
    question: str = "How would you rate this conversation?"
    comment_prompt: str = "Anything we could do better? (optional)"
    thanks: str = "Thank you for your feedback!"
    already_rated: str = "You've already rated this conversation. Thank you!"
    comment_max_chars: int = 1000
    # Quiet this long after the customer's last message: ask (0 = never). Fractions are allowed.
    # Keep it below the session expiry (bot/domain.yml): an expired conversation is not surveyed.
    inactivity_minutes: float = 30


@dataclass(frozen=True)
class SupportRules:
    answers: AnswerRules = AnswerRules()
    contact: ContactRules = ContactRules()
    hours: BusinessHours = field(default_factory=BusinessHours.always_open)
    handoff: HandoffRules = HandoffRules()
    csat: CsatRules = CsatRules()


def load_support_rules(path: Path) -> SupportRules:
    root = _read(path)
    if root is None:
        return SupportRules()
    sections = root.mapping()
    for name, section in sections.items():
        if name not in _SECTIONS:
            section.fail(f"unknown section {name!r} (expected {', '.join(_SECTIONS)})")
    present = {name: section for name, section in sections.items() if not section.is_null()}
    if "hours" in sections and "hours" not in present:
        sections["hours"].fail("hours is empty: give timezone and weekly, or remove it to be always open")
    return SupportRules(
        answers=_answers(present["answers"]) if "answers" in present else AnswerRules(),
        contact=_contact(present["contact"]) if "contact" in present else ContactRules(),
        hours=_hours(present["hours"]) if "hours" in present else BusinessHours.always_open(),
        handoff=_handoff(present["handoff"]) if "handoff" in present else HandoffRules(),
        csat=_csat(present["csat"]) if "csat" in present else CsatRules(),
    )


def parse_hours(node: yaml.Node) -> BusinessHours:
    """The `hours` section as PyYAML composed it; RulesError names the line of any mistake."""
    return _hours(_Node("hours", node, node.start_mark))


def _hours(section: _Node) -> BusinessHours:
    items = section.mapping(known=("timezone", "weekly", "exceptions"))
    for required, example in (("timezone", '"Europe/Berlin"'), ("weekly", 'monday: ["08:00-18:00"]')):
        if required not in items:
            section.fail(f"{section.key}.{required} is missing, e.g. {required}: {example}")
    zone = _timezone(items["timezone"])
    weekly = _weekly(items["weekly"])
    exceptions = _exceptions(items["exceptions"]) if "exceptions" in items else {}
    _check_weekly_overlaps(weekly)
    for day in exceptions:
        _check_exception_overlaps(day, weekly, exceptions)
    return BusinessHours(
        timezone=zone,
        weekly={index: tuple(window for window, _ in slots) for index, slots in weekly.items()},
        exceptions={
            day: DayException(tuple(window for window, _ in slots), note)
            for day, (slots, note) in exceptions.items()
        },
    )


def _answers(section: _Node) -> AnswerRules:
    items = section.mapping(known=("min_score", "top_k", "max_answer_chars"))
    default = AnswerRules()
    return AnswerRules(
        min_score=_number(items, section, "min_score", default.min_score, 0.0, 1.0),
        top_k=int(_number(items, section, "top_k", default.top_k, 1, 50, whole=True)),
        max_answer_chars=int(
            _number(items, section, "max_answer_chars", default.max_answer_chars, 100, 10_000, whole=True)
        ),
    )


def _contact(section: _Node) -> ContactRules:
    items = section.mapping(known=("max_message_chars",))
    default = ContactRules().max_message_chars
    return ContactRules(int(_number(items, section, "max_message_chars", default, 10, 20_000, whole=True)))


def _handoff(section: _Node) -> HandoffRules:
    items = section.mapping(known=("after_unanswered", "claim_timeout_seconds", "typical_wait"))
    default = HandoffRules()
    wait = items["typical_wait"].value() if "typical_wait" in items else default.typical_wait
    if not isinstance(wait, str) or not wait.strip() or len(wait) > 80 or "\n" in wait:
        items["typical_wait"].fail('handoff.typical_wait must be a short phrase like "a few minutes"')
    return HandoffRules(
        after_unanswered=int(
            _number(items, section, "after_unanswered", default.after_unanswered, 0, 20, whole=True)
        ),
        claim_timeout_seconds=int(
            _number(
                items, section, "claim_timeout_seconds", default.claim_timeout_seconds, 10, 3600, whole=True
            )
        ),
        typical_wait=wait.strip(),
    )


_CSAT_TEXTS = {  # key: longest allowed, in characters
    "question": 300,
    "comment_prompt": 300,
    "thanks": 500,
    "already_rated": 500,
}
_CSAT_KEYS = ("enabled", "scale_min", "scale_max", *_CSAT_TEXTS, "comment_max_chars", "inactivity_minutes")


def _csat(section: _Node) -> CsatRules:
    items = section.mapping(known=_CSAT_KEYS)
    default = CsatRules()
    enabled = items["enabled"].value() if "enabled" in items else default.enabled
    if not isinstance(enabled, bool):
        items["enabled"].fail(f"csat.enabled must be true or false, got {enabled!r}")
    low = int(_number(items, section, "scale_min", default.scale_min, 0, 9, whole=True))
    high = int(_number(items, section, "scale_max", default.scale_max, 1, 10, whole=True))
    if high <= low:
        (items.get("scale_max") or section).fail(
            f"csat.scale_max ({high}) must be greater than csat.scale_min ({low})"
        )
    texts = {key: _csat_text(items, key, limit, getattr(default, key)) for key, limit in _CSAT_TEXTS.items()}
    return CsatRules(
        enabled=enabled,
        scale_min=low,
        scale_max=high,
        comment_max_chars=int(
            _number(items, section, "comment_max_chars", default.comment_max_chars, 10, 4000, whole=True)
        ),
        inactivity_minutes=_number(items, section, "inactivity_minutes", default.inactivity_minutes, 0, 1440),
        **texts,
    )


def _csat_text(items: dict[str, _Node], key: str, limit: int, default: str) -> str:
    if key not in items:
        return default
    value = items[key].value()
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        items[key].fail(f"csat.{key} must be text of 1 to {limit} characters, got {value!r}")
    return " ".join(value.split())  # YAML folded lines and stray spaces become one line


def _number(
    items: dict[str, _Node],
    section: _Node,
    key: str,
    default: float,
    low: float,
    high: float,
    whole: bool = False,
) -> float:
    node = items.get(key)
    value = node.value() if node else default
    where = node or section
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and value != int(value)):
        where.fail(f"{section.key}.{key} must be {kind}, got {value!r}")
    if not low <= value <= high:
        where.fail(f"{section.key}.{key} must be between {low} and {high}, got {value}")
    return value


# Windows are kept with the node they came from until the checks are done, to point at the line.
_Slots = list[tuple[Window, "_Node"]]


def _timezone(node: _Node) -> ZoneInfo:
    value = node.value()
    zone = zone_or_none(value) if isinstance(value, str) else None
    if zone is None:
        node.fail(f'{node.key}: unknown time zone "{value}" (use an IANA name like "Europe/Berlin")')
    return zone


def _weekly(node: _Node) -> dict[int, _Slots]:
    weekly: dict[int, _Slots] = {}
    for name, day in node.mapping().items():
        if name.lower() not in WEEKDAYS:
            day.fail(f'{node.key}: unknown weekday "{name}" (expected {", ".join(WEEKDAYS)})')
        index = WEEKDAYS.index(name.lower())
        if index in weekly:
            day.fail(f"{node.key}: {WEEKDAYS[index]} is given twice")
        weekly[index] = _windows(day)
    return weekly


def _windows(node: _Node) -> _Slots:
    if node.is_null():
        return []
    slots = []
    for item in node.sequence(f"a list of time ranges like {_RANGES_EXAMPLE}, or [] for closed"):
        text = item.value()
        try:
            slots.append((Window.parse(text if isinstance(text, str) else ""), item))
        except ValueError as error:
            item.fail(f'{item.key}: "{text}" {error}')
    return slots


def _exceptions(node: _Node) -> dict[date, tuple[_Slots, str]]:
    exceptions: dict[date, tuple[_Slots, str]] = {}
    listed: dict[date, str] = {}
    for item in node.sequence(
        'a list of days like - {date: 2026-12-25, closed: true, note: "Christmas Day"}'
    ):
        fields = item.mapping(known=("date", "closed", "hours", "note"))
        day = _date(fields.get("date") or item.fail(f"{item.key}.date is missing, e.g. date: 2026-12-25"))
        if day in listed:
            fields["date"].fail(f"{item.key}.date: {day} is already listed at {listed[day]}")
        listed[day] = item.key
        exceptions[day] = (_exception_windows(item, fields), _note(fields.get("note")))
    return exceptions


def _exception_windows(item: _Node, fields: dict[str, _Node]) -> _Slots:
    closed = fields["closed"].value() if "closed" in fields else None
    if "closed" in fields and not isinstance(closed, bool):
        fields["closed"].fail(f"{item.key}.closed must be true or false, got {closed!r}")
    if "closed" in fields and "hours" in fields:
        item.fail(f"{item.key}: give either closed: true or hours, not both")
    if "hours" in fields:
        return _windows(fields["hours"])
    if closed is not True:
        item.fail(f'{item.key}: say closed: true, or give hours like ["08:00-12:00"]')
    return []


def _date(node: _Node) -> date:
    value = node.value()
    if isinstance(value, str):  # quoted: "2026-12-25"
        with contextlib.suppress(ValueError):
            value = date.fromisoformat(value.strip())
    if not isinstance(value, date) or isinstance(value, datetime):
        node.fail(f'{node.key}: "{node.node.value}" is not a date like 2026-12-25')
    return value


def _note(node: _Node | None) -> str:
    value = node.value() if node else ""
    if node and (not isinstance(value, str) or "\n" in value.strip()):
        node.fail(f'{node.key} must be one line of text, like "Christmas Day"')
    return str(value).strip()


def _check_weekly_overlaps(weekly: dict[int, _Slots]) -> None:
    """No two windows of the week overlap, Sunday night into Monday included."""
    week = 7 * 24 * 60
    slots = [_Slot(index * 1440, window, node, True) for index, day in weekly.items() for window, node in day]
    slots += [
        _Slot(slot.offset - week, slot.window, slot.node, True) for slot in slots if slot.offset == 6 * 1440
    ]
    _check_overlaps(slots)


def _check_exception_overlaps(
    day: date, weekly: dict[int, _Slots], exceptions: dict[date, tuple[_Slots, str]]
) -> None:
    """An exception's windows overlap neither each other nor those of the days either side."""
    slots = []
    for offset in (-1, 0, 1):
        other = day + timedelta(days=offset)
        windows = exceptions[other][0] if other in exceptions else weekly.get(other.weekday(), [])
        where = "" if other in exceptions else f", on {other}"
        slots += [_Slot((offset + 1) * 1440, w, node, offset == 0, where) for w, node in windows]
    _check_overlaps(slots)


@dataclass(frozen=True)
class _Slot:
    offset: int  # minutes from a reference midnight to the day the window starts on
    window: Window
    node: _Node
    blamable: bool  # an overlap is reported on this window's line
    where: str = ""

    @property
    def start(self) -> int:
        return self.offset + self.window.start.hour * 60 + self.window.start.minute

    @property
    def end(self) -> int:
        return self.start + self.window.minutes


def _check_overlaps(slots: list[_Slot]) -> None:
    ordered = sorted(slots, key=lambda slot: slot.start)
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            if second.start < first.end and (first.blamable or second.blamable):
                blamed, other = (second, first) if second.blamable else (first, second)
                other_key = f"{other.node.key}{other.where}"
                blamed.node.fail(
                    f'{blamed.node.key}: "{blamed.window}" overlaps "{other.window}" ({other_key})'
                )


def _read(path: Path) -> _Node | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(f"{path}: file not found (set SUPPORT_RULES to its path)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RulesError(f"{path}: cannot be read as UTF-8 text ({error})") from None
    loader = yaml.SafeLoader(text)
    loader.name = str(path)  # marks carry the file name, so every node knows where it came from
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise RulesError(f"{path}{where}: not valid YAML ({getattr(error, 'problem', error)})") from None
    finally:
        loader.dispose()
    return None if node is None or node.tag == _NULL_TAG else _Node("", node, node.start_mark)


@dataclass(frozen=True)
class _Collection:
    """Where a single value was expected: shown as "a list" or "a mapping" in the error."""

    kind: str

    def __str__(self) -> str:
        return f"a {self.kind}"

    __repr__ = __str__


@dataclass(frozen=True)
class _Node:
    """A YAML node, the key that leads to it ("hours.weekly.monday[1]") and where that key is."""

    key: str
    node: yaml.Node
    mark: yaml.Mark

    def fail(self, problem: str) -> NoReturn:
        raise RulesError(f"{self.mark.name} line {self.mark.line + 1}: {problem}")

    def is_null(self) -> bool:
        return isinstance(self.node, yaml.ScalarNode) and self.node.tag == _NULL_TAG

    def value(self) -> object:
        """The plain value of a scalar (int, float, bool, str, date); its text if it does not convert."""
        if not isinstance(self.node, yaml.ScalarNode):
            return _Collection("list" if isinstance(self.node, yaml.SequenceNode) else "mapping")
        try:
            return yaml.constructor.SafeConstructor().construct_object(self.node)
        except (ValueError, yaml.YAMLError):
            return self.node.value

    def mapping(self, known: tuple[str, ...] | None = None) -> dict[str, _Node]:
        if not isinstance(self.node, yaml.MappingNode):
            self.fail(f"{self.key or 'the top level'} must be a mapping of key: value")
        items: dict[str, _Node] = {}
        for key_node, value_node in self.node.value:
            name = str(key_node.value)
            child = _Node(f"{self.key}.{name}" if self.key else name, value_node, key_node.start_mark)
            if name in items:
                child.fail(f"{child.key} is given twice")
            if known is not None and name not in known:
                child.fail(f"unknown key {child.key} (expected {', '.join(known)})")
            items[name] = child
        return items

    def sequence(self, expected: str) -> list[_Node]:
        if not isinstance(self.node, yaml.SequenceNode):
            self.fail(f"{self.key} must be {expected}")
        return [
            _Node(f"{self.key}[{index}]", item, item.start_mark) for index, item in enumerate(self.node.value)
        ]
