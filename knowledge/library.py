"""The help-centre library: the folder of documents is the source of truth, the index follows it.

    library = Library(Path("knowledge/helpcentre"), store, max_bytes=10 * 1024 * 1024)
    article, report = library.add("billing/refunds.md", data)  # checked, parsed, written, synced
    library.remove("billing/refunds.md")                        # deleted, synced
    library.documents()                                         # each file, and whether it is indexed

A document is checked (name, size, type, content) before anything is written, so a
refused upload leaves the folder and the index as they were. Files are written
atomically (a temporary file, then a rename). One lock serialises every change,
because a sync is not re-entrant; listings take it too, so they never see half a change.
Errors are `LibraryError`s whose message is one line for the admin; the HTTP layer
chooses status codes by their class.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from knowledge.chunking import chunk_article
from knowledge.documents import SUPPORTED_SUFFIXES, Article, DocumentError, load_folder, parse_document
from knowledge.store import KnowledgeStore, SyncReport

logger = logging.getLogger(__name__)

MAX_NAME_CHARS = 255
NAME_EXAMPLE = "billing/refunds.md"


class LibraryError(Exception):
    """One line for the admin: what is wrong and how to fix it."""


class InvalidName(LibraryError):
    """The document name is not a plain relative path inside the folder."""


class UnknownDocument(LibraryError):
    """No document with that id in the folder or the index."""


class TooLarge(LibraryError):
    """The document is bigger than the configured limit."""


class UnsupportedType(LibraryError):
    """No loader reads this file type."""


class UnreadableDocument(LibraryError):
    """The file type is supported but this content cannot be parsed or has no text."""


class FolderError(LibraryError):
    """The help-centre folder itself cannot be read or indexed (missing, or a broken file in it)."""


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str  # path relative to the help-centre folder, with forward slashes
    title: str
    url: str  # where a citation links to
    updated: str
    fingerprint: str  # changes whenever anything indexed changes
    indexed: bool  # the index holds exactly this version
    size: int  # bytes on disk


class Library:
    def __init__(self, folder: Path, store: KnowledgeStore, max_bytes: int) -> None:
        self.folder = folder
        self.store = store
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def documents(self) -> list[DocumentInfo]:
        with self._lock:
            indexed = self.store.indexed()
            return [self._info(article, indexed.get(article.doc_id)) for article in self._load()]

    def sync(self) -> SyncReport:
        with self._lock:
            report = self._sync()
        logger.info("library: synced (%s)", report.summary())
        return report

    def add(self, name: str, data: bytes) -> tuple[Article, SyncReport]:
        """Check and parse `data` first; only a readable document is written and indexed."""
        doc_id = check_name(name)
        article = self._parse(doc_id, data)
        with self._lock:
            target = self._path(doc_id)
            if target.is_dir():
                raise InvalidName(f"{doc_id} is a folder in the help centre, not a document")
            previous = target.read_bytes() if target.exists() else None
            try:
                write_atomically(target, data)
            except OSError as error:
                prune_empty_folders(target.parent, self.folder)
                raise FolderError(f"{doc_id}: cannot be written ({error.strerror or error})") from None
            report = self._sync_or_restore(target, previous)
        logger.info("library: added %s (%s)", doc_id, report.summary())
        return article, report

    def remove(self, doc_id: str) -> SyncReport:
        doc_id = check_name(doc_id)
        with self._lock:
            target = self._path(doc_id)
            on_disk = target.is_file() and _is_document(target)
            if not on_disk and doc_id not in self.store.indexed():
                raise UnknownDocument(f"no document {doc_id!r} in the help centre")
            previous = target.read_bytes() if on_disk else None
            if on_disk:
                target.unlink()
                prune_empty_folders(target.parent, self.folder)
            report = self._sync_or_restore(target, previous)
        logger.info("library: removed %s (%s)", doc_id, report.summary())
        return report

    def _parse(self, doc_id: str, data: bytes) -> Article:
        """The article in `data`, or the LibraryError that says why it cannot be indexed."""
        if len(data) > self.max_bytes:
            raise TooLarge(f"{doc_id} is {len(data)} bytes; the limit is {self.max_bytes} bytes")
        try:
            article = parse_document(doc_id, data)
        except DocumentError as error:
            if not _is_document(Path(doc_id)):
                raise UnsupportedType(one_line(error)) from None
            raise UnreadableDocument(one_line(error)) from None
        except Exception as error:  # untrusted bytes can trip a parser in ways it does not wrap
            logger.warning("library: %s could not be parsed", doc_id, exc_info=True)
            raise UnreadableDocument(f"{doc_id}: cannot be read ({type(error).__name__})") from None
        if not chunk_article(article):
            raise UnreadableDocument(f"{doc_id}: no text to index")
        return article

    def _sync_or_restore(self, target: Path, previous: bytes | None) -> SyncReport:
        """Sync; if that fails, put `target` back as it was (`previous` None: it did not exist)."""
        try:
            return self._sync()
        except BaseException:
            if previous is not None:
                write_atomically(target, previous)
            else:
                target.unlink(missing_ok=True)
                prune_empty_folders(target.parent, self.folder)
            raise

    def _sync(self) -> SyncReport:
        return self.store.sync(self._load())

    def _load(self) -> list[Article]:
        try:
            return load_folder(self.folder)
        except DocumentError as error:
            raise FolderError(f"the help-centre folder cannot be indexed: {one_line(error)}") from None

    def _path(self, doc_id: str) -> Path:
        path = self.folder / doc_id
        if not path.resolve().is_relative_to(self.folder.resolve()):
            raise InvalidName(f"{doc_id} points outside the help-centre folder")
        return path

    def _info(self, article: Article, indexed_fingerprint: str | None) -> DocumentInfo:
        return DocumentInfo(
            doc_id=article.doc_id,
            title=article.title,
            url=article.url,
            updated=article.updated,
            fingerprint=article.fingerprint,
            indexed=_same_version(indexed_fingerprint, article),
            size=(self.folder / article.doc_id).stat().st_size,
        )


def check_name(name: str) -> str:
    """`name` if it is a plain relative path like billing/refunds.md, else InvalidName."""
    problem = _name_problem(name)
    if problem:
        raise InvalidName(
            f"invalid document name {name!r}: {problem}; use a relative path like {NAME_EXAMPLE}"
        )
    return name


def _name_problem(name: str) -> str | None:
    if not name:
        return "it is empty"
    if len(name) > MAX_NAME_CHARS:
        return f"it is longer than {MAX_NAME_CHARS} characters"
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return "it contains control characters"
    if "\\" in name or ":" in name:
        return "it contains a backslash or a colon"
    if name.startswith("/"):
        return "it is an absolute path"
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "it has an empty, '.' or '..' part"
    if any(part.startswith(".") for part in parts):
        return "hidden files and folders (starting with '.') are not allowed"
    if any(part != part.strip() for part in parts):
        return "a part starts or ends with a space"
    return None


def one_line(error: Exception) -> str:
    """Parser messages can span lines (YAML points at the column); the admin gets one."""
    return " ".join(str(error).split())


def _same_version(indexed_fingerprint: str | None, article: Article) -> bool:
    """The store may prefix its fingerprints with an index format ("2:<sha256>")."""
    return indexed_fingerprint is not None and indexed_fingerprint.split(":")[-1] == article.fingerprint


def _is_document(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def prune_empty_folders(folder: Path, root: Path) -> None:
    """Remove `folder` and its parents while they are empty, stopping at `root`."""
    root = root.resolve()
    while folder.resolve() != root and folder.resolve().is_relative_to(root) and folder.is_dir():
        if any(folder.iterdir()):
            return
        folder.rmdir()
        folder = folder.parent
