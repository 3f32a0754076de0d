"""The report routes over HTTP: rasa-sdk's app with the report routes, driven through httpx's ASGI transport.

Responses are checked against the admin API's OpenAPI description (status
documented, content type, the JSON schema of the report).
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sanic import Sanic

from actions.admin_openapi import openapi_document
from actions.reports.service import ReportService
from actions.reports.synthetic import SyntheticLog
from actions.reports.web import register_report_routes
from knowledge.settings import Secret
from tests.actions.reports.helpers import at, service
from tests.actions.reports.scenario import scenario
from tests.actions.test_admin import AdminClient

TOKEN = "report-admin-token-0123456789"
SPEC = openapi_document(4096)
RANGE = "since=2026-11-01&until=2026-11-30"


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)  # every test builds an app named "rasa_sdk"


@pytest.fixture
def client(sqlite_engine: sa.Engine) -> Iterator[AdminClient]:
    scenario().write(sqlite_engine)
    with serve(Secret(TOKEN), service(sqlite_engine)) as running:
        yield running


class ReportClient(AdminClient):
    """The admin API's test client on an app with only the report routes (no description route)."""

    def start(self) -> None:
        self.loop.run_until_complete(self._lifespan_event("startup"))


class serve:
    def __init__(self, token: Secret | None, reports: ReportService | None) -> None:
        app = create_app(ActionExecutor(), cors_origins=[])
        register_report_routes(app, token, reports)
        self.client = ReportClient(app)

    def __enter__(self) -> AdminClient:
        self.client.start()
        return self.client

    def __exit__(self, *_: Any) -> None:
        self.client.close()


def get(client: AdminClient, path: str, auth: str | None = f"Bearer {TOKEN}") -> httpx.Response:
    response = client.request("GET", path, token=None, headers={"Authorization": auth} if auth else {})
    check_documented(path, response)
    return response


def basic(password: str, user: str = "admin") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def check_documented(path: str, response: httpx.Response) -> None:
    operation = SPEC["paths"][path.split("?")[0]]["get"]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{path}: {response.status_code} not documented"
    media = response.headers["content-type"].split(";")[0]
    assert media in documented["content"], f"{path}: {media} not documented for {response.status_code}"
    if media == "application/json":
        schema = documented["content"][media]["schema"]
        registry: Registry[Any] = Registry().with_resource(
            "urn:spec", Resource.from_contents(SPEC, DRAFT202012)
        )
        rooted = {"$ref": "urn:spec" + schema["$ref"]} if "$ref" in schema else schema
        Draft202012Validator(rooted, registry=registry).validate(response.json())
    for header in documented.get("headers", {}):
        assert header in response.headers


def test_the_json_report_matches_its_schema_and_the_service(
    client: AdminClient, sqlite_engine: sa.Engine
) -> None:
    response = get(client, f"/admin/reports.json?{RANGE}&channel=webchat")
    assert response.status_code == 200
    body = response.json()
    assert body["conversations"] == 6
    assert body["filters"]["channel"] == "webchat"
    assert response.headers["cache-control"] == "no-store"


def test_csv_downloads_with_a_file_name(client: AdminClient) -> None:
    response = get(client, f"/admin/reports.csv?{RANGE}")
    assert response.status_code == 200
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="support-report-2026-11-01-2026-11-30.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert ["summary", "conversations", "", "7"] in rows


def test_the_page_shows_cards_charts_and_gaps(client: AdminClient) -> None:
    response = get(client, f"/admin/reports?{RANGE}")
    assert response.status_code == 200
    page = response.text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert page.count("<svg") == 6
    assert "Containment" in page and "57.1%" in page
    assert "export my notes as a pdf" in page
    assert "<script" not in page
    assert "script-src" not in response.headers["content-security-policy"]  # default-src 'none': no script
    assert f'href="/admin/reports.json?{RANGE.replace("&", "&amp;")}"' in page


def test_the_page_fits_a_390_px_phone() -> None:
    """Nothing in the layout is wider than a phone: the CSS's fixed widths and the charts' viewBox."""
    from actions.reports.charts import WIDTH
    from actions.reports.page import STYLE

    assert WIDTH <= 390
    fixed = [int(px) for px in re.findall(r"(?<![-\w])(?:min-)?width:(\d+)px", STYLE)]
    assert all(px <= 320 for px in fixed), fixed
    assert "minmax(min(100%,320px),1fr)" in STYLE  # one column below 2 x 320 px
    assert "svg.chart{width:100%;height:auto" in STYLE
    assert ".table{overflow-x:auto" in STYLE  # the gaps table scrolls inside its box, not the page


def test_customer_text_on_the_page_is_escaped(sqlite_engine: sa.Engine) -> None:
    log = SyntheticLog()
    chat = log.conversation("evil", at(10))
    question = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    chat.customer(question, page_url="https://x.example/")
    chat.answer(grounded=False, question=question)
    log.write(sqlite_engine)
    with serve(Secret(TOKEN), service(sqlite_engine)) as running:
        page = get(running, f"/admin/reports?{RANGE}").text
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


