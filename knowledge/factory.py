"""Assembly: build the store and the answer composer from settings.

The only place that decides which concrete clients are used, so tests and the
CLI can inject their own (a Chroma client, fake embeddings, a chat model).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import chromadb
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.chat_models import BaseChatModel

from knowledge.answers import Composer, ExtractiveComposer
from knowledge.embeddings import MiniLMEmbeddings
from knowledge.llm import LLMComposer
from knowledge.settings import KnowledgeSettings, OpenAISettings
from knowledge.store import KnowledgeStore, make_chroma_client


def build_store(settings: KnowledgeSettings, embeddings: Embeddings | None = None) -> KnowledgeStore:
    client: chromadb.ClientAPI | Callable[[], chromadb.ClientAPI]
    if settings.chroma_host is not None:  # a server may be down now: connect on first use, retry later
        client = functools.partial(make_chroma_client, host=settings.chroma_host, port=settings.chroma_port)
    else:
        client = make_chroma_client(path=settings.chroma_path)
    openai = settings.openai
    if embeddings is None and openai is not None and openai.embedding_model:
        # Vectors of different models cannot share a collection (nor a dimension).
        collection = f"{settings.collection}-{_slug(openai.embedding_model)}"
        embedder = build_openai_embeddings(openai)
        if settings.redaction.kinds:  # the question goes to OpenAI to be embedded: redact it first
            embedder = RedactedQueries(embedder, settings.redaction.redactor.redact)
        return KnowledgeStore(client, embedder, collection)
    return KnowledgeStore(client, embeddings or MiniLMEmbeddings(), settings.collection)


def build_openai_embeddings(settings: OpenAISettings) -> Embeddings:
    from langchain_openai import OpenAIEmbeddings
    from pydantic import SecretStr

    return OpenAIEmbeddings(
        model=settings.embedding_model or "text-embedding-3-small",
        api_key=SecretStr(settings.api_key.reveal()),
        base_url=settings.base_url,
        timeout=settings.timeout,
        max_retries=2,
        check_embedding_ctx_length=False,  # tiktoken would fetch its vocabulary from the network
    )


class RedactedQueries(Embeddings):
    """Embeddings whose queries (customer text) are redacted; documents (the help centre) are not."""

    def __init__(self, inner: Embeddings, redact: Callable[[str], str]) -> None:
        self.inner, self.redact = inner, redact

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(self.redact(text))


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower())[:40]


def build_composer(settings: KnowledgeSettings, max_chars: int = 700) -> Composer:
    extractive = ExtractiveComposer(max_chars=max_chars)
    if settings.openai is None:
        return extractive
    redact = settings.redaction.redactor.redact
    return LLMComposer(chat=build_chat_model(settings.openai), fallback=extractive, redact=redact)


def build_chat_model(settings: OpenAISettings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(
        model=settings.model,
        api_key=SecretStr(settings.api_key.reveal()),
        base_url=settings.base_url,
        timeout=settings.timeout,
        max_retries=1,
        temperature=0,
    )
