"""Thread control shared by the models' hot loops."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def numba_threads(n: int | None):
    """Run Numba's parallel kernels on at most ``n`` threads inside the block (``None``:
    leave the count as it is); the previous count is restored on exit, whatever happens.

    Kernels launched a few hundred times a second on little work (a small lattice's sweep, a
    training batch of ~100 chains) cost more to wake a second thread for than they save; the
    results do not depend on the thread count either way (one stream per chain or row)."""
    if n is None:
        yield
        return
    import numba

    old = numba.get_num_threads()
    numba.set_num_threads(max(1, min(n, old)))
    try:
        yield
    finally:
        numba.set_num_threads(old)
