"""The action server starts when the Chroma server is down, and says so in its log."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from actions.server import warm_up
from knowledge.answers import ExtractiveComposer
from knowledge.documents import Article
from knowledge.factory import build_store
from knowledge.retrieval import HybridRetriever
from knowledge.service import KnowledgeService
from knowledge.settings import KnowledgeSettings
from knowledge.store import KnowledgeStore


class Embeddings(DeterministicFakeEmbedding):
    queries: int = 0

    def embed_query(self, text: str) -> list[float]:
        self.queries += 1
        return super().embed_query(text)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service(settings: KnowledgeSettings, embeddings: Embeddings) -> tuple[KnowledgeService, KnowledgeStore]:
    store = build_store(settings, embeddings)
    return KnowledgeService(HybridRetriever(store), ExtractiveComposer(), min_score=0.0), store


def test_warm_up_tolerates_an_unreachable_chroma_server(caplog: pytest.LogCaptureFixture) -> None:
    settings = KnowledgeSettings.from_env(
        {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(closed_port())}, Path("/x")
    )
    embeddings = Embeddings(size=16)
    knowledge, store = service(settings, embeddings)
    with caplog.at_level(logging.WARNING, logger="actions.server"):
        assert warm_up(knowledge, store) is None
    assert "can't be reached" in caplog.text
    assert embeddings.queries == 1  # the model is loaded all the same, so recovery is quick


def test_warm_up_loads_the_catalog_and_counts_the_index(tmp_path: Path) -> None:
    settings = KnowledgeSettings.from_env({"CHROMA_PATH": str(tmp_path)}, tmp_path)
    knowledge, store = service(settings, Embeddings(size=16))
    store.sync([Article("a.md", "A", "https://h/a", "## One\n\nSome text.")])
    assert warm_up(knowledge, store) == 2  # the section and the title


def test_rasas_calls_are_read_with_orjson_and_nan_still_reads() -> None:
    from actions.server import _loads

    assert _loads(b'{"tracker": {"events": [{"confidence": 0.9999994106163451}]}}') == {
        "tracker": {"events": [{"confidence": 0.9999994106163451}]}
    }
    value = _loads('{"confidence": NaN}')  # json.dumps and ujson write it; orjson refuses it
    assert value["confidence"] != value["confidence"]
