"""Crawl a help-centre website into Articles.

    async with httpx.AsyncClient() as client:
        result = await crawl("https://help.example.com/", client, CrawlOptions(max_pages=200))
    result = crawl_site("https://help.example.com/sitemap.xml")  # blocking, for the CLI

From a page URL the crawler follows links; from a sitemap URL (one ending in
`.xml` or `.xml.gz`, a page list or a sitemap index) it reads exactly the pages
listed. Either way it stays on the start URL's scheme, host and port, obeys
robots.txt, keeps at most `concurrency` requests in flight, and turns HTML and
PDF responses into Articles through `parse_document` (doc_id: the page's URL
after redirects; url: its canonical URL if it names one). A page that fails
is recorded in the result and the crawl goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx

from knowledge.documents import MAX_BYTES, Article, DocumentError, parse_document
from knowledge.loaders.base import Unreadable
from knowledge.loaders.links import page_links
from knowledge.loaders.sitemap import Sitemap, parse_sitemap

USER_AGENT = "SupportbotCrawler/0.1"
PAGE_TYPES = {"text/html": ".html", "application/xhtml+xml": ".html", "application/pdf": ".pdf"}
MAX_SITEMAPS = 100
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class CrawlOptions:
    max_pages: int = 500  # pages requested at most; sitemaps and robots.txt do not count
    concurrency: int = 2  # requests in flight at once
    delay: float = 0.0  # seconds each worker waits after a request; robots.txt Crawl-delay can lengthen it
    timeout: float = 15.0  # seconds per request, from connecting to the last byte
    max_bytes: int = MAX_BYTES  # larger responses are errors
    user_agent: str = USER_AGENT

    def __post_init__(self) -> None:
        if self.max_pages < 1 or self.concurrency < 1:
            raise ValueError("max_pages and concurrency must be at least 1")
        if self.delay < 0 or self.timeout <= 0:
            raise ValueError("delay must not be negative and timeout must be positive")


@dataclass(frozen=True)
class CrawlIssue:
    url: str
    reason: str  # a few words: "HTTP 404", "disallowed by robots.txt"


@dataclass
class CrawlResult:
    articles: list[Article] = field(default_factory=list)
    errors: list[CrawlIssue] = field(default_factory=list)  # failed: HTTP errors, timeouts, bad documents
    skipped: list[CrawlIssue] = field(default_factory=list)  # left out on purpose: robots.txt, type, limit


@dataclass(frozen=True)
class _Response:
    url: str  # after redirects
    status: int
    media_type: str
    body: bytes  # empty unless the status is 2xx and the media type was wanted


class _Failed(Exception):
    """The request produced no response: a timeout, a refused connection, a reset."""


def crawl_site(
    start_url: str, options: CrawlOptions | None = None, client: httpx.AsyncClient | None = None
) -> CrawlResult:
    """Blocking `crawl`; without a client it makes one and closes it afterwards."""
    return asyncio.run(_crawl_with_client(start_url, options or CrawlOptions(), client))


async def _crawl_with_client(
    start_url: str, options: CrawlOptions, client: httpx.AsyncClient | None
) -> CrawlResult:
    if client is not None:
        return await crawl(start_url, client, options)
    async with httpx.AsyncClient(timeout=options.timeout) as own:
        return await crawl(start_url, own, options)


async def crawl(
    start_url: str, client: httpx.AsyncClient, options: CrawlOptions | None = None
) -> CrawlResult:
    """Crawl from a page or a sitemap; ValueError only for a start URL that is not http(s)."""
    start = normalize_url(start_url)
    if start is None:
        raise ValueError(f"not an http(s) URL: {start_url!r}")
    crawler = _Crawler(client, options or CrawlOptions(), start)
    await crawler.run()
    return crawler.result()


def normalize_url(url: str) -> str | None:
    """The URL without fragment, user info or default port, host lowercased; None unless http(s)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    host = f"[{host}]" if ":" in host else host
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _redirect_target(response: httpx.Response) -> str | None:
    if not response.is_redirect:
        return None
    return normalize_url(str(response.url.join(response.headers["location"])))


def _is_sitemap_url(url: str) -> bool:
    return urlsplit(url).path.lower().endswith((".xml", ".xml.gz"))


