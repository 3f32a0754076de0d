"""Re-syncing an unchanged third-party corpus (emanual, 712 sections) embeds nothing.

The time it takes is reported by `make bench-sync`, not asserted here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.evaluation.beir import load_beir
from tests.fakes.stores import ROOT, small_store

EMANUAL = ROOT.parent / "shared" / "data" / "retrieval" / "emanual"


@pytest.mark.skipif(not EMANUAL.is_dir(), reason=f"evaluation data not found at {EMANUAL}")
def test_an_unchanged_corpus_costs_no_embedding(tmp_path: Path) -> None:
    articles = load_beir(EMANUAL).articles()
    store, embeddings = small_store(tmp_path)
    first = store.sync(articles)
    assert len(first.added) + len(first.skipped) == len(articles)
    before = embeddings.texts_embedded
    again = store.sync(articles)
    assert not again.changed
    assert again.chunks_embedded == 0 and embeddings.texts_embedded == before
