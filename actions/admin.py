"""The admin HTTP API on the action server: manage the help-centre documents.

    GET    /admin/documents            the documents, and whether each is indexed
    POST   /admin/documents            upload: multipart field `file`, or raw bytes with ?name=
    DELETE /admin/documents/<doc_id>   delete a document
    POST   /admin/sync                 re-index the folder
    GET    /admin/openapi.json         the OpenAPI description (public)
    GET    /admin/reports[.json|.csv]  support reports (actions/reports/web.py)

Every route but the description needs `Authorization: Bearer $ADMIN_TOKEN`; when
ADMIN_TOKEN is not configured they answer 503. This layer only translates: requests
to `Library` calls (blocking, so run in a thread) and `LibraryError`s to status codes.
Errors are JSON `{"error": "..."}`. The token is never logged.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol, cast
from urllib.parse import unquote

from sanic import Request, Sanic
from sanic.headers import parse_content_header
from sanic.response import HTTPResponse, json

from actions.admin_openapi import openapi_document
from actions.reports.service import ReportService
from actions.reports.web import register_report_routes
from knowledge.documents import Article
from knowledge.library import (
    FolderError,
    InvalidName,
    Library,
    LibraryError,
    TooLarge,
    UnknownDocument,
    UnreadableDocument,
    UnsupportedType,
)
from knowledge.settings import Secret, SettingsError
from knowledge.store import SyncReport

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
LARGEST_MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # the document loaders' own limit (knowledge.documents)
MIN_TOKEN_CHARS = 16
MULTIPART_ALLOWANCE = 64 * 1024  # room for the multipart envelope around the file
# A first sync of a large help centre embeds every document (minutes on 2 cores),
# and a change waits for a running sync; Sanic's default 60 s would cut them off.
RESPONSE_TIMEOUT_SECONDS = 900
STATUS = {
    InvalidName: 400,
    UnknownDocument: 404,
    TooLarge: 413,
    UnsupportedType: 415,
    UnreadableDocument: 422,
    FolderError: 500,
}
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


class BodyStream(Protocol):
    """What Sanic's request stream offers a streaming handler (its `Stream` type does not say)."""

    async def read(self) -> bytes | None: ...


@dataclass(frozen=True)
class AdminSettings:
    token: Secret | None  # None: the admin API is disabled
    max_upload_bytes: int

    @classmethod
    def disabled(cls) -> AdminSettings:
        return cls(None, DEFAULT_MAX_UPLOAD_BYTES)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AdminSettings:
        return cls(_token(env.get("ADMIN_TOKEN", "")), _upload_limit(env.get("ADMIN_MAX_UPLOAD_BYTES", "")))


