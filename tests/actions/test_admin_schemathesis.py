"""Schemathesis against the admin API of a real action server: no input gets a 5xx.

The server is the real process (`python -m actions.server`) on a free loopback
port, with its own copy of a few help-centre articles and its own index, so
uploads and deletes the fuzzer makes touch nothing else. Schemathesis reads
the OpenAPI description the server publishes and generates requests from it,
valid and invalid; every response must be a non-5xx that matches the description.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.e2e.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "schemathesis-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ARTICLES = ["reset-your-password.md", "refund-policy.md", "offline-mode.md"]


@pytest.fixture(scope="module")
def admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("admin-fuzz")
    folder = base / "helpcentre"
    folder.mkdir()
    for name in ARTICLES:
        shutil.copy(ROOT / "knowledge" / "helpcentre" / name, folder / name)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CHROMA_", "SLACK_"))},
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "SUPPORTBOT_DATA_DIR": str(base),
        "HELPCENTRE_DIR": str(folder),
        "CHROMA_PATH": str(base / "chroma"),
        "ADMIN_TOKEN": TOKEN,
    }
    subprocess.run(
        [sys.executable, "-m", "knowledge", "sync"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    log = (base / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "actions.server", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(f"{url}/health", server, base / "server.log")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"action server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"action server did not answer {url}")


def _operations(url: str) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_url(f"{url}/admin/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


# Schemathesis' own pytest plugin does not run under this pytest; its strategies
# under plain hypothesis do the same work, one operation at a time. All default
# checks run (no 5xx, documented status codes, content types, response schemas)
# but one: OpenAPI cannot say that an upload's file name needs a known suffix,
# so "schema-valid" uploads of an unknown type rightly get 415.
def test_no_request_gets_a_server_error(admin_url: str) -> None:
    operations = _operations(admin_url)
    assert len(operations) >= 4, [op.label for op in operations]
    for operation in operations:

        @given(case=_valid_and_invalid(operation))
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=admin_url, headers=AUTH, timeout=120, excluded_checks=[positive_data_acceptance]
            )

        fuzz()


def _valid_and_invalid(operation: schemathesis.APIOperation) -> st.SearchStrategy[schemathesis.Case]:
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )


def test_without_the_token_every_route_is_refused(admin_url: str) -> None:
    for operation in _operations(admin_url):

        @given(case=operation.as_strategy())
        @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def probe(case: schemathesis.Case) -> None:
            response = case.call(base_url=admin_url, timeout=60)
            if case.path == "/admin/openapi.json":
                assert response.status_code == 200  # the description is public by design
            else:
                assert response.status_code == 401, (case.method, case.path, response.text)

        probe()
