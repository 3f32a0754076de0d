"""The links on an HTML page and what its robots meta tag allows, for the crawler.

Links are read from the whole page, navigation included: that is how a crawler
finds the other pages, even though their text is not indexed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from knowledge.loaders.html import TolerantHTMLParser, decode_html


@dataclass
class PageLinks:
    links: list[str] = field(default_factory=list)  # absolute, in page order, duplicates kept
    noindex: bool = False  # <meta name="robots" content="noindex">: do not index this page
    nofollow: bool = False  # <meta name="robots" content="nofollow">: do not follow its links


def page_links(data: bytes, page_url: str) -> PageLinks:
    """Links of the page at `page_url`, resolved against its `<base href>` if it has one."""
    parser = _LinkParser(page_url)
    parser.feed(decode_html(data))
    parser.close()
    return parser.found


class _LinkParser(TolerantHTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found = PageLinks()
        self._base = page_url
        self._hrefs: list[str] = []
        self._saw_base = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        href = attributes.get("href", "").strip()
        if tag == "base" and href and not self._saw_base:
            self._base, self._saw_base = _join(self._base, href) or self._base, True
        elif tag in ("a", "area") and href:
            self._hrefs.append(href)
        elif tag == "meta" and attributes.get("name", "").lower() == "robots":
            directives = {word.strip() for word in attributes.get("content", "").lower().split(",")}
            self.found.noindex |= bool(directives & {"noindex", "none"})
            self.found.nofollow |= bool(directives & {"nofollow", "none"})

    def close(self) -> None:
        super().close()
        # resolved at the end: a <base href> applies to links before it too
        self.found.links = [link for link in (_join(self._base, href) for href in self._hrefs) if link]


def _join(base: str, href: str) -> str:
    try:
        return urljoin(base, href)
    except ValueError:  # e.g. "http://[oops": a broken link leads nowhere
        return ""
