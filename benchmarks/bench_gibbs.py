"""Gibbs sweeps on general Boltzmann machines: site updates per second, pgm_ebm against baselines.

Models: 1,000 spin units with sparse couplings (average degree 10) and 200 units with dense
couplings.  64 chains, timed in one run beside
* a plain NumPy sweep (units in order, each update vectorised over the 64 chains);
* a plain Numba loop (sequential sweep, np.random inside, one chain after another).
Median of N runs after a warm-up.

Usage:  python benchmarks/bench_gibbs.py [--repeats 5]
"""

from __future__ import annotations

import argparse

import numpy as np
import scipy.sparse as sp
from _common import machine, timed
from numba import njit

N_CHAINS = 64


def numpy_sweep(J, b, X, rng):
    """One sequential sweep, each unit's update vectorised over the chains."""
    dense = not sp.issparse(J)
    for i in range(X.shape[1]):
        row = J[i] if dense else J.getrow(i)
        f = b[i] + (X @ row if dense else row @ X.T).ravel()
        p = 1 / (1 + np.exp(-2 * f))
        X[:, i] = np.where(rng.random(X.shape[0]) < p, 1, -1)
    return X


@njit(cache=True)
def naive_numba(indptr, indices, data, b, X, n_sweeps):
    np.random.seed(0)
    for c in range(X.shape[0]):
        for _ in range(n_sweeps):
            for i in range(X.shape[1]):
                f = b[i]
                for k in range(indptr[i], indptr[i + 1]):
                    f += data[k] * X[c, indices[k]]
                X[c, i] = 1 if np.random.random() < 1 / (1 + np.exp(-2 * f)) else -1
    return X


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)

    import pgm_ebm
    from pgm_ebm import BoltzmannMachine

    rng = np.random.default_rng(0)
    n_sp = 1000
    A = sp.random(
        n_sp, n_sp, density=10 / n_sp, random_state=0, data_rvs=lambda k: rng.normal(0, 0.3, k)
    )
    A = sp.triu(A, 1)
    sparse_J = sp.csr_matrix(A + A.T)
    dense = np.triu(rng.normal(0, 0.05, (200, 200)), 1)
    models = {
        f"sparse, n = {n_sp}, mean degree {sparse_J.nnz / n_sp:.1f}": BoltzmannMachine(
            sparse_J, rng.normal(0, 0.1, n_sp), "spin"
        ),
        "dense, n = 200": BoltzmannMachine(dense + dense.T, rng.normal(0, 0.1, 200), "spin"),
    }
    rows = []
    for name, bm in models.items():
        n = bm.n
        X0 = bm.sample(0, n_chains=N_CHAINS, random_state=1).spins
        sweeps = max(1, int(4e6 // (N_CHAINS * n)))  # about 4 million updates per timed call
        res = {}
        for scan in ("sequential", "colored"):
            res[scan] = timed(
                lambda s=scan: bm.sample(
                    sweeps, n_chains=N_CHAINS, scan=s, random_state=2, init=X0
                ),
                args.repeats,
            )
        Xn = X0.astype(np.float64)
        Jn = bm.J if sp.issparse(bm.J) else np.asarray(bm.J)
        t_np = timed(lambda: numpy_sweep(Jn, bm.b, Xn, rng), max(1, args.repeats // 2))
        A_ = bm._J_csr
        Xb = X0.copy()
        t_nb = timed(
            lambda: naive_numba(A_.indptr, A_.indices, A_.data, bm.b, Xb, sweeps), args.repeats
        )
        ups = {k: N_CHAINS * n * sweeps / v for k, v in res.items()}
        rows.append(
            (
                name,
                ups["sequential"],
                ups["colored"],
                N_CHAINS * n / t_np,
                N_CHAINS * n * sweeps / t_nb,
            )
        )

    print(
        f"machine: {machine()}, pgm_ebm {pgm_ebm.__version__}; "
        f"{N_CHAINS} chains, median of {args.repeats}\n"
    )
    print(
        "| model | pgm_ebm sequential | pgm_ebm colored | plain NumPy sweep | plain Numba loop "
        "| sequential vs NumPy | vs Numba loop |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, a, c, npy, nb in rows:
        print(
            f"| {name} | {a / 1e6:.1f} M/s | {c / 1e6:.1f} M/s | {npy / 1e6:.3f} M/s "
            f"| {nb / 1e6:.1f} M/s | {a / npy:.0f}x | {a / nb:.1f}x |"
        )


if __name__ == "__main__":
    main()
