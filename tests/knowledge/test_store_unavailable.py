"""The index can't be reached: the catalog loaded last keeps answering, or the bot says it can't look.

A real Chroma engine in a temporary folder stands behind a client factory that
fails while the "server" is down; a store subclass fails its reads on demand.
The real Chroma server, killed and restarted, is in tests/e2e/test_faults.py.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from knowledge.answers import Answer, ExtractiveComposer
from knowledge.documents import Article
from knowledge.factory import build_store
from knowledge.retrieval import HybridRetriever
from knowledge.service import KnowledgeService
from knowledge.settings import KnowledgeSettings
from knowledge.store import KnowledgeStore, StoreUnavailable, make_chroma_client

DOCS = [
    Article("tv.md", "Picture settings", "https://h/tv", "## HDMI-CEC\n\nTurn on Anynet+ (HDMI-CEC)."),
    Article("phone.md", "Battery", "https://h/phone", "## Charging\n\nFast charging needs 25W."),
]


class Embeddings(DeterministicFakeEmbedding):
    fail: bool = False

    def embed_query(self, text: str) -> list[float]:
        if self.fail:
            raise ConnectionError("embedding service unreachable")
        return super().embed_query(text)


class Server:
    """Makes Chroma clients for a folder, or fails like chromadb does while the server is down."""

    def __init__(self, path: Path) -> None:
        self.path, self.down, self.attempts = path, True, 0

    def __call__(self) -> object:
        self.attempts += 1
        if self.down:
            raise ValueError("Could not connect to a Chroma server. Are you sure it is running?")
        return make_chroma_client(path=self.path)


class FlakyStore(KnowledgeStore):
    """Reads fail while `down`, as they do when the Chroma server goes away after the store connected."""

    down = False
    reads = 0

    def generation(self) -> str:
        self._read()
        return super().generation()

    def entries(self) -> tuple[list[str], list[dict], list[list[float]]]:
        self._read()
        return super().entries()

    def _read(self) -> None:
        self.reads += 1
        if self.down:
            raise ConnectionError("[Errno 111] Connection refused")


def indexed(path: Path) -> None:
    KnowledgeStore(make_chroma_client(path=path), Embeddings(size=32)).sync(DOCS)


def test_a_store_built_while_the_server_is_down_connects_when_it_is_back(tmp_path: Path) -> None:
    indexed(tmp_path)
    server, now = Server(tmp_path), [0.0]
    store = KnowledgeStore(server, Embeddings(size=32))  # type: ignore[arg-type]  # no error: not used yet
    retriever = HybridRetriever(store, clock=lambda: now[0], retry_seconds=5)
    with pytest.raises(StoreUnavailable, match="cannot be reached.*Could not connect"):
        retriever.search("Anynet+")
    now[0] = 3.0
    with pytest.raises(StoreUnavailable, match="a moment ago"):
        retriever.search("Anynet+")
    assert server.attempts == 1  # declined at once meanwhile: no connection attempt per question

    server.down, now[0] = False, 6.0
    assert retriever.search("Anynet+", k=1)[0].chunk.doc_id == "tv.md"


def test_the_catalog_loaded_last_keeps_answering_while_the_store_is_unreachable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    KnowledgeStore(make_chroma_client(path=tmp_path), Embeddings(size=32)).sync(DOCS[:1])
    store, now = FlakyStore(make_chroma_client(path=tmp_path), Embeddings(size=32)), [0.0]
    retriever = HybridRetriever(store, refresh_seconds=30, clock=lambda: now[0])
    assert [h.chunk.doc_id for h in retriever.search("Anynet+")] == ["tv.md"]

    store.down = True
    KnowledgeStore(make_chroma_client(path=tmp_path), Embeddings(size=32)).sync(DOCS)  # changed meanwhile
    now[0] = 31.0
    with caplog.at_level(logging.WARNING, logger="knowledge.retrieval"):
        assert [h.chunk.doc_id for h in retriever.search("Anynet+")] == ["tv.md"]
    assert "answering from the copy loaded before" in caplog.text and "Connection refused" in caplog.text
    reads = store.reads
    now[0] = 50.0
    retriever.search("Anynet+")
    assert store.reads == reads  # tried again only after refresh_seconds, not on every question

    store.down, now[0] = False, 62.0
    assert {h.chunk.doc_id for h in retriever.search("charging", k=5)} == {"tv.md", "phone.md"}


def test_a_question_that_cannot_be_embedded_cannot_be_looked_up(tmp_path: Path) -> None:
    indexed(tmp_path)
    embeddings = Embeddings(size=32)
    retriever = HybridRetriever(KnowledgeStore(make_chroma_client(path=tmp_path), embeddings))
    assert retriever.search("Anynet+")
    embeddings.fail = True
    with pytest.raises(StoreUnavailable, match="could not be embedded.*ConnectionError"):
        retriever.search("Anynet+")


def test_the_service_says_it_cannot_look_up_instead_of_guessing(tmp_path: Path) -> None:
    server = Server(tmp_path)
    service = KnowledgeService(
        HybridRetriever(KnowledgeStore(server, Embeddings(size=32))),  # type: ignore[arg-type]
        ExtractiveComposer(),
        min_score=0.0,
    )
    answer = service.answer("Anynet+")
    assert answer == Answer.cannot_look_up()
    assert answer.unavailable and not answer.grounded and answer.mode == "none"

    indexed(tmp_path)
    server.down = False
    service.retriever.retry_seconds = 0  # type: ignore[attr-defined]
    answer = service.answer("Anynet+")
    assert answer.grounded and not answer.unavailable


def test_a_chroma_server_that_is_not_running_is_reported_on_use_not_at_build() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = KnowledgeSettings.from_env({"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(port)}, Path("/x"))
    store = build_store(settings, Embeddings(size=32))
    with pytest.raises(ValueError, match="Could not connect to a Chroma server"):
        store.count()
    with pytest.raises(StoreUnavailable):
        HybridRetriever(store).search("Anynet+")
