"""The crawler against real HTTP servers on 127.0.0.1 that record every request."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from knowledge.crawl import CrawlIssue, CrawlOptions, CrawlResult, crawl, crawl_site, normalize_url
from tests.knowledge.loaders.pdfs import make_pdf

pytestmark = pytest.mark.timeout(60)


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    drop: bool = False  # close the connection without an answer


def page(title: str, *links: str, text: str = "Some text.") -> Reply:
    anchors = "".join(f'<a href="{link}">{link}</a>' for link in links)
    return Reply(f"<title>{title}</title><nav>{anchors}</nav><h1>{title}</h1><p>{text}</p>".encode())


class FakeSite:
    """A website whose `pages` map a path (with query) to a Reply; anything else is a 404."""

    def __init__(self) -> None:
        self.pages: dict[str, Reply] = {}
        self.hits: list[str] = []
        self.started: list[float] = []  # monotonic time each request arrived
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.block_on_close = (
            False  # a test's deliberately slow answer must not hold up the next test
        )
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def page_hits(self) -> list[str]:
        return sorted(hit for hit in self.hits if hit != "/robots.txt")

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.hits.append(handler.path)
            self.started.append(time.monotonic())
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self._send(handler, self.pages.get(handler.path, Reply(b"not found", status=404)))
        finally:
            with self._lock:
                self.in_flight -= 1

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        time.sleep(reply.delay)
        if reply.drop:
            handler.close_connection = True
            return
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(reply.body)
        except OSError:
            pass  # the crawler gave up waiting; that is what some tests check

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def site() -> Iterator[FakeSite]:
    server = FakeSite()
    server.start()
    yield server
    server.stop()


other_site = site


def run(start: str, **options: Any) -> CrawlResult:
    async def crawl_with_own_client() -> CrawlResult:
        async with httpx.AsyncClient(trust_env=False) as client:
            return await crawl(start, client, CrawlOptions(**options))

    return asyncio.run(crawl_with_own_client())


def ids(result: CrawlResult, base: str) -> list[str]:
    return [article.doc_id.removeprefix(base) for article in result.articles]


def reasons(issues: list[CrawlIssue], base: str) -> dict[str, str]:
    return {issue.url.removeprefix(base): issue.reason for issue in issues}


# --- following links -----------------------------------------------------------


def test_links_on_the_site_are_followed_once_each(site: FakeSite) -> None:
    site.pages["/"] = page("Home", "/a", "b#section", "/a", "mailto:help@example.com", "javascript:void(0)")
    site.pages["/a"] = page("A", "/", "/c?x=1", "/b")
    site.pages["/b"] = page("B")
    site.pages["/c?x=1"] = page("C")
    result = run(site.url + "/")
    assert ids(result, site.url) == ["/", "/a", "/b", "/c?x=1"]
    assert [a.title for a in result.articles] == ["Home", "A", "B", "C"]
    assert site.page_hits() == ["/", "/a", "/b", "/c?x=1"]
    assert (result.errors, result.skipped) == ([], [])


def test_links_to_another_port_or_host_are_not_fetched(site: FakeSite, other_site: FakeSite) -> None:
    port = site.url.rsplit(":", 1)[1]
    site.pages["/"] = page("Home", f"{other_site.url}/x", f"http://localhost:{port}/y", "https://127.0.0.1/z")
    result = run(site.url + "/")
    assert ids(result, site.url) == ["/"]
    assert other_site.hits == []
    assert site.page_hits() == ["/"]


def test_the_page_text_leaves_out_the_navigation_it_was_crawled_through(site: FakeSite) -> None:
    site.pages["/"] = page("Home", "/a", text="Welcome home.")
    site.pages["/a"] = page("A")
    home = run(site.url + "/").articles[0]
    assert home.body == "Welcome home."


def test_a_redirect_is_followed_on_the_site_and_the_page_indexed_once(site: FakeSite) -> None:
    site.pages["/"] = page("Home", "/old", "/new")
    site.pages["/old"] = Reply(status=301, headers={"Location": "/new"})
    site.pages["/new"] = page("New")
    result = run(site.url + "/", concurrency=1)
    assert ids(result, site.url) == ["/", "/new"]
    assert list(reasons(result.skipped, site.url)) == ["/old"]


def test_a_redirect_to_another_site_is_not_followed(site: FakeSite, other_site: FakeSite) -> None:
    site.pages["/"] = page("Home", "/out")
    site.pages["/out"] = Reply(status=302, headers={"Location": f"{other_site.url}/landing"})
    result = run(site.url + "/")
    assert other_site.hits == []
    assert reasons(result.skipped, site.url) == {
        "/out": f"redirected to another site: {other_site.url}/landing"
    }


def test_pages_with_the_same_canonical_url_are_indexed_once(site: FakeSite) -> None:
    canonical = '<link rel="canonical" href="/guide">'
    site.pages["/"] = page("Home", "/guide", "/guide?print=1")
    site.pages["/guide"] = Reply(f"{canonical}<h1>Guide</h1><p>Text</p>".encode())
    site.pages["/guide?print=1"] = Reply(f"{canonical}<h1>Guide</h1><p>Text</p>".encode())
    result = run(site.url + "/", concurrency=1)
    assert ids(result, site.url) == ["/", "/guide"]
    assert result.articles[1].url == site.url + "/guide"
    assert reasons(result.skipped, site.url) == {"/guide?print=1": f"same canonical URL as {site.url}/guide"}


def test_noindex_pages_are_skipped_and_nofollow_links_ignored(site: FakeSite) -> None:
    site.pages["/"] = page("Home", "/search", "/private")
    site.pages["/search"] = Reply(
        b'<meta name="robots" content="noindex"><a href="/found">x</a><p>Results</p>'
    )
    site.pages["/private"] = Reply(
        b'<meta name="robots" content="nofollow"><a href="/hidden">x</a><p>Text</p>'
    )
    site.pages["/found"] = page("Found")
    result = run(site.url + "/")
    assert ids(result, site.url) == ["/", "/found", "/private"]
    assert reasons(result.skipped, site.url) == {"/search": "marked noindex"}
    assert "/hidden" not in site.hits


# --- robots.txt --------------------------------------------------------------------


def test_robots_txt_disallow_is_obeyed(site: FakeSite) -> None:
    site.pages["/robots.txt"] = Reply(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.pages["/"] = page("Home", "/private/notes", "/public")
    site.pages["/public"] = page("Public")
    site.pages["/private/notes"] = page("Private")
    result = run(site.url + "/")
    assert ids(result, site.url) == ["/", "/public"]
    assert "/private/notes" not in site.hits
    assert reasons(result.skipped, site.url) == {"/private/notes": "disallowed by robots.txt"}


def test_a_robots_txt_that_fails_stops_the_crawl_with_an_error(site: FakeSite) -> None:
    site.pages["/robots.txt"] = Reply(b"oops", status=500)
    site.pages["/"] = page("Home")
    result = run(site.url + "/")
    assert result.articles == []
    assert site.page_hits() == []
    assert reasons(result.errors, site.url) == {"/robots.txt": "HTTP 500; nothing crawled without robots.txt"}
    assert reasons(result.skipped, site.url) == {"/": "disallowed by robots.txt"}


def test_crawl_delay_in_robots_txt_slows_the_crawl(site: FakeSite) -> None:
    site.pages["/robots.txt"] = Reply(b"User-agent: *\nCrawl-delay: 1\n", content_type="text/plain")
    site.pages["/"] = page("Home", "/a")
    site.pages["/a"] = page("A")
    run(site.url + "/", concurrency=1)
    page_starts = site.started[1:]  # after robots.txt
    assert page_starts[1] - page_starts[0] >= 1.0


# --- sitemaps ---------------------------------------------------------------------


def urlset(*locations: str) -> bytes:
    entries = "".join(f"<url><loc>{location}</loc></url>" for location in locations)
    return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'.encode()


def test_a_sitemap_lists_exactly_the_pages_to_crawl(site: FakeSite, other_site: FakeSite) -> None:
    site.pages["/sitemap.xml"] = Reply(
        urlset(f"{site.url}/a", f"{site.url}/b", f"{other_site.url}/c"), content_type="application/xml"
    )
    site.pages["/a"] = page("A", "/not-in-sitemap")
    site.pages["/b"] = page("B")
    result = run(site.url + "/sitemap.xml")
    assert ids(result, site.url) == ["/a", "/b"]
    assert site.page_hits() == ["/a", "/b", "/sitemap.xml"]
    assert other_site.hits == []
    assert reasons(result.skipped, other_site.url) == {"/c": "on another site"}


def test_a_sitemap_index_leads_to_its_sitemaps_gzipped_or_not(site: FakeSite) -> None:
    index = f"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>{site.url}/s1.xml</loc></sitemap><sitemap><loc>{site.url}/s2.xml.gz</loc></sitemap>
      <sitemap><loc>{site.url}/missing.xml</loc></sitemap></sitemapindex>"""
    site.pages["/sitemap_index.xml"] = Reply(index.encode(), content_type="text/xml")
    site.pages["/s1.xml"] = Reply(urlset(f"{site.url}/a"), content_type="text/xml")
    site.pages["/s2.xml.gz"] = Reply(gzip.compress(urlset(f"{site.url}/b")), content_type="application/gzip")
    site.pages["/a"] = page("A")
    site.pages["/b"] = page("B")
    result = run(site.url + "/sitemap_index.xml")
    assert ids(result, site.url) == ["/a", "/b"]
    assert reasons(result.errors, site.url) == {"/missing.xml": "HTTP 404"}


