"""How many bytes the widget costs a page before the customer opens the chat.

    python -m tests.browser.widget_size      # what `make widget-size` runs; the last line is JSON

A first visit downloads the loader (widget.js) alone. A returning visitor's page
also fetches chat.js at once, to restore the conversation and count unread
messages, so the figure that must stay within the budget is both files. Each
file is compressed on its own, as a server sends it, at gzip's default level 6.
The browser tests check that a real page fetches nothing else before opening.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "channels" / "web" / "static"
FIRST_VISIT = ("widget.js",)
BEFORE_OPEN = ("widget.js", "chat.js")  # the worst case: a returning visitor
BUDGET_KB = 15.0
LEVEL = 6


def gzip_bytes(data: bytes, level: int = LEVEL) -> int:
    # mtime=0: the same file always measures the same.
    return len(gzip.compress(data, compresslevel=level, mtime=0))


def gzip_kb(names: tuple[str, ...], static: Path = STATIC) -> float:
    """Kilobytes (1000 bytes) on the wire for these files, each gzipped separately."""
    return round(sum(gzip_bytes((static / name).read_bytes()) for name in names) / 1000, 2)


def main() -> None:
    for name in BEFORE_OPEN:
        raw = (STATIC / name).read_bytes()
        print(f"{name}: {len(raw)} bytes, {gzip_bytes(raw) / 1000:.2f} KB gzipped (level {LEVEL})")
    print(
        f"first visit {gzip_kb(FIRST_VISIT)} KB, returning visitor {gzip_kb(BEFORE_OPEN)} KB; "
        f"budget {BUDGET_KB:g} KB"
    )
    print(json.dumps({"gzip_kb": gzip_kb(BEFORE_OPEN)}))


if __name__ == "__main__":
    main()