class Refusal(Exception):
    """A request this API answers with `status` and a one-line JSON error."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


def register_admin_routes(
    app: Sanic,
    library: Library,
    token: Secret | None,
    max_upload_bytes: int,
    reports: ReportService | None = None,
) -> None:
    """Add the /admin routes; raises the app's response timeout to RESPONSE_TIMEOUT_SECONDS if lower.

    The report routes are always there; without a `reports` service they answer 503.
    """
    app.config.RESPONSE_TIMEOUT = max(app.config.RESPONSE_TIMEOUT, RESPONSE_TIMEOUT_SECONDS)
    api = AdminAPI(library, max_upload_bytes)
    guard = functools.partial(guarded, token)
    app.add_route(guard(api.list_documents), "/admin/documents", methods=["GET"], name="admin_list")
    app.add_route(guard(api.upload), "/admin/documents", methods=["POST"], name="admin_upload", stream=True)
    app.add_route(
        guard(api.delete), "/admin/documents/<doc_id:path>", methods=["DELETE"], name="admin_delete"
    )
    app.add_route(guard(api.sync), "/admin/sync", methods=["POST"], name="admin_sync")
    app.add_route(api.openapi, "/admin/openapi.json", methods=["GET"], name="admin_openapi")
    register_report_routes(app, token, reports)


class AdminAPI:
    def __init__(self, library: Library, max_upload_bytes: int) -> None:
        self.library = library
        self.max_upload_bytes = max_upload_bytes
        self.spec = openapi_document(max_upload_bytes)

    async def list_documents(self, _: Request) -> HTTPResponse:
        documents = await asyncio.to_thread(self.library.documents)
        return json({"documents": [asdict(document) for document in documents]})

    async def upload(self, request: Request) -> HTTPResponse:
        name, data = await self._received_file(request)
        if len(data) > self.max_upload_bytes:
            raise _too_large(self.max_upload_bytes)
        article, report = await asyncio.to_thread(self.library.add, name, data)
        document = _document(article, size=len(data))
        created = article.doc_id in report.added
        return json({"document": document, "sync": _report(report)}, status=201 if created else 200)

    async def delete(self, _: Request, doc_id: str) -> HTTPResponse:
        doc_id = unquote(doc_id)  # Sanic hands `path` parameters over still percent-encoded
        report = await asyncio.to_thread(self.library.remove, doc_id)
        return json({"deleted": doc_id, "sync": _report(report)})

    async def sync(self, _: Request) -> HTTPResponse:
        report = await asyncio.to_thread(self.library.sync)
        return json({"sync": _report(report)})

    async def openapi(self, _: Request) -> HTTPResponse:
        return json(self.spec)

    async def _received_file(self, request: Request) -> tuple[str, bytes]:
        """(name, bytes) from a multipart `file` field or a raw body with ?name=."""
        body = await read_body(request, self.max_upload_bytes)
        name = request.args.get("name")
        content_type, _ = parse_content_header(request.content_type)
        if content_type == "multipart/form-data":
            request.body = body
            file = request.files.get("file") if request.files else None
            if file is None:
                raise Refusal(400, "no file: send the document in the multipart/form-data field `file`")
            return name or file.name, file.body
        if not name:
            raise Refusal(
                400,
                "no document name: add ?name=billing/refunds.md, or send multipart/form-data "
                "with the document in the field `file`",
            )
        return name, body


def guarded(token: Secret | None, handler: Handler) -> Handler:
    """`handler` behind the bearer token, with refusals and library errors as JSON errors."""

    @functools.wraps(handler)
    async def guarded_handler(request: Request, **kwargs: Any) -> HTTPResponse:
        try:
            check_token(request, token)
            return await handler(request, **kwargs)
        except Refusal as refusal:
            return json({"error": str(refusal)}, status=refusal.status, headers=refusal.headers)
        except LibraryError as error:
            return json({"error": str(error)}, status=STATUS.get(type(error), 400))
        except Exception:
            logger.exception("admin: %s %s failed", request.method, request.path)
            return json({"error": "internal error: see the action-server log"}, status=500)

    return guarded_handler


def check_token(request: Request, token: Secret | None) -> None:
    if token is None:
        raise Refusal(503, "the admin API is disabled: set ADMIN_TOKEN")
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Refusal(
            401,
            "missing admin token: send the header Authorization: Bearer <ADMIN_TOKEN>",
            {"WWW-Authenticate": 'Bearer realm="admin"'},
        )
    if not hmac.compare_digest(_bytes(given.strip()), _bytes(token.reveal())):
        raise Refusal(
            401, "wrong admin token", {"WWW-Authenticate": 'Bearer realm="admin", error="invalid_token"'}
        )


async def read_body(request: Request, max_upload_bytes: int) -> bytes:
    """The whole body, refused (413) by its Content-Length or as soon as it outgrows the limit."""
    limit = max_upload_bytes + MULTIPART_ALLOWANCE
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(max_upload_bytes)
    if request.stream is None:  # not a streaming route: Sanic has read the body already
        return request.body
    stream = cast(BodyStream, request.stream)
    chunks: list[bytes] = []
    received = 0
    while (chunk := await stream.read()) is not None:
        received += len(chunk)
        if received > limit:
            raise _too_large(max_upload_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(max_upload_bytes: int) -> Refusal:
    return Refusal(413, f"upload too large: the limit is {max_upload_bytes} bytes (ADMIN_MAX_UPLOAD_BYTES)")


def _document(article: Article, size: int) -> dict[str, Any]:
    return {
        "doc_id": article.doc_id,
        "title": article.title,
        "url": article.url,
        "updated": article.updated,
        "fingerprint": article.fingerprint,
        "indexed": True,  # add() returns once the sync has indexed it
        "size": size,
    }


def _report(report: SyncReport) -> dict[str, Any]:
    return asdict(report)


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _token(raw: str) -> Secret | None:
    value = raw.strip()
    if not value:
        return None
    if len(value) < MIN_TOKEN_CHARS:
        raise SettingsError(
            f"ADMIN_TOKEN must be at least {MIN_TOKEN_CHARS} characters; make one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return Secret(value)


def _upload_limit(raw: str) -> int:
    if not raw.strip():
        return DEFAULT_MAX_UPLOAD_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"ADMIN_MAX_UPLOAD_BYTES must be a whole number of bytes, got {raw!r}") from None
    if not 1 <= value <= LARGEST_MAX_UPLOAD_BYTES:
        raise SettingsError(
            f"ADMIN_MAX_UPLOAD_BYTES must be between 1 and {LARGEST_MAX_UPLOAD_BYTES}, got {value}"
        )
    return value
