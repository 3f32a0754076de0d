"""Where the Rasa servers of one deployment meet: REDIS_URL and REDIS_KEY_PREFIX.

    settings = ClusterSettings.from_env(os.environ)
    if settings.enabled:
        channel = settings.key("frames")   # "supportbot:frames"

Only validation here (no Redis import), so the launcher can check the values
in either environment before any process starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_KEY_PREFIX = "supportbot"
_PREFIX = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SCHEMES = ("redis://", "rediss://", "unix://")


class SettingsError(ValueError):
    """A Redis setting is wrong; the message names it and shows a valid value."""


@dataclass(frozen=True)
class ClusterSettings:
    redis_url: str | None  # None: one Rasa server, everything in its own memory
    # Every key and channel starts with it, so deployments (or test runs) can share one Redis.
    key_prefix: str = DEFAULT_KEY_PREFIX

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ClusterSettings:
        url = (env.get("REDIS_URL") or "").strip() or None
        if url is not None and not url.startswith(_SCHEMES):
            raise SettingsError(
                f"REDIS_URL must look like redis://127.0.0.1:6379/0 (or rediss://, unix://), got {url!r}"
            )
        prefix = (env.get("REDIS_KEY_PREFIX") or "").strip() or DEFAULT_KEY_PREFIX
        if not _PREFIX.match(prefix):
            raise SettingsError(f"REDIS_KEY_PREFIX must be 1-64 letters, digits, '-' or '_', got {prefix!r}")
        return cls(url, prefix)

    @property
    def enabled(self) -> bool:
        return self.redis_url is not None

    def key(self, *parts: str) -> str:
        return ":".join((self.key_prefix, *parts))
