"""Knowledge stores for tests: the real Chroma engine, in a temporary folder.

`helpcentre_store()` indexes the sample help centre with the real offline
embeddings once per test process (about 20 s on 2 cores) and is shared.
`small_store()` uses deterministic fake embeddings for tests of sync logic.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from langchain_core.embeddings import DeterministicFakeEmbedding

from knowledge.documents import load_folder
from knowledge.embeddings import MiniLMEmbeddings
from knowledge.retrieval import HybridRetriever
from knowledge.store import KnowledgeStore, make_chroma_client

ROOT = Path(__file__).resolve().parents[2]
HELPCENTRE = ROOT / "knowledge" / "helpcentre"


class CountingFakeEmbeddings(DeterministicFakeEmbedding):
    """Deterministic vectors, and a count of texts embedded (like MiniLMEmbeddings)."""

    texts_embedded: int = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.texts_embedded += len(texts)
        return super().embed_documents(texts)


@functools.cache
def helpcentre_store() -> KnowledgeStore:
    folder = tempfile.mkdtemp(prefix="helpcentre-chroma-")
    store = KnowledgeStore(make_chroma_client(path=folder), MiniLMEmbeddings())
    store.sync(load_folder(HELPCENTRE))
    return store


@functools.cache
def helpcentre_retriever() -> HybridRetriever:
    """The product's retriever over the sample help centre (shares helpcentre_store)."""
    return HybridRetriever(helpcentre_store())


def small_store(path: Path) -> tuple[KnowledgeStore, CountingFakeEmbeddings]:
    embeddings = CountingFakeEmbeddings(size=32)
    return KnowledgeStore(make_chroma_client(path=path), embeddings), embeddings
