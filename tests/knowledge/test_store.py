"""Incremental sync on the real Chroma engine (deterministic fake embeddings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.documents import Article
from knowledge.store import make_chroma_client
from tests.fakes.stores import small_store


def doc(doc_id: str, body: str) -> Article:
    return Article(doc_id=doc_id, title=doc_id.upper(), url=f"https://h/{doc_id}", body=body)


DOCS = [doc("a", "## One\n\nAlpha.\n\n## Two\n\nBeta."), doc("b", "Gamma."), doc("c", "Delta.")]


def test_first_sync_adds_everything(tmp_path: Path) -> None:
    store, embeddings = small_store(tmp_path)
    report = store.sync(DOCS)
    assert sorted(report.added) == ["a", "b", "c"]
    # one entry per chunk plus one per title
    assert report.chunks_embedded == embeddings.texts_embedded == 7
    assert store.count() == 7


def test_a_second_sync_changes_nothing_and_embeds_nothing(tmp_path: Path) -> None:
    store, embeddings = small_store(tmp_path)
    store.sync(DOCS)
    before = embeddings.texts_embedded
    report = store.sync(DOCS)
    assert not report.changed and report.chunks_embedded == 0
    assert embeddings.texts_embedded == before
    assert sorted(report.unchanged) == ["a", "b", "c"]


def test_a_changed_document_is_replaced_and_a_removed_one_disappears(tmp_path: Path) -> None:
    store, embeddings = small_store(tmp_path)
    store.sync(DOCS)
    before = embeddings.texts_embedded
    report = store.sync([doc("a", "## One\n\nAlpha, revised."), DOCS[1]])
    assert (report.updated, report.removed, report.unchanged) == (["a"], ["c"], ["b"])
    assert embeddings.texts_embedded - before == 2  # only the changed article: its chunk and title
    assert store.count() == 4
    texts = {hit.chunk.text for hit in store.search("anything", k=10)}
    assert texts == {"Alpha, revised.", "Gamma."}


def test_the_index_survives_a_restart(tmp_path: Path) -> None:
    store, _ = small_store(tmp_path)
    store.sync(DOCS)
    reopened, embeddings = small_store(tmp_path)
    assert reopened.indexed().keys() == {"a", "b", "c"}
    assert not reopened.sync(DOCS).changed and embeddings.texts_embedded == 0


def test_search_on_an_empty_index_returns_nothing(tmp_path: Path) -> None:
    store, _ = small_store(tmp_path)
    assert store.search("hello") == []


def test_hits_carry_citation_fields(tmp_path: Path) -> None:
    store, _ = small_store(tmp_path)
    store.sync(DOCS[1:2])
    hit = store.search("Gamma.", k=1)[0]
    assert (hit.chunk.doc_id, hit.chunk.title, hit.chunk.url, hit.chunk.text) == (
        "b",
        "B",
        "https://h/b",
        "Gamma.",
    )
    assert -1.0 <= hit.score <= 1.0


def test_exactly_one_of_path_or_host() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        make_chroma_client()
    with pytest.raises(ValueError, match="exactly one"):
        make_chroma_client(path="x", host="y")
