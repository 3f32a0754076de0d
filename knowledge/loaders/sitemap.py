"""Sitemaps (sitemaps.org): the page list `<urlset>` and the index `<sitemapindex>`.

    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>https://help.example/refunds</loc></url>
    </urlset>

Gzipped sitemaps (`sitemap.xml.gz`) are unpacked, up to a size limit.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from xml.etree import ElementTree

from knowledge.loaders.base import Unreadable


@dataclass
class Sitemap:
    pages: list[str] = field(default_factory=list)  # <urlset>: page URLs
    sitemaps: list[str] = field(default_factory=list)  # <sitemapindex>: further sitemaps


def parse_sitemap(data: bytes, max_bytes: int) -> Sitemap:
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, max_bytes)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise Unreadable("not a sitemap (a DOCTYPE is not allowed)")  # no entity expansion bombs
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise Unreadable(f"not a sitemap (invalid XML: {error})") from None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise Unreadable(f"not a sitemap (the root element is <{kind}>)")
    locations = [
        (loc.text or "").strip() for entry in root for loc in entry if _local(loc.tag) == "loc" and loc.text
    ]
    return Sitemap(pages=locations) if kind == "urlset" else Sitemap(sitemaps=locations)


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # 16: expect a gzip header
    try:
        unpacked = inflater.decompress(data, max_bytes + 1)
    except zlib.error as error:
        raise Unreadable(f"not a sitemap (broken gzip: {error})") from None
    if len(unpacked) > max_bytes:
        raise Unreadable(f"not a sitemap (unpacks to more than {max_bytes / 1e6:.1f} MB)")
    if not inflater.eof:
        raise Unreadable("not a sitemap (broken gzip: it ends early)")
    return unpacked


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
