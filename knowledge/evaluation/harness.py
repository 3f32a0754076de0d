"""Evaluate retrieval and the answer gate on a BEIR set, product and baseline in one run.

The product is indexed by its own sync (chunking, title vectors) and queried
through its own hybrid retriever and gate. The baseline is the tutorial stack:
RecursiveCharacterTextSplitter(1000, 200) + Chroma + all-MiniLM-L6-v2, top-k,
no gate. Both use the same embedding model instance, in the same process.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from knowledge.evaluation import metrics
from knowledge.evaluation.beir import BeirSet

__all__ = ["BeirSet", "evaluate", "run_product", "run_baseline", "gate_tradeoff"]
from knowledge.retrieval import HybridRetriever
from knowledge.service import is_confident
from knowledge.store import KnowledgeStore, make_chroma_client

DEPTH = 10  # documents ranked per query (MRR@10, nDCG@10)


@dataclass(frozen=True)
class Run:
    """One system's output on a set: ranked documents and gate decisions per query."""

    ranked: dict[str, list[str]]
    answered: dict[str, bool]
    confidence: dict[str, float]
    index_seconds: float
    query_ms: list[float]


def evaluate(data: BeirSet, embeddings: Embeddings, min_score: float) -> tuple[dict[str, Any], Run]:
    """The report (product metrics, `baseline` beside them) and the product's run."""
    with tempfile.TemporaryDirectory(prefix="eval-") as workdir:
        product = run_product(data, embeddings, min_score, Path(workdir) / "product")
        baseline = run_baseline(data, embeddings, Path(workdir) / "baseline")
    report = summarise(data, product)
    report["baseline"] = summarise(data, baseline)
    report["set"] = data.name
    report["min_score"] = min_score
    return report, product


def run_product(data: BeirSet, embeddings: Embeddings, min_score: float, path: Path) -> Run:
    store = KnowledgeStore(make_chroma_client(path=path), embeddings, collection="eval")
    started = time.perf_counter()
    store.sync(data.articles())
    index_seconds = time.perf_counter() - started
    retriever = HybridRetriever(store)
    retriever.search("warm up", k=1)  # build the lexical index outside the timings

    def ask(query: str) -> tuple[list[str], float]:
        hits = retriever.search(query, k=DEPTH)
        return [hit.chunk.doc_id for hit in hits], hits[0].score if hits else 0.0

    return _run(data, ask, index_seconds, min_score)


def run_baseline(data: BeirSet, embeddings: Embeddings, path: Path) -> Run:
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    documents = [
        Document(page_content=f"{title}\n{text}".strip(), metadata={"doc_id": doc_id})
        for doc_id, (title, text) in data.corpus.items()
    ]
    started = time.perf_counter()
    store = Chroma.from_documents(
        splitter.split_documents(documents),
        embeddings,
        client=make_chroma_client(path=path),
        collection_name="baseline",
    )
    index_seconds = time.perf_counter() - started

    def ask(query: str) -> tuple[list[str], float]:
        chunks = store.similarity_search(query, k=4 * DEPTH)
        return metrics.unique_in_order([c.metadata["doc_id"] for c in chunks])[:DEPTH], 1.0

    return _run(data, ask, index_seconds, min_score=0.0)  # no gate: it answers everything


def _run(
    data: BeirSet, ask: Callable[[str], tuple[list[str], float]], index_seconds: float, min_score: float
) -> Run:
    ranked, answered, confidence, query_ms = {}, {}, {}, []
    for query_id, text in data.queries.items():
        started = time.perf_counter()
        docs, score = ask(text)
        confident = is_confident(score, min_score)
        query_ms.append((time.perf_counter() - started) * 1000)
        ranked[query_id], answered[query_id], confidence[query_id] = docs, confident, score
    return Run(ranked, answered, confidence, index_seconds, query_ms)


def summarise(data: BeirSet, run: Run) -> dict[str, Any]:
    answerable, unanswerable = data.answerable, data.unanswerable

    def average(metric: Callable[[Sequence[str], dict[str, int], int], float], k: int) -> float:
        return round(metrics.mean([metric(run.ranked[q], data.qrels[q], k) for q in answerable]), 4)

    return {
        "recall@1": average(metrics.recall_at, 1),
        "recall@5": average(metrics.recall_at, 5),
        "mrr@10": average(metrics.mrr_at, 10),
        "ndcg@10": average(metrics.ndcg_at, 10),
        "answer_rate_answerable": _rate([run.answered[q] for q in answerable]),
        "abstain_rate_unanswerable": _rate([not run.answered[q] for q in unanswerable]),
        "index_seconds": round(run.index_seconds, 2),
        "query_ms_p50": round(statistics.median(run.query_ms), 2),
    }


def gate_tradeoff(data: BeirSet, run: Run, thresholds: Sequence[float]) -> list[dict[str, float]]:
    """Answer and abstain rates the gate would give at each threshold (for choosing it)."""
    rows = []
    for threshold in thresholds:
        rows.append(
            {
                "min_score": threshold,
                "answer_rate_answerable": _rate([run.confidence[q] >= threshold for q in data.answerable]),
                "abstain_rate_unanswerable": _rate(
                    [run.confidence[q] < threshold for q in data.unanswerable]
                ),
            }
        )
    return rows


def _rate(flags: Sequence[bool]) -> float:
    return round(sum(flags) / len(flags), 4) if flags else 0.0
