from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from actions.hours import BusinessHours, DayException, Window, is_open
from actions.support_rules import CsatRules, HandoffRules, RulesError, SupportRules, load_support_rules

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "support.yml"
    path.write_text(text)
    return path


def test_the_shipped_rules_load() -> None:
    rules = load_support_rules(ROOT / "bot" / "support.yml")
    assert 0 < rules.answers.min_score < 1
    assert rules.answers.top_k >= 1


def test_missing_keys_take_defaults(tmp_path: Path) -> None:
    rules = load_support_rules(write(tmp_path, "answers:\n  top_k: 6\n"))
    assert rules.answers.top_k == 6 and rules.answers.min_score == 0.425
    assert rules.contact.max_message_chars == 2000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("answers:\n  min_score: high\n", r"answers.min_score must be a number, got 'high'"),
        ("answers:\n  min_score: 1.5\n", r"answers.min_score must be between 0.0 and 1.0"),
        ("answers:\n  top_k: 2.5\n", r"answers.top_k must be a whole number"),
        ("answers:\n  topk: 3\n", r"unknown key answers.topk"),
        ("anwsers:\n  top_k: 3\n", r"unknown section 'anwsers'"),
        ("answers: [1, 2]\n", r"answers must be a mapping"),
        ("answers:\n  top_k: [\n", r"line \d+: not valid YAML"),
    ],
)
def test_errors_name_the_file_key_and_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message) as failed:
        load_support_rules(write(tmp_path, text))
    assert str(failed.value).startswith(str(tmp_path / "support.yml"))
    assert "\n" not in str(failed.value)


def test_a_missing_file_says_which_variable_to_set(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="file not found .*SUPPORT_RULES"):
        load_support_rules(tmp_path / "nope.yml")


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "latin1.yml").write_bytes("contact:\n  # Grüße\n".encode("latin-1"))
    for path in (tmp_path, tmp_path / "latin1.yml"):
        with pytest.raises(RulesError, match=r"cannot be read as UTF-8 text") as failed:
            load_support_rules(path)
        assert "\n" not in str(failed.value)


def test_errors_give_the_line(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"support.yml line 3: answers.top_k must be a whole number"):
        load_support_rules(write(tmp_path, "answers:\n  min_score: 0.5\n  top_k: 2.5\n"))


def test_the_shipped_hours_are_the_help_centres() -> None:
    """Monday to Friday 08:00-18:00 Berlin time, closed on Berlin public holidays (contact-support.md)."""
    hours = load_support_rules(ROOT / "bot" / "support.yml").hours
    article = (ROOT / "knowledge" / "helpcentre" / "contact-support.md").read_text()
    assert "Monday to Friday, 08:00 to 18:00 Berlin time" in article and "Europe/Berlin" in article
    assert hours.timezone == ZoneInfo("Europe/Berlin")
    assert {day: [str(w) for w in hours.weekly.get(day, ())] for day in range(7)} == {
        **{day: ["08:00-18:00"] for day in range(5)},
        5: [],
        6: [],
    }
    holidays = {
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 10, 3),
    }
    assert all(hours.exceptions[day].windows == () for day in holidays)


def test_the_shipped_handoff_rules() -> None:
    handoff = load_support_rules(ROOT / "bot" / "support.yml").handoff
    assert handoff == HandoffRules(
        after_unanswered=2, claim_timeout_seconds=180, typical_wait="a few minutes"
    )


def test_without_an_hours_section_the_team_is_always_open(tmp_path: Path) -> None:
    rules = load_support_rules(write(tmp_path, "answers:\n  top_k: 6\n"))
    assert rules.hours == BusinessHours.always_open()
    assert is_open(rules.hours, datetime(2026, 12, 25, 3, tzinfo=UTC))
    assert rules.handoff == HandoffRules()
    assert load_support_rules(write(tmp_path, "")) == SupportRules()


