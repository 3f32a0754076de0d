"""HTML pages: the readable content as Markdown-like text, with its headings.

    <title>Refunds | Help</title> <link rel="canonical" href="https://help.example/refunds">
    <nav>...</nav> <h1>Refunds</h1> <p>Within 14 days.</p> <h2>How</h2> <ol><li>Open billing</li></ol>

becomes the title "Refunds", the URL of the canonical link, and the body

    Within 14 days.

    ## How

    1. Open billing

The first `<h1>` names the page (a `<title>` often carries the site's name too);
h2 starts a `## ` section, h3 and h4 `### `. Navigation, headers, footers,
asides, forms, scripts and hidden elements are dropped: they repeat on every
page and would make every page match every question.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from knowledge.loaders.base import Parsed, Unreadable, tidy


def _tags(names: str) -> frozenset[str]:
    return frozenset(names.split())


_DROPPED = _tags(
    "script style noscript template svg iframe object nav header footer aside form button dialog"
)
_DROPPED_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
_VOID = _tags("area base br col embed hr img input link meta param source track wbr")
_BLOCKS = _tags(
    "address article blockquote body caption center dd details div dl dt fieldset figcaption figure"
    " h1 h2 h3 h4 h5 h6 html li main ol p pre section summary table tbody tfoot thead tr ul"
)
_HEADING_MARKERS = {"h2": "## ", "h3": "### ", "h4": "### "}
_CELLS = frozenset({"td", "th"})
_PREFIXING = frozenset({"li", "tr", "h1", "h2", "h3", "h4"})  # elements whose prefix ends with them
_GROUPS = frozenset({"ul", "ol", "table"})  # their lines sit together, apart from what surrounds them
_BREAK = "\x00"  # stands for <br> in collected text; NULs are removed from the page text first
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def parse_html(data: bytes, doc_id: str) -> Parsed:
    """`doc_id` is the base for a relative canonical link when it is a URL (crawled pages)."""
    page = _PageText()
    page.feed(decode_html(data))
    page.close()
    return Parsed(
        body=page.body(),
        title=page.title(),
        url=_absolute_http(doc_id, page.canonical),
        updated=page.updated,
    )


def decode_html(data: bytes) -> str:
    """UTF-8, else the charset a `<meta>` declares, else Latin-1 (which accepts any bytes)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _checked(data.decode(codec, errors="replace"))
    try:
        return _checked(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return _checked(data.decode(declared.group(1).decode("ascii")))
        except (LookupError, UnicodeDecodeError):
            pass
    return _checked(data.decode("latin-1"))


def _checked(text: str) -> str:
    if "\x00" in text:
        raise Unreadable("binary data, not an HTML page")
    return text


def _absolute_http(base: str, href: str) -> str:
    if not href:
        return ""
    try:
        url = urljoin(base, href.strip())
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[oops": a broken link is no address
        return ""
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


class TolerantHTMLParser(HTMLParser):
    """HTMLParser that reads a malformed `<![...` section as browsers do: as a comment.

    The standard library's parser raises AssertionError on those instead, and
    one stray `<![` must not cost a whole page.
    """

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1


class _PageText(TolerantHTMLParser):
    """Collects blocks of text as the parser walks the page.

    Tags are tracked on a stack so that an element dropped with all its
    children is left at its own end tag, even when the page forgets to close
    the paragraphs and list items inside it.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.canonical = ""
        self.updated = ""
        self._stack: list[str] = []
        self._dropped_at: int | None = None  # stack depth of the element being dropped
        self._lists: list[list[int]] = []  # per open list: [next number] or [] when unordered
        self._blocks: list[tuple[str, int | None]] = []  # (text, group of a list item or table row)
        self._group = 0  # counts top-level lists and tables; tight lines join only within one
        self._parts: list[str] = []  # text of the block being read
        self._prefix = ""  # what the block being read starts with: "## ", "- ", "1. "
        self._tight = False  # the block being read is a list item or table row
        self._pre = 0
        self._title: list[str] | None = None  # collecting <title> text while not None
        self._page_title = ""
        self._h1 = ""
        self._in_h1 = False

    # --- parser callbacks -------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag in _VOID:
            self._void(tag, attributes)
            return
        self._stack.append(tag)
        if self._dropped_at is None and (tag in _DROPPED or _hidden(attributes)):
            self._dropped_at = len(self._stack) - 1
        if self._dropped_at is None:
            self._open(tag, attributes)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self._stack:
            return  # a stray end tag closes nothing
        while self._stack:
            closed = self._stack.pop()
            if self._dropped_at is None:
                self._close(closed)
            elif len(self._stack) <= self._dropped_at:
                self._dropped_at = None
            if closed == tag:
                return

    def handle_data(self, data: str) -> None:
        if self._dropped_at is not None:
            return
        data = data.replace("\x00", "")
        if self._title is not None:
            self._title.append(data)
        elif "head" not in self._stack or "body" in self._stack:
            self._parts.append(data)

    # --- results ----------------------------------------------------------

    def body(self) -> str:
        self._flush()
        pieces: list[str] = []
        previous: int | None = None
        for block, group in self._blocks:
            pieces.append("\n" if group is not None and group == previous else "\n\n")
            pieces.append(block)
            previous = group
        return tidy("".join(pieces))

    def title(self) -> str:
        return self._h1 or self._page_title

    # --- structure --------------------------------------------------------

    def _void(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == "br" and self._dropped_at is None:
            self._parts.append(_BREAK)
        elif tag == "hr" and self._dropped_at is None:
            self._flush()
        elif tag == "link" and "canonical" in attributes.get("rel", "").lower().split():
            self.canonical = self.canonical or attributes.get("href", "")
        elif tag == "meta":
            self._meta(attributes)

    def _meta(self, attributes: dict[str, str]) -> None:
        kind = attributes.get("property", "").lower()
        content = attributes.get("content", "").strip()
        if kind == "og:url" and not self.canonical:
            self.canonical = content
        elif kind == "article:modified_time" and _ISO_DATE.match(content):
            self.updated = content[:10]

    def _open(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == "title" and not self._page_title and self._title is None:
            self._title = []
            return
        if tag in _BLOCKS:
            self._flush()
        if tag in _GROUPS and not self._lists:
            self._group += 1
        if tag in ("ul", "ol"):
            self._lists.append([_start(attributes)] if tag == "ol" else [])
        elif tag == "li":
            self._list_item()
        elif tag in _HEADING_MARKERS:
            self._prefix = _HEADING_MARKERS[tag]
        elif tag == "h1":
            self._in_h1 = True
            self._prefix = "## "  # only used when the page already has its title
        elif tag == "tr":
            self._tight = True
        elif tag in _CELLS and "".join(self._parts).strip():
            self._parts.append(" | ")  # simple rows read as one line: "Plan | Price"
        elif tag == "pre":
            self._pre += 1

    def _close(self, tag: str) -> None:
        if tag == "title" and self._title is not None:
            self._page_title = " ".join("".join(self._title).split())
            self._title = None
            return
        if tag == "h1" and self._in_h1:
            self._in_h1 = False
            if not self._h1:
                self._h1 = _collapse("".join(self._parts).replace(_BREAK, " "))
                self._parts = []
        if tag in _BLOCKS:
            self._flush()
        if tag in _PREFIXING:  # an empty item or heading must not lend its prefix to the next block
            self._prefix, self._tight = "", False
        if tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        if tag in _GROUPS and not self._lists:
            self._group += 1
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)

    def _list_item(self) -> None:
        indent = "  " * max(0, len(self._lists) - 1)
        counter = self._lists[-1] if self._lists else []
        if counter:
            self._prefix = f"{indent}{counter[0]}. "
            counter[0] += 1
        else:
            self._prefix = f"{indent}- "
        self._tight = True

    def _flush(self) -> None:
        text = "".join(self._parts)
        self._parts = []
        if self._pre:
            text = "\n".join(line.rstrip() for line in text.replace(_BREAK, "\n").strip("\n").splitlines())
        elif self._prefix.startswith("#"):
            text = _collapse(text.replace(_BREAK, " "))
        else:
            text = "\n".join(filter(None, (_collapse(line) for line in text.split(_BREAK))))
        if text.strip():
            self._blocks.append((self._prefix + text, self._group if self._tight else None))
            self._prefix, self._tight = "", False


def _hidden(attributes: dict[str, str]) -> bool:
    style = attributes.get("style", "").replace(" ", "").lower()
    return (
        "hidden" in attributes
        or attributes.get("aria-hidden", "").lower() == "true"
        or "display:none" in style
        or "visibility:hidden" in style
        or attributes.get("role", "").lower() in _DROPPED_ROLES
    )


def _start(attributes: dict[str, str]) -> int:
    start = attributes.get("start", "1").strip()
    return int(start) if start.isdigit() else 1


def _collapse(text: str) -> str:
    return " ".join(text.split())
