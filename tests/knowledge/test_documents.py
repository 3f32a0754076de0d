from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.documents import DocumentError, load_file, load_folder
from tests.fakes.stores import HELPCENTRE


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