def test_a_broken_sitemap_is_an_error(site: FakeSite) -> None:
    site.pages["/sitemap.xml"] = Reply(b"<html>not xml at all", content_type="text/html")
    result = run(site.url + "/sitemap.xml")
    assert result.articles == []
    assert reasons(result.errors, site.url)["/sitemap.xml"].startswith("not a sitemap (invalid XML")


# --- limits and failures ----------------------------------------------------------------


def test_max_pages_limits_the_requests(site: FakeSite) -> None:
    for number in range(10):
        site.pages[f"/p{number}"] = page(f"P{number}", f"/p{number + 1}")
    result = run(site.url + "/p0", max_pages=3, concurrency=1)
    assert site.page_hits() == ["/p0", "/p1", "/p2"]
    assert ids(result, site.url) == ["/p0", "/p1", "/p2"]
    assert reasons(result.skipped, site.url) == {"/p3": "over the limit of 3 pages"}


def test_bad_pages_are_reported_and_the_crawl_goes_on(site: FakeSite) -> None:
    links = ["/missing", "/broken", "/dropped", "/slow", "/bad.pdf", "/logo.png", "/empty", "/ok"]
    site.pages["/"] = page("Home", *links)
    site.pages["/broken"] = Reply(b"boom", status=500)
    site.pages["/dropped"] = Reply(drop=True)
    site.pages["/slow"] = Reply(b"<p>late</p>", delay=3)
    site.pages["/bad.pdf"] = Reply(b"%PDF-1.4 not really", content_type="application/pdf")
    site.pages["/logo.png"] = Reply(b"\x89PNG", content_type="image/png")
    site.pages["/empty"] = Reply(b"<nav>only navigation</nav>")
    site.pages["/ok"] = page("OK")
    result = run(site.url + "/", timeout=1.0, concurrency=4)
    assert ids(result, site.url) == ["/", "/ok"]
    errors = reasons(result.errors, site.url)
    assert sorted(errors) == ["/bad.pdf", "/broken", "/dropped", "/empty", "/missing", "/slow"]
    assert errors["/missing"] == "HTTP 404"
    assert errors["/broken"] == "HTTP 500"
    assert errors["/dropped"].startswith("RemoteProtocolError")
    assert errors["/slow"] == "no complete response within 1 s"
    assert errors["/bad.pdf"].startswith("not a readable PDF (")
    assert errors["/empty"] == "no text to index"
    assert reasons(result.skipped, site.url) == {"/logo.png": "content type image/png is not HTML or PDF"}


