"""A sync that dies half way leaves the previous index answering; the next one finishes."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.documents import Article
from knowledge.retrieval import HybridRetriever
from tests.fakes.stores import CountingFakeEmbeddings, small_store


class Exploding(CountingFakeEmbeddings):
    """Fails on the n-th embedding call, like a process killed mid-sync."""

    fail_on_call: int = 2
    calls: int = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise RuntimeError("killed mid-sync")
        return super().embed_documents(texts)


def article(n: int, version: str) -> Article:
    return Article(
        doc_id=f"a{n}.md", title=f"Article {n}", url=f"https://h/a{n}", body=f"{version} text {n}."
    )


def test_an_interrupted_sync_keeps_every_article_answerable(tmp_path: Path) -> None:
    store, _ = small_store(tmp_path)
    old = [article(n, "old") for n in range(6)]
    store.sync(old)
    from knowledge.store import KnowledgeStore, make_chroma_client

    exploding = Exploding(size=32)
    broken = KnowledgeStore(make_chroma_client(path=tmp_path), exploding)
    new = [article(n, "new") for n in range(6)]
    with pytest.raises(RuntimeError, match="killed"):
        broken.sync(new, batch_size=2)  # the second batch fails

    hits = HybridRetriever(broken).search("text", k=10)
    assert {hit.chunk.doc_id for hit in hits} == {f"a{n}.md" for n in range(6)}

    report = broken.sync(new, batch_size=2)  # the next sync completes the job
    assert report.chunks_embedded > 0
    texts = {hit.chunk.text for hit in HybridRetriever(broken).search("text", k=10)}
    assert texts == {f"new text {n}." for n in range(6)}
    assert set(broken.indexed()) == {f"a{n}.md" for n in range(6)}
    again = broken.sync(new)
    assert not again.changed and again.chunks_embedded == 0
