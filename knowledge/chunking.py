"""Structure-aware chunking: one chunk per section, headings kept as context.

A help article answers several questions, one per section, so sections are the
natural unit to retrieve and to quote. Long sections are split at paragraph
boundaries; every chunk remembers its article title and section heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.documents import Article

MAX_CHUNK_CHARS = 1200
_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    title: str
    section: str  # "" for the text before the first heading
    url: str
    text: str  # the section body as written (what an extractive answer quotes)

    @property
    def indexed_text(self) -> str:
        """What is embedded: title and heading give short sections their topic."""
        heading = f"{self.title} - {self.section}" if self.section else self.title
        return f"{heading}\n{self.text}"


def chunk_article(article: Article, max_chars: int = MAX_CHUNK_CHARS) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section, text in _sections(article.body):
        for piece in _split(text, max_chars):
            chunks.append(
                Chunk(
                    chunk_id=f"{article.doc_id}#{article.fingerprint[:12]}:{len(chunks)}",
                    doc_id=article.doc_id,
                    title=article.title,
                    section=section,
                    url=article.url,
                    text=piece,
                )
            )
    return chunks


def _sections(body: str) -> list[tuple[str, str]]:
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        match = _HEADING.match(line)
        if match and len(match.group(1)) >= 2:
            sections.append((match.group(2), []))
        elif not (match and len(match.group(1)) == 1):  # the "# Title" line is the title
            sections[-1][1].append(line)
    return [(name, "\n".join(lines).strip()) for name, lines in sections if "\n".join(lines).strip()]


def _split(text: str, max_chars: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    current = ""
    for paragraph in re.split(r"\n\s*\n", text):
        if current and len(current) + len(paragraph) + 2 > max_chars:
            pieces.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
        while len(current) > max_chars:  # one huge paragraph: cut at a sentence end
            cut = current.rfind(". ", 0, max_chars) + 1 or max_chars
            pieces.append(current[:cut].strip())
            current = current[cut:].strip()
    if current:
        pieces.append(current)
    return pieces


WINDOW_CHARS = 300
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def windows(chunk: Chunk, max_chars: int = WINDOW_CHARS) -> list[str]:
    """Runs of whole sentences of about `max_chars`, each headed by the article title.

    A chunk's vector averages everything it says; a question about one detail
    matches the sentences that state it better. The title keeps each window
    on topic (a bare sentence such as "It is free." matches anything).
    """
    sentences = [s.strip() for s in _SENTENCE_END.split(chunk.text) if len(s.strip()) > 3]
    runs: list[str] = []
    current = ""
    for sentence in sentences:
        if current and len(current) + len(sentence) > max_chars:
            runs.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    if current:
        runs.append(current)
    if len(runs) <= 1:  # the chunk vector already covers a one-window chunk
        return []
    return [f"{chunk.title}\n{run}" for run in runs]
