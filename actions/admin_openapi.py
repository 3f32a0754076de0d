"""The OpenAPI 3.1 description of the admin API (actions/admin.py), written by hand.

tests/actions/test_admin.py checks that every route here is served, every served
admin route is here, and that real responses validate against these schemas.
"""

from __future__ import annotations

from typing import Any

from actions.reports.openapi import report_paths, report_schemas, report_security_schemes

JSON = "application/json"


def openapi_document(max_upload_bytes: int) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Supportbot admin API",
            "version": "1.0.0",
            "description": (
                "Manage the help-centre documents the bot answers from, and read the support reports. "
                "The help-centre folder is the "
                "source of truth; every change re-syncs the index (only changed documents are embedded). "
                "Every route except this description needs `Authorization: Bearer <ADMIN_TOKEN>`; "
                "without ADMIN_TOKEN configured they answer 503."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/admin/documents": {"get": _list_documents(), "post": _upload(max_upload_bytes)},
            "/admin/documents/{doc_id}": {"delete": _delete()},
            "/admin/sync": {"post": _sync()},
            "/admin/openapi.json": {"get": _openapi()},
            **report_paths(),
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                **report_security_schemes(),
            },
            "schemas": {**_schemas(), **report_schemas()},
            "responses": _responses(max_upload_bytes),
        },
    }


def _list_documents() -> dict[str, Any]:
    return {
        "operationId": "listDocuments",
        "summary": "List the documents in the help-centre folder and whether each is indexed",
        "responses": {
            "200": _json("The documents, sorted by id", "DocumentList"),
            **_errors("401", "500", "503"),
        },
    }


def _upload(max_upload_bytes: int) -> dict[str, Any]:
    return {
        "operationId": "uploadDocument",
        "summary": "Upload a document (new or replacing one with the same id), then sync",
        "description": (
            "Send multipart/form-data with the file in the field `file` (its file name is the document "
            "id unless `name` is given), or the raw bytes with any other content type and `name`. "
            f"At most {max_upload_bytes} bytes. The document is checked and parsed before anything is "
            "written: a refused upload changes neither the folder nor the index."
        ),
        "parameters": [
            {
                "name": "name",
                "in": "query",
                "required": False,
                "description": "Document id, a relative path like `billing/refunds.md`; "
                "required for a raw body.",
                "schema": {"type": "string"},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "contentMediaType": "application/octet-stream"}
                        },
                    }
                },
                "application/octet-stream": {"schema": {"contentMediaType": "application/octet-stream"}},
            },
        },
        "responses": {
            "200": _json("Replaced an existing document (or it was unchanged); synced", "UploadResult"),
            "201": _json("Added a new document; synced", "UploadResult"),
            **_errors("400", "401", "413", "415", "422", "500", "503"),
        },
    }


def _delete() -> dict[str, Any]:
    return {
        "operationId": "deleteDocument",
        "summary": "Delete a document from the folder, then sync",
        "parameters": [
            {
                "name": "doc_id",
                "in": "path",
                "required": True,
                "description": "Document id as listed, e.g. `billing/refunds.md`; "
                "its slashes may be sent as is or percent-encoded.",
                "schema": {"type": "string"},
            }
        ],
        "responses": {
            "200": _json("Deleted; synced", "DeleteResult"),
            **_errors("400", "401", "404", "500", "503"),
        },
    }


def _sync() -> dict[str, Any]:
    return {
        "operationId": "syncDocuments",
        "summary": "Re-index the help-centre folder (e.g. after editing files on disk)",
        "responses": {"200": _json("Synced", "SyncResult"), **_errors("401", "500", "503")},
    }


def _openapi() -> dict[str, Any]:
    return {
        "operationId": "getOpenAPI",
        "summary": "This description (public)",
        "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1 document", "content": {JSON: {"schema": {}}}}},
    }


def _json(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref(schema)}}}


def _errors(*statuses: str) -> dict[str, Any]:
    return {status: {"$ref": f"#/components/responses/{status}"} for status in statuses}


def _ref(schema: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{schema}"}


def _responses(max_upload_bytes: int) -> dict[str, Any]:
    error = {JSON: {"schema": _ref("Error")}}
    described = {
        "400": "Bad document name (absolute, '..', backslash, hidden) or no file in the request",
        "401": "Missing or wrong bearer token",
        "404": "No such document",
        "413": f"Upload larger than {max_upload_bytes} bytes",
        "415": "Unsupported file type",
        "422": "The file cannot be parsed (e.g. a corrupt PDF) or has no text to index",
        "500": "The help-centre folder cannot be read or indexed, or an internal error",
        "503": "The admin API is disabled: ADMIN_TOKEN is not set",
    }
    responses: dict[str, Any] = {
        status: {"description": text, "content": error} for status, text in described.items()
    }
    responses["401"]["headers"] = {
        "WWW-Authenticate": {"description": "Bearer challenge", "schema": {"type": "string"}}
    }
    return responses


def _schemas() -> dict[str, Any]:
    ids = {"type": "array", "items": {"type": "string"}}
    return {
        "Error": _object(error={"type": "string", "description": "What is wrong and how to fix it"}),
        "Document": _object(
            doc_id={"type": "string", "description": "Path relative to the help-centre folder"},
            title={"type": "string"},
            url={"type": "string", "description": "Where citations link to"},
            updated={"type": "string"},
            fingerprint={"type": "string", "description": "Changes whenever indexed content changes"},
            indexed={"type": "boolean", "description": "The index holds exactly this version"},
            size={"type": "integer", "minimum": 0, "description": "Bytes on disk"},
        ),
        "SyncReport": _object(
            added=ids,
            updated=ids,
            removed=ids,
            unchanged=ids,
            skipped={**ids, "description": "Documents with no text to index"},
            chunks_embedded={"type": "integer", "minimum": 0},
        ),
        "DocumentList": _object(documents={"type": "array", "items": _ref("Document")}),
        "UploadResult": _object(document=_ref("Document"), sync=_ref("SyncReport")),
        "DeleteResult": _object(deleted={"type": "string"}, sync=_ref("SyncReport")),
        "SyncResult": _object(sync=_ref("SyncReport")),
    }


def _object(**properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }
