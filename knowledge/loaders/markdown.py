"""Markdown files with optional YAML front matter.

    ---
    title: Reset your password
    url: https://help.example.com/articles/reset-your-password
    updated: 2026-10-14
    ---
    Body in Markdown, sections under `## ` headings.

Without front matter the title is the first `# ` heading.
"""

from __future__ import annotations

import yaml

from knowledge.loaders.base import Parsed, Unreadable, decode_utf8


def parse_markdown(data: bytes, doc_id: str) -> Parsed:
    meta, body = split_front_matter(decode_utf8(data))
    return Parsed(
        body=body.strip(),
        title=str(meta.get("title") or _first_heading(body) or ""),
        url=str(meta.get("url") or ""),
        updated=str(meta.get("updated") or ""),
    )


def split_front_matter(raw: str) -> tuple[dict[str, object], str]:
    if not raw.startswith("---"):
        return {}, raw
    end = raw.find("\n---", 3)
    if end == -1:
        raise Unreadable("front matter opened with '---' but never closed")
    try:
        meta = yaml.safe_load(raw[3:end]) or {}
    except yaml.YAMLError as error:
        reason = " ".join(str(error).split())
        raise Unreadable(f"front matter is not valid YAML ({reason})") from None
    if not isinstance(meta, dict):
        raise Unreadable("front matter must be key: value pairs")
    return meta, raw[end + 4 :].lstrip("-\n")


def _first_heading(body: str) -> str | None:
    for line in body.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None