def test_hours_sections_load(tmp_path: Path) -> None:
    rules = load_support_rules(
        write(
            tmp_path,
            "hours:\n"
            "  timezone: America/New_York\n"
            "  weekly:\n"
            '    Monday: ["08:00-12:00", "13:00-17:00"]\n'
            '    thursday: ["22:00-02:00"]\n'
            '    saturday: ["00:00-24:00"]\n'
            "    sunday:\n"
            "  exceptions:\n"
            '    - {date: 2026-12-25, closed: true, note: "Christmas Day"}\n'
            '    - date: "2026-12-31"\n'
            '      hours: ["09:00-12:00"]\n'
            "handoff:\n"
            "  after_unanswered: 0\n"
            "  typical_wait: about ten minutes\n",
        )
    )
    hours = rules.hours
    assert hours.timezone.key == "America/New_York"
    assert [str(w) for w in hours.weekly[0]] == ["08:00-12:00", "13:00-17:00"]
    assert hours.weekly[3] == (Window(time(22), time(2)),)
    assert hours.weekly[5] == (Window(time(0), time(0)),) and hours.weekly[6] == ()
    assert 1 not in hours.weekly  # a weekday left out is closed
    assert hours.exceptions[date(2026, 12, 25)] == DayException((), "Christmas Day")
    assert hours.exceptions[date(2026, 12, 31)] == DayException((Window(time(9), time(12)),), "")
    assert rules.handoff == HandoffRules(0, 180, "about ten minutes")


HOURS = "hours:\n  timezone: Europe/Berlin\n  weekly:\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HOURS + '    monday: ["08:00-12:00", "13:00-25:00"]\n',
            r'line 4: hours.weekly.monday\[1\]: "13:00-25:00" is not a time range like "08:00-12:30"$',
        ),
        (
            "hours:\n  timezone: Europe/Berln\n  weekly: {}\n",
            r'line 2: hours.timezone: unknown time zone "Europe/Berln" '
            r'\(use an IANA name like "Europe/Berlin"\)',
        ),
        ("hours:\n  timezone: 5\n  weekly: {}\n", r"line 2: hours.timezone: unknown time zone \"5\""),
        ("hours:\n  weekly: {}\n", r"line 1: hours.timezone is missing, e.g. timezone: \"Europe/Berlin\""),
        ("hours:\n  timezone: UTC\n", r"line 1: hours.weekly is missing"),
        ("hours:\n", r"line 1: hours is empty: give timezone and weekly, or remove it"),
        ("hours: [1]\n", r"line 1: hours must be a mapping of key: value"),
        (HOURS[:-1] + " []\n", r"line 3: hours.weekly must be a mapping"),
        ("hours:\n  timezone: UTC\n  weekly: {}\n  holidays: []\n", r"line 4: unknown key hours.holidays"),
        (
            HOURS + '    mondy: ["08:00-18:00"]\n',
            r'line 4: hours.weekly: unknown weekday "mondy" \(expected monday, ',
        ),
        (
            HOURS + '    monday: "08:00-18:00"\n',
            r"line 4: hours.weekly.monday must be a list of time ranges like",
        ),
        (
            HOURS + "    monday: [08:00-18:00]\n    Monday: []\n",
            r"line 5: hours.weekly: monday is given twice",
        ),
        (
            HOURS + "    monday: [0800-1800]\n",
            r'line 4: hours.weekly.monday\[0\]: "0800-1800" is not a time range',
        ),
        (HOURS + "    monday: [24:00-02:00]\n", r'monday\[0\]: "24:00-02:00" is not a time range'),
        (HOURS + "    monday: [08:60-09:00]\n", r'monday\[0\]: "08:60-09:00" is not a time range'),
        (HOURS + "    monday: [[1]]\n", r'monday\[0\]: "a list" is not a time range'),
        (
            HOURS + "    monday:\n      - 08:00-08:00\n",
            r'line 5: hours.weekly.monday\[0\]: "08:00-08:00" is empty '
            r'\(for a whole day write "00:00-24:00"\)',
        ),
        (HOURS + "    monday: [00:00-00:00]\n", r'"00:00-00:00" is empty'),
        (
            HOURS + "    monday: [08:00-12:00, 11:00-13:00]\n",
            r'line 4: hours.weekly.monday\[1\]: "11:00-13:00" overlaps "08:00-12:00" '
            r"\(hours.weekly.monday\[0\]\)",
        ),
        (
            HOURS + "    monday: [22:00-02:00]\n    tuesday: [01:00-09:00]\n",
            r'line 5: hours.weekly.tuesday\[0\]: "01:00-09:00" overlaps "22:00-02:00" '
            r"\(hours.weekly.monday\[0\]\)",
        ),
        (
            HOURS + "    monday: [00:30-09:00]\n    sunday: [20:00-01:00]\n",
            r'line 4: hours.weekly.monday\[0\]: "00:30-09:00" overlaps "20:00-01:00" '
            r"\(hours.weekly.sunday\[0\]\)",
        ),
        (HOURS + "    monday: [00:00-24:00, 12:00-13:00]\n", r'"12:00-13:00" overlaps "00:00-24:00"'),
    ],
)
def test_hours_errors_give_the_line_the_key_and_the_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message) as failed:
        load_support_rules(write(tmp_path, text))
    assert str(failed.value).startswith(f"{tmp_path / 'support.yml'} line ")
    assert "\n" not in str(failed.value)


