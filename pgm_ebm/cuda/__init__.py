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
