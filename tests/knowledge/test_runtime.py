from __future__ import annotations

import numpy  # noqa: F401  loaded first, as in the servers
from threadpoolctl import threadpool_info

from knowledge.runtime import configure_cpu


def test_numpy_blas_gets_one_thread_and_the_setting_sticks() -> None:
    configure_cpu()
    pools = [pool for pool in threadpool_info() if pool["internal_api"] == "openblas"]
    assert pools and all(pool["num_threads"] == 1 for pool in pools)
