"""Admin CLI for the knowledge base.

    python -m knowledge sync            # index the help-centre folder (incremental)
    python -m knowledge search "how do I reset my password"
    python -m knowledge list
    python -m knowledge stats

Settings come from the environment (README); errors print one line and exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from knowledge.documents import DocumentError, load_folder
from knowledge.factory import build_store
from knowledge.settings import KnowledgeSettings, SettingsError

ROOT = Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = KnowledgeSettings.from_env(os.environ, ROOT)
        return int(args.run(args, settings))
    except (SettingsError, DocumentError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    sync = commands.add_parser("sync", help="index the help-centre folder; only changes are embedded")
    sync.add_argument("folder", nargs="?", type=Path, help="default: $HELPCENTRE_DIR")
    sync.set_defaults(run=_sync)
    search = commands.add_parser("search", help="show the ranked chunks and scores for a question")
    search.add_argument("question")
    search.add_argument("-k", type=_positive, default=5)
    search.set_defaults(run=_search)
    commands.add_parser("list", help="list indexed documents").set_defaults(run=_list)
    commands.add_parser("stats", help="document and chunk counts (JSON)").set_defaults(run=_stats)
    return parser


def _positive(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError("must be between 1 and 100")
    return value


def _sync(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    folder = args.folder or settings.helpcentre_dir
    started = time.perf_counter()
    articles = load_folder(folder)
    store = build_store(settings)
    report = store.sync(articles, progress=lambda what, doc: print(f"  {what:8} {doc}", flush=True))
    print(f"synced {folder}: {report.summary()} in {time.perf_counter() - started:.1f} s")
    return 0


def _search(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    for rank, hit in enumerate(build_store(settings).search(args.question, k=args.k), start=1):
        where = f"{hit.chunk.title} > {hit.chunk.section}" if hit.chunk.section else hit.chunk.title
        print(f"{rank}. {hit.score:.3f}  {where}  ({hit.chunk.url})")
        print(f"   {hit.chunk.text[:160].replace(chr(10), ' ')}")
    return 0


def _list(_: argparse.Namespace, settings: KnowledgeSettings) -> int:
    for doc_id, fingerprint in sorted(build_store(settings).indexed().items()):
        print(f"{fingerprint[:12]}  {doc_id}")
    return 0


def _stats(_: argparse.Namespace, settings: KnowledgeSettings) -> int:
    store = build_store(settings)
    print(json.dumps({"documents": len(store.indexed()), "chunks": store.count()}))
    return 0
