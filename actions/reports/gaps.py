"""Knowledge gaps: the questions the bot declined, grouped by similarity, most frequent first.

    groups = group_questions([("how do i export to pdf", 12, ...), ("export notes as pdf", 5, ...)])
    groups[0].label, groups[0].count     # "how do i export to pdf", 17

Lexical on purpose (see docs/reports.md): questions are normalised and
deduplicated first (in SQL, by `question_key`), then reduced to their stemmed
content words with the stemmer retrieval already uses (knowledge.lexical), and
two questions are alike when their IDF-weighted Jaccard similarity reaches
`threshold`. Rare words (product terms) weigh more than words every question
shares ("note", "account"). Grouping is greedy, most frequent question first,
so each group is named by its most asked phrasing. Candidate groups are found
through an inverted index, looked up with the question's rarest words only
(prefix filtering: a group sharing none of them cannot be similar enough), and
a bound on the shared weight skips most of them before any set is compared.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from knowledge.lexical import tokenize

DEFAULT_THRESHOLD = 0.4
MAX_KEY_CHARS = 500
# Words any support question may contain; they say nothing about the topic.
_QUESTION_WORDS = """
    can could would should how get want need pleas help hi hello hey thank thanks anyon someon
    possibl way tell know not no just also still all any some there here now again one use make take
    accept offer avail option question someth anyth like
"""
QUESTION_WORDS = frozenset(_QUESTION_WORDS.split())
_WORD = re.compile(r"[\w']+")


def question_key(question: str) -> str:
    """The same question typed differently (case, spacing, punctuation) gets the same key."""
    text = unicodedata.normalize("NFKC", question).lower().replace("’", "'")
    return " ".join(_WORD.findall(text))[:MAX_KEY_CHARS]


def content_words(question: str) -> frozenset[str]:
    """Stemmed words that carry the question's topic."""
    return frozenset(word for word in tokenize(question) if word not in QUESTION_WORDS)


def words_key(question: str) -> str:
    """content_words as stored with each declined question, so reports need not stem again."""
    return " ".join(sorted(content_words(question))) or question_key(question)


@dataclass(frozen=True)
class DistinctQuestion:
    text: str  # one phrasing as a customer typed it
    count: int  # how often it (or a phrasing with the same key) was asked
    conversations: int
    last_asked: float
    words: frozenset[str] | None = None  # content_words(text), if already known


@dataclass
class GapGroup:
    label: str  # the most asked phrasing
    count: int = 0
    conversations: int = 0
    last_asked: float = 0.0
    phrasings: list[tuple[str, int]] = field(default_factory=list)  # (text, count), most asked first
    words: frozenset[str] = frozenset()
    weight: float = 0.0  # of `words`

    def add(self, question: DistinctQuestion) -> None:
        self.count += question.count
        self.conversations += question.conversations
        self.last_asked = max(self.last_asked, question.last_asked)
        self.phrasings.append((question.text, question.count))


def group_questions(
    questions: Iterable[DistinctQuestion], threshold: float = DEFAULT_THRESHOLD
) -> list[GapGroup]:
    """Groups of similar questions, largest first (ties: most recent first, then by label)."""
    merged = _merge_same_words(questions)
    weights = _idf(merged)
    groups: list[GapGroup] = []
    index: dict[str, list[int]] = defaultdict(list)  # word -> groups whose words hold it
    for words, members in sorted(merged.items(), key=lambda item: _order(item[1])):
        weight = sum(weights[word] for word in words)
        prefix = _prefix(words, weights, threshold)
        rest = weight - sum(weights[word] for word in prefix)
        shared_in_prefix: dict[int, float] = defaultdict(float)
        for word in prefix:
            for position in index.get(word, ()):
                shared_in_prefix[position] += weights[word]
        best, best_score = None, 0.0
        for position, known in sorted(shared_in_prefix.items()):
            group = groups[position]
            most = known + rest  # the question's other words could all be shared, at best
            if most < threshold * (weight + group.weight - most):
                continue
            shared = sum(weights[word] for word in words & group.words)
            score = shared / (weight + group.weight - shared)
            if score > best_score:
                best, best_score = position, score
        if best is None or best_score < threshold:
            best = len(groups)
            groups.append(GapGroup(label=members[0].text, words=words, weight=weight))
            for word in words:
                index[word].append(best)
        for member in members:
            groups[best].add(member)
    for group in groups:
        group.phrasings.sort(key=lambda phrasing: -phrasing[1])  # stable: ties stay most recent first
        group.label = group.phrasings[0][0]
    return sorted(groups, key=lambda g: (-g.count, -g.last_asked, g.label))


def _merge_same_words(questions: Iterable[DistinctQuestion]) -> dict[frozenset[str], list[DistinctQuestion]]:
    """Questions with the same content words are one question ("export to PDF?" / "exporting pdf")."""
    merged: dict[frozenset[str], list[DistinctQuestion]] = defaultdict(list)
    for question in questions:
        words = question.words or content_words(question.text) or frozenset({question_key(question.text)})
        merged[words].append(question)
    for members in merged.values():
        members.sort(key=lambda q: (-q.count, -q.last_asked, q.text))
    return merged


def _order(members: Sequence[DistinctQuestion]) -> tuple[int, float, str]:
    return (-sum(m.count for m in members), -max(m.last_asked for m in members), members[0].text)


def _idf(merged: dict[frozenset[str], list[DistinctQuestion]]) -> dict[str, float]:
    frequency = Counter(word for words in merged for word in words)
    total = len(merged)
    return {word: math.log(1 + total / count) for word, count in frequency.items()}


def _prefix(words: frozenset[str], weights: dict[str, float], threshold: float) -> list[str]:
    """The rarest words, until the rest weigh less than `threshold` of the whole.

    A set at least `threshold` alike shares one of these words (the prefix-filtering
    principle: otherwise all it shares lies in the rest, which weighs too little).
    """
    ordered = sorted(words, key=lambda word: (-weights[word], word))
    total = sum(weights[word] for word in ordered)
    prefix, remaining = [], total
    for word in ordered:
        if remaining < threshold * total:
            break
        prefix.append(word)
        remaining -= weights[word]
    return prefix