EXCEPTIONS = HOURS + "    thursday: [08:00-18:00]\n    friday: [22:00-02:00]\n  exceptions:\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            EXCEPTIONS + "    - {date: 2026-12-25, closed: true}\n    - {date: 2026-12-25, hours: []}\n",
            r"line 8: hours.exceptions\[1\].date: 2026-12-25 is already listed at hours.exceptions\[0\]",
        ),
        (
            EXCEPTIONS + '    - {date: 2026-12-25, closed: true, hours: ["08:00-12:00"]}\n',
            r"line 7: hours.exceptions\[0\]: give either closed: true or hours, not both",
        ),
        (
            EXCEPTIONS + "    - {date: 2026-12-25}\n",
            r"line 7: hours.exceptions\[0\]: say closed: true, or give hours",
        ),
        (EXCEPTIONS + "    - {date: 2026-12-25, closed: false}\n", r"say closed: true, or give hours"),
        (EXCEPTIONS + "    - {date: 2026-12-25, closed: yes please}\n", r"closed must be true or false"),
        (EXCEPTIONS + "    - {closed: true}\n", r"line 7: hours.exceptions\[0\].date is missing"),
        (
            EXCEPTIONS + "    - date: 2026-02-30\n      closed: true\n",
            r'line 7: hours.exceptions\[0\].date: "2026-02-30" is not a date like 2026-12-25',
        ),
        (EXCEPTIONS + "    - {date: 24.12.2026, closed: true}\n", r'"24.12.2026" is not a date'),
        (
            EXCEPTIONS + "    - {date: 2026-12-24 10:00:00, closed: true}\n",
            r'"2026-12-24 10:00:00" is not a date',
        ),
        (
            EXCEPTIONS + "    - {date: 2026-12-25, closed: true, notes: x}\n",
            r"unknown key hours.exceptions\[0\].notes",
        ),
        (
            EXCEPTIONS + "    - {date: 2026-12-25, closed: true, note: [x]}\n",
            r"note must be one line of text",
        ),
        (
            EXCEPTIONS[: -len("\n")] + " {date: 2026-12-25}\n",
            r"line 6: hours.exceptions must be a list of days",
        ),
        (EXCEPTIONS + "    - 2026-12-25\n", r"line 7: hours.exceptions\[0\] must be a mapping"),
        (
            EXCEPTIONS + "    - {date: 2026-12-24, hours: [08:00-12:00, 11:00-14:00]}\n",
            r'hours.exceptions\[0\].hours\[1\]: "11:00-14:00" overlaps "08:00-12:00" '
            r"\(hours.exceptions\[0\].hours\[0\]\)",
        ),
        (  # Friday 25 December 22:00-02:00 runs into the Saturday's special hours
            EXCEPTIONS + "    - {date: 2026-12-26, hours: [01:00-05:00]}\n",
            r'line 7: hours.exceptions\[0\].hours\[0\]: "01:00-05:00" overlaps "22:00-02:00" '
            r"\(hours.weekly.friday\[0\], on 2026-12-25\)",
        ),
        (  # an exception's overnight window runs into Thursday 31 December's weekly hours
            EXCEPTIONS + "    - {date: 2026-12-30, hours: [20:00-09:00]}\n",
            r'hours.exceptions\[0\].hours\[0\]: "20:00-09:00" overlaps "08:00-18:00" '
            r"\(hours.weekly.thursday\[0\], on 2026-12-31\)",
        ),
        (  # two exceptions on consecutive days
            EXCEPTIONS
            + "    - {date: 2026-12-23, hours: [20:00-03:00]}\n"
            + "    - {date: 2026-12-24, hours: [02:00-04:00]}\n",
            r'hours.exceptions\[0\].hours\[0\]: "20:00-03:00" overlaps "02:00-04:00" '
            r"\(hours.exceptions\[1\].hours\[0\]\)",
        ),
    ],
)
def test_exception_errors_give_the_line_the_key_and_the_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message) as failed:
        load_support_rules(write(tmp_path, text))
    assert str(failed.value).startswith(f"{tmp_path / 'support.yml'} line ")
    assert "\n" not in str(failed.value)


