"""Benchmark: re-sync of an unchanged corpus against its first full index, in one run.

    python -m knowledge.evaluation.bench_sync ../shared/data/retrieval/emanual

Last line: {"set", "documents", "full_index_seconds", "resync_seconds", "resync_embedded", "ratio"}.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from knowledge.embeddings import MiniLMEmbeddings
from knowledge.evaluation.beir import EvaluationError, load_beir
from knowledge.runtime import configure_cpu
from knowledge.store import KnowledgeStore, make_chroma_client


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge.evaluation.bench_sync")
    parser.add_argument("set", type=Path)
    args = parser.parse_args(argv)
    try:
        articles = load_beir(args.set).articles()
    except EvaluationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    configure_cpu()
    embeddings = MiniLMEmbeddings()
    with tempfile.TemporaryDirectory() as workdir:
        store = KnowledgeStore(make_chroma_client(path=workdir), embeddings, collection="bench")
        started = time.perf_counter()
        store.sync(articles)
        full = time.perf_counter() - started
        before = embeddings.texts_embedded
        # A new process would open the index afresh: so does the timed re-sync.
        reopened = KnowledgeStore(make_chroma_client(path=workdir), embeddings, collection="bench")
        started = time.perf_counter()
        report = reopened.sync(articles)
        again = time.perf_counter() - started
    result = {
        "set": args.set.name,
        "documents": len(articles),
        "full_index_seconds": round(full, 2),
        "resync_seconds": round(again, 3),
        "resync_embedded": embeddings.texts_embedded - before,
        "resync_changed": report.changed,
        "ratio": round(again / full, 4),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
