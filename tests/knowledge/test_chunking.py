from __future__ import annotations

from knowledge.chunking import chunk_article
from knowledge.documents import Article


def article(body: str) -> Article:
    return Article(doc_id="a.md", title="Reset your password", url="https://h/a", body=body)


def test_one_chunk_per_section_with_title_and_heading_as_context() -> None:
    chunks = chunk_article(
        article("Intro text.\n\n## Forgotten password\n\n1. Click it.\n\n## Change it\n\nGo to settings.")
    )
    assert [(c.section, c.text) for c in chunks] == [
        ("", "Intro text."),
        ("Forgotten password", "1. Click it."),
        ("Change it", "Go to settings."),
    ]
    assert chunks[1].indexed_text == "Reset your password - Forgotten password\n1. Click it."
    assert len({c.chunk_id for c in chunks}) == 3


def test_a_top_level_heading_is_not_a_section_and_empty_sections_vanish() -> None:
    chunks = chunk_article(article("# Reset your password\n\n## Empty\n\n## Steps\n\nDo it."))
    assert [(c.section, c.text) for c in chunks] == [("Steps", "Do it.")]


def test_long_sections_split_at_paragraphs_and_keep_their_heading() -> None:
    paragraphs = "\n\n".join(f"Paragraph {i} " + "word " * 60 for i in range(8))
    chunks = chunk_article(article(f"## Long\n\n{paragraphs}"), max_chars=700)
    assert len(chunks) > 1
    assert all(c.section == "Long" and len(c.text) <= 700 for c in chunks)
    assert "".join(c.text for c in chunks).count("Paragraph") == 8


def test_a_huge_paragraph_is_cut_at_sentence_ends() -> None:
    chunks = chunk_article(article("## S\n\n" + "This is a sentence. " * 200), max_chars=500)
    assert all(len(c.text) <= 500 for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)


def test_chunk_ids_change_when_the_article_changes() -> None:
    first = chunk_article(article("## S\n\nOne."))[0].chunk_id
    second = chunk_article(article("## S\n\nTwo."))[0].chunk_id
    assert first != second
