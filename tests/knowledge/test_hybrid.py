"""The hybrid retriever on the real Chroma engine with deterministic fake embeddings.

Fake vectors carry no meaning, so these tests pin the mechanics (lexical
matches, titles, one hit per document, refresh after changes); retrieval
quality is measured with the real model in test_retrieval.py and the benchmarks.
"""

from __future__ import annotations

from pathlib import Path

from knowledge.documents import Article
from knowledge.retrieval import HybridRetriever
from tests.fakes.stores import small_store


def doc(doc_id: str, title: str, body: str) -> Article:
    return Article(doc_id=doc_id, title=title, url=f"https://h/{doc_id}", body=body)


DOCS = [
    doc(
        "tv.md",
        "Picture settings",
        "## Brightness\n\nOpen Settings and choose Picture Mode.\n\n"
        "## HDMI-CEC\n\nTurn on Anynet+ (HDMI-CEC).",
    ),
    doc("phone.md", "Battery", "## Charging\n\nUse the supplied charger. Fast charging needs 25W."),
    doc("bixby.md", "Meet Bixby", "Bixby learns what you like to do."),
]


def test_an_exact_rare_term_finds_its_document_and_section(tmp_path: Path) -> None:
    store, _ = small_store(tmp_path)
    store.sync(DOCS)
    hits = HybridRetriever(store).search("how do I enable Anynet+", k=3)
    assert hits[0].chunk.doc_id == "tv.md"
    assert hits[0].chunk.section == "HDMI-CEC"
    assert hits[0].lexical > 0


def test_one_hit_per_document_with_scores(tmp_path: Path) -> None:
    store, _ = small_store(tmp_path)
    store.sync(DOCS)
    hits = HybridRetriever(store).search("settings", k=10)
    assert sorted(hit.chunk.doc_id for hit in hits) == ["bixby.md", "phone.md", "tv.md"]
    assert all(-1.0 <= hit.score <= 1.0 for hit in hits)
    assert [hit.fused for hit in hits] == sorted((hit.fused for hit in hits), reverse=True)


def test_changes_through_the_store_are_seen_at_once(tmp_path: Path) -> None:
    store, _ = small_store(tmp_path)
    store.sync(DOCS[:1])
    retriever = HybridRetriever(store)
    assert {h.chunk.doc_id for h in retriever.search("charger", k=5)} == {"tv.md"}
    store.sync(DOCS)
    assert retriever.search("fast charging charger", k=1)[0].chunk.doc_id == "phone.md"


def test_changes_by_another_process_are_seen_after_the_refresh_interval(tmp_path: Path) -> None:
    reader, _ = small_store(tmp_path)
    writer, _ = small_store(tmp_path)  # another process would hold its own store
    now = [0.0]
    writer.sync(DOCS[:1])
    retriever = HybridRetriever(reader, refresh_seconds=30, clock=lambda: now[0])
    assert len(retriever.search("anything", k=5)) == 1
    writer.sync(DOCS)
    now[0] = 10.0
    assert len(retriever.search("anything", k=5)) == 1  # not yet looked
    now[0] = 31.0
    assert len(retriever.search("anything", k=5)) == 3


def test_an_empty_index_returns_nothing(tmp_path: Path) -> None:
    store, _ = small_store(tmp_path)
    assert HybridRetriever(store).search("hello") == []
