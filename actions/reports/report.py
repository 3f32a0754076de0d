"""The report as data: the JSON the CLI prints and /admin/reports.json answers.

Every rate is a fraction 0..1 rounded to 4 places, or None when there is
nothing to divide by. docs/reports.md defines each number.
"""

from __future__ import annotations

from typing import Any, TypedDict


class CsatPart(TypedDict):
    responses: int  # surveys answered with a rating on the scale
    average: float | None
    distribution: dict[str, int]  # rating -> answers, every point of the scale present


class Bucket(TypedDict):
    label: str
    count: int


class FirstReply(TypedDict):
    handoffs: int  # handoffs (Slack threads) in the selected conversations
    replied: int  # of which an agent replied
    median_seconds: float | None  # from the handoff to the agent's first reply
    p90_seconds: float | None
    mean_seconds: float | None
    histogram: list[Bucket]


class Gap(TypedDict):
    question: str  # the most asked phrasing of the group
    count: int  # times asked, all phrasings together
    conversations: int
    phrasings: int  # distinct phrasings grouped
    examples: list[str]
    last_asked: str  # ISO 8601, report time zone


class DayPoint(TypedDict):
    date: str  # YYYY-MM-DD in the report's time zone
    conversations: int
    containment_rate: float | None
    handoff_rate: float | None
    csat_responses: int
    csat_average: float | None
    helpful_share: float | None


class Report(TypedDict):
    filters: dict[str, str | None]  # since, until, timezone, channel, page_url_prefix
    generated_at: str
    conversations: int
    channels: dict[str, int]
    containment: dict[str, Any]  # contained, rate
    handoff: dict[str, Any]  # handed_off, rate, after_hours, after_hours_share, handoffs, tickets
    first_agent_reply: FirstReply
    csat: dict[str, Any]  # surveys, responses, average, distribution, response_rate, scale, by_path
    helpfulness: dict[str, Any]  # answers, rated, helpful, not_helpful, helpful_share, rated_share
    unanswered: dict[str, int]  # declined_answers, conversations_ending_unanswered
    knowledge_gaps: list[Gap]
    daily: list[DayPoint]
