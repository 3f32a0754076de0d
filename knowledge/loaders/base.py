"""What every loader returns, and the one error every loader raises."""

from __future__ import annotations

import re
from dataclasses import dataclass

_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Parsed:
    body: str  # Markdown-like: `## `/`### ` lines start sections (see knowledge/chunking.py)
    title: str = ""  # "" when the document names none; parse_document falls back to the file name
    url: str = ""  # "" when the document names no address of its own; parse_document uses the doc_id
    updated: str = ""  # ISO date when the document says when it changed


class Unreadable(Exception):
    """What is wrong with the bytes, in a few words; parse_document prefixes the doc_id."""


def decode_utf8(data: bytes) -> str:
    """Text of a UTF-8 file (a byte-order mark is tolerated), with `\\n` line ends."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("not UTF-8 text") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def tidy(text: str) -> str:
    """Trailing spaces and runs of blank lines removed, so bodies compare stably."""
    lines = (line.rstrip() for line in text.splitlines())
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
