"""Answer a customer question from the help centre, or say honestly that it can't.

It can't in two ways: the help centre has no trustworthy passage (`grounded`
False), or the help centre cannot be searched right now (`unavailable`: the
index or the embedding service is unreachable).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from knowledge.answers import Answer, Composer
from knowledge.store import Hit, StoreUnavailable

logger = logging.getLogger(__name__)


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
        try:
            hits = self.retriever.search(question, k=self.top_k)
        except StoreUnavailable as error:  # say so honestly; never guess without the help centre
            logger.warning("could not search the help centre: %s", error)
            return Answer.cannot_look_up()
        if not hits:
            return Answer.unknown(0.0)
        if not is_confident(hits[0].score, self.min_score):
            return Answer.unknown(hits[0].score)
        return self.compose(question, hits)