def test_an_exception_may_close_a_day_an_overnight_window_runs_into(tmp_path: Path) -> None:
    rules = load_support_rules(write(tmp_path, EXCEPTIONS + "    - {date: 2026-12-26, closed: true}\n"))
    assert rules.hours.exceptions[date(2026, 12, 26)].windows == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "handoff:\n  after_unanswered: -1\n",
            r"line 2: handoff.after_unanswered must be between 0 and 20, got -1",
        ),
        (
            "handoff:\n  after_unanswered: two\n",
            r"handoff.after_unanswered must be a whole number, got 'two'",
        ),
        (
            "handoff:\n  claim_timeout_seconds: 5\n",
            r"handoff.claim_timeout_seconds must be between 10 and 3600",
        ),
        (
            "handoff:\n  claim_timeout_seconds: true\n",
            r"claim_timeout_seconds must be a whole number, got True",
        ),
        (
            "handoff:\n  typical_wait: ''\n",
            r'line 2: handoff.typical_wait must be a short phrase like "a few minutes"',
        ),
        ("handoff:\n  typical_wait: 3\n", r"handoff.typical_wait must be a short phrase"),
        ("handoff:\n  wait: soon\n", r"line 2: unknown key handoff.wait \(expected after_unanswered, "),
        (
            "handoff:\n  after_unanswered: 1\n  after_unanswered: 2\n",
            r"line 3: handoff.after_unanswered is given twice",
        ),
    ],
)
def test_handoff_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        load_support_rules(write(tmp_path, text))


def test_the_shipped_survey_rules() -> None:
    csat = load_support_rules(ROOT / "bot" / "support.yml").csat
    assert csat.enabled and (csat.scale_min, csat.scale_max) == (1, 5)
    assert csat.question.endswith("?") and csat.comment_max_chars == 1000
    assert 0 < csat.inactivity_minutes < 60  # below the session expiry in bot/domain.yml


def test_survey_rules_load_and_default(tmp_path: Path) -> None:
    assert load_support_rules(write(tmp_path, "answers:\n  top_k: 3\n")).csat == CsatRules()
    text = (
        "csat:\n  enabled: false\n  scale_min: 0\n  scale_max: 10\n"
        "  question: >\n    How likely are you\n    to recommend us?\n"
        "  comment_max_chars: 200\n  inactivity_minutes: 0.5\n"
    )
    csat = load_support_rules(write(tmp_path, text)).csat
    assert (csat.enabled, csat.scale_min, csat.scale_max) == (False, 0, 10)
    assert csat.question == "How likely are you to recommend us?"
    assert (csat.comment_max_chars, csat.inactivity_minutes) == (200, 0.5)
    assert csat.thanks == CsatRules().thanks


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("csat:\n  enabled: yes please\n", r"line 2: csat.enabled must be true or false"),
        ("csat:\n  scale_min: 3\n  scale_max: 3\n", r"line 3: csat.scale_max \(3\) must be greater"),
        ("csat:\n  scale_max: 11\n", r"line 2: csat.scale_max must be between 1 and 10"),
        ("csat:\n  scale_min: 1.5\n", r"csat.scale_min must be a whole number"),
        ("csat:\n  question: ''\n", r"line 2: csat.question must be text of 1 to 300 characters"),
        ("csat:\n  thanks: [a, b]\n", r"csat.thanks must be text of 1 to 500 characters"),
        ("csat:\n  comment_max_chars: 5\n", r"csat.comment_max_chars must be between 10 and 4000"),
        ("csat:\n  inactivity_minutes: -1\n", r"csat.inactivity_minutes must be between 0 and 1440"),
        ("csat:\n  inactivity: 5\n", r"line 2: unknown key csat.inactivity \(expected enabled, "),
    ],
)
def test_survey_errors_give_the_line_the_key_and_the_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message) as failed:
        load_support_rules(write(tmp_path, text))
    assert "\n" not in str(failed.value)
