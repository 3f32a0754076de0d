"""Check that the conversation log's database answers, in one line either way.

    python -m bot.preflight postgresql://postgres@127.0.0.1:5432/support

Run by the launcher with the Rasa environment's Python (it has SQLAlchemy),
because Rasa's own SQL tracker store retries a dead database forever.
"""

from __future__ import annotations

import sys
from pathlib import Path


def check(url: str) -> str | None:
    """None when the database answers, else what to fix."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return f"TRACKER_STORE_URL is not a valid SQLAlchemy URL: {url!r}"
    if parsed.drivername.startswith("sqlite"):
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return None
    args = {"connect_timeout": 5} if parsed.drivername.startswith("postgresql") else {}
    try:
        engine = sa.create_engine(parsed, connect_args=args)
        with engine.connect():
            pass
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"cannot reach the tracker store at {parsed!r} ({first}); check TRACKER_STORE_URL"
    return None


if __name__ == "__main__":
    problem = check(sys.argv[1])
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
