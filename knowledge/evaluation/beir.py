"""A BEIR-format evaluation set: corpus.jsonl, queries.jsonl, qrels/test.tsv.

Queries with no qrels row are unanswerable from the corpus: the right behaviour
is to decline. Errors name the file and line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge.documents import Article


class EvaluationError(ValueError):
    """The set is malformed; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class BeirSet:
    name: str
    corpus: dict[str, tuple[str, str]]  # doc id -> (title, text)
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]  # query id -> {doc id: relevance}

    @property
    def answerable(self) -> list[str]:
        return [q for q in self.queries if q in self.qrels]

    @property
    def unanswerable(self) -> list[str]:
        return [q for q in self.queries if q not in self.qrels]

    def articles(self) -> list[Article]:
        """The corpus as help-centre articles, so it goes through the product's own ingestion."""
        return [
            Article(doc_id=doc_id, title=title.strip() or doc_id, url=doc_id, body=text)
            for doc_id, (title, text) in self.corpus.items()
        ]


def load_beir(folder: Path) -> BeirSet:
    if not folder.is_dir():
        raise EvaluationError(
            f"{folder}: not a folder (expected corpus.jsonl, queries.jsonl, qrels/test.tsv)"
        )
    corpus = {
        row["_id"]: (str(row.get("title") or ""), str(row["text"]))
        for row in _jsonl(folder / "corpus.jsonl", ("_id", "text"))
    }
    queries = {row["_id"]: str(row["text"]) for row in _jsonl(folder / "queries.jsonl", ("_id", "text"))}
    qrels = _qrels(folder / "qrels" / "test.tsv", corpus, queries)
    return BeirSet(folder.name, corpus, queries, qrels)


def _jsonl(path: Path, keys: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise EvaluationError(f"{path}: missing")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise EvaluationError(f"{path}:{number}: not valid JSON") from None
        if not isinstance(row, dict) or any(not isinstance(row.get(k), str) for k in keys):
            raise EvaluationError(f"{path}:{number}: needs string fields {', '.join(keys)}")
        rows.append(row)
    return rows


def _qrels(path: Path, corpus: Mapping[str, object], queries: Mapping[str, str]) -> dict[str, dict[str, int]]:
    if not path.is_file():
        raise EvaluationError(f"{path}: missing")
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if number == 1 and row[:1] == ["query-id"]:
                continue
            if len(row) != 3 or not row[2].strip().lstrip("-").isdigit():
                raise EvaluationError(f"{path}:{number}: expected query-id<TAB>corpus-id<TAB>score")
            query, doc, score = row[0], row[1], int(row[2])
            if query not in queries or doc not in corpus:
                raise EvaluationError(f"{path}:{number}: unknown query {query!r} or document {doc!r}")
            if score > 0:
                qrels.setdefault(query, {})[doc] = score
    return qrels
