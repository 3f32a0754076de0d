"""Help-centre articles: from a folder of files, an upload or a crawled page.

    articles = load_folder(Path("knowledge/helpcentre"))
    article = parse_document("billing/refunds.pdf", data)

Markdown (with optional front matter), plain text, HTML and PDF are read by the
loaders in `knowledge.loaders`, chosen by the file's suffix. Whatever the type,
an `Article` body is Markdown-like text whose `## `/`### ` headings chunking
splits at. Without a title of its own an article is named after its file, and
without an address of its own its citation points to its doc_id.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from knowledge.loaders.base import Parsed, Unreadable
from knowledge.loaders.html import parse_html
from knowledge.loaders.markdown import parse_markdown
from knowledge.loaders.pdf import parse_pdf
from knowledge.loaders.text import parse_text

MAX_BYTES = 20 * 1024 * 1024

Loader = Callable[[bytes, str], Parsed]
_LOADERS: dict[str, Loader] = {
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".txt": parse_text,
    ".html": parse_html,
    ".htm": parse_html,
    ".pdf": parse_pdf,
}
SUPPORTED_SUFFIXES = tuple(_LOADERS)
_HEADING_LINE = re.compile(r"^#{1,6}\s")


class DocumentError(ValueError):
    """A document cannot be read; the one-line message starts with its doc_id and says why."""


OnError = Callable[[str, DocumentError], None]


@dataclass(frozen=True)
class Article:
    doc_id: str  # path relative to the help-centre folder (forward slashes), or a crawled page's URL
    title: str
    url: str  # where a citation links to
    body: str  # Markdown-like text without front matter
    updated: str = ""

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything that is indexed changes."""
        digest = hashlib.sha256()
        for part in (self.title, self.url, self.updated, self.body):
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        return digest.hexdigest()


def load_folder(folder: Path, on_error: OnError | None = None) -> list[Article]:
    """Every supported file under `folder`, sorted by id so runs are repeatable.

    A broken file raises DocumentError, unless `on_error(doc_id, error)` is
    given: then it is told, and the file is left out.
    """
    if not folder.is_dir():
        raise DocumentError(f"help-centre folder not found: {folder}")
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
    articles = []
    for path in paths:
        try:
            articles.append(load_file(path, folder))
        except DocumentError as error:
            if on_error is None:
                raise
            on_error(_doc_id(path, folder), error)
    return articles


def load_file(path: Path, root: Path, *, max_bytes: int = MAX_BYTES) -> Article:
    doc_id = _doc_id(path, root)
    try:
        size = path.stat().st_size
        if size > max_bytes:  # refused before it is read into memory
            raise DocumentError(_too_large(doc_id, size, max_bytes))
        data = path.read_bytes()
    except OSError as error:
        raise DocumentError(f"{doc_id}: cannot be read ({error.strerror or error})") from None
    return parse_document(doc_id, data, max_bytes=max_bytes)


def parse_document(
    doc_id: str, data: bytes, *, max_bytes: int = MAX_BYTES, suffix: str | None = None
) -> Article:
    """Parse one document's bytes by its file type; DocumentError names the problem.

    The single entry point for files from the folder, admin uploads, crawled
    pages and tests. `suffix` gives the type when `doc_id` has none (a crawled
    URL such as https://help.example/refunds served as text/html: ".html").
    """
    kind = (suffix or Path(doc_id).suffix).lower()
    loader = _LOADERS.get(kind)
    if loader is None:
        raise DocumentError(
            f"{doc_id}: unsupported file type {kind or '(none)'}; use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if len(data) > max_bytes:
        raise DocumentError(_too_large(doc_id, len(data), max_bytes))
    if not data.strip():
        raise DocumentError(f"{doc_id}: empty file")
    try:
        parsed = loader(data, doc_id)
    except Unreadable as error:
        raise DocumentError(f"{doc_id}: {error}") from None
    if not parsed.body:
        raise DocumentError(f"{doc_id}: no text to index")
    if not any(line.strip() and not _HEADING_LINE.match(line) for line in parsed.body.splitlines()):
        # Chunks hold section text; an article of headings alone would be "synced" yet unfindable.
        raise DocumentError(f"{doc_id}: no text to index (only headings)")
    return Article(
        doc_id=doc_id,
        title=parsed.title or _title_from_name(doc_id),
        url=parsed.url or doc_id,
        body=parsed.body,
        updated=parsed.updated,
    )


def _doc_id(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _title_from_name(doc_id: str) -> str:
    stem = Path(doc_id.rstrip("/")).stem
    return stem.replace("-", " ").replace("_", " ").strip().capitalize() or doc_id


def _too_large(doc_id: str, size: int, max_bytes: int) -> str:
    return f"{doc_id}: too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB)"
