"""Answer a customer question from the help centre, or say honestly that it can't."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.answers import Answer, Composer
from knowledge.store import KnowledgeStore


@dataclass
class KnowledgeService:
    store: KnowledgeStore
    compose: Composer
    min_score: float  # below this similarity the best passage is not trusted
    top_k: int = 4

    def answer(self, question: str) -> Answer:
        hits = self.store.search(question, k=self.top_k)
        if not hits:
            return Answer.unknown(0.0)
        if hits[0].score < self.min_score:
            return Answer.unknown(hits[0].score)
        return self.compose(question, hits)
