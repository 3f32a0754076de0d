from __future__ import annotations

import random
from pathlib import Path

import pytest

from knowledge.documents import (
    SUPPORTED_SUFFIXES,
    Article,
    DocumentError,
    load_file,
    load_folder,
    parse_document,
)
from tests.fakes.stores import HELPCENTRE
from tests.knowledge.loaders.pdfs import make_pdf


def test_front_matter_gives_title_url_and_date(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: Reset\nurl: https://h.example/reset\nupdated: 2026-01-02\n---\nBody\n"
    )
    article = load_file(tmp_path / "a.md", tmp_path)
    assert (article.doc_id, article.title, article.url, article.updated, article.body) == (
        "a.md",
        "Reset",
        "https://h.example/reset",
        "2026-01-02",
        "Body",
    )


def test_without_front_matter_the_heading_is_the_title_and_the_path_the_link(tmp_path: Path) -> None:
    (tmp_path / "billing").mkdir()
    (tmp_path / "billing" / "refunds.md").write_text("# Refunds\n\nWithin 14 days.\n")
    article = load_folder(tmp_path)[0]
    assert (article.doc_id, article.title, article.url) == (
        "billing/refunds.md",
        "Refunds",
        "billing/refunds.md",
    )


def test_the_fingerprint_changes_with_the_content_only(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("# A\n\none")
    first = load_file(path, tmp_path).fingerprint
    assert load_file(path, tmp_path).fingerprint == first
    path.write_text("# A\n\ntwo")
    assert load_file(path, tmp_path).fingerprint != first


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"---\ntitle: x\nno end", "never closed"),
        (b"---\ntitle: [unclosed\n---\nbody", "not valid YAML"),
        (b"---\n- a list\n---\nbody", "key: value"),
        (b"\xff\xfe\x00broken", "not UTF-8"),
    ],
)
def test_broken_files_name_the_file_and_the_problem(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "bad.md").write_bytes(content)
    with pytest.raises(DocumentError, match=f"bad.md: .*{message}"):
        load_folder(tmp_path)


def test_a_missing_folder_is_named() -> None:
    with pytest.raises(DocumentError, match="not found: /nowhere"):
        load_folder(Path("/nowhere"))


def test_the_sample_help_centre_is_complete() -> None:
    articles = load_folder(HELPCENTRE)
    assert 15 <= len(articles) <= 30
    assert all(a.url.startswith("https://help.lumenote.example/") for a in articles)
    assert len({a.title for a in articles}) == len(articles)


def test_a_folder_of_every_supported_type_loads_in_id_order(tmp_path: Path) -> None:
    (tmp_path / "guides").mkdir()
    (tmp_path / "a.md").write_text("# Markdown\n\nText")
    (tmp_path / "b.markdown").write_text("# Long suffix\n\nText")
    (tmp_path / "c.TXT").write_text("Plain\n\nText")
    (tmp_path / "guides" / "d.html").write_text("<h1>Page</h1><p>Text</p>")
    (tmp_path / "guides" / "e.htm").write_text("<title>Short suffix</title><p>Text</p>")
    (tmp_path / "guides" / "f.pdf").write_bytes(make_pdf([["Manual", "Text"]]))
    (tmp_path / "ignored.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "ignored.png").write_bytes(b"\x89PNG")
    articles = load_folder(tmp_path)
    assert [(a.doc_id, a.title) for a in articles] == [
        ("a.md", "Markdown"),
        ("b.markdown", "Long suffix"),
        ("c.TXT", "Plain"),
        ("guides/d.html", "Page"),
        ("guides/e.htm", "Short suffix"),
        ("guides/f.pdf", "Manual"),
    ]
    assert set(SUPPORTED_SUFFIXES) == {".md", ".markdown", ".txt", ".html", ".htm", ".pdf"}


def test_an_unsupported_type_is_named_with_the_supported_ones() -> None:
    with pytest.raises(
        DocumentError, match=r"^manual\.docx: unsupported file type \.docx; use one of \.md, "
    ):
        parse_document("manual.docx", b"PK\x03\x04")
    with pytest.raises(DocumentError, match=r"^README: unsupported file type \(none\)"):
        parse_document("README", b"text")


def test_suffix_overrides_the_type_for_ids_without_one() -> None:
    article = parse_document("https://help.example/refunds", b"<h1>Refunds</h1><p>Text</p>", suffix=".HTML")
    assert (article.doc_id, article.title, article.url) == (
        "https://help.example/refunds",
        "Refunds",
        "https://help.example/refunds",
    )


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
@pytest.mark.parametrize("data", [b"", b" \n\t\n"])
def test_an_empty_file_is_an_error_whatever_its_type(suffix: str, data: bytes) -> None:
    with pytest.raises(DocumentError, match=rf"^empty{suffix}: empty file$"):
        parse_document(f"empty{suffix}", data)


def test_a_markdown_file_of_front_matter_only_has_no_text() -> None:
    with pytest.raises(DocumentError, match=r"^a\.md: no text to index$"):
        parse_document("a.md", b"---\ntitle: Nothing here\n---\n")


def test_a_document_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"^big\.txt: too large \(0\.0 MB; the limit is 0\.0 MB\)$"):
        parse_document("big.txt", b"x" * 11, max_bytes=10)
    (tmp_path / "big.md").write_bytes(b"# Big\n\n" + b"x" * 100)
    with pytest.raises(DocumentError, match=r"^big\.md: too large"):
        load_file(tmp_path / "big.md", tmp_path, max_bytes=50)
    assert load_file(tmp_path / "big.md", tmp_path, max_bytes=200).title == "Big"


