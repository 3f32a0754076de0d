"""Token buckets per conversation and per address, on a fake clock; who the client is behind a proxy."""

from __future__ import annotations

import ipaddress

import pytest

from channels.limits import (
    Limits,
    LimitSettings,
    LimitSettingsError,
    RateLimiter,
    client_address,
    take_all,
    too_fast,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limits(conversation: int = 3, address: int = 5, connections: int = 2) -> tuple[Limits, Clock]:
    clock = Clock()
    return Limits(LimitSettings(conversation, address, connections), clock), clock


def test_a_burst_up_to_the_limit_then_one_message_per_refill_interval() -> None:
    limiter, clock = limits(conversation=3, address=100)
    assert [limiter.message("c1", "1.2.3.4").allowed for _ in range(3)] == [True, True, True]
    refused = limiter.message("c1", "1.2.3.4")
    assert not refused.allowed and refused.wait == pytest.approx(20.0)  # 3 a minute: one every 20 s
    clock.now += 19.0
    assert limiter.message("c1", "1.2.3.4").wait == pytest.approx(1.0)
    clock.now += 1.0
    assert limiter.message("c1", "1.2.3.4").allowed
    assert not limiter.message("c1", "1.2.3.4").allowed


def test_conversations_have_buckets_of_their_own() -> None:
    limiter, _ = limits(conversation=1, address=100)
    assert limiter.message("c1", "a").allowed and limiter.message("c2", "a").allowed
    assert not limiter.message("c1", "a").allowed


def test_an_address_is_limited_across_its_conversations() -> None:
    limiter, clock = limits(conversation=100, address=2)
    assert limiter.message("c1", "10.0.0.1").allowed and limiter.message("c2", "10.0.0.1").allowed
    assert not limiter.message("c3", "10.0.0.1").allowed
    assert limiter.message("c3", "10.0.0.2").allowed  # another address is not affected
    clock.now += 30.0  # 2 a minute: one token back
    assert limiter.message("c3", "10.0.0.1").allowed


def test_a_refused_message_takes_from_no_bucket() -> None:
    limiter, _ = limits(conversation=1, address=2)
    assert limiter.message("c1", "a").allowed
    assert not limiter.message("c1", "a").allowed  # the conversation is empty; the address keeps its token
    assert limiter.message("c2", "a").allowed
    assert not limiter.message("c3", "a").allowed


def test_the_customer_is_told_once_per_refused_streak() -> None:
    limiter, clock = limits(conversation=1, address=100)
    limiter.message("c1", "a")
    assert [limiter.message("c1", "a").first for _ in range(3)] == [True, False, False]
    clock.now += 60.0
    assert limiter.message("c1", "a").allowed
    assert limiter.message("c1", "a").first  # a new streak


def test_connections_and_hellos_count_per_address() -> None:
    limiter, clock = limits(address=1, connections=2)
    assert limiter.connection("a").allowed and limiter.connection("a").allowed
    assert not limiter.connection("a").allowed and limiter.connection("b").allowed
    assert limiter.from_address("a").allowed and not limiter.from_address("a").allowed
    clock.now += 60.0
    assert limiter.connection("a").allowed and limiter.from_address("a").allowed


def test_zero_turns_a_limit_off() -> None:
    off = Limits.off()
    assert all(off.message("c1", "a").allowed for _ in range(1000))
    assert all(off.connection("a").allowed for _ in range(1000))
    assert len(off.conversations) == 0  # nothing is even remembered


def test_memory_is_bounded_by_forgetting_the_least_recently_seen_key() -> None:
    clock = Clock()
    limiter = RateLimiter(1, clock, max_keys=3)
    for key in ("a", "b", "c"):
        assert take_all([(limiter, key)]).allowed
    assert not take_all([(limiter, "a")]).allowed  # seen again: now the most recent
    assert take_all([(limiter, "d")]).allowed  # "b" is forgotten
    assert len(limiter) == 3
    assert take_all([(limiter, "b")]).allowed  # forgotten = full again
    assert not take_all([(limiter, "a")]).allowed  # still remembered, still empty


def test_the_message_names_whole_seconds() -> None:
    assert too_fast(0.2) == "You're sending messages faster than I can answer; please wait 1 second."
    assert too_fast(19.01) == "You're sending messages faster than I can answer; please wait 20 seconds."


LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))
PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.7", None, LOOPBACK, "203.0.113.7"),  # no proxy
        ("203.0.113.7", "1.2.3.4", LOOPBACK, "203.0.113.7"),  # an untrusted peer cannot claim to be anyone
        ("127.0.0.1", "198.51.100.9", LOOPBACK, "198.51.100.9"),  # a proxy on this machine
        ("127.0.0.1", None, LOOPBACK, "127.0.0.1"),
        (
            "10.0.0.5",
            "6.6.6.6, 198.51.100.9, 10.0.0.4",
            PROXIES,
            "198.51.100.9",
        ),  # spoofed left entry ignored
        ("10.0.0.5", "10.0.0.3, 10.0.0.4", PROXIES, "10.0.0.3"),  # every hop a proxy: the farthest one
        ("10.0.0.5", "not-an-ip, 198.51.100.9", PROXIES, "198.51.100.9"),
        ("10.0.0.5", "198.51.100.9, junk", PROXIES, "10.0.0.5"),  # garbage next to the proxy: the proxy
        ("::1", "2001:db8::1", LOOPBACK, "2001:db8::1"),
        ("127.0.0.1", "198.51.100.9", (), "127.0.0.1"),  # WEBCHAT_TRUSTED_PROXIES empty: nobody trusted
        (None, None, LOOPBACK, "unknown"),
    ],
)
def test_the_client_address(peer: str | None, forwarded: str | None, trusted: tuple, expected: str) -> None:
    assert client_address(peer, forwarded, trusted) == expected


def test_settings_from_the_environment() -> None:
    assert LimitSettings.from_env({}) == LimitSettings()
    settings = LimitSettings.from_env(
        {
            "RATE_LIMIT_MESSAGES_PER_CONVERSATION": "5",
            "RATE_LIMIT_MESSAGES_PER_ADDRESS": "0",
            "RATE_LIMIT_CONNECTIONS_PER_ADDRESS": " 7 ",
            "WEBCHAT_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1",
        }
    )
    assert (settings.messages_per_conversation, settings.messages_per_address) == (5, 0)
    assert settings.connections_per_address == 7
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "192.168.1.1/32"]
    assert LimitSettings.from_env({"WEBCHAT_TRUSTED_PROXIES": "none"}).trusted_proxies == ()


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("RATE_LIMIT_MESSAGES_PER_CONVERSATION", "lots", "whole number"),
        ("RATE_LIMIT_MESSAGES_PER_ADDRESS", "-1", "between 0"),
        ("WEBCHAT_TRUSTED_PROXIES", "proxy.example.com", "10.0.0.0/8"),
    ],
)
def test_wrong_settings_name_the_variable(name: str, value: str, says: str) -> None:
    with pytest.raises(LimitSettingsError, match=f"{name}.*{says}"):
        LimitSettings.from_env({name: value})
