"""docs/deploy/compose.yml describes what tests/e2e/test_scale.py runs (tests/e2e/cluster.py).

Docker cannot run here, so the compose file is checked by reading it: the same
services, the same commands, the same variable names, and addresses that point
at the right services.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.e2e.cluster import (
    APP,
    CHROMA_COMMAND,
    INFRASTRUCTURE,
    LOAD_BALANCER,
    REPLICAS,
    SYNC,
    SYNC_COMMAND,
    Addresses,
    launcher_command,
    service_env,
)

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy"
ANY = Addresses(*(["x"] * 9))


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yml").read_text())["services"])


def test_the_same_services(services: dict[str, Any]) -> None:
    assert set(services) == {*INFRASTRUCTURE, *APP, SYNC, LOAD_BALANCER}


@pytest.mark.parametrize("service", sorted(APP))
def test_product_processes_run_the_launcher_as_the_test_does(services: dict[str, Any], service: str) -> None:
    assert tuple(services[service]["command"]) == launcher_command(APP[service])


def test_the_index_is_synced_into_a_chroma_server(services: dict[str, Any]) -> None:
    assert tuple(services[SYNC]["command"]) == SYNC_COMMAND
    assert tuple(services["chroma"]["command"][: len(CHROMA_COMMAND)]) == CHROMA_COMMAND
    assert services["actions"]["depends_on"][SYNC] == {"condition": "service_completed_successfully"}


@pytest.mark.parametrize("service", [*sorted(APP), SYNC])
def test_the_same_variable_names(services: dict[str, Any], service: str) -> None:
    assert set(services[service]["environment"]) == set(service_env(service, ANY))


@pytest.mark.parametrize("service", [*sorted(APP), SYNC])
def test_addresses_point_at_the_shared_services(services: dict[str, Any], service: str) -> None:
    env = services[service]["environment"]
    hosts = {
        "TRACKER_STORE_URL": "postgres",
        "REDIS_URL": "redis",
        "ACTION_SERVER_URL": "actions",
    }
    for name, host in hosts.items():
        if name in env:  # ${POSTGRES_PASSWORD:?...} is filled in by compose
            assert urlsplit(re.sub(r"\$\{[^}]*\}", "secret", env[name])).hostname == host, name
    if "CHROMA_HOST" in env:
        assert (env["CHROMA_HOST"], env["CHROMA_PORT"]) == ("chroma", "8000")
    if APP.get(service) == "rasa":
        assert (
            env["ACTION_SERVER_URL"]
            == f"http://actions:{services['actions']['environment']['ACTION_PORT']}/webhook"
        )


def test_the_rasa_servers_trust_the_load_balancer_for_client_addresses(services: dict[str, Any]) -> None:
    """Per-address rate limits need the customer's address, which only nginx's X-Forwarded-For holds."""
    import ipaddress

    from channels.limits import LimitSettings

    for name in REPLICAS:
        settings = LimitSettings.from_env(services[name]["environment"])
        docker_bridge = ipaddress.ip_address("172.18.0.5")  # a typical compose network address
        assert any(docker_bridge in network for network in settings.trusted_proxies), name


def test_both_rasa_servers_share_one_configuration(services: dict[str, Any]) -> None:
    first, second = (services[name] for name in REPLICAS)
    assert first == second
    assert first["environment"]["REDIS_KEY_PREFIX"]  # the same prefix: the same locks and frames


def test_the_load_balancer_spreads_websockets_over_both_without_stickiness() -> None:
    conf = "\n".join(line.split("#")[0] for line in (DEPLOY / "nginx.conf").read_text().splitlines())
    for replica in REPLICAS:
        assert f"server {replica}:5005;" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "ip_hash" not in conf and "sticky" not in conf and "hash " not in conf
