"""The support rules file (bot/support.yml): typed, validated, read once at start.

    rules = load_support_rules(Path("bot/support.yml"))
    rules.answers.min_score  # 0.425

Errors name the file, the key and what is expected, in one line.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml


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
class SupportRules:
    answers: AnswerRules = AnswerRules()
    contact: ContactRules = ContactRules()


def load_support_rules(path: Path) -> SupportRules:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise RulesError(f"{path}: file not found (set SUPPORT_RULES to its path)") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise RulesError(f"{path}{where}: not valid YAML ({getattr(error, 'problem', error)})") from None
    section = _Section(path, "", raw)
    unknown = set(raw) - {"answers", "contact"}
    if unknown:
        raise RulesError(f"{path}: unknown section {sorted(unknown)[0]!r} (expected answers, contact)")
    answers = section.child("answers")
    contact = section.child("contact")
    return SupportRules(
        answers=AnswerRules(
            min_score=answers.number("min_score", AnswerRules.min_score, 0.0, 1.0),
            top_k=int(answers.number("top_k", AnswerRules.top_k, 1, 50, whole=True)),
            max_answer_chars=int(
                answers.number("max_answer_chars", AnswerRules.max_answer_chars, 100, 10_000, whole=True)
            ),
        ),
        contact=ContactRules(
            max_message_chars=int(
                contact.number("max_message_chars", ContactRules.max_message_chars, 10, 20_000, whole=True)
            )
        ),
    )


@dataclass(frozen=True)
class _Section:
    path: Path
    prefix: str
    data: Any

    def __post_init__(self) -> None:
        if not isinstance(self.data, dict):
            where = self.prefix.rstrip(".") or "the top level"
            raise RulesError(f"{self.path}: {where} must be a mapping of key: value")

    def child(self, key: str) -> _Section:
        return _Section(self.path, f"{self.prefix}{key}.", self.data.get(key) or {})

    def number(self, key: str, default: float, low: float, high: float, whole: bool = False) -> float:
        unknown = set(self.data) - self._known()
        if unknown:
            raise RulesError(f"{self.path}: unknown key {self.prefix}{sorted(unknown)[0]}")
        value = self.data.get(key, default)
        kind = "a whole number" if whole else "a number"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and value != int(value)):
            raise RulesError(f"{self.path}: {self.prefix}{key} must be {kind}, got {value!r}")
        if not low <= value <= high:
            raise RulesError(f"{self.path}: {self.prefix}{key} must be between {low} and {high}, got {value}")
        return value

    def _known(self) -> set[str]:
        schema = {"answers.": AnswerRules, "contact.": ContactRules}[self.prefix]
        return {f.name for f in fields(schema)}
