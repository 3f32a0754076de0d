"""The vector index of help-centre chunks (LangChain's Chroma store) and its sync.

    store = KnowledgeStore(make_chroma_client(path="var/chroma"), MiniLMEmbeddings())
    report = store.sync(load_folder(Path("knowledge/helpcentre")))
    hits = store.search("how do I reset my password?", k=4)

Sync is incremental by content fingerprint: unchanged articles cost no embedding,
changed ones get their new chunks added before the old ones are deleted (so a
sync that dies half way leaves every article answerable), removed ones vanish.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chromadb
from chromadb.api import ClientAPI
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from knowledge.chunking import Chunk, chunk_article, windows
from knowledge.documents import Article

DEFAULT_COLLECTION = "helpcentre"
# Part of every stored fingerprint: bump it when what is indexed per article
# changes (entries, metadata), and the next sync re-indexes every article.
INDEX_FORMAT = "3"
TITLE, CHUNK, WINDOW = "title", "chunk", "window"


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


# progress(what, doc_id, done, total): what is "added", "updated" or "removed".
Progress = Callable[[str, str, int, int], None]


def is_file_id(doc_id: str) -> bool:
    """Documents from the help-centre folder (crawled pages have their URL as id)."""
    return not doc_id.startswith(("http://", "https://"))


def within_site(origin: str) -> Callable[[str], bool]:
    """The documents a crawl of `origin` (scheme://host[:port]) owns."""
    prefix = origin.rstrip("/") + "/"
    return lambda doc_id: doc_id == origin or doc_id.startswith(prefix)


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # cosine similarity of the best evidence for this hit, 1.0 = same direction
    lexical: float = 0.0  # BM25 score of the chunk (hybrid retrieval only)
    fused: float = 0.0  # rank-fusion score that ordered the hits (hybrid retrieval only)


@dataclass(frozen=True)
class DenseMatch:
    entry_id: str
    doc_id: str
    kind: str  # TITLE or CHUNK
    similarity: float


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # articles with no text
    chunks_embedded: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged"
            + (f", {len(self.skipped)} skipped (no text)" if self.skipped else "")
            + f"; {self.chunks_embedded} chunks embedded"
        )


class StoreUnavailable(Exception):
    """The index, or the service that embeds questions, cannot be reached right now."""


