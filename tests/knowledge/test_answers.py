from __future__ import annotations

from knowledge.answers import ExtractiveComposer, trim_at_line
from knowledge.chunking import Chunk
from knowledge.store import Hit


def hit(text: str, doc_id: str = "a.md", score: float = 0.7) -> Hit:
    return Hit(Chunk(f"{doc_id}#0", doc_id, doc_id.upper(), "S", f"https://h/{doc_id}", text), score)


def test_extractive_answer_uses_the_best_passage_and_cites_its_article() -> None:
    answer = ExtractiveComposer()("q", [hit("First."), hit("Second.", "b.md")])
    assert (answer.text, answer.grounded, answer.mode, answer.score) == ("First.", True, "extractive", 0.7)
    assert [(c.title, c.url) for c in answer.citations] == [("A.MD", "https://h/a.md")]


def test_long_passages_are_cut_at_a_line_end() -> None:
    text = "\n".join(f"{n}. Step number {n} of the procedure." for n in range(1, 40))
    trimmed = trim_at_line(text, 200)
    assert len(trimmed) <= 202 and trimmed.endswith(" …")
    assert trimmed.splitlines()[-1].endswith("procedure. …")


def test_short_passages_are_not_touched() -> None:
    assert trim_at_line("Short.", 700) == "Short."
