"""Partition functions of a 784 x n RBM: exact enumeration and AIS, pgm_ebm against baselines.

* Exact log Z of a 784 x 20 RBM (2^20 hidden states) and a 784 x 25 one: pgm_ebm against a plain
  NumPy enumeration (hidden states in blocks, softplus over the visible layer, log-sum-exp).
* AIS on a 784 x 500 RBM with 100 chains: pgm_ebm against the GEMM-only time of the same sweeps
  (the two products per temperature, NumPy's matmul) and a plain NumPy AIS, all with the same
  schedule: Salakhutdinov & Murray's 14,500 temperatures (``--every 10`` takes every tenth, for
  a quick look; its long first steps use more exact increments than the full schedule does).

Median of N runs after a warm-up (the NumPy AIS: N // 2 runs, at least one).  Usage:
python benchmarks/bench_partition.py [--repeats 3] [--every 1]
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import machine, timed
from scipy.special import logsumexp


def numpy_exact(W, b, c, block=4096):
    n_h = W.shape[0]
    out = []
    for start in range(0, 2**n_h, block):
        k = np.arange(start, min(start + block, 2**n_h))
        H = ((k[:, None] >> np.arange(n_h)) & 1).astype(np.float64)
        out.append(H @ c + np.logaddexp(0, H @ W + b).sum(axis=1))
    return float(logsumexp(np.concatenate(out)))


def numpy_ais(W, b, c, bA, betas, n_chains, rng):
    n_h, n_v = W.shape
    V = (rng.random((n_chains, n_v)) < 1 / (1 + np.exp(-bA))).astype(np.float32)
    log_w = np.zeros(n_chains)
    for k in range(1, len(betas)):
        beta, prev = betas[k], betas[k - 1]
        a = V @ W.T + c
        log_w += (beta - prev) * (V @ (b - bA)) + (
            np.logaddexp(0, beta * a) - np.logaddexp(0, prev * a)
        ).sum(axis=1)
        H = (rng.random(a.shape) < 1 / (1 + np.exp(-beta * a))).astype(np.float32)
        pv = 1 / (1 + np.exp(-((1 - beta) * bA + beta * (H @ W + b))))
        V = (rng.random(pv.shape) < pv).astype(np.float32)
    return log_w


def gemm_only(W, betas, n_chains):
    V = np.zeros((n_chains, W.shape[1]), np.float32)
    H = np.zeros((n_chains, W.shape[0]), np.float32)
    for _ in range(1, len(betas)):
        np.matmul(V, W.T, out=H)
        np.matmul(H, W, out=V)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--every", type=int, default=1, help="take every k-th temperature")
    args = ap.parse_args(argv)

    import pgm_ebm
    from pgm_ebm.partition import rbm_log_partition_exact
    from pgm_ebm.partition.ais import default_schedule, rbm_ais

    rng = np.random.default_rng(0)
    print(f"machine: {machine()}, pgm_ebm {pgm_ebm.__version__}; median of {args.repeats}\n")
    print("| exact log Z | pgm_ebm | plain NumPy | speed-up | agreement |")
    print("|---|---|---|---|---|")
    for n_h in (20, 25):
        W = rng.normal(0, 0.05, (n_h, 784))
        b, c = rng.normal(-1, 1, 784), rng.normal(0, 0.1, n_h)
        ours = rbm_log_partition_exact(W, b, c).log_z
        t_ours = timed(
            lambda W=W, b=b, c=c: rbm_log_partition_exact(W, b, c), args.repeats if n_h == 20 else 1
        )
        if n_h == 20:
            ref = numpy_exact(W, b, c)
            t_np = timed(lambda W=W, b=b, c=c: numpy_exact(W, b, c), max(1, args.repeats // 2))
            print(
                f"| 784 x {n_h} | {t_ours:.2f} s | {t_np:.1f} s | {t_np / t_ours:.0f}x "
                f"| {abs(ours - ref) / abs(ref):.1e} relative |"
            )
        else:
            print(f"| 784 x {n_h} | {t_ours:.1f} s | (not run: ~32x the 20-unit time) | | |")

    W = rng.normal(0, 0.05, (500, 784)).astype(np.float32)
    b, c = rng.normal(-1, 1, 784), rng.normal(0, 0.1, 500)
    bA = b.copy()
    betas = default_schedule()[:: args.every]
    betas[-1] = 1.0
    short = betas[[0, 1, 2, -1]]

    def ais(sched):
        return rbm_ais(W, b, c, n_chains=100, schedule=sched, base_bias=bA, random_state=0)

    t_ais = timed(lambda: ais(betas), args.repeats, warmup=lambda: ais(short))
    t_gemm = timed(lambda: gemm_only(W, betas, 100), args.repeats, lambda: gemm_only(W, short, 100))
    t_np = timed(
        lambda: numpy_ais(W.astype(np.float64), b, c, bA, betas, 100, rng),
        max(1, args.repeats // 2),
        warmup=lambda: numpy_ais(W.astype(np.float64), b, c, bA, short, 100, rng),
    )
    print(f"\nAIS, 784 x 500, 100 chains, {len(betas) - 1} temperatures:")
    print("| pgm_ebm | GEMM-only | plain NumPy | pgm_ebm / GEMM-only | NumPy / pgm_ebm |")
    print("|---|---|---|---|---|")
    print(
        f"| {t_ais:.2f} s | {t_gemm:.2f} s | {t_np:.2f} s | {t_ais / t_gemm:.2f} "
        f"| {t_np / t_ais:.1f}x |"
    )


if __name__ == "__main__":
    main()