class _Crawler:
    """The state of one crawl: the frontier, what was seen, and what came of it."""

    def __init__(self, client: httpx.AsyncClient, options: CrawlOptions, start: str) -> None:
        self._client = client
        self._options = options
        self._start = start
        self._origin = _origin(start)
        self._robots = RobotFileParser()
        self._delay = options.delay
        self._follow_links = not _is_sitemap_url(start)
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._seen: set[str] = set()  # every URL ever queued, skipped or reached by a redirect
        self._scheduled = 0
        self._by_canonical: dict[str, str] = {}  # article url -> doc_id of the page that gave it
        self._articles: list[Article] = []
        self._errors: list[CrawlIssue] = []
        self._skipped: list[CrawlIssue] = []

    async def run(self) -> None:
        await self._read_robots()
        if self._follow_links:
            self._enqueue(self._start)
        else:
            await self._read_sitemaps()
        workers = [asyncio.create_task(self._work()) for _ in range(self._options.concurrency)]
        try:
            await self._queue.join()
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    def result(self) -> CrawlResult:
        return CrawlResult(
            articles=sorted(self._articles, key=lambda article: article.doc_id),
            errors=sorted(self._errors, key=lambda issue: issue.url),
            skipped=sorted(self._skipped, key=lambda issue: issue.url),
        )

    # --- robots.txt and sitemaps, read one at a time before the pages ------

    async def _read_robots(self) -> None:
        url = f"{self._origin}/robots.txt"
        try:
            response = await self._get(url, wanted=None, may_follow=self._on_site)
        except _Failed as failure:
            self._robots_unavailable(url, str(failure))
            return
        if response.status in (401, 403) or response.status >= 500:
            self._robots_unavailable(url, f"HTTP {response.status}")
        elif response.status >= 400:
            self._robots.parse([])  # no robots.txt: everything is allowed
        else:
            self._robots.parse(response.body.decode("utf-8", errors="replace").splitlines())
        # Crawl-delay is per site; each of the workers waits that long times their number
        crawl_delay = float(self._robots.crawl_delay(self._options.user_agent) or 0)
        self._delay = max(self._delay, crawl_delay * self._options.concurrency)

    def _robots_unavailable(self, url: str, reason: str) -> None:
        # as urllib.robotparser and the big crawlers do: a site that hides or cannot
        # serve its robots.txt is not crawled at all
        self._errors.append(CrawlIssue(url, f"{reason}; nothing crawled without robots.txt"))
        self._robots.parse(["User-agent: *", "Disallow: /"])

    async def _read_sitemaps(self) -> None:
        """Sitemaps breadth first, until the page limit is reached; pages go to the queue."""
        pending, read = [self._start], 0
        while pending and read < MAX_SITEMAPS and self._scheduled < self._options.max_pages:
            url = pending.pop(0)
            if url in self._seen:
                continue
            self._seen.add(url)
            if not self._allowed(url):
                self._skip(url, "disallowed by robots.txt")
                continue
            read += 1
            found = await self._read_sitemap(url)
            for link in found.sitemaps:
                nested = normalize_url(link)
                if nested and self._on_site(nested):
                    pending.append(nested)
                elif nested:
                    self._skip(nested, "on another site")
            for page in found.pages:
                self._consider(page, from_sitemap=True)
        for url in pending:
            self._skip(url, "sitemap not read: the page or sitemap limit was reached")

    async def _read_sitemap(self, url: str) -> Sitemap:
        try:
            response = await self._get(url, wanted=None, may_follow=self._may_fetch)
            if not 200 <= response.status < 300:
                raise _Failed(f"HTTP {response.status}")
            return parse_sitemap(response.body, self._options.max_bytes)
        except (_Failed, Unreadable) as problem:
            self._errors.append(CrawlIssue(url, str(problem)))
            return Sitemap()

    # --- the frontier ------------------------------------------------------

    def _consider(self, link: str, *, from_sitemap: bool = False) -> None:
        url = normalize_url(link)
        if url is None:
            return  # mailto:, javascript:, ...
        if not self._on_site(url):
            if from_sitemap:  # a sitemap lists pages on purpose; a link elsewhere is just a link
                self._skip(url, "on another site")
            return
        self._enqueue(url)

    def _enqueue(self, url: str) -> None:
        if url in self._seen:
            return
        self._seen.add(url)
        if not self._allowed(url):
            self._skip(url, "disallowed by robots.txt")
        elif self._scheduled >= self._options.max_pages:
            self._skip(url, f"over the limit of {self._options.max_pages} pages")
        else:
            self._scheduled += 1
            self._queue.put_nowait(url)

    def _on_site(self, url: str) -> bool:
        return _origin(url) == self._origin

    def _allowed(self, url: str) -> bool:
        return self._robots.can_fetch(self._options.user_agent, url)

    def _may_fetch(self, url: str) -> bool:
        return self._on_site(url) and self._allowed(url)

    def _skip(self, url: str, reason: str) -> None:
        self._skipped.append(CrawlIssue(url, reason))

    # --- pages, `concurrency` workers at a time ----------------------------

    async def _work(self) -> None:
        while True:
            url = await self._queue.get()
            try:
                await self._visit(url)
            except Exception as error:  # a bug or surprise on one page must not stop the crawl
                self._errors.append(CrawlIssue(url, f"unexpected {type(error).__name__}: {error}"))
            finally:
                self._queue.task_done()
            if self._delay:
                await asyncio.sleep(self._delay)

    async def _visit(self, url: str) -> None:
        response = await self._fetch_page(url)
        if response is None:
            return
        suffix = PAGE_TYPES[response.media_type]
        if suffix == ".html":
            links = page_links(response.body, response.url)
            if self._follow_links and not links.nofollow:
                for link in links.links:
                    self._consider(link)
            if links.noindex:
                self._skip(response.url, "marked noindex")
                return
        self._index(response, suffix)

    async def _fetch_page(self, url: str) -> _Response | None:
        """The page's response, or None once the reason it yields nothing is recorded."""
        try:
            response = await self._get(url, wanted=PAGE_TYPES, may_follow=self._may_fetch)
        except _Failed as failure:
            self._errors.append(CrawlIssue(url, str(failure)))
            return None
        if not self._on_site(response.url):
            self._skip(url, f"redirected to another site: {response.url}")
        elif not self._allowed(response.url):
            self._skip(url, f"redirected to {response.url}, which robots.txt disallows")
        elif not 200 <= response.status < 300:
            self._errors.append(CrawlIssue(url, f"HTTP {response.status}"))
        elif response.url != url and response.url in self._seen:
            self._skip(url, f"redirected to {response.url}, which is crawled or skipped on its own")
        elif response.media_type not in PAGE_TYPES:
            self._skip(url, f"content type {response.media_type or '(none)'} is not HTML or PDF")
        else:
            self._seen.add(response.url)
            return response
        return None

    def _index(self, response: _Response, suffix: str) -> None:
        try:
            article = parse_document(
                response.url, response.body, max_bytes=self._options.max_bytes, suffix=suffix
            )
        except DocumentError as error:
            self._errors.append(CrawlIssue(response.url, str(error).removeprefix(f"{response.url}: ")))
            return
        twin = self._by_canonical.setdefault(article.url, article.doc_id)
        if twin != article.doc_id:
            self._skip(response.url, f"same canonical URL as {twin}")
            return
        self._articles.append(article)

    # --- HTTP --------------------------------------------------------------

    async def _get(
        self, url: str, wanted: dict[str, str] | None, may_follow: Callable[[str], bool]
    ) -> _Response:
        """GET within the time limit; the body is read only for a 2xx of a wanted type.

        Redirects are followed only to URLs `may_follow` accepts: the response of a
        redirect elsewhere carries its target as `url`, and nothing is fetched there.
        """
        try:
            return await asyncio.wait_for(self._get_unbounded(url, wanted, may_follow), self._options.timeout)
        except asyncio.TimeoutError:
            raise _Failed(f"no complete response within {self._options.timeout:g} s") from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as error:
            detail = f": {error}" if str(error) else ""
            raise _Failed(f"{type(error).__name__}{detail}") from None

    async def _get_unbounded(
        self, url: str, wanted: dict[str, str] | None, may_follow: Callable[[str], bool]
    ) -> _Response:
        headers = {"User-Agent": self._options.user_agent}
        for _ in range(MAX_REDIRECTS + 1):
            async with self._client.stream("GET", url, headers=headers, follow_redirects=False) as response:
                target = _redirect_target(response)
                if target is None:
                    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    body = b""
                    if response.is_success and (wanted is None or media_type in wanted):
                        body = await self._read_body(response)
                    return _Response(url, response.status_code, media_type, body)
            if not may_follow(target):
                return _Response(target, response.status_code, "", b"")
            url = target
        raise _Failed(f"more than {MAX_REDIRECTS} redirects")

    async def _read_body(self, response: httpx.Response) -> bytes:
        limit = self._options.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _Failed(f"too large ({int(declared) / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB)")
        body = bytearray()
        async for piece in response.aiter_bytes():
            body.extend(piece)
            if len(body) > limit:
                raise _Failed(f"too large (over the limit of {limit / 1e6:.1f} MB)")
        return bytes(body)
