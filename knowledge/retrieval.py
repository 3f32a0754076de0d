"""Hybrid retrieval: dense (chunks, sentence windows, titles) and BM25, fused per document.

    retriever = HybridRetriever(store)
    hits = retriever.search("how long is the password reset link valid?", k=4)

Every signal is scored for every document and z-normalised per query, so the
signals add on one scale (chunk + window + 0.5 x title, plus BM25 weighted by
how decisively it picks a document). Each hit is one document, represented by
its best chunk for the query; `score` is the document's best raw cosine
similarity, which the answer gate reads. How the constants were chosen, and
what they give, is in docs/benchmarks.md.

The catalog (vectors, chunks, BM25 index) is loaded from the store into memory
and reloaded when the store changes: exact scores cost about 1.5 KB and a few
microseconds per entry, which suits help centres up to ~100k entries.

While the store cannot be reached (a Chroma server down), the catalog loaded
last keeps answering and the store is tried again every `refresh_seconds`;
with none loaded yet, `search` raises StoreUnavailable, and so it does when the
question cannot be embedded (OpenAI embeddings down).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from knowledge.chunking import Chunk
from knowledge.lexical import LexicalIndex
from knowledge.store import CHUNK, TITLE, WINDOW, Hit, KnowledgeStore, StoreUnavailable, chunk_from_metadata

logger = logging.getLogger(__name__)

TITLE_WEIGHT = 0.5  # titles are short: strong evidence for FAQs, weak for manuals
LEXICAL_WEIGHT = 1.5  # times BM25's decisiveness (top-1 margin over top-2, 0..1)
MISSING = -3.0  # z-score for a document a signal has no entry for


@dataclass
class _Kind:
    """All entries of one kind, grouped by document: vectors and each group's document."""

    vectors: np.ndarray  # (entries, dims), unit length, rows of one document together
    ids: list[str]
    starts: np.ndarray  # first row of each group
    group_docs: np.ndarray  # document index of each group

    @classmethod
    def of(cls, vectors: np.ndarray, docs: np.ndarray, ids: list[str]) -> _Kind:
        order = np.argsort(docs, kind="stable")
        docs = docs[order]
        starts = (
            np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]]) if len(docs) else np.array([], dtype=np.int64)
        )
        return cls(_unit(vectors[order]), [ids[i] for i in order], starts, docs[starts])

    def doc_max(self, query: np.ndarray, n_docs: int) -> np.ndarray:
        best = np.full(n_docs, -np.inf, dtype=np.float32)
        if len(self.ids):
            best[self.group_docs] = np.maximum.reduceat(self.vectors @ query, self.starts)
        return best


@dataclass
class _Catalog:
    doc_ids: list[str]
    chunks: dict[str, Chunk]
    chunk_rows: dict[str, int]  # chunk id -> row in kinds[CHUNK]
    by_doc: list[list[str]]  # document index -> its chunk ids
    kinds: dict[str, _Kind]
    lexical: LexicalIndex
    chunk_doc: dict[str, int]  # chunk id -> document index

    @classmethod
    def load(cls, store: KnowledgeStore) -> _Catalog:
        ids, metadatas, vectors = store.entries()
        doc_ids = sorted({m["doc_id"] for m in metadatas})
        position = {doc: i for i, doc in enumerate(doc_ids)}
        kinds: dict[str, _Kind] = {}
        dims = len(vectors[0]) if len(vectors) else 0
        for kind in (CHUNK, WINDOW, TITLE):
            rows = [i for i, m in enumerate(metadatas) if m.get("kind", CHUNK) == kind]
            matrix = np.array([vectors[i] for i in rows], dtype=np.float32).reshape(len(rows), dims)
            docs = np.array([position[metadatas[i]["doc_id"]] for i in rows], dtype=np.int64)
            kinds[kind] = _Kind.of(matrix, docs, [ids[i] for i in rows])
        chunk_list = [
            chunk_from_metadata(ids[i], metadatas[i]) for i in range(len(ids)) if _is_chunk(metadatas[i])
        ]
        by_doc: list[list[str]] = [[] for _ in doc_ids]
        for chunk in chunk_list:
            by_doc[position[chunk.doc_id]].append(chunk.chunk_id)
        lexical = LexicalIndex.build((c.chunk_id, c.title, c.section, c.text) for c in chunk_list)
        chunk_rows = {chunk_id: row for row, chunk_id in enumerate(kinds[CHUNK].ids)}
        chunk_doc = {c.chunk_id: position[c.doc_id] for c in chunk_list}
        return cls(
            doc_ids, {c.chunk_id: c for c in chunk_list}, chunk_rows, by_doc, kinds, lexical, chunk_doc
        )


