"""Every number of a report, on a log whose report is worked out by hand (scenario.py), on both databases."""

from __future__ import annotations

import sqlalchemy as sa

from tests.actions.reports.helpers import report
from tests.actions.reports.scenario import PRICING, scenario


def test_the_report_follows_the_definitions(engine: sa.Engine) -> None:
    scenario().write(engine)
    result = report(engine)
    assert result["conversations"] == 7  # c1-c6 and c9; c7 wrote nothing, c8 is before the range
    assert result["channels"] == {"slack": 1, "webchat": 6}
    assert result["containment"] == {"contained": 4, "rate": 0.5714}  # c1, c3, c6, c9
    assert result["handoff"] == {
        "handed_off": 2,
        "rate": 0.2857,
        "after_hours": 1,
        "after_hours_share": 0.5,
        "handoffs": 1,
        "tickets": 1,
    }
    assert result["first_agent_reply"] == {
        "handoffs": 1,
        "replied": 1,
        "median_seconds": 90.0,
        "p90_seconds": 90.0,
        "mean_seconds": 90.0,
        "histogram": [
            {"label": "< 1 min", "count": 0},
            {"label": "1-5 min", "count": 1},
            {"label": "5-15 min", "count": 0},
            {"label": "15-60 min", "count": 0},
            {"label": "≥ 1 h", "count": 0},
        ],
    }
    assert result["unanswered"] == {"declined_answers": 2, "conversations_ending_unanswered": 1}
    assert result["helpfulness"] == {
        "answers": 5,
        "rated": 2,
        "helpful": 1,
        "not_helpful": 1,
        "helpful_share": 0.5,
        "rated_share": 0.4,
    }


def test_csat_counts_each_survey_once_by_its_last_answer(engine: sa.Engine) -> None:
    scenario().write(engine)
    csat = report(engine)["csat"]
    # S1 (5), S4 (2, its comment added later is the same answer), S9 asked but not answered;
    # Rasa's carried-over copy of S1's answer in c9's session is not a second answer.
    assert csat["surveys"] == 3
    assert csat["responses"] == 2
    assert csat["average"] == 3.5
    assert csat["response_rate"] == 0.6667
    assert csat["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert csat["scale"] == [1, 5]
    assert csat["by_path"]["bot_only"] == {
        "responses": 1,
        "average": 5.0,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1},
    }
    assert csat["by_path"]["after_handoff"]["average"] == 2.0  # asked in a session nobody wrote in: c4's


def test_declined_questions_are_grouped_as_knowledge_gaps(engine: sa.Engine) -> None:
    scenario().write(engine)
    [gap] = report(engine)["knowledge_gaps"]
    assert gap["count"] == 2
    assert gap["conversations"] == 2
    assert sorted(gap["examples"]) == ["How do I export notes to PDF?", "export my notes as a pdf"]
    assert gap["question"] == "export my notes as a pdf"  # asked once each; the latest names the group


def test_daily_points_cover_every_day_of_the_range(engine: sa.Engine) -> None:
    scenario().write(engine)
    daily = report(engine, since="2026-11-01", until="2026-11-05")["daily"]
    assert [day["date"] for day in daily] == [f"2026-11-0{d}" for d in range(1, 6)]
    first, nov2, nov3, nov4, nov5 = daily
    assert first == {
        "date": "2026-11-01",
        "conversations": 0,
        "containment_rate": None,
        "handoff_rate": None,
        "csat_responses": 0,
        "csat_average": None,
        "helpful_share": None,
    }
    assert (nov2["conversations"], nov2["containment_rate"], nov2["csat_average"]) == (2, 0.5, 5.0)
    assert (nov3["conversations"], nov3["handoff_rate"], nov3["csat_average"]) == (2, 0.5, 2.0)
    assert (nov3["helpful_share"], nov4["handoff_rate"], nov5["containment_rate"]) == (0.0, 0.5, 1.0)


def test_filters_select_by_channel_page_and_days(engine: sa.Engine) -> None:
    scenario().write(engine)
    assert report(engine, channel="slack")["conversations"] == 1
    assert report(engine, channel="webchat")["conversations"] == 6
    assert report(engine, page_url_prefix=PRICING)["conversations"] == 3  # c1, c4 (/pricing/enterprise), c9
    assert report(engine, page_url_prefix=PRICING + "/enterprise")["handoff"]["handed_off"] == 1
    assert report(engine, since="2026-11-03", until="2026-11-03")["conversations"] == 2
    assert report(engine, since="2026-10-31", until="2026-10-31")["conversations"] == 1  # c8


def test_a_page_prefix_is_plain_text_and_case_sensitive_on_both_databases(engine: sa.Engine) -> None:
    scenario().write(engine)
    assert report(engine, page_url_prefix="https://shop.example.com/pri%")["conversations"] == 0
    assert report(engine, page_url_prefix="https://shop_example.com/")["conversations"] == 0
    assert report(engine, page_url_prefix="https://SHOP.example.com/")["conversations"] == 0
    assert report(engine, page_url_prefix="https://shop.example.com/")["conversations"] == 6  # c3 is Slack


def test_days_are_counted_in_the_report_time_zone(engine: sa.Engine) -> None:
    scenario().write(engine)
    # c5 starts Nov 4 22:00 UTC, which is Nov 5 in Tokyo.
    assert report(engine, since="2026-11-05", until="2026-11-05", timezone="Asia/Tokyo")["conversations"] == 2


def test_an_empty_log_gives_no_rates_rather_than_zero(engine: sa.Engine) -> None:
    result = report(engine)
    assert result["conversations"] == 0
    assert result["containment"]["rate"] is None
    assert result["handoff"]["after_hours_share"] is None
    assert result["csat"]["average"] is None
    assert result["first_agent_reply"]["median_seconds"] is None
    assert result["knowledge_gaps"] == []
