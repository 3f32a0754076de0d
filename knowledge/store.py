"""The vector index of help-centre chunks (LangChain's Chroma store) and its sync.

    store = KnowledgeStore(make_chroma_client(path="var/chroma"), MiniLMEmbeddings())
    report = store.sync(load_folder(Path("knowledge/helpcentre")))
    hits = store.search("how do I reset my password?", k=4)

Sync is incremental by content fingerprint: unchanged articles cost no embedding,
changed ones get their new chunks added before the old ones are deleted (so a
sync that dies half way leaves every article answerable), removed ones vanish.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from knowledge.chunking import Chunk, chunk_article
from knowledge.documents import Article

DEFAULT_COLLECTION = "helpcentre"


def make_chroma_client(
    path: str | Path | None = None, host: str | None = None, port: int = 8000
) -> chromadb.ClientAPI:
    """An embedded client for `path`, or an HTTP client for a Chroma server at `host`."""
    if (path is None) == (host is None):
        raise ValueError("give exactly one of a Chroma path (embedded) or a Chroma host (server)")
    settings = ChromaSettings(anonymized_telemetry=False)
    if host is not None:
        return chromadb.HttpClient(host=host, port=port, settings=settings)
    Path(path).mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
    return chromadb.PersistentClient(path=str(path), settings=settings)


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # cosine similarity, 1.0 = same direction


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks_embedded: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged; {self.chunks_embedded} chunks embedded"
        )


class KnowledgeStore:
    def __init__(
        self,
        client: chromadb.ClientAPI,
        embeddings: Embeddings,
        collection: str = DEFAULT_COLLECTION,
    ) -> None:
        self.vectors = Chroma(
            client=client,
            collection_name=collection,
            embedding_function=embeddings,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )

    def indexed(self) -> dict[str, str]:
        """doc_id -> fingerprint of what the index holds now."""
        metadatas = self.vectors.get(include=["metadatas"])["metadatas"]
        return {m["doc_id"]: m["fingerprint"] for m in metadatas if m}

    def sync(
        self, articles: Iterable[Article], progress: Callable[[str, str], None] | None = None
    ) -> SyncReport:
        report = SyncReport()
        wanted = {article.doc_id: article for article in articles}
        current = self.indexed()
        for doc_id, article in wanted.items():
            previous = current.get(doc_id)
            if previous == article.fingerprint:
                report.unchanged.append(doc_id)
                continue
            report.chunks_embedded += self._replace(article)
            (report.updated if previous else report.added).append(doc_id)
            if progress:
                progress("updated" if previous else "added", doc_id)
        for doc_id in sorted(set(current) - set(wanted)):
            self.remove(doc_id)
            report.removed.append(doc_id)
            if progress:
                progress("removed", doc_id)
        return report

    def remove(self, doc_id: str) -> None:
        self.vectors.delete(ids=self._chunk_ids(doc_id))

    def search(self, query: str, k: int = 4) -> list[Hit]:
        if self.count() == 0:
            return []
        pairs = self.vectors.similarity_search_with_score(query, k=k)
        return [Hit(_chunk_from(doc.id, doc.page_content, doc.metadata), 1.0 - dist) for doc, dist in pairs]

    def count(self) -> int:
        return int(self.vectors._collection.count())

    def _replace(self, article: Article) -> int:
        stale = self._chunk_ids(article.doc_id)
        chunks = chunk_article(article)
        if chunks:
            self.vectors.add_texts(
                texts=[chunk.indexed_text for chunk in chunks],
                metadatas=[_metadata(chunk, article) for chunk in chunks],
                ids=[chunk.chunk_id for chunk in chunks],
            )
        fresh = {chunk.chunk_id for chunk in chunks}
        old = [chunk_id for chunk_id in stale if chunk_id not in fresh]
        if old:
            self.vectors.delete(ids=old)
        return len(chunks)

    def _chunk_ids(self, doc_id: str) -> list[str]:
        return list(self.vectors.get(where={"doc_id": doc_id}, include=[])["ids"])


def _metadata(chunk: Chunk, article: Article) -> dict[str, Any]:
    return {
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "section": chunk.section,
        "url": chunk.url,
        "body": chunk.text,
        "fingerprint": article.fingerprint,
        "updated": article.updated,
    }


def _chunk_from(chunk_id: str | None, _indexed: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id or "",
        doc_id=meta["doc_id"],
        title=meta["title"],
        section=meta.get("section", ""),
        url=meta["url"],
        text=meta.get("body", ""),
    )
