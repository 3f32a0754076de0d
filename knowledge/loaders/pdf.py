"""PDF files: the text layer of every page, with the bookmarks as section headings.

A PDF has no headings of its own, but a manual's bookmarks (its outline) name
its sections: a top-level bookmark becomes a `## ` line, a nested one `### `,
put where the bookmark's title appears on its page (else at the page's top).
The title is the document's /Title, unless that is a word processor's file
name, else the first line of text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError
from pypdf.generic import Destination

from knowledge.loaders.base import Parsed, Unreadable, tidy

MAX_TITLE_CHARS = 100
_FILE_NAME = re.compile(r"\.(docx?|pdf|odt|rtf|pages|pptx?|indd|txt)$|^microsoft \w+ - |^untitled", re.I)


def parse_pdf(data: bytes, doc_id: str) -> Parsed:
    reader = _open(data)
    pages = _page_texts(reader)
    if not any(page.strip() for page in pages):
        raise Unreadable("no extractable text (scanned pages without a text layer need OCR first)")
    headings = _headings_by_page(reader, len(pages))
    body = tidy("\n\n".join(_mark_headings(text, headings[i]) for i, text in enumerate(pages)))
    return Parsed(body=body, title=_title(reader, body), updated=_modified(reader))


def _open(data: bytes) -> PdfReader:
    if b"%PDF-" not in data[:1024]:
        raise Unreadable("not a readable PDF (no PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise Unreadable("not a readable PDF (encrypted with a password)")
        len(reader.pages)  # reads the page tree, where damaged files usually fail
    except Unreadable:
        raise
    except DependencyError:
        raise Unreadable("not a readable PDF (AES-encrypted; needs the cryptography package)") from None
    except Exception as error:  # pypdf reports damage with many exception types
        raise Unreadable(f"not a readable PDF ({_reason(error)})") from None
    return reader


def _page_texts(reader: PdfReader) -> list[str]:
    texts = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            texts.append(page.extract_text().replace("\x00", ""))
        except Exception as error:  # as above: damage inside one page's content
            raise Unreadable(f"not a readable PDF (page {number}: {_reason(error)})") from None
    return texts


def _headings_by_page(reader: PdfReader, page_count: int) -> list[list[str]]:
    """Heading lines (`## Title`) for each page, in outline order."""
    by_page: list[list[str]] = [[] for _ in range(page_count)]
    try:
        for level, destination in _walk(reader.outline, 1):
            page = reader.get_destination_page_number(destination)
            title = " ".join(str(destination.title or "").split())
            if title and page is not None and 0 <= page < page_count:
                by_page[page].append(("## " if level == 1 else "### ") + title)
    except Exception:  # a damaged outline costs the headings, not the document
        return [[] for _ in range(page_count)]
    return by_page


def _walk(items: Iterable[object], level: int) -> Iterable[tuple[int, Destination]]:
    for item in items:
        if isinstance(item, list):
            yield from _walk(item, level + 1)
        elif isinstance(item, Destination):
            yield level, item


def _mark_headings(text: str, headings: list[str]) -> str:
    """Each heading replaces the line that carries its title, else goes before the rest."""
    lines = text.splitlines()
    cursor = 0
    for heading in headings:
        key = _key(heading.lstrip("#"))
        found = next((i for i in range(cursor, len(lines)) if _key(lines[i]) == key), None)
        if found is None:
            lines.insert(cursor, heading)
            cursor += 1
        else:
            lines[found] = heading
            cursor = found + 1
    return "\n".join(lines)


def _key(line: str) -> str:
    return " ".join(line.split()).casefold()


def _title(reader: PdfReader, body: str) -> str:
    try:
        declared = " ".join(str(reader.metadata.title or "").split()) if reader.metadata else ""
    except Exception:  # unreadable metadata is no reason to refuse the text
        declared = ""
    if declared and not _FILE_NAME.search(declared):
        return declared
    first = next((line.lstrip("#").strip() for line in body.splitlines() if line.strip()), "")
    return first if len(first) <= MAX_TITLE_CHARS else ""


def _modified(reader: PdfReader) -> str:
    try:
        changed = reader.metadata.modification_date if reader.metadata else None
    except Exception:  # as above
        return ""
    return changed.date().isoformat() if changed else ""


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:120]