def test_a_response_over_the_size_limit_is_an_error(site: FakeSite) -> None:
    site.pages["/"] = page("Home", "/big")
    site.pages["/big"] = Reply(b"<p>" + b"x" * 5000 + b"</p>")
    result = run(site.url + "/", max_bytes=2000)
    assert reasons(result.errors, site.url) == {"/big": "too large (0.0 MB; the limit is 0.0 MB)"}


def test_pdf_pages_become_articles(site: FakeSite) -> None:
    site.pages["/"] = page("Home", "/files/manual")
    site.pages["/files/manual"] = Reply(
        make_pdf([["User manual", "Install the app."]], title="Manual"), content_type="application/pdf"
    )
    result = run(site.url + "/")
    manual = result.articles[1]
    assert (manual.doc_id, manual.title, manual.url) == (
        f"{site.url}/files/manual",
        "Manual",
        f"{site.url}/files/manual",
    )


def test_an_unreachable_site_is_an_error_not_an_exception() -> None:
    with socket.socket() as unused:  # a port that was free a moment ago and that nobody listens on
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
    result = run(url + "/")
    assert result.articles == []
    assert [issue.url for issue in result.errors] == [url + "/robots.txt"]
    assert result.errors[0].reason.startswith("ConnectError")


# --- politeness -----------------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [1, 3])
def test_requests_in_flight_never_exceed_the_limit(site: FakeSite, concurrency: int) -> None:
    site.pages["/"] = page("Home", *(f"/p{n}" for n in range(8)))
    for number in range(8):
        site.pages[f"/p{number}"] = Reply(page(f"P{number}").body, delay=0.2)
    result = run(site.url + "/", concurrency=concurrency)
    assert len(result.articles) == 9
    assert site.max_in_flight == concurrency


