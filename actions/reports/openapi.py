"""The report routes' part of the admin API's OpenAPI description (actions/admin_openapi.py).

The JSON schema follows actions/reports/report.py; tests validate real
responses against it, and the admin API's fuzz test generates requests from it.
"""

from __future__ import annotations

from typing import Any

from actions.reports.filters import CHANNELS, MAX_PREFIX_CHARS
from actions.reports.service import MAX_GAPS

JSON, HTML, CSV = "application/json", "text/html", "text/csv"
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"basicAuth": []}]


def report_paths() -> dict[str, Any]:
    return {
        "/admin/reports": {
            "get": _operation("reportPage", "The report page (HTML, charts as inline SVG)", HTML)
        },
        "/admin/reports.json": {"get": _operation("reportJson", "The report as JSON", JSON)},
        "/admin/reports.csv": {"get": _operation("reportCsv", "The report as CSV, one number per line", CSV)},
    }


def report_security_schemes() -> dict[str, Any]:
    return {
        "basicAuth": {
            "type": "http",
            "scheme": "basic",
            "description": "Any user name, ADMIN_TOKEN as the password (what a browser asks for)",
        }
    }


def _operation(operation_id: str, summary: str, media: str) -> dict[str, Any]:
    error = {media: {"schema": {"type": "string"}}} if media == HTML else {JSON: {"schema": _ref("Error")}}
    ok = {JSON: {"schema": _ref("Report")}} if media == JSON else {media: {"schema": {"type": "string"}}}
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": "Definitions: docs/reports.md. The summary tables are brought up to date first.",
        "security": SECURITY,
        "parameters": _parameters(),
        "responses": {
            "200": {"description": "The report", "content": ok},
            "400": {"description": "A filter is wrong; the message says how to fix it", "content": error},
            "401": {
                "description": "Missing or wrong token",
                "content": error,
                "headers": {"WWW-Authenticate": {"description": "Challenge", "schema": {"type": "string"}}},
            },
            "413": {
                "description": "The request line or headers are over the server's size limit (8 KiB)",
                "content": {JSON: {"schema": _ref("Error")}},
            },
            "500": {"description": "The conversation log could not be read", "content": error},
            "503": {"description": "ADMIN_TOKEN is not set, or reports are not configured", "content": error},
        },
    }


def _parameters() -> list[dict[str, Any]]:
    day = {"type": "string", "pattern": r"^(\d{4}-\d{2}-\d{2})?$"}
    return [
        _query("since", "First day, YYYY-MM-DD (default: 29 days before until)", day),
        _query("until", "Last day, YYYY-MM-DD, included (default: today)", day),
        _query("channel", "Only this channel (empty: all)", {"type": "string", "enum": ["", *CHANNELS]}),
        _query(
            "page_url_prefix",
            "Only conversations whose first message came from a page whose URL starts so",
            {"type": "string", "maxLength": MAX_PREFIX_CHARS},
        ),
        _query("timezone", "IANA time zone the days are counted in", {"type": "string", "maxLength": 64}),
        _query("gaps", "Knowledge gaps to list", {"type": "integer", "minimum": 0, "maximum": MAX_GAPS}),
    ]


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _ref(schema: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{schema}"}


def report_schemas() -> dict[str, Any]:
    rate = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
    count = {"type": "integer", "minimum": 0}
    seconds = {"type": ["number", "null"], "minimum": 0}
    counts = {"type": "object", "additionalProperties": count}
    text_or_null = {"type": ["string", "null"]}
    csat_part = _object(responses=count, average={"type": ["number", "null"]}, distribution=counts)
    return {
        "Report": _object(
            filters=_object(
                since={"type": "string", "format": "date"},
                until={"type": "string", "format": "date"},
                timezone={"type": "string"},
                channel=text_or_null,
                page_url_prefix=text_or_null,
            ),
            generated_at={"type": "string"},
            conversations=count,
            channels=counts,
            containment=_object(contained=count, rate=rate),
            handoff=_object(
                handed_off=count,
                rate=rate,
                after_hours=count,
                after_hours_share=rate,
                handoffs=count,
                tickets=count,
            ),
            first_agent_reply=_object(
                handoffs=count,
                replied=count,
                median_seconds=seconds,
                p90_seconds=seconds,
                mean_seconds=seconds,
                histogram={"type": "array", "items": _object(label={"type": "string"}, count=count)},
            ),
            csat=_object(
                surveys=count,
                responses=count,
                average={"type": ["number", "null"]},
                distribution=counts,
                response_rate=rate,
                scale={"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
                by_path=_object(bot_only=csat_part, after_handoff=csat_part),
            ),
            helpfulness=_object(
                answers=count,
                rated=count,
                helpful=count,
                not_helpful=count,
                helpful_share=rate,
                rated_share=rate,
            ),
            unanswered=_object(declined_answers=count, conversations_ending_unanswered=count),
            knowledge_gaps={
                "type": "array",
                "items": _object(
                    question={"type": "string"},
                    count=count,
                    conversations=count,
                    phrasings=count,
                    examples={"type": "array", "items": {"type": "string"}},
                    last_asked={"type": "string"},
                ),
            },
            daily={
                "type": "array",
                "items": _object(
                    date={"type": "string", "format": "date"},
                    conversations=count,
                    containment_rate=rate,
                    handoff_rate=rate,
                    csat_responses=count,
                    csat_average={"type": ["number", "null"]},
                    helpful_share=rate,
                ),
            },
        )
    }


def _object(**properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }
