"""Admin CLI for the knowledge base.

    python -m knowledge sync [FOLDER]              # index the help-centre folder (only changes are embedded)
    python -m knowledge sync --url https://help.example.com/sitemap.xml   # crawl a site (same host only)
    python -m knowledge search "how do I reset my password"                # ranked passages and scores
    python -m knowledge list | stats
    python -m knowledge remove DOC_ID

Settings come from the environment (README). Errors print one line and exit 2;
a sync that skipped unreadable files names them and exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from tqdm import tqdm

from knowledge.crawl import CrawlOptions, crawl_site
from knowledge.documents import DocumentError, load_folder
from knowledge.factory import build_store
from knowledge.retrieval import HybridRetriever
from knowledge.runtime import configure_cpu
from knowledge.settings import KnowledgeSettings, SettingsError
from knowledge.store import KnowledgeStore, SyncReport, is_file_id, within_site

ROOT = Path(__file__).resolve().parent.parent
MAX_QUESTION_CHARS = 4000  # as a customer's message (WEBCHAT_MAX_MESSAGE_CHARS)
MAX_URL_CHARS = 2000  # a start page, or a document id (a crawled page's id is its URL)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_cpu()
    try:
        settings = KnowledgeSettings.from_env(os.environ, ROOT)
        return int(args.run(args, settings))
    except (SettingsError, DocumentError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge", description="Admin CLI for the knowledge base."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    sync = commands.add_parser(
        "sync", help="index the help-centre folder or a website; only changes are embedded"
    )
    sync.add_argument("folder", nargs="?", type=Path, help="default: $HELPCENTRE_DIR")
    sync.add_argument(
        "--url",
        type=_text(MAX_URL_CHARS),
        help="crawl this start page or sitemap instead of a folder (same host only)",
    )
    sync.add_argument("--max-pages", type=_count(1, 100_000), default=500, help="crawl limit (default 500)")
    sync.add_argument("--concurrency", type=_count(1, 16), default=2, help="parallel requests (default 2)")
    sync.add_argument("--quiet", action="store_true", help="no progress bar")
    sync.set_defaults(run=_sync)
    search = commands.add_parser("search", help="show the ranked passages and their scores for a question")
    search.add_argument("question", type=_text(MAX_QUESTION_CHARS))
    search.add_argument("-k", type=_count(1, 100), default=5)
    search.set_defaults(run=_search)
    commands.add_parser("list", help="list indexed documents").set_defaults(run=_list)
    commands.add_parser("stats", help="document and entry counts (JSON)").set_defaults(run=_stats)
    remove = commands.add_parser("remove", help="remove one document from the index")
    remove.add_argument("doc_id", type=_text(MAX_URL_CHARS))
    remove.set_defaults(run=_remove)
    return parser


def _text(limit: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if len(raw) > limit:
            raise argparse.ArgumentTypeError(f"at most {limit} characters, got {len(raw)}")
        return raw

    return parse


def _count(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {raw!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def _sync(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    started = time.perf_counter()
    store = build_store(settings)
    if args.url:
        report, problems, source = _sync_site(args, store)
    else:
        report, problems, source = _sync_folder(args, store, args.folder or settings.helpcentre_dir)
    for problem in problems:
        print(f"skipped: {problem}", file=sys.stderr)
    print(f"synced {source}: {report.summary()} in {time.perf_counter() - started:.1f} s")
    return 1 if problems else 0


def _sync_folder(
    args: argparse.Namespace, store: KnowledgeStore, folder: Path
) -> tuple[SyncReport, list[str], str]:
    failed: dict[str, str] = {}
    articles = load_folder(folder, on_error=lambda doc_id, error: failed.__setitem__(doc_id, str(error)))
    with _progress(args.quiet) as progress:
        # A file that fails to parse keeps its previous version in the index.
        report = store.sync(articles, progress=progress, scope=lambda d: is_file_id(d) and d not in failed)
    return report, list(failed.values()), str(folder)


def _sync_site(args: argparse.Namespace, store: KnowledgeStore) -> tuple[SyncReport, list[str], str]:
    options = CrawlOptions(max_pages=args.max_pages, concurrency=args.concurrency)
    result = crawl_site(args.url, options)
    parts = urlsplit(args.url)
    problems = [f"{issue.url}: {issue.reason}" for issue in result.errors]
    if not result.articles:
        raise ValueError(
            f"nothing to index from {args.url} ({len(result.errors)} errors); the index is unchanged"
        )
    with _progress(args.quiet) as progress:
        report = store.sync(
            result.articles, progress=progress, scope=within_site(f"{parts.scheme}://{parts.netloc}")
        )
    return report, problems, args.url


class _progress:
    """A tqdm bar over the articles a sync embeds; silent when nothing changes."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: tqdm | None = None

    def __enter__(self) -> _progress:
        return self

    def __call__(self, what: str, doc_id: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.bar is None:
            self.bar = tqdm(total=total, unit="doc", desc="embedding", file=sys.stderr)
        self.bar.set_postfix_str(f"{what} {doc_id}"[-40:], refresh=False)
        self.bar.n = done
        self.bar.refresh()

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def _search(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    hits = HybridRetriever(build_store(settings)).search(args.question, k=args.k)
    for rank, hit in enumerate(hits, start=1):
        where = f"{hit.chunk.title} > {hit.chunk.section}" if hit.chunk.section else hit.chunk.title
        print(f"{rank}. {hit.score:.3f}  {where}  ({hit.chunk.url})")
        print(
            f"   fused {hit.fused:+.2f}  bm25 {hit.lexical:.2f}  {hit.chunk.text[:140].replace(chr(10), ' ')}"
        )
    return 0


def _list(_: argparse.Namespace, settings: KnowledgeSettings) -> int:
    for doc_id, fingerprint in sorted(build_store(settings).indexed().items()):
        print(f"{fingerprint.split(':')[-1][:12] or 'interrupted':12}  {doc_id}")
    return 0


def _stats(_: argparse.Namespace, settings: KnowledgeSettings) -> int:
    store = build_store(settings)
    print(json.dumps({"documents": len(store.indexed()), "entries": store.count()}))
    return 0


def _remove(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    store = build_store(settings)
    if args.doc_id not in store.indexed():
        print(f"error: {args.doc_id} is not in the index (see `python -m knowledge list`)", file=sys.stderr)
        return 2
    store.remove(args.doc_id)
    print(f"removed {args.doc_id}")
    if is_file_id(args.doc_id) and (settings.helpcentre_dir / args.doc_id).exists():
        print(f"note: {settings.helpcentre_dir / args.doc_id} still exists and returns on the next sync")
    return 0
