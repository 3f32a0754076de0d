"""The library: folder first, index after, nothing changed by a refused document (real Chroma)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from knowledge.library import (
    FolderError,
    InvalidName,
    Library,
    TooLarge,
    UnknownDocument,
    UnreadableDocument,
    UnsupportedType,
    check_name,
)
from tests.fakes.stores import CountingFakeEmbeddings, small_store

LIMIT = 4096
WELCOME = b"---\ntitle: Welcome\nurl: https://help.example.com/welcome\n---\n## Hello\n\nWelcome aboard.\n"
REFUNDS = b"# Refunds\n\n## Ask for a refund\n\nWrite to billing within 30 days of the charge.\n"
BAD_NAMES = [
    "",
    "../evil.md",
    "sub/../../evil.md",
    "/etc/evil.md",
    "..\\evil.md",
    "sub\\evil.md",
    ".hidden.md",
    "sub/.git/evil.md",
    "sub//evil.md",
    "./evil.md",
    "C:evil.md",
    "evil\x00.md",
    " evil.md",
    "x" * 300 + ".md",
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "helpcentre"
    folder.mkdir()
    (folder / "welcome.md").write_bytes(WELCOME)
    return folder


@pytest.fixture
def embedded(tmp_path: Path, folder: Path) -> tuple[Library, CountingFakeEmbeddings]:
    store, embeddings = small_store(tmp_path / "chroma")
    library = Library(folder, store, max_bytes=LIMIT)
    library.sync()
    return library, embeddings


@pytest.fixture
def library(embedded: tuple[Library, CountingFakeEmbeddings]) -> Library:
    return embedded[0]


def snapshot(library: Library) -> tuple[dict[str, bytes], dict[str, str]]:
    """Everything in the folder (hidden files included) and everything in the index."""
    files = {p.relative_to(library.folder).as_posix(): p.read_bytes() for p in library.folder.rglob("*")}
    return files, library.store.indexed()


def test_an_added_document_is_written_listed_and_searchable(library: Library) -> None:
    article, report = library.add("billing/refunds.md", REFUNDS)
    assert (article.doc_id, article.title) == ("billing/refunds.md", "Refunds")
    assert report.added == ["billing/refunds.md"] and report.unchanged == ["welcome.md"]
    assert (library.folder / "billing" / "refunds.md").read_bytes() == REFUNDS
    listed = {info.doc_id: info for info in library.documents()}
    assert listed["billing/refunds.md"].indexed and listed["billing/refunds.md"].size == len(REFUNDS)
    assert listed["welcome.md"].url == "https://help.example.com/welcome"
    texts = {hit.chunk.text for hit in library.store.search("refund", k=10)}
    assert "Write to billing within 30 days of the charge." in texts


def test_adding_the_same_content_again_embeds_nothing(
    embedded: tuple[Library, CountingFakeEmbeddings],
) -> None:
    library, embeddings = embedded
    library.add("refunds.md", REFUNDS)
    before = embeddings.texts_embedded
    _, report = library.add("refunds.md", REFUNDS)
    assert not report.changed and report.chunks_embedded == 0
    assert embeddings.texts_embedded == before


def test_adding_new_content_under_an_existing_name_replaces_it(library: Library) -> None:
    library.add("refunds.md", REFUNDS)
    _, report = library.add("refunds.md", REFUNDS.replace(b"30 days", b"60 days"))
    assert report.updated == ["refunds.md"]
    texts = {hit.chunk.text for hit in library.store.search("refund", k=10)}
    assert "Write to billing within 60 days of the charge." in texts
    assert "Write to billing within 30 days of the charge." not in texts


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("refunds.exe", b"MZ\x90\x00", UnsupportedType),
        ("refunds", REFUNDS, UnsupportedType),
        ("refunds.md", b"x" * (LIMIT + 1), TooLarge),
        ("refunds.md", b"\xff\xfe not utf-8 \xc3\x28", UnreadableDocument),
        ("refunds.md", b"---\ntitle: [unclosed\n---\nBody.\n", UnreadableDocument),
        ("refunds.md", b"", UnreadableDocument),
        ("refunds.md", b"# Only a title\n", UnreadableDocument),
        ("../refunds.md", REFUNDS, InvalidName),
    ],
)
def test_a_refused_document_changes_neither_folder_nor_index(
    library: Library, name: str, data: bytes, error: type[Exception]
) -> None:
    before = snapshot(library)
    with pytest.raises(error) as raised:
        library.add(name, data)
    assert "\n" not in str(raised.value)
    assert snapshot(library) == before


@pytest.mark.parametrize("name", BAD_NAMES)
def test_names_outside_the_folder_or_hidden_are_refused(name: str) -> None:
    with pytest.raises(InvalidName, match="use a relative path like"):
        check_name(name)


@pytest.mark.parametrize("name", ["refunds.md", "billing/refunds.md", "a b/Ré fund.v2.md"])
def test_plain_relative_names_are_accepted(name: str) -> None:
    assert check_name(name) == name


def test_a_symlink_out_of_the_folder_is_refused(library: Library, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (library.folder / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidName, match="outside the help-centre folder"):
        library.add("link/evil.md", REFUNDS)
    assert not any(outside.iterdir())


def test_removing_a_document_deletes_the_file_and_its_index_entries(library: Library) -> None:
    library.add("billing/refunds.md", REFUNDS)
    report = library.remove("billing/refunds.md")
    assert report.removed == ["billing/refunds.md"]
    assert not (library.folder / "billing").exists()  # the emptied subfolder goes too
    assert [info.doc_id for info in library.documents()] == ["welcome.md"]
    assert "billing/refunds.md" not in library.store.indexed()


def test_removing_an_unknown_document_is_refused(library: Library) -> None:
    (library.folder / "notes.bin").write_bytes(b"not a document")
    for doc_id in ("missing.md", "notes.bin"):
        with pytest.raises(UnknownDocument, match="no document"):
            library.remove(doc_id)
    assert (library.folder / "notes.bin").exists()


def test_a_document_deleted_on_disk_can_still_be_removed_from_the_index(library: Library) -> None:
    (library.folder / "welcome.md").unlink()
    assert library.remove("welcome.md").removed == ["welcome.md"]
    assert library.store.indexed() == {}


def test_sync_follows_edits_made_on_disk(library: Library) -> None:
    (library.folder / "refunds.md").write_bytes(REFUNDS)
    (library.folder / "welcome.md").unlink()
    report = library.sync()
    assert (report.added, report.removed) == (["refunds.md"], ["welcome.md"])
    assert [(i.doc_id, i.indexed) for i in library.documents()] == [("refunds.md", True)]


def test_documents_edited_since_the_last_sync_are_listed_as_not_indexed(library: Library) -> None:
    (library.folder / "welcome.md").write_bytes(WELCOME.replace(b"aboard", b"back"))
    assert [i.indexed for i in library.documents()] == [False]


def test_a_failed_sync_puts_the_folder_back(library: Library) -> None:
    (library.folder / "broken.md").write_bytes(b"---\nnever closed\n")
    before = snapshot(library)
    with pytest.raises(FolderError, match="broken.md"):
        library.add("billing/refunds.md", REFUNDS)
    with pytest.raises(FolderError):
        library.remove("welcome.md")
    assert snapshot(library) == before


def test_a_name_under_an_existing_file_is_a_clear_error(library: Library) -> None:
    before = snapshot(library)
    with pytest.raises(FolderError, match="welcome.md/refunds.md: cannot be written"):
        library.add("welcome.md/refunds.md", REFUNDS)
    assert snapshot(library) == before


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    store, _ = small_store(tmp_path / "chroma")
    with pytest.raises(FolderError, match="folder not found"):
        Library(tmp_path / "nowhere", store, LIMIT).documents()


def test_concurrent_changes_are_serialised(library: Library) -> None:
    names = [f"doc{i}.md" for i in range(4)]
    threads = [threading.Thread(target=library.add, args=(n, REFUNDS + n.encode())) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(info.indexed for info in library.documents())
    assert set(library.store.indexed()) == {*names, "welcome.md"}
