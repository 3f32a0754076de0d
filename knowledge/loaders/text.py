"""Plain-text files: a title line if there is one, underlined headings as sections.

Refund policy            <- the title: short, alone on its line, no full stop

Billing questions        <- a heading ("=" makes `## `, "-" makes `### `)
-----------------
"""

from __future__ import annotations

import re

from knowledge.loaders.base import Parsed, decode_utf8, tidy

MAX_TITLE_CHARS = 80
_UNDERLINE = re.compile(r"^\s*(={3,}|-{3,})\s*$")
_LIST_ITEM = re.compile(r"^\s*([-*•]|\d+[.)])\s")


def parse_text(data: bytes, doc_id: str) -> Parsed:
    lines = _underlined_headings(decode_utf8(data).splitlines())
    title, rest = _split_title(lines)
    return Parsed(body=tidy("\n".join(rest)), title=title)


def _underlined_headings(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        underline = _UNDERLINE.match(line)
        if underline and out and out[-1].strip() and not out[-1].startswith("#"):
            marker = "## " if underline.group(1)[0] == "=" else "### "
            out[-1] = marker + out[-1].strip()
        else:
            out.append(line)
    return out


def _split_title(lines: list[str]) -> tuple[str, list[str]]:
    """The first non-empty line, if it reads like a title, and the lines after it."""
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        return "", lines
    candidate = lines[start].strip().lstrip("#").strip()
    rest = lines[start + 1 :]
    stands_alone = not rest or not rest[0].strip() or lines[start].startswith("#")
    if stands_alone and _reads_like_title(candidate) and any(line.strip() for line in rest):
        return candidate, rest
    return "", lines


def _reads_like_title(line: str) -> bool:
    return (
        0 < len(line) <= MAX_TITLE_CHARS
        and not line.endswith((".", ",", ";", ":"))
        and not _LIST_ITEM.match(line)
    )