def test_the_default_is_two_requests_at_a_time(site: FakeSite) -> None:
    site.pages["/"] = page("Home", *(f"/p{n}" for n in range(6)))
    for number in range(6):
        site.pages[f"/p{number}"] = Reply(page(f"P{number}").body, delay=0.2)
    run(site.url + "/")
    assert site.max_in_flight == 2


def test_the_delay_spaces_out_each_workers_requests(site: FakeSite) -> None:
    site.pages["/"] = page("Home", "/a", "/b")
    site.pages["/a"] = page("A")
    site.pages["/b"] = page("B")
    run(site.url + "/", concurrency=1, delay=0.3)
    starts = site.started[1:]
    assert all(later - earlier >= 0.3 for earlier, later in zip(starts, starts[1:], strict=False))


# --- the blocking wrapper and the options ------------------------------------------------


def test_crawl_site_runs_the_crawl_with_its_own_client(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    for proxy in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    site.pages["/"] = page("Home")
    assert [article.title for article in crawl_site(site.url + "/").articles] == ["Home"]


def test_a_start_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ValueError, match="not an http"):
        crawl_site("ftp://example.com/")


@pytest.mark.parametrize("bad", [{"max_pages": 0}, {"concurrency": 0}, {"delay": -1}, {"timeout": 0}])
def test_options_are_checked(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        CrawlOptions(**bad)


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("HTTP://Help.Example.COM", "http://help.example.com/"),
        ("https://help.example.com:443/a?b=1#frag", "https://help.example.com/a?b=1"),
        ("http://user:pw@help.example.com:8080/a", "http://help.example.com:8080/a"),
        ("http://[::1]:8000/x", "http://[::1]:8000/x"),
        ("mailto:help@example.com", None),
        ("http://help.example.com:notaport/", None),
        ("/relative", None),
    ],
)
def test_urls_are_normalized_for_deduplication(url: str, normal: str | None) -> None:
    assert normalize_url(url) == normal