def test_the_default_size_limit_is_20_mb() -> None:
    with pytest.raises(DocumentError, match=r"too large \(21\.0 MB; the limit is 21\.0 MB\)"):
        parse_document("huge.txt", b"x" * (20 * 1024 * 1024 + 1))


def test_a_file_that_cannot_be_read_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"^gone\.md: cannot be read \(No such file or directory\)$"):
        load_file(tmp_path / "gone.md", tmp_path)


def test_on_error_reports_broken_files_and_keeps_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Good\n\nText")
    (tmp_path / "b.pdf").write_bytes(b"%PDF-1.4 truncated")
    (tmp_path / "c.txt").write_bytes(b"")
    (tmp_path / "d.html").write_text("<p>Also good</p>")
    reported: list[tuple[str, str]] = []
    articles = load_folder(tmp_path, on_error=lambda doc_id, error: reported.append((doc_id, str(error))))
    assert [a.doc_id for a in articles] == ["a.md", "d.html"]
    assert [doc_id for doc_id, _ in reported] == ["b.pdf", "c.txt"]
    assert reported[0][1].startswith("b.pdf: not a readable PDF (")
    assert reported[1][1] == "c.txt: empty file"
    with pytest.raises(DocumentError, match=r"^b\.pdf: not a readable PDF"):
        load_folder(tmp_path)


def _valid_samples() -> dict[str, bytes]:
    return {
        ".md": b"---\ntitle: T\n---\n# A\n\n## B\ntext",
        ".txt": b"Title\n=====\n\ntext",
        ".html": b"<html><head><title>T</title></head><body><h2>B</h2><p>t&amp;x</p><ul><li>i</ul></body>",
        ".pdf": make_pdf([["Title", "text"]], title="T", outline=[("Title", 0, 1)]),
    }


@pytest.mark.parametrize("suffix", [".md", ".txt", ".html", ".pdf"])
def test_damaged_or_random_bytes_give_an_article_or_a_document_error_never_another_exception(
    suffix: str,
) -> None:
    rng = random.Random(f"seed{suffix}")
    valid = _valid_samples()[suffix]
    samples = [rng.randbytes(rng.randrange(1, 400)) for _ in range(40)]
    for _ in range(120):  # a valid file with a few bytes changed, cut short, or both
        damaged = bytearray(valid)
        for _ in range(rng.randrange(1, 6)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        samples.append(bytes(damaged[: rng.randrange(1, len(damaged) + 1)]))
    for data in samples:
        try:
            result = parse_document(f"fuzz{suffix}", data)
        except DocumentError as error:
            assert str(error).startswith(f"fuzz{suffix}: ") and "\n" not in str(error)
        else:
            assert isinstance(result, Article) and result.body
