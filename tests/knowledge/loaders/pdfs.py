"""Real PDF files for tests, written by hand: pypdf reads PDFs but cannot typeset text.

    make_pdf([["Refund policy", "Within 14 days."], ["Page two"]], title="Refunds")

Each page is a list of lines set in Helvetica; an empty page has no text layer,
like a scanned one. Metadata, bookmarks and encryption are added with pypdf.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from pypdf import PdfReader, PdfWriter


def make_pdf(
    pages: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    outline: Sequence[tuple[str, int, int]] = (),  # (title, page index, level 1 or 2)
    password: str | None = None,
) -> bytes:
    raw = _typeset(pages)
    if title is None and not outline and password is None:
        return raw
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    if title is not None:
        writer.add_metadata({"/Title": title})
    parent = None
    for name, page, level in outline:
        item = writer.add_outline_item(title=name, page_number=page, parent=parent if level == 2 else None)
        parent = item if level == 1 else parent
    if password is not None:
        writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _typeset(pages: Sequence[Sequence[str]]) -> bytes:
    page_ids = [5 + 2 * i for i in range(len(pages))]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % i for i in page_ids), len(pages)),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    for page_id, lines in zip(page_ids, pages, strict=True):
        stream = _content(lines)
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects[page_id + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    return _file(objects)


def _content(lines: Sequence[str]) -> bytes:
    if not lines:
        return b"0.5 g 72 72 468 648 re f"  # a grey rectangle: a page of pixels, no text
    shown = b" T* ".join(b"(%s) Tj" % _escape(line) for line in lines)
    return b"BT /F1 12 Tf 16 TL 72 720 Td " + shown + b" ET"


def _escape(line: str) -> bytes:
    return line.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _file(objects: dict[int, bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)
