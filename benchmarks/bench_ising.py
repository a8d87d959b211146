"""Spin-flip attempts per nanosecond on the 2D Ising model: pgm_ebm against baselines.

L = 256, 1024, 4096 (periodic, beta = 0.44), median of N runs after a warm-up:
* pgm_ebm int8 checkerboard Metropolis (one chain; rows in parallel);
* pgm_ebm multi-spin-coded Metropolis (64 replicas per uint64 word, one word chain);
* a vectorized NumPy checkerboard (np.roll neighbour sums, masks);
* a plain sequential Numba loop (the code a user would write in an afternoon).
Also: peak traced memory of one sweep on a 4096^2 lattice with 8 chains.

Usage:  python benchmarks/bench_ising.py [--repeats 5] [--sizes 256,1024,4096]
"""

from __future__ import annotations

import argparse
import math
import tracemalloc

import numpy as np
from _common import machine, timed
from numba import njit

BETA = 0.44


def numpy_checkerboard(s, beta, rng, n_sweeps):
    L = s.shape[0]
    i, j = np.indices((L, L))
    masks = [(i + j) % 2 == c for c in (0, 1)]
    acc = {4: math.exp(-beta * 4), 8: math.exp(-beta * 8)}
    for _ in range(n_sweeps):
        for mask in masks:
            nb = np.roll(s, 1, 0) + np.roll(s, -1, 0) + np.roll(s, 1, 1) + np.roll(s, -1, 1)
            dE = 2 * s * nb
            p = np.where(dE <= 0, 1.0, np.where(dE == 4, acc[4], acc[8]))
            flip = mask & (rng.random(s.shape) < p)
            s[flip] *= -1
    return s


@njit(cache=True)
def naive_numba(s, beta, n_sweeps):
    L = s.shape[0]
    np.random.seed(0)
    for _ in range(n_sweeps):
        for i in range(L):
            for j in range(L):
                nb = s[(i + 1) % L, j] + s[i - 1, j] + s[i, (j + 1) % L] + s[i, j - 1]
                dE = 2 * s[i, j] * nb
                if dE <= 0 or np.random.random() < math.exp(-beta * dE):
                    s[i, j] = -s[i, j]
    return s


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sizes", default="256,1024,4096")
    args = ap.parse_args(argv)

    import pgm_ebm
    from pgm_ebm import IsingLattice
    from pgm_ebm._rng import seed_streams
    from pgm_ebm.samplers.lattice import sweep_runner

    rows = []
    for L in (int(x) for x in args.sizes.split(",")):
        m = IsingLattice((L, L), beta=BETA)
        rng = np.random.default_rng(0)
        spins = (rng.integers(0, 2, size=(1, L, L), dtype=np.int8) * 2 - 1).astype(np.int8)
        words = rng.integers(0, 2**63, size=(1, L, L), dtype=np.uint64)
        betas = np.array([BETA])
        metro = sweep_runner(m, "metropolis", spins, 1, seed_streams(0, L))
        multi = sweep_runner(m, "multispin", words, 1, seed_streams(1, L))
        target = 1.5e8  # spin-flip attempts per timed call
        n_m = max(1, int(target // (L * L)))
        n_ms = max(1, int(16 * target // (64 * L * L)))
        t_m = timed(lambda: [metro(betas) for _ in range(n_m)], args.repeats)
        t_ms = timed(lambda: [multi(betas) for _ in range(n_ms)], args.repeats)
        s_np = spins[0].copy()
        n_np = max(1, int(2e7 // (L * L)))
        t_np = timed(lambda: numpy_checkerboard(s_np, BETA, rng, n_np), max(1, args.repeats // 2))
        s_nb = spins[0].copy()
        n_nb = max(1, int(6e7 // (L * L)))
        t_nb = timed(lambda: naive_numba(s_nb, BETA, n_nb), args.repeats)
        rows.append(
            (
                L,
                L * L * n_m / t_m / 1e9,
                64 * L * L * n_ms / t_ms / 1e9,
                L * L * n_np / t_np / 1e9,
                L * L * n_nb / t_nb / 1e9,
            )
        )

    print(
        f"machine: {machine()}, pgm_ebm {pgm_ebm.__version__}; "
        f"beta = {BETA}, periodic, median of {args.repeats}\n"
    )
    print(
        "| L | pgm_ebm int8 checkerboard | pgm_ebm multispin (64 replicas) | NumPy checkerboard "
        "| naive sequential Numba | int8 vs NumPy | int8 vs naive Numba |"
    )
    print("|---|---|---|---|---|---|---|")
    for L, a, b, c, d in rows:
        print(
            f"| {L} | {a:.3f} flips/ns | {b:.2f} flips/ns | {c:.4f} flips/ns | {d:.4f} flips/ns "
            f"| {a / c:.1f}x | {a / d:.1f}x |"
        )

    m = IsingLattice((4096, 4096), beta=BETA)
    tracemalloc.start()
    m.sample(1, n_chains=8, sampler="metropolis", random_state=0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"\npeak traced memory of sample(1 sweep), int8 Metropolis, 4096^2, 8 chains: "
        f"{peak / 2**20:.0f} MiB (the spins: {8 * 4096**2 / 2**20:.0f} MiB)"
    )
    words = np.random.default_rng(0).integers(0, 2**63, size=(8, 4096, 4096), dtype=np.uint64)
    run = sweep_runner(m, "multispin", words, 8, seed_streams(2, 8 * 4096))
    tracemalloc.start()
    run(np.full(8, BETA))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"multispin, 4096^2, 8 word chains (512 replicas): state {words.nbytes / 2**20:.0f} MiB "
        f"(1 bit per spin), extra peak during a sweep {peak / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
