"""Fuzzing the document loaders and the chunker: hostile or broken files never crash ingestion.

Anything an admin uploads or the crawler fetches goes through `parse_document`;
the only failure it may report is a DocumentError naming the file, and what it
accepts must chunk into bounded, non-empty pieces. Hypothesis generates both
raw bytes and structured near-misses (tag soup, front matter, mutated PDFs),
which reach much deeper into the parsers than random bytes alone.
"""

from __future__ import annotations

import contextlib
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.chunking import MAX_CHUNK_CHARS, WINDOW_CHARS, chunk_article, windows
from knowledge.documents import SUPPORTED_SUFFIXES, DocumentError, parse_document
from knowledge.loaders.base import Unreadable
from knowledge.loaders.links import page_links
from knowledge.loaders.sitemap import parse_sitemap
from tests.knowledge.loaders.pdfs import make_pdf

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_TAGS = [
    "h1",
    "h2",
    "h3",
    "p",
    "ul",
    "ol",
    "li",
    "a",
    "script",
    "style",
    "nav",
    "table",
    "td",
    "pre",
    "code",
    "br",
    "div",
    "span",
    "title",
    "meta",
    "base",
    "details",
    "summary",
    "img",
    "svg",
]
_ATTRS = [
    'href="javascript:alert(1)"',
    'href="/x"',
    "hidden",
    'style="display:none"',
    'aria-hidden="true"',
    'onerror="x()"',
    'name="robots" content="noindex"',
    'start="-5"',
    'start="99999999999999999"',
    'href="http://[::1"',
    'lang="de"',
    'href="https://help.example/a b"',
]

text_pieces = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@st.composite
def tag_soup(draw: st.DrawFn) -> bytes:
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 5))
        tag = draw(st.sampled_from(_TAGS))
        if kind == 0:
            attrs = " ".join(draw(st.lists(st.sampled_from(_ATTRS), max_size=3)))
            parts.append(f"<{tag} {attrs}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            parts.append(
                draw(
                    st.sampled_from(
                        [
                            "<!--",
                            "-->",
                            "<![CDATA[",
                            "]]>",
                            "<!DOCTYPE html>",
                            "&amp;",
                            "&#0;",
                            "&#x110000;",
                            "&nbsp;",
                            "<",
                            ">",
                            "<?x",
                        ]
                    )
                )
            )
        else:
            parts.append(draw(text_pieces))
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1"]))
    return "".join(parts).encode(encoding, "replace")


@st.composite
def markdown_like(draw: st.DrawFn) -> bytes:
    lines = []
    if draw(st.booleans()):
        lines += [
            "---",
            *draw(
                st.lists(
                    st.sampled_from(
                        [
                            "title: Refunds",
                            "title:",
                            "url: https://x",
                            "url: [1, 2]",
                            "updated: 2020-01-01",
                            "title: {a: b}",
                            ": :",
                            "- list",
                            "!!python/object:os.system ls",
                            "---",
                            "\t",
                        ]
                    ),
                    max_size=5,
                )
            ),
        ]
        if draw(st.booleans()):
            lines.append("---")
    for _ in range(draw(st.integers(0, 30))):
        prefix = draw(
            st.sampled_from(["", "# ", "## ", "### ", "####### ", "- ", "1. ", "```", "    ", "> "])
        )
        lines.append(prefix + draw(text_pieces))
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["=====", "-----", ""])))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@st.composite
def mutated_pdf(draw: st.DrawFn) -> bytes:
    pages = draw(
        st.lists(
            st.lists(st.sampled_from(["Refunds", "## Steps", "Within 14 days.", ""]), max_size=3),
            min_size=1,
            max_size=3,
        )
    )
    data = bytearray(make_pdf(pages, title=draw(st.sampled_from([None, "T", ""]))))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.integers(0, 2))
        if action == 0:
            data[at] = draw(st.integers(0, 255))
        elif action == 1:
            del data[at : at + draw(st.integers(1, 200))]
        else:
            data[at:at] = draw(st.binary(max_size=40))
    if draw(st.integers(0, 4)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


def _check(doc_id: str, data: bytes, suffix: str | None = None) -> None:
    try:
        article = parse_document(doc_id, data, suffix=suffix)
    except DocumentError as error:
        assert str(error).startswith(doc_id), "the error must name the file"
        return
    assert article.body.strip() and article.title.strip()
    chunks = chunk_article(article)
    assert chunks, "an accepted article must give at least one chunk"
    for chunk in chunks:
        assert chunk.text.strip()
        assert len(chunk.text) <= MAX_CHUNK_CHARS
        for window in windows(chunk):
            assert 0 < len(window) <= len(chunk.title) + 1 + max(WINDOW_CHARS * 2, len(chunk.text))


@FUZZ
@given(data=st.binary(max_size=4000), suffix=st.sampled_from(SUPPORTED_SUFFIXES))
def test_random_bytes_of_every_type_are_read_or_refused(data: bytes, suffix: str) -> None:
    _check(f"upload{suffix}", data)


@FUZZ
@given(data=tag_soup())
def test_tag_soup_html(data: bytes) -> None:
    _check("page.html", data)
    _check("https://help.example/page", data, suffix=".html")


@FUZZ
@given(data=markdown_like(), suffix=st.sampled_from([".md", ".txt"]))
def test_markdown_and_text_near_misses(data: bytes, suffix: str) -> None:
    _check(f"article{suffix}", data)


@FUZZ
@given(data=mutated_pdf())
def test_mutated_pdfs(data: bytes) -> None:
    _check("manual.pdf", data)


@FUZZ
@given(data=tag_soup())
def test_link_extraction_never_crashes(data: bytes) -> None:
    try:
        found = page_links(data, "https://help.example/start")
    except Unreadable:  # binary data: refused by name, which the crawler reports
        return
    assert all(isinstance(link, str) for link in found.links)


@FUZZ
@given(data=st.one_of(st.binary(max_size=2000), tag_soup()), gzip=st.booleans())
def test_sitemaps_are_read_or_refused(data: bytes, gzip: bool) -> None:
    if gzip:
        packer = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
        data = packer.compress(data) + packer.flush()
    with contextlib.suppress(Unreadable):
        parse_sitemap(data, max_bytes=100_000)


def test_a_gzip_bomb_sitemap_is_refused_not_inflated() -> None:
    packer = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    bomb = packer.compress(b"<urlset>" + b" " * 50_000_000) + packer.flush()
    with pytest.raises(Unreadable):
        parse_sitemap(bomb, max_bytes=1_000_000)
