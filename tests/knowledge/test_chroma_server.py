"""Retrieval against a Chroma server (`chroma run`) on loopback, as at scale."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.documents import load_folder
from knowledge.embeddings import MiniLMEmbeddings
from knowledge.factory import build_store
from knowledge.retrieval import HybridRetriever
from knowledge.settings import KnowledgeSettings
from tests.fakes.stores import HELPCENTRE, CountingFakeEmbeddings

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not CHROMA.exists() and shutil.which("chroma") is None:
        pytest.skip("the chroma CLI is not installed")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    server = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    yield port
    server.terminate()
    server.wait(10)


def test_sync_and_hybrid_search_through_a_chroma_server(chroma_port: int) -> None:
    settings = KnowledgeSettings.from_env(
        {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_port)}, Path("/unused")
    )
    store = build_store(settings, MiniLMEmbeddings())
    articles = load_folder(HELPCENTRE)
    assert len(store.sync(articles).added) == len(articles)
    hits = HybridRetriever(store).search("two-factor authentication recovery codes", k=3)
    assert hits[0].chunk.doc_id == "two-factor-authentication.md"

    counting = CountingFakeEmbeddings(size=384)
    second = build_store(settings, counting)  # another replica sees the same index
    report = second.sync(articles)
    assert not report.changed and report.chunks_embedded == counting.texts_embedded == 0
