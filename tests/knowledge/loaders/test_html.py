from __future__ import annotations

import pytest

from knowledge.chunking import chunk_article
from knowledge.documents import Article, DocumentError, parse_document

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Refunds &amp; returns | Lumenote Help</title>
  <link rel="stylesheet" href="/site.css">
  <link rel="canonical" href="https://help.lumenote.example/articles/refunds">
  <style>body { font-family: sans-serif; } p::before { content: "STYLE"; }</style>
  <script>var tracking = "<p>SCRIPT</p>";</script>
</head>
<body>
  <header><a href="/">Lumenote HEADER</a></header>
  <nav><ul><li><a href="/billing">NAV Billing</a></li><li>NAV Sync</li></ul></nav>
  <main>
    <h1>Refunds &amp; returns</h1>
    <p>You can ask for a refund within 14&nbsp;days &mdash; no
       questions asked.<br>Annual plans are prorated.</p>
    <h2>Ask for a refund</h2>
    <ol>
      <li>Open <strong>Settings</strong> &rarr; Billing
      <li>Click <em>Request refund</em>
    </ol>
    <h3>Exceptions</h3>
    <ul><li>Gift cards</li><li>Team plans<ul><li>after 30 days</li></ul></li></ul>
    <h4>Prices</h4>
    <table><tr><th>Plan</th><th>Price</th></tr><tr><td>Pro</td><td>&euro;5 &lt;per month&gt;</td></tr></table>
    <div hidden>HIDDEN attribute</div>
    <p style="display: none">HIDDEN style</p>
    <span aria-hidden="true">HIDDEN icon</span>
    <div role="navigation">ROLE nav</div>
    <form><label>FORM Was this helpful?</label><button>Yes</button></form>
    <aside>ASIDE Related articles</aside>
  </main>
  <footer>FOOTER &copy; Lumenote</footer>
  <script>document.write("SCRIPT2")</script>