@pytest.mark.parametrize("path", ["/admin/reports", "/admin/reports.json", "/admin/reports.csv"])
def test_basic_auth_with_the_token_as_password_works_everywhere(client: AdminClient, path: str) -> None:
    assert get(client, f"{path}?{RANGE}", auth=basic(TOKEN)).status_code == 200


@pytest.mark.parametrize("path", ["/admin/reports", "/admin/reports.json", "/admin/reports.csv"])
@pytest.mark.parametrize(
    "auth", [None, "Bearer wrong-token-0123456789", basic("wrong-token-0123456789"), "Basic !!!", "Token abc"]
)
def test_without_the_right_token_nothing_is_shown(client: AdminClient, path: str, auth: str | None) -> None:
    response = get(client, f"{path}?{RANGE}", auth=auth)
    assert response.status_code == 401
    assert "conversations" not in response.text.lower()
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Basic" if path == "/admin/reports" else "Bearer")


def test_the_page_asks_the_browser_for_credentials(client: AdminClient) -> None:
    response = get(client, "/admin/reports", auth=None)
    assert response.headers["www-authenticate"] == 'Basic realm="Supportbot admin", charset="UTF-8"'


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2026-02-30", "since: '2026-02-30' is not a date"),
        ("since=2026-12-01&until=2026-11-01", "since: 2026-12-01 is after the last day 2026-11-01"),
        ("channel=email", "channel: unknown channel 'email'"),
        ("timezone=Nowhere", "timezone: 'Nowhere' is not a time zone"),
        ("gaps=-1", "gaps: '-1' is not a number from 0 to 100"),
        ("gaps=", "gaps: '' is not a number"),
    ],
)
def test_bad_filters_are_400_with_what_to_fix(client: AdminClient, query: str, message: str) -> None:
    response = get(client, f"/admin/reports.json?{query}")
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)
    page = get(client, f"/admin/reports?{query}")
    assert page.status_code == 400
    assert 'role="alert"' in page.text and '<form class="filters"' in page.text
    assert get(client, f"/admin/reports.csv?{query}").status_code == 400


def test_without_an_admin_token_the_reports_are_disabled(sqlite_engine: sa.Engine) -> None:
    with serve(None, service(sqlite_engine)) as running:
        response = get(running, "/admin/reports.json", auth=f"Bearer {TOKEN}")
    assert response.status_code == 503
    assert "set ADMIN_TOKEN" in response.json()["error"]


def test_without_a_report_service_the_routes_say_so() -> None:
    with serve(Secret(TOKEN), None) as running:
        response = get(running, "/admin/reports.json")
    assert response.status_code == 503
    assert "reports are not configured" in response.json()["error"]


def test_the_description_documents_the_report_routes() -> None:
    for path in ("/admin/reports", "/admin/reports.json", "/admin/reports.csv"):
        operation = SPEC["paths"][path]["get"]
        assert operation["security"] == [{"bearerAuth": []}, {"basicAuth": []}]
        assert {"200", "400", "401", "503"} <= set(operation["responses"])
    Draft202012Validator.check_schema(SPEC["components"]["schemas"]["Report"])


def test_the_server_builds_the_summary_at_start_and_keeps_it_fresh(sqlite_engine: sa.Engine) -> None:
    scenario().write(sqlite_engine)
    background = ReportService(service(sqlite_engine).sources, "UTC", refresh_seconds=0.2)
    with serve(Secret(TOKEN), background) as running:

        def summarised() -> int:
            running.loop.run_until_complete(asyncio.sleep(0.1))  # the server's loop runs while we wait
            return _summarised(sqlite_engine)

        assert _eventually(lambda: summarised() == 8)  # c1-c8, before any request
        log = SyntheticLog()
        log.conversation("later", at(20)).customer("hi", "greet", page_url="https://x.example/")
        log.write(sqlite_engine)
        assert _eventually(lambda: summarised() == 9)
        assert get(running, f"/admin/reports.json?{RANGE}").json()["conversations"] == 8


def _summarised(engine: sa.Engine) -> int:
    with engine.connect() as db:
        if not sa.inspect(db).has_table("support_report_senders"):
            return 0
        return int(db.execute(sa.text("SELECT count(*) FROM support_report_senders")).scalar_one())


def _eventually(check: Any, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_a_failing_background_refresh_is_logged_and_retried(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    broken = sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'log.db'}")
    background = ReportService(service(broken).sources, "UTC", refresh_seconds=0.1)
    with serve(Secret(TOKEN), background) as running:

        def failures() -> int:
            running.loop.run_until_complete(asyncio.sleep(0.1))
            return caplog.text.count("refreshing the summary failed")

        assert _eventually(lambda: failures() >= 2)  # the loop goes on after a failure
