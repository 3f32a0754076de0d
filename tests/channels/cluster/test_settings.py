from __future__ import annotations

import pytest

from channels.cluster.settings import ClusterSettings, SettingsError


def test_without_redis_url_everything_stays_in_the_process() -> None:
    settings = ClusterSettings.from_env({"REDIS_URL": ""})
    assert not settings.enabled and settings.key("frames") == "supportbot:frames"


def test_url_and_prefix_are_read() -> None:
    settings = ClusterSettings.from_env(
        {"REDIS_URL": "redis://10.0.0.5:6379/2", "REDIS_KEY_PREFIX": "shop-1"}
    )
    assert settings.enabled and settings.redis_url == "redis://10.0.0.5:6379/2"
    assert settings.key("slack", "seen", "") == "shop-1:slack:seen:"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL must look like redis://"),
        ({"REDIS_URL": "http://cache"}, "REDIS_URL must look like redis://"),
        ({"REDIS_KEY_PREFIX": "my prefix"}, "REDIS_KEY_PREFIX must be"),
        ({"REDIS_KEY_PREFIX": "a:b"}, "REDIS_KEY_PREFIX must be"),
    ],
)
def test_wrong_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        ClusterSettings.from_env(env)
