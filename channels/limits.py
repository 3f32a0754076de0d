"""Rate limits for customers: token buckets per conversation and per address, clock injected.

    limits = Limits(LimitSettings.from_env(os.environ))
    verdict = limits.message(conversation_id, address)      # a widget message, a Slack DM
    if not verdict.allowed:
        refuse(too_fast(verdict.wait))                       # nothing reaches Rasa

Each key (a conversation id, a client address, a Slack user) has a bucket of
`per_minute` tokens, refilled continuously at `per_minute` a minute: a customer
can send a short burst, then one message every 60/per_minute seconds. A refused
message costs nothing, so someone who keeps sending gets through at the refill
rate. A message must find a token in every bucket it is checked against (its
conversation and its address), and takes from all of them or from none.

Standard library only and no Rasa: the web channel and the Slack channel share it,
and the tests drive it with a fake clock. Buckets live in this process's memory;
with several Rasa servers each enforces its own share (docs/deploy).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

# Defaults, per minute (README, configuration). A person types a few messages a minute;
# an office behind one address may hold many customers.
MESSAGES_PER_CONVERSATION = 20
MESSAGES_PER_ADDRESS = 120
CONNECTIONS_PER_ADDRESS = 60
# A proxy on this machine may say who the customer is; nobody else may.
DEFAULT_TRUSTED_PROXIES = "127.0.0.1,::1"
# Memory bound: past this many keys the least recently seen bucket is forgotten
# (a forgotten bucket is a full one, which an idle key would have refilled to anyway).
MAX_KEYS = 50_000

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class LimitSettingsError(ValueError):
    """A rate-limit setting is wrong; the message names the variable."""


def too_fast(wait: float) -> str:
    """What the customer is told when a message is refused."""
    seconds = max(1, math.ceil(wait))
    unit = "second" if seconds == 1 else "seconds"
    return f"You're sending messages faster than I can answer; please wait {seconds} {unit}."


def too_many_connections(wait: float) -> str:
    seconds = max(1, math.ceil(wait))
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many new chats from your network right now; please wait {seconds} {unit} and try again."


@dataclass(frozen=True)
class LimitSettings:
    messages_per_conversation: int = MESSAGES_PER_CONVERSATION  # 0: no limit
    messages_per_address: int = MESSAGES_PER_ADDRESS
    connections_per_address: int = CONNECTIONS_PER_ADDRESS
    trusted_proxies: tuple[Network, ...] = field(default_factory=lambda: _networks(DEFAULT_TRUSTED_PROXIES))

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LimitSettings:
        return cls(
            messages_per_conversation=_per_minute(
                env, "RATE_LIMIT_MESSAGES_PER_CONVERSATION", MESSAGES_PER_CONVERSATION
            ),
            messages_per_address=_per_minute(env, "RATE_LIMIT_MESSAGES_PER_ADDRESS", MESSAGES_PER_ADDRESS),
            connections_per_address=_per_minute(
                env, "RATE_LIMIT_CONNECTIONS_PER_ADDRESS", CONNECTIONS_PER_ADDRESS
            ),
            trusted_proxies=_networks(env.get("WEBCHAT_TRUSTED_PROXIES", DEFAULT_TRUSTED_PROXIES)),
        )


@dataclass(frozen=True)
class Verdict:
    wait: float  # 0.0: allowed, and counted; else seconds until it would be
    first: bool = False  # the first refusal since the key's last allowed message: tell the customer once

    @property
    def allowed(self) -> bool:
        return self.wait == 0.0


@dataclass
class TokenBucket:
    capacity: float
    per_second: float
    tokens: float
    updated: float
    refused: bool = False  # refused since the last allowed message

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0.0: there is one now); refills as time passed."""
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.updated) * self.per_second)
        self.updated = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.per_second


class RateLimiter:
    """One bucket per key, `per_minute` tokens each; `per_minute` 0 lets everything through."""

    def __init__(
        self, per_minute: int, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS
    ) -> None:
        self.per_minute, self.clock, self.max_keys = per_minute, clock, max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def bucket(self, key: str, now: float) -> TokenBucket:
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = TokenBucket(self.per_minute, self.per_minute / 60.0, self.per_minute, now)
        self._buckets[key] = bucket  # most recently seen last
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return bucket

    def __len__(self) -> int:
        return len(self._buckets)


def take_all(checks: Iterable[tuple[RateLimiter, str]]) -> Verdict:
    """One token from every (limiter, key) bucket, or none when any is empty."""
    buckets, waits = [], []
    for limiter, key in checks:
        if limiter.enabled:
            now = limiter.clock()
            buckets.append(bucket := limiter.bucket(key, now))
            waits.append(bucket.wait(now))
    wait = max(waits, default=0.0)
    if wait > 0.0:
        empty = [bucket for bucket, w in zip(buckets, waits, strict=True) if w > 0.0]
        first = not any(bucket.refused for bucket in empty)
        for bucket in empty:
            bucket.refused = True
        return Verdict(wait, first)
    for bucket in buckets:
        bucket.tokens -= 1.0
        bucket.refused = False
    return Verdict(0.0)


class Limits:
    """The customer-facing limits of one Rasa server process."""

    def __init__(self, settings: LimitSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.conversations = RateLimiter(settings.messages_per_conversation, clock)
        self.address_messages = RateLimiter(settings.messages_per_address, clock)
        self.connections = RateLimiter(settings.connections_per_address, clock)

    @classmethod
    def off(cls) -> Limits:
        return cls(LimitSettings(0, 0, 0))

    def message(self, conversation_id: str, address: str) -> Verdict:
        """A customer message (or rating, or feedback) in a conversation, from an address."""
        return take_all([(self.conversations, conversation_id), (self.address_messages, address)])

    def from_address(self, address: str) -> Verdict:
        """Work for an address outside any conversation yet (a widget's hello)."""
        return take_all([(self.address_messages, address)])

    def connection(self, address: str) -> Verdict:
        """A new widget connection."""
        return take_all([(self.connections, address)])

    def address(self, peer: str | None, forwarded_for: str | None) -> str:
        return client_address(peer, forwarded_for, self.settings.trusted_proxies)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """Who is asking: the socket's peer, or, when that is a trusted proxy, whom it forwards for.

    X-Forwarded-For is read right to left, skipping trusted proxies: the first
    address no trusted proxy vouches for is the customer. Entries to its left were
    written by the client and could say anything.
    """
    peer = (peer or "").strip()
    if not forwarded_for or not _within(peer, trusted):
        return peer or "unknown"
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    for hop in reversed(hops):
        if not _is_ip(hop):
            break  # garbage from here on leftwards: trust nothing beyond the last good hop
        if not _within(hop, trusted):
            return hop
        peer = hop
    return peer or "unknown"


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _within(value: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return any(address in network for network in networks if network.version == address.version)


def _networks(raw: str) -> tuple[Network, ...]:
    if raw.strip().lower() == "none":  # the launcher drops empty variables, so "trust nobody" is spelt out
        return ()
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise LimitSettingsError(
                f"WEBCHAT_TRUSTED_PROXIES entries must be addresses or networks like 10.0.0.0/8, got {item!r}"
            ) from None
    return tuple(networks)


def _per_minute(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise LimitSettingsError(
            f"{name} must be a whole number per minute (0: no limit), got {raw!r}"
        ) from None
    if not 0 <= value <= 100_000:
        raise LimitSettingsError(f"{name} must be between 0 (no limit) and 100000 per minute, got {value}")
    return value
