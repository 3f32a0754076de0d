"""Process-wide settings for the CPU work of retrieval, applied by entry points.

numpy's OpenBLAS and torch's OpenMP each keep a pool of threads that spin
after every call. Alternating between them on two cores (a matrix-vector
product for scoring, then the next query's embedding) makes them fight: the
embedding of a query took 4x longer next to the 4,000-entry catalog of the
emanual set. The scoring products are small, so OpenBLAS gets one thread.
"""

from __future__ import annotations

import os


def configure_cpu() -> None:
    """Call once at start, before serving (idempotent)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # for numpy not yet imported
    import numpy  # noqa: F401  threadpoolctl only reaches libraries already loaded
    from threadpoolctl import threadpool_info, threadpool_limits

    # Keyed by library prefix (libopenblas, libscipy_openblas, ...): torch's own
    # BLAS keeps its threads.
    prefixes = {pool["prefix"]: 1 for pool in threadpool_info() if pool["internal_api"] == "openblas"}
    if prefixes:
        threadpool_limits(limits=prefixes)
