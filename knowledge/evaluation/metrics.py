"""Document-level ranking metrics over one query's ranked document ids."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence


def recall_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def mrr_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    for rank, doc in enumerate(ranked[:k], start=1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    gains = [relevant.get(doc, 0) for doc in ranked[:k]]
    ideal = sorted(relevant.values(), reverse=True)[:k]
    return _dcg(gains) / _dcg(ideal) if ideal else 0.0


def _dcg(gains: Sequence[int]) -> float:
    return sum((2**gain - 1) / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def unique_in_order(ids: Sequence[str]) -> list[str]:
    """Chunk hits to document ranking: a document counts at its best chunk's rank."""
    return list(dict.fromkeys(ids))
