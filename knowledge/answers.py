"""Answers built from retrieved passages: the offline extractive answer and its types.

An extractive answer quotes the best-matching help-centre section as written and
cites its article, so it can never say something the help centre does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from knowledge.store import Hit

Mode = Literal["extractive", "llm", "none"]


@dataclass(frozen=True)
class Citation:
    title: str
    url: str


@dataclass(frozen=True)
class Answer:
    text: str
    citations: tuple[Citation, ...]
    grounded: bool  # False: the help centre does not answer this; offer a human
    score: float  # similarity of the best passage, for logs and reports
    mode: Mode
    unavailable: bool = False  # True: the help centre could not be searched at all (not a knowledge gap)

    @classmethod
    def unknown(cls, score: float) -> Answer:
        return cls(text="", citations=(), grounded=False, score=score, mode="none")

    @classmethod
    def cannot_look_up(cls) -> Answer:
        return cls(text="", citations=(), grounded=False, score=0.0, mode="none", unavailable=True)


class Composer(Protocol):
    def __call__(self, question: str, hits: list[Hit]) -> Answer: ...


@dataclass(frozen=True)
class ExtractiveComposer:
    max_chars: int = 700

    def __call__(self, question: str, hits: list[Hit]) -> Answer:
        best = hits[0]
        return Answer(
            text=trim_at_line(best.chunk.text, self.max_chars),
            citations=(Citation(best.chunk.title, best.chunk.url),),
            grounded=True,
            score=best.score,
            mode="extractive",
        )


def trim_at_line(text: str, max_chars: int) -> str:
    """Cut at the last whole line (or sentence) that fits, so steps are never half shown."""
    if len(text) <= max_chars:
        return text
    cut = text.rfind("\n", 0, max_chars)
    if cut < max_chars // 2:
        cut = text.rfind(". ", 0, max_chars) + 1
    if cut <= 0:
        cut = max_chars
    return text[:cut].rstrip() + " …"


def cite_each_once(hits: list[Hit]) -> tuple[Citation, ...]:
    seen: dict[str, Citation] = {}
    for hit in hits:
        seen.setdefault(hit.chunk.doc_id, Citation(hit.chunk.title, hit.chunk.url))
    return tuple(seen.values())
