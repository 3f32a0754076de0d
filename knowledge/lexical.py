"""BM25 over chunks, in memory: the lexical half of hybrid retrieval.

Dense embeddings miss exact terms (model numbers, menu names, error codes) that
customers type; BM25 catches them. Titles and headings are repeated in the
indexed text so a match there outweighs a passing mention in a body (a cheap
form of field weighting).

    index = LexicalIndex.build([(chunk_id, "Reset your password", "Steps", "Open Settings...")])
    index.search("reset password", k=10)  # [(chunk_id, score), ...]
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# Function words that carry no topic; short on purpose (questions' "how", "can"
# are common to every query and BM25's idf already discounts them).
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    }
)
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def tokenize(text: str) -> list[str]:
    words = _WORD.findall(text.lower().replace("’", "'"))
    return [_stem(w.split("'")[0]) for w in words if w not in STOPWORDS]


def field_text(title: str, section: str, body: str) -> str:
    """Title and heading twice: they name the topic; the body only mentions it."""
    return f"{title} {title} {section} {section} {body}"


@dataclass
class LexicalIndex:
    ids: list[str]
    postings: dict[str, list[tuple[int, int]]]  # term -> [(doc index, term frequency)]
    lengths: list[int]
    k1: float = 1.2
    b: float = 0.4  # help-centre sections are short and even; less length normalisation

    @classmethod
    def build(cls, entries: Iterable[tuple[str, str, str, str]]) -> LexicalIndex:
        """entries: (chunk_id, title, section, body)."""
        ids: list[str] = []
        lengths: list[int] = []
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for position, (chunk_id, title, section, body) in enumerate(entries):
            terms = Counter(tokenize(field_text(title, section, body)))
            ids.append(chunk_id)
            lengths.append(sum(terms.values()))
            for term, count in terms.items():
                postings[term].append((position, count))
        return cls(ids, dict(postings), lengths)

    def search(self, query: str, k: int = 50) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        scores: dict[int, float] = defaultdict(float)
        average = sum(self.lengths) / len(self.lengths) or 1.0
        total = len(self.ids)
        for term in set(tokenize(query)):
            posting = self.postings.get(term)
            if not posting:
                continue
            idf = math.log(1 + (total - len(posting) + 0.5) / (len(posting) + 0.5))
            for position, tf in posting:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[position] / average)
                scores[position] += idf * tf * (self.k1 + 1) / (tf + norm)
        best = sorted(scores.items(), key=lambda item: -item[1])[:k]
        return [(self.ids[position], score) for position, score in best]