</body>
</html>
"""


def _article(html: str, doc_id: str = "refunds.html") -> Article:
    return parse_document(doc_id, html.encode())


def test_the_content_becomes_markdown_like_text_with_its_headings() -> None:
    article = _article(PAGE)
    assert article.title == "Refunds & returns"
    assert article.url == "https://help.lumenote.example/articles/refunds"
    assert article.body == (
        "You can ask for a refund within 14 days — no questions asked.\n"
        "Annual plans are prorated.\n\n"
        "## Ask for a refund\n\n"
        "1. Open Settings → Billing\n"
        "2. Click Request refund\n\n"
        "### Exceptions\n\n"
        "- Gift cards\n"
        "- Team plans\n"
        "  - after 30 days\n\n"
        "### Prices\n\n"
        "Plan | Price\n"
        "Pro | €5 <per month>"
    )


@pytest.mark.parametrize(
    "word", ["STYLE", "SCRIPT", "HEADER", "NAV", "HIDDEN", "ROLE", "FORM", "ASIDE", "FOOTER", "Lumenote Help"]
)
def test_page_furniture_scripts_and_hidden_elements_are_dropped(word: str) -> None:
    assert word not in _article(PAGE).body


def test_chunking_splits_the_page_at_its_headings() -> None:
    chunks = chunk_article(_article(PAGE))
    assert [chunk.section for chunk in chunks] == ["", "Ask for a refund", "Exceptions", "Prices"]
    assert all(chunk.url == "https://help.lumenote.example/articles/refunds" for chunk in chunks)


def test_without_h1_the_title_element_names_the_page_and_the_doc_id_is_the_link() -> None:
    article = _article("<title> Sync\n conflicts </title><p>Text</p>", "sync.htm")
    assert (article.title, article.url, article.body) == ("Sync conflicts", "sync.htm", "Text")


def test_without_any_title_the_file_name_names_the_page() -> None:
    assert _article("<p>Text</p>", "sync-conflicts.html").title == "Sync conflicts"


def test_a_second_h1_is_a_section() -> None:
    article = _article("<h1>One</h1><p>a</p><h1>Two</h1><p>b</p>")
    assert (article.title, article.body) == ("One", "a\n\n## Two\n\nb")


def test_og_url_is_the_link_when_there_is_no_canonical_one() -> None:
    html = '<meta property="og:url" content="https://help.example/og"><p>Text</p>'
    assert _article(html).url == "https://help.example/og"


def test_a_relative_canonical_link_is_resolved_against_a_crawled_pages_url() -> None:
    html = '<link rel="canonical" href="/articles/refunds"><p>Text</p>'
    article = parse_document("https://help.example/a/b?x=1", html.encode(), suffix=".html")
    assert article.url == "https://help.example/articles/refunds"


def test_a_relative_canonical_link_without_a_base_is_ignored() -> None:
    assert _article('<link rel="canonical" href="/refunds"><p>Text</p>').url == "refunds.html"


def test_a_malformed_canonical_link_is_ignored() -> None:
    assert _article('<link rel="canonical" href="http://[broken/"><p>Text</p>').url == "refunds.html"


def test_the_modified_time_is_the_updated_date() -> None:
    html = '<meta property="article:modified_time" content="2026-03-04T10:00:00Z"><p>Text</p>'
    assert _article(html).updated == "2026-03-04"


def test_preformatted_text_keeps_its_lines() -> None:
    html = "<p>Run:</p><pre>\nlumenote sync\n  --force\n</pre>"
    assert _article(html).body == "Run:\n\nlumenote sync\n  --force"


def test_an_empty_list_item_or_heading_does_not_prefix_the_next_paragraph() -> None:
    assert _article("<ul><li></li></ul><h2></h2><p>Plain</p>").body == "Plain"


@pytest.mark.parametrize("odd", ["<![p-- junk>", "<![<![td>", "<![ oops"])
def test_a_malformed_marked_section_is_read_as_a_comment_as_browsers_do(odd: str) -> None:
    # the standard library's HTMLParser raises AssertionError on these
    body = _article(f"<p>Before</p>{odd}<p>After</p>").body
    assert body.startswith("Before") and body.endswith("After")


def test_unclosed_tags_inside_a_dropped_element_do_not_swallow_the_page() -> None:
    html = "<nav><ul><li>Home<li><p>Billing</nav><p>Kept</p>"
    assert _article(html).body == "Kept"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            '<meta charset="windows-1252"><p>Caf\u00e9 \u201cquoted\u201d</p>'.encode("cp1252"),
            "Café “quoted”",
        ),
        (
            (
                '<meta http-equiv="Content-Type" content="text/html; charset=shift_jis">'
                "<p>\u3053\u3093\u306b\u3061\u306f</p>"
            ).encode("shift_jis"),
            "こんにちは",
        ),
        ("<p>Caf\u00e9 cr\u00e8me</p>".encode("latin-1"), "Café crème"),  # undeclared: Latin-1
        ("<p>Caf\u00e9</p>".encode("utf-16"), "Café"),  # byte-order mark
        ('<meta charset="no-such-codec"><p>Caf\u00e9</p>'.encode("latin-1"), "Café"),
    ],
    ids=["meta-charset", "http-equiv", "latin-1-fallback", "utf-16-bom", "unknown-charset"],
)
def test_pages_in_other_encodings_are_decoded(data: bytes, expected: str) -> None:
    assert parse_document("page.html", data).body == expected


def test_binary_data_is_not_a_page() -> None:
    with pytest.raises(DocumentError, match=r"^logo\.html: binary data, not an HTML page$"):
        parse_document("logo.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_a_page_with_nothing_to_read_is_an_error() -> None:
    with pytest.raises(DocumentError, match=r"^menu\.html: no text to index$"):
        _article("<html><nav>Home</nav><script>x()</script></html>", "menu.html")
