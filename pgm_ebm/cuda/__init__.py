"""numba.cuda twins of the CPU kernels (imported only when ``device="cuda"`` is asked for).

Each twin keeps its CPU kernel's random streams, one per (chain, row) for the lattices, and
steps them with the plain-Python xoroshiro128+ step of :mod:`pgm_ebm._rng` compiled as a CUDA
device function: for the same seed a twin gives the CPU kernel's bits, on a GPU and under
Numba's CUDA simulator alike (tests check the simulator in CI).

``PGM_EBM_CUDA_THREADS`` sets the threads per block (default 256); the tests set it small so
that tiny inputs span several blocks.
"""

from __future__ import annotations

import os


def threads_per_block() -> int:
    """Threads per block of every launch: ``$PGM_EBM_CUDA_THREADS`` or 256."""
    raw = os.environ.get("PGM_EBM_CUDA_THREADS", "256")
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if not 1 <= n <= 1024:
        raise ValueError(f"PGM_EBM_CUDA_THREADS must be an integer in [1, 1024], got {raw!r}")
    return n


def blocks(n_threads: int) -> tuple[int, int]:
    """``(blocks, threads per block)`` covering ``n_threads`` threads."""
    tpb = threads_per_block()
    return max(1, (n_threads + tpb - 1) // tpb), tpb


def biases_at_beta(betas, host, on_device, cache, what):
    """``(beta, biases on the device times beta)`` for one block-Gibbs step whose chains all
    run at one inverse temperature (``betas``, one per chain).

    ``host`` / ``on_device``: the biases; ``cache``: a dict kept by the caller, holding the
    scaled copies of the last beta (a schedule changes it each step, tempering rarely); the
    products are the CPU step's ``beta * bias`` in the biases' dtype.  ``what`` names the
    model in the error raised when the chains' temperatures differ."""
    import numpy as np
    from numba import cuda

    beta = float(betas[0])
    if np.any(np.asarray(betas) != beta):
        raise ValueError(f"block Gibbs steps all chains of {what} at one beta")
    if beta == 1:
        return beta, on_device
    if beta not in cache:
        cache.clear()
        cache[beta] = [cuda.to_device((beta * x).astype(x.dtype)) for x in host]
    return beta, cache[beta]
