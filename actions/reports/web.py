"""The reports on the admin API: a page for people, JSON and CSV for tools.

    GET /admin/reports        the page (HTML, charts as inline SVG)
    GET /admin/reports.json   the report (docs/reports.md)
    GET /admin/reports.csv    the same, one number per line

Query parameters: since, until (YYYY-MM-DD), channel (webchat, slack),
page_url_prefix, timezone, gaps. Token-protected like the rest of /admin:
`Authorization: Bearer <ADMIN_TOKEN>`, or HTTP Basic with ADMIN_TOKEN as the
password (any user name), so that a browser asks for it and then sends it with
the page's JSON/CSV links too. Wrong filters answer 400 and say what to fix.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, html, json, text

from actions.reports.filters import FilterError
from actions.reports.formats import to_csv
from actions.reports.page import render_page
from actions.reports.report import Report
from actions.reports.service import DEFAULT_GAPS, MAX_GAPS, ReportService
from knowledge.settings import Secret

logger = logging.getLogger(__name__)
PARAMETERS = ("since", "until", "channel", "page_url_prefix", "timezone", "gaps")
REALM = "Supportbot admin"
REFRESH_TASK = "reports_refresh"
# No script at all; styles are inline in the page and the SVG.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


class Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.headers = status, headers or {}


def register_report_routes(app: Sanic, token: Secret | None, service: ReportService | None) -> None:
    """The report routes; with a service that asks for it, a background refresh of the summary too."""
    routes = ReportRoutes(token, service)
    if service is not None and service.refresh_seconds > 0:
        refreshing = service

        async def start_refreshing(app: Sanic) -> None:
            app.add_task(_keep_fresh(refreshing), name=REFRESH_TASK)

        async def stop_refreshing(app: Sanic) -> None:
            await app.cancel_task(REFRESH_TASK, raise_exception=False)  # quietly: not a failure

        app.register_listener(start_refreshing, "after_server_start")
        app.register_listener(stop_refreshing, "before_server_stop")
    app.add_route(routes.page, "/admin/reports", methods=["GET"], name="admin_reports_page")
    app.add_route(routes.json, "/admin/reports.json", methods=["GET"], name="admin_reports_json")
    app.add_route(routes.csv, "/admin/reports.csv", methods=["GET"], name="admin_reports_csv")


class ReportRoutes:
    def __init__(self, token: Secret | None, service: ReportService | None) -> None:
        self.token, self.service = token, service

    async def page(self, request: Request) -> HTTPResponse:
        query = _query(request)
        try:
            self._check(request, browser=True)
            report = await self._report(query)
        except Refused as refused:
            page = (
                render_page(None, query, str(refused)) if refused.status == 400 else _plain_page(str(refused))
            )
            return html(page, status=refused.status, headers={**SECURITY_HEADERS, **refused.headers})
        return html(render_page(report, query), headers=SECURITY_HEADERS)

    async def json(self, request: Request) -> HTTPResponse:
        try:
            self._check(request)
            report = await self._report(_query(request))
        except Refused as refused:
            return json({"error": str(refused)}, status=refused.status, headers=refused.headers)
        return json(report, headers={"Cache-Control": "no-store"})

    async def csv(self, request: Request) -> HTTPResponse:
        try:
            self._check(request)
            report = await self._report(_query(request))
        except Refused as refused:
            return json({"error": str(refused)}, status=refused.status, headers=refused.headers)
        f = report["filters"]
        name = f"support-report-{f['since']}-{f['until']}.csv"
        return text(
            to_csv(report),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )

    def _check(self, request: Request, browser: bool = False) -> None:
        if self.token is None:
            raise Refused(503, "the admin API is disabled: set ADMIN_TOKEN")
        challenge = f'Basic realm="{REALM}", charset="UTF-8"' if browser else 'Bearer realm="admin"'
        given = _credential(request.headers.get("authorization") or "")
        if given is None:
            raise Refused(
                401,
                "missing admin token: send Authorization: Bearer <ADMIN_TOKEN> "
                "(or HTTP Basic with ADMIN_TOKEN as the password)",
                {"WWW-Authenticate": challenge},
            )
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self.token.reveal().encode()):
            raise Refused(401, "wrong admin token", {"WWW-Authenticate": challenge})
        if self.service is None:
            raise Refused(503, "reports are not configured on this server: see TRACKER_STORE_URL")

    async def _report(self, query: dict[str, str]) -> Report:
        assert self.service is not None
        service = self.service
        try:
            gaps = _gaps(query.get("gaps"))
            filters = service.filters(
                query.get("since"),
                query.get("until"),
                query.get("channel"),
                query.get("page_url_prefix"),
                query.get("timezone"),
            )
        except FilterError as error:
            raise Refused(400, str(error)) from None
        try:
            report, _ = await asyncio.to_thread(service.run, filters, gaps)
        except Exception:
            logger.exception("reports: computing the report failed")
            raise Refused(500, "the report could not be computed: see the action-server log") from None
        return report


async def _keep_fresh(service: ReportService) -> None:
    """Build the summary once at start, then keep it current, so the page never waits for a cold build.

    Runs in a thread: a first build over a large log takes a while (docs/benchmarks.md).
    A failure is logged and retried next time; it never stops the server.
    """
    try:
        while True:
            await _refresh_once(service)
            await asyncio.sleep(service.refresh_seconds)
    except asyncio.CancelledError:
        return  # the server is stopping: an ordinary end, not worth Sanic's warning


async def _refresh_once(service: ReportService) -> None:
    try:
        stats = await asyncio.to_thread(service.refresh)
    except Exception:
        logger.exception("reports: refreshing the summary failed; trying again later")
        return
    if stats.mode != "unchanged":
        logger.info("reports: summary %s, %d senders in %.1f s", stats.mode, stats.senders, stats.seconds)


def _query(request: Request) -> dict[str, str]:
    """The known parameters, first value each, blank ones too (a form sends since= for "default")."""
    args = request.get_args(keep_blank_values=True)
    return {name: str(args.get(name)) for name in PARAMETERS if args.get(name) is not None}


def _gaps(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_GAPS
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_GAPS:
        raise FilterError("gaps", f"{raw!r} is not a number from 0 to {MAX_GAPS}")
    return int(raw)


def _credential(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if not value:
        return None
    if scheme.lower() == "bearer":
        return value
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        _, colon, password = decoded.partition(":")
        return password if colon and password else None
    return None


def _plain_page(message: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Support reports</title>'
        f"</head><body><p>{_escape(message)}</p></body></html>"
    )


def _escape(message: str) -> str:
    from html import escape

    return escape(message)
