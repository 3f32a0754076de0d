"""Knowledge gaps: paraphrases group together, unrelated questions do not, and it is fast."""

from __future__ import annotations

import random
import time

import pytest

from actions.reports.gaps import DistinctQuestion, group_questions, question_key


def asked(*texts: str, count: int = 1) -> list[DistinctQuestion]:
    return [DistinctQuestion(text, count, count, 1000.0 + n) for n, text in enumerate(texts)]


def groups_of(questions: list[DistinctQuestion]) -> list[set[str]]:
    return [{text for text, _ in group.phrasings} for group in group_questions(questions)]


PARAPHRASES = [
    (
        "How do I export notes to PDF?",
        "export my notes as a pdf",
        "Exporting notes to PDF format",
        "pdf export?",
    ),
    ("Is there a dark mode?", "dark mode please", "how do I turn on dark mode"),
    ("Can I pay with PayPal?", "paying with paypal"),
    ("Do you have a Linux app?", "linux desktop app", "is there a Linux app for the desktop?"),
    ("How can I recover deleted notes?", "recover a deleted note"),
]
UNRELATED = [
    "How do I change my email address?",
    "How do I change my password?",
    "How do I import notes from Evernote?",
    "Do you offer a student discount?",
    "What is your phone number?",
    "Can I delete my account?",
    "How do I share a notebook with my team?",
]


def test_paraphrases_group_together() -> None:
    questions = [q for family in PARAPHRASES for q in asked(*family)]
    assert sorted(map(sorted, groups_of(questions))) == sorted(sorted(family) for family in PARAPHRASES)


def test_unrelated_questions_stay_apart() -> None:
    assert len(group_questions(asked(*UNRELATED))) == len(UNRELATED)


def test_paraphrases_among_unrelated_questions() -> None:
    questions = asked(*UNRELATED) + [q for family in PARAPHRASES for q in asked(*family)]
    found = groups_of(questions)
    for family in PARAPHRASES:
        assert set(family) in found
    for question in UNRELATED:
        assert {question} in found


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("How do I export notes to PDF?", "How do I import notes from PDF?"),
        ("change my email", "change my password"),
        ("delete a note", "delete my account"),
    ],
)
def test_questions_that_share_only_a_verb_or_an_object_are_different(one: str, other: str) -> None:
    assert len(group_questions(asked(one, other))) == 2
    together = [
        group for group in groups_of(asked(one, other, *UNRELATED)) if one in group and other in group
    ]
    assert together == []


def test_the_group_is_named_by_its_most_asked_phrasing_and_counts_add_up() -> None:
    questions = asked("export my notes as a pdf", count=3) + asked("How do I export notes to PDF?", count=7)
    [group] = group_questions(questions)
    assert group.label == "How do I export notes to PDF?"
    assert (group.count, group.conversations, len(group.phrasings)) == (10, 10, 2)
    assert group.phrasings[0] == ("How do I export notes to PDF?", 7)


def test_groups_come_largest_first() -> None:
    questions = asked("dark mode?", count=2) + asked("pdf export", count=5) + asked("linux app", count=3)
    assert [g.label for g in group_questions(questions)] == ["pdf export", "linux app", "dark mode?"]


def test_the_key_ignores_case_spacing_and_punctuation() -> None:
    assert question_key("  How do I  export to PDF?? ") == question_key("how do i export to pdf")
    assert question_key("Don’t sync") == question_key("don't sync")
    assert question_key("export to pdf") != question_key("import to pdf")


def test_questions_without_content_words_are_kept_apart_by_their_text() -> None:
    assert len(group_questions(asked("how?", "help!", "hello"))) == 3


def test_ten_thousand_distinct_questions_group_in_seconds() -> None:
    # More distinct declined questions than 100,000 conversations of the benchmark's mix produce
    # (about 6,000), each with 2-6 words from a 3,000-word vocabulary: many candidate pairs.
    rng = random.Random(7)
    vocabulary = [f"term{n}" for n in range(3000)]
    questions = [
        DistinctQuestion(f"how do I {' '.join(rng.sample(vocabulary, rng.randint(2, 6)))}", 1, 1, float(n))
        for n in range(10_000)
    ]
    started = time.perf_counter()
    groups = group_questions(questions)
    elapsed = time.perf_counter() - started
    assert sum(g.count for g in groups) == 10_000
    assert elapsed < 5.0, f"{elapsed:.2f} s"  # about 1 s here on a quiet machine; the CPU is shared
