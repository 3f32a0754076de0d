from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.slack_server import FakeSlack
from tests.fakes.slack_socket import FakeSocketMode


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(users={"U0AGENT": {"real_name": "Ann Agent", "display_name": "ann"}}) as fake:
        yield fake


@pytest.fixture
def socket_mode(slack: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode() as fake:
        slack.connections_url = fake.url
        yield fake
