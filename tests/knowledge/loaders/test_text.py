from __future__ import annotations

import pytest

from knowledge.documents import DocumentError, parse_document


def test_a_short_first_line_on_its_own_is_the_title() -> None:
    article = parse_document("notes/opening-hours.txt", b"Opening hours\n\nMonday to Friday, 9 to 5.\n")
    assert (article.title, article.body, article.url) == (
        "Opening hours",
        "Monday to Friday, 9 to 5.",
        "notes/opening-hours.txt",
    )


@pytest.mark.parametrize(
    "text",
    [
        b"We answer within a day.\n\nUsually faster.",  # a sentence, not a title
        b"Opening hours\nMonday to Friday.",  # the first line runs on into the paragraph
        b"- first item\n\n- second item",  # a list item
        b"Only one line",  # nothing would be left to index
    ],
)
def test_otherwise_the_file_name_is_the_title_and_all_text_is_kept(text: bytes) -> None:
    article = parse_document("opening-hours.txt", text)
    assert article.title == "Opening hours"
    assert article.body == text.decode().strip()


def test_underlined_headings_become_sections() -> None:
    text = b"Refund policy\n=============\n\nIntro.\n\nBilling\n=======\nPay.\n\nCards\n-----\nVisa.\n"
    article = parse_document("refunds.txt", text)
    assert article.title == "Refund policy"
    assert article.body == "Intro.\n\n## Billing\nPay.\n\n### Cards\nVisa."


def test_windows_line_ends_and_a_byte_order_mark_are_tolerated() -> None:
    article = parse_document("a.txt", b"\xef\xbb\xbfTitle\r\n\r\nBody\r\n\r\n\r\n\r\nMore\r\n")
    assert (article.title, article.body) == ("Title", "Body\n\nMore")


def test_text_in_another_encoding_is_named() -> None:
    with pytest.raises(DocumentError, match=r"^a\.txt: not UTF-8 text$"):
        parse_document("a.txt", "Caf\u00e9 cr\u00e8me".encode("latin-1"))


def test_front_matter_is_not_special_in_plain_text() -> None:
    article = parse_document("a.txt", b"---\nnot front matter\n")
    assert article.body == "---\nnot front matter"
