"""Answer a customer question from the help centre, or say honestly that it can't."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from knowledge.answers import Answer, Composer
from knowledge.store import Hit


class Retriever(Protocol):
    def search(self, query: str, k: int = 4) -> list[Hit]: ...


def is_confident(score: float, min_score: float) -> bool:
    """The answer gate: is the best passage similar enough to trust?"""
    return score >= min_score


@dataclass
class KnowledgeService:
    retriever: Retriever  # HybridRetriever in the product; any search(query, k) in tests
    compose: Composer
    min_score: float  # below this similarity the best passage is not trusted
    top_k: int = 4

    def answer(self, question: str) -> Answer:
        hits = self.retriever.search(question, k=self.top_k)
        if not hits:
            return Answer.unknown(0.0)
        if not is_confident(hits[0].score, self.min_score):
            return Answer.unknown(hits[0].score)
        return self.compose(question, hits)
