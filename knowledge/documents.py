"""Help-centre articles as loaded from a folder of Markdown files.

    ---
    title: Reset your password
    url: https://help.example.com/articles/reset-your-password
    updated: 2026-10-14
    ---
    Body in Markdown, sections under `## ` headings.

Front matter is optional: without it the title is the first `# ` heading (or the
file name) and the citation points to the file's path inside the folder.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt")


class DocumentError(ValueError):
    """A document cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class Article:
    doc_id: str  # path relative to the help-centre folder, with forward slashes
    title: str
    url: str  # where a citation links to
    body: str  # Markdown without front matter
    updated: str = ""

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything that is indexed changes."""
        digest = hashlib.sha256()
        for part in (self.title, self.url, self.updated, self.body):
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        return digest.hexdigest()


def load_folder(folder: Path) -> list[Article]:
    """Every supported file under `folder`, sorted by id so runs are repeatable."""
    if not folder.is_dir():
        raise DocumentError(f"help-centre folder not found: {folder}")
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
    return [load_file(path, folder) for path in paths]


def load_file(path: Path, root: Path) -> Article:
    return parse_document(path.relative_to(root).as_posix(), path.read_bytes())


def parse_document(doc_id: str, data: bytes) -> Article:
    """Parse one document's bytes by its file type; DocumentError names the problem.

    The single entry point for files from the folder, admin uploads and tests.
    """
    suffix = Path(doc_id).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(
            f"{doc_id}: unsupported file type {suffix or '(none)'}; use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DocumentError(f"{doc_id}: not UTF-8 text") from None
    meta, body = split_front_matter(raw, doc_id)
    return Article(
        doc_id=doc_id,
        title=str(meta.get("title") or _first_heading(body) or Path(doc_id).stem.replace("-", " ").capitalize()),
        url=str(meta.get("url") or doc_id),
        body=body.strip(),
        updated=str(meta.get("updated") or ""),
    )


def split_front_matter(raw: str, doc_id: str = "") -> tuple[dict[str, object], str]:
    if not raw.startswith("---"):
        return {}, raw
    end = raw.find("\n---", 3)
    if end == -1:
        raise DocumentError(f"{doc_id}: front matter opened with '---' but never closed")
    try:
        meta = yaml.safe_load(raw[3:end]) or {}
    except yaml.YAMLError as error:
        raise DocumentError(f"{doc_id}: front matter is not valid YAML ({error})") from None
    if not isinstance(meta, dict):
        raise DocumentError(f"{doc_id}: front matter must be key: value pairs")
    return meta, raw[end + 4 :].lstrip("-\n")


def _first_heading(body: str) -> str | None:
    for line in body.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None
