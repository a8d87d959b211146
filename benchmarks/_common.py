"""Helpers shared by the benchmark scripts."""

import os
import platform
import time

import numpy as np


def timed(fn, repeats, warmup=None):
    """Median wall time of ``fn()`` over ``repeats`` runs after one warm-up run (of
    ``warmup()`` if given: a shorter call that compiles the same code)."""
    (warmup or fn)()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def machine() -> str:
    """CPU model, core count and Python / NumPy / Numba versions, for RESULTS.md."""
    import numba

    cpu = "unknown"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; python {platform.python_version()}, numpy "
        f"{np.__version__}, numba {numba.__version__}"
    )