@dataclass
class HybridRetriever:
    store: KnowledgeStore
    refresh_seconds: float = 30.0  # how often to look for changes made by other processes
    clock: Callable[[], float] = time.monotonic
    # With nothing loaded yet and the store unreachable, questions are declined at once
    # for this long before the store is tried again (not one connection attempt per question).
    retry_seconds: float = 5.0
    _catalog: _Catalog | None = field(default=None, init=False)
    _seen: tuple[int, str] = field(default=(-1, ""), init=False)
    _checked: float = field(default=float("-inf"), init=False)
    _failed: float = field(default=float("-inf"), init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def search(self, query: str, k: int = 4) -> list[Hit]:
        catalog = self._current()
        if not catalog.doc_ids:
            return []
        try:
            embedded = self.store.embeddings.embed_query(query)
        except Exception as error:  # OpenAI embeddings down (MiniLM runs here and does not fail so)
            raise StoreUnavailable(f"the question could not be embedded ({_reason(error)})") from error
        vector = _unit(np.asarray(embedded, dtype=np.float32))
        n = len(catalog.doc_ids)
        raw = {kind: catalog.kinds[kind].doc_max(vector, n) for kind in (CHUNK, WINDOW, TITLE)}
        # Short chunks have no windows: the chunk itself is their one window.
        raw[WINDOW] = np.maximum(raw[WINDOW], raw[CHUNK])
        lexical_chunks = dict(catalog.lexical.search(query, k=200))
        lexical = _doc_lexical(catalog, lexical_chunks, n)
        fused = (
            _z(raw[CHUNK])
            + _z(raw[WINDOW])
            + TITLE_WEIGHT * _z(raw[TITLE])
            + LEXICAL_WEIGHT * _decisiveness(lexical) * _z(lexical, present=lexical > 0)
        )
        best_raw = np.maximum(np.maximum(raw[CHUNK], raw[WINDOW]), raw[TITLE])
        top = np.argsort(-fused, kind="stable")[:k]
        return [
            self._hit(catalog, int(d), vector, lexical_chunks, float(best_raw[d]), float(fused[d]))
            for d in top
        ]

    def _hit(
        self,
        catalog: _Catalog,
        doc: int,
        vector: np.ndarray,
        lexical: dict[str, float],
        score: float,
        fused: float,
    ) -> Hit:
        chunk_ids = catalog.by_doc[doc]
        matrix = catalog.kinds[CHUNK].vectors
        top_lexical = max((lexical.get(c, 0.0) for c in chunk_ids), default=0.0) or 1.0

        def evidence(chunk_id: str) -> float:  # the passage that matches best both ways
            dense = float(matrix[catalog.chunk_rows[chunk_id]] @ vector)
            return dense + lexical.get(chunk_id, 0.0) / top_lexical

        best = max(chunk_ids, key=evidence)
        return Hit(chunk=catalog.chunks[best], score=score, lexical=lexical.get(best, 0.0), fused=fused)

    def _current(self) -> _Catalog:
        """The catalog, reloaded when the store changed; the last one while the store is unreachable."""
        with self._lock:
            now = self.clock()
            wait = self.retry_seconds if self._catalog is None else self.refresh_seconds
            if now - self._failed >= wait:
                try:
                    self._refresh(now)
                except Exception as error:  # a Chroma server gone away: any of its client's errors
                    self._failed = now
                    if self._catalog is None:
                        raise StoreUnavailable(
                            f"the knowledge index cannot be reached ({_reason(error)})"
                        ) from error
                    logger.warning(
                        "the knowledge index cannot be reached (%s); answering from the copy loaded before, "
                        "trying again in %.0f s",
                        _reason(error),
                        self.refresh_seconds,
                    )
            if self._catalog is None:
                raise StoreUnavailable("the knowledge index could not be reached a moment ago")
            return self._catalog

    def _refresh(self, now: float) -> None:
        stale = self._catalog is None or self.store.version != self._seen[0]
        if not stale and now - self._checked >= self.refresh_seconds:
            stale = self.store.generation() != self._seen[1]
            self._checked = now
        if stale:
            seen = (self.store.version, self.store.generation())
            self._catalog = _Catalog.load(self.store)
            self._seen, self._checked = seen, now


def _reason(error: Exception) -> str:
    """The first line of an error, for logs (no tracebacks every refresh interval)."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200]}" if text else type(error).__name__


def _unit(vectors: np.ndarray) -> np.ndarray:
    """Unit length, so dot products are cosines whatever the embedding model returns."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def _is_chunk(metadata: dict[str, object]) -> bool:
    return metadata.get("kind", CHUNK) == CHUNK


def _doc_lexical(catalog: _Catalog, chunk_scores: dict[str, float], n: int) -> np.ndarray:
    scores = np.zeros(n)
    for chunk_id, value in chunk_scores.items():
        i = catalog.chunk_doc[chunk_id]
        scores[i] = max(scores[i], value)
    return scores


def _z(values: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """Per-query z-scores over the documents that have this signal; MISSING elsewhere."""
    mask = np.isfinite(values) if present is None else present
    out = np.full(values.shape, MISSING)
    if mask.sum() < 2:
        return out if mask.sum() == 0 else np.where(mask, 0.0, MISSING)
    picked = values[mask]
    spread = picked.std() or 1.0
    out[mask] = (picked - picked.mean()) / spread
    out[~mask] = min(out[mask].min(), MISSING) if present is None else out[mask].min()
    return out


def _decisiveness(lexical: np.ndarray) -> float:
    """How clearly BM25 prefers one document (0..1): weak, diffuse matches count little."""
    top = np.sort(lexical)[::-1][:2]
    if len(top) < 2 or top[0] <= 0:
        return 0.0
    return float((top[0] - top[1]) / top[0])
