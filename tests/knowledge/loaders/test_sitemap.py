from __future__ import annotations

import gzip

import pytest

from knowledge.loaders.base import Unreadable
from knowledge.loaders.sitemap import parse_sitemap

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> https://help.example/a </loc><lastmod>2026-01-01</lastmod></url>
  <url><loc>https://help.example/b?x=1&amp;y=2</loc></url>
</urlset>"""
INDEX = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://help.example/s1.xml</loc></sitemap>
</sitemapindex>"""


def test_a_url_set_lists_pages() -> None:
    sitemap = parse_sitemap(URLSET, 10_000)
    assert (sitemap.pages, sitemap.sitemaps) == (
        ["https://help.example/a", "https://help.example/b?x=1&y=2"],
        [],
    )


def test_an_index_lists_sitemaps() -> None:
    sitemap = parse_sitemap(INDEX, 10_000)
    assert (sitemap.pages, sitemap.sitemaps) == ([], ["https://help.example/s1.xml"])


def test_a_gzipped_sitemap_is_unpacked() -> None:
    assert parse_sitemap(gzip.compress(URLSET), 10_000).pages[0] == "https://help.example/a"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html><body>not a sitemap</body></html>", "root element is <html>"),
        (b"<urlset><url>", "invalid XML"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><urlset>&a;</urlset>', "DOCTYPE"),
        (gzip.compress(b"<urlset>" + b" " * 20_000 + b"</urlset>"), "unpacks to more than"),
        (b"\x1f\x8b\x08\x00garbage", "broken gzip"),
    ],
)
def test_anything_else_is_unreadable(data: bytes, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason):
        parse_sitemap(data, 10_000)
