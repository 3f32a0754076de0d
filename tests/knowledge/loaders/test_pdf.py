from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from knowledge.documents import DocumentError, parse_document
from tests.knowledge.loaders.pdfs import make_pdf


def test_the_text_of_every_page_is_read_and_the_metadata_title_names_it() -> None:
    data = make_pdf(
        [["Refund policy", "Within 14 days (no questions)."], ["Refunds go to the card."]], title="Refunds"
    )
    article = parse_document("billing/refunds.pdf", data)
    assert (article.title, article.url) == ("Refunds", "billing/refunds.pdf")
    assert article.body == "Refund policy\nWithin 14 days (no questions).\n\nRefunds go to the card."


def test_without_a_title_the_first_line_names_it() -> None:
    article = parse_document("guide.pdf", make_pdf([["Getting started", "Install the app."]]))
    assert article.title == "Getting started"


def test_a_word_processor_file_name_is_not_a_title() -> None:
    data = make_pdf([["Getting started", "Install the app."]], title="Microsoft Word - draft3.docx")
    assert parse_document("guide.pdf", data).title == "Getting started"


def test_bookmarks_become_section_headings_where_their_title_is_printed() -> None:
    data = make_pdf(
        [
            ["Manual", "Welcome."],
            ["Billing", "Pay monthly.", "Refunds", "Within 14 days."],
            ["Appendix text."],
        ],
        outline=[("Billing", 1, 1), ("Refunds", 1, 2), ("Appendix", 2, 1)],
    )
    body = parse_document("manual.pdf", data).body
    assert body == (
        "Manual\nWelcome.\n\n"
        "## Billing\nPay monthly.\n### Refunds\nWithin 14 days.\n\n"
        "## Appendix\nAppendix text."
    )


def test_non_ascii_text_survives() -> None:
    assert "Café crème" in parse_document("menu.pdf", make_pdf([["Café crème"]])).body


def test_a_scanned_pdf_without_a_text_layer_says_so() -> None:
    with pytest.raises(DocumentError, match=r"^scan\.pdf: no extractable text \(scanned"):
        parse_document("scan.pdf", make_pdf([[], []]))


def test_a_password_protected_pdf_is_refused_by_name() -> None:
    data = make_pdf([["Secret plans"]], password="secret")
    with pytest.raises(
        DocumentError, match=r"^locked\.pdf: not a readable PDF \(encrypted with a password\)$"
    ):
        parse_document("locked.pdf", data)


def test_a_pdf_that_only_restricts_printing_opens_with_the_empty_password() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["Printable?"]]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    assert parse_document("restricted.pdf", out.getvalue()).body == "Printable?"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04 this is a zip file", "no PDF header"),
        (make_pdf([["Cut short"]])[:150], ""),
        (b"%PDF-1.4\n" + bytes(range(256)) * 8, ""),
    ],
    ids=["not-a-pdf", "truncated", "random-after-header"],
)
def test_corrupt_pdfs_are_document_errors(data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError, match=rf"^bad\.pdf: not a readable PDF \(.*{reason}.*\)$"):
        parse_document("bad.pdf", data)