class KnowledgeStore:
    """The index. `client` is a Chroma client, or a function that makes one.

    Given a function (a Chroma server, which may be down when the action server
    starts), the store connects on first use and, after a failure, tries again on
    the next use; a client given as it is is opened at once.
    """

    def __init__(
        self,
        client: chromadb.ClientAPI | Callable[[], chromadb.ClientAPI],
        embeddings: Embeddings,
        collection: str = DEFAULT_COLLECTION,
    ) -> None:
        self.embeddings = embeddings
        self.collection_name = collection
        self._client = client if isinstance(client, ClientAPI) else None
        self._connect = None if isinstance(client, ClientAPI) else client
        self._vectors: Chroma | None = None
        self.version = 0  # bumped on every change made through this store
        if self._client is not None:
            self._open()

    @property
    def client(self) -> chromadb.ClientAPI:
        if self._client is None:
            assert self._connect is not None
            self._client = self._connect()
        return self._client

    @property
    def vectors(self) -> Chroma:
        return self._vectors if self._vectors is not None else self._open()

    def _open(self) -> Chroma:
        self._vectors = Chroma(
            client=self.client,
            collection_name=self.collection_name,
            embedding_function=self.embeddings,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        return self._vectors

    def generation(self) -> str:
        """Changes whenever any process changes the index (stamped after each sync)."""
        metadata = self.client.get_collection(self.collection_name).metadata or {}
        return f"{metadata.get('generation', '')}/{self.count()}"

    def indexed(self) -> dict[str, str]:
        """doc_id -> fingerprint of what the index holds now ("" if a sync was interrupted)."""
        return {doc: next(iter(fps)) if len(fps) == 1 else "" for doc, fps in self._fingerprints().items()}

    def sync(
        self,
        articles: Iterable[Article],
        progress: Progress | None = None,
        batch_size: int = 256,
        scope: Callable[[str], bool] = is_file_id,
    ) -> SyncReport:
        """Make the index hold exactly `articles` within `scope`, embedding only what changed.

        `scope` says which indexed documents this sync owns: by default the
        help-centre folder's files, so a folder sync leaves crawled pages alone.
        New entries are added before stale ones are deleted, so an interrupted
        sync leaves every article answerable; the next sync finishes the job.
        """
        report = SyncReport()
        wanted = {article.doc_id: article for article in articles}
        current = {doc: fps for doc, fps in self._fingerprints().items() if scope(doc) or doc in wanted}
        changed = []
        for doc_id, article in list(wanted.items()):
            if not article.body.strip():  # nothing to answer from; never indexed
                report.skipped.append(doc_id)
                del wanted[doc_id]
                continue
            held = current.get(doc_id, set())
            if held == {_stored_fingerprint(article)}:
                report.unchanged.append(doc_id)
            elif _stored_fingerprint(article) in held:  # an interrupted sync: only stale entries remain to go
                report.updated.append(doc_id)
            else:
                changed.append(article)
                (report.updated if held else report.added).append(doc_id)
        done = 0
        for batch in _batches(changed, batch_size):
            report.chunks_embedded += self._add(batch)
            for article in batch:
                done += 1
                if progress:
                    progress(
                        "updated" if article.doc_id in current else "added",
                        article.doc_id,
                        done,
                        len(changed),
                    )
        self._delete_stale(wanted, current)
        for doc_id in sorted(set(current) - set(wanted)):
            self.vectors.delete(ids=self._chunk_ids(doc_id))
            report.removed.append(doc_id)
            if progress:
                progress("removed", doc_id, len(changed), len(changed))
        if report.changed:
            self._stamp()
        return report

    def remove(self, doc_id: str) -> None:
        self.vectors.delete(ids=self._chunk_ids(doc_id))
        self._stamp()

    def chunks(self) -> list[Chunk]:
        """Every chunk in the index (not the title entries), for the lexical index."""
        result = self.vectors.get(where={"kind": CHUNK}, include=["metadatas"])
        return [chunk_from_metadata(i, m) for i, m in zip(result["ids"], result["metadatas"], strict=True)]

    def entries(self) -> tuple[list[str], list[dict[str, Any]], list[list[float]]]:
        """Every entry's id, metadata and vector (the retriever's in-memory catalog)."""
        result = self.vectors.get(include=["metadatas", "embeddings"])
        return list(result["ids"]), list(result["metadatas"]), list(result["embeddings"])

    def dense(self, vector: list[float], n: int) -> list[DenseMatch]:
        """Nearest title and chunk entries to a query vector."""
        if self.count() == 0:
            return []
        pairs = self.vectors.similarity_search_by_vector_with_relevance_scores(vector, k=n)
        return [
            DenseMatch(doc.id or "", doc.metadata["doc_id"], doc.metadata.get("kind", CHUNK), 1.0 - dist)
            for doc, dist in pairs
        ]

    def search(self, query: str, k: int = 4) -> list[Hit]:
        """Dense search over chunks only (see retrieval.py for the hybrid search)."""
        if self.count() == 0:
            return []
        pairs = self.vectors.similarity_search_with_score(query, k=k, filter={"kind": CHUNK})
        return [Hit(chunk_from_metadata(doc.id, doc.metadata), 1.0 - dist) for doc, dist in pairs]

    def count(self) -> int:
        return int(self.vectors._collection.count())

    def _add(self, articles: list[Article]) -> int:
        texts: list[str] = []
        metadatas: list[dict[str, Any]] = []
        ids: list[str] = []
        for article in articles:
            chunks = chunk_article(article)
            if not chunks:
                continue
            # The title gets a vector of its own: for FAQ-style articles the title
            # is the question customers paraphrase.
            texts += [chunk.indexed_text for chunk in chunks] + [article.title]
            metadatas += [_metadata(c, article, CHUNK) for c in chunks] + [
                _metadata(chunks[0], article, TITLE)
            ]
            ids += [chunk.chunk_id for chunk in chunks] + [
                f"{article.doc_id}#{article.fingerprint[:12]}:title"
            ]
            for chunk in chunks:  # sentence windows: see chunking.windows
                for number, text in enumerate(windows(chunk)):
                    texts.append(text)
                    metadatas.append(_metadata(chunk, article, WINDOW) | {"body": ""})
                    ids.append(f"{chunk.chunk_id}:w{number}")
        if texts:
            self.vectors.add_texts(texts=texts, metadatas=metadatas, ids=ids)
        return len(texts)

    def _delete_stale(self, wanted: dict[str, Article], current: dict[str, set[str]]) -> None:
        for doc_id, article in wanted.items():
            if current.get(doc_id, set()) - {_stored_fingerprint(article)}:
                held = self.vectors.get(where={"doc_id": doc_id}, include=["metadatas"])
                stale = [
                    entry_id
                    for entry_id, meta in zip(held["ids"], held["metadatas"], strict=True)
                    if meta["fingerprint"] != _stored_fingerprint(article)
                ]
                self.vectors.delete(ids=stale)

    def _fingerprints(self) -> dict[str, set[str]]:
        held: dict[str, set[str]] = {}
        for meta in self.vectors.get(where={"kind": CHUNK}, include=["metadatas"])["metadatas"]:
            if meta:
                held.setdefault(meta["doc_id"], set()).add(meta["fingerprint"])
        return held

    def _stamp(self) -> None:
        self.version += 1
        stamp = uuid.uuid4().hex
        # The stamp only lets other replicas notice sooner; never fail a sync on it.
        with contextlib.suppress(Exception):
            self.vectors._collection.modify(metadata={"generation": stamp})

    def _chunk_ids(self, doc_id: str) -> list[str]:
        return list(self.vectors.get(where={"doc_id": doc_id}, include=[])["ids"])


def _batches(articles: list[Article], size: int) -> Iterator[list[Article]]:
    """Groups of articles of about `size` entries: one embedding call each."""
    batch: list[Article] = []
    entries = 0
    for article in articles:
        batch.append(article)
        entries += article.body.count("\n## ") + 2
        if entries >= size:
            yield batch
            batch, entries = [], 0
    if batch:
        yield batch


def _stored_fingerprint(article: Article) -> str:
    return f"{INDEX_FORMAT}:{article.fingerprint}"


def _metadata(chunk: Chunk, article: Article, kind: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "section": chunk.section,
        "url": chunk.url,
        "body": chunk.text,
        "fingerprint": _stored_fingerprint(article),
        "updated": article.updated,
    }


def chunk_from_metadata(chunk_id: str | None, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id or "",
        doc_id=meta["doc_id"],
        title=meta["title"],
        section=meta.get("section", ""),
        url=meta["url"],
        text=meta.get("body", ""),
    )
