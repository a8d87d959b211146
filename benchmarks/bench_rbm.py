"""One epoch of RBM training on binarized MNIST: pgm_ebm against its baselines.

784 visible x 500 hidden, batch 100, one epoch over the 50,000 training images,
float32, CD-1 and PCD-1, no momentum (scikit-learn's settings), timed in one run
beside:

* the GEMM-only floor: the same five dense matrix products per batch in
  NumPy/BLAS and nothing else;
* scikit-learn's BernoulliRBM (PCD-1) with the same settings;
* a plain NumPy CD-1 and, if torch is installed, a plain PyTorch CPU CD-1;
* an experiment: the products with the binary visible states done as
  gathers over the active pixels (a Numba row gather) instead of BLAS.

Median of N runs (default 5) after one warm-up run; every variant is run in
turn inside each repetition so that drifts in machine speed hit all alike.
Also reports the JIT compile time of a cold first call (empty Numba cache)
and the start-up of a second process (cache warm).

Usage:  PGM_EBM_DATA=../shared/data/mnist python benchmarks/bench_rbm.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from _common import machine

N_HID, BATCH, LR = 500, 100, 0.05


def gemm_floor(X, W):
    """Five dense products per batch: v@W.T, h@W, v'@W.T, and the two gradient products."""
    H = np.empty((BATCH, N_HID), np.float32)
    V = np.empty((BATCH, X.shape[1]), np.float32)
    G = np.empty_like(W)
    for i in range(0, len(X), BATCH):
        v = X[i : i + BATCH]
        np.matmul(v, W.T, out=H)
        np.matmul(H, W, out=V)
        np.matmul(V, W.T, out=H)
        np.matmul(H.T, v, out=G)
        np.matmul(H.T, V, out=G)


def numpy_cd1(X, W0, seed=0):
    """A plain NumPy CD-1, the code a user would write (float32)."""
    rng = np.random.default_rng(seed)
    W = W0.copy()
    b = np.zeros(X.shape[1], np.float32)
    c = np.zeros(N_HID, np.float32)
    for i in range(0, len(X), BATCH):
        v0 = X[i : i + BATCH]
        h0 = 1 / (1 + np.exp(-(v0 @ W.T + c)))
        hs = (rng.random(h0.shape, dtype=np.float32) < h0).astype(np.float32)
        v1p = 1 / (1 + np.exp(-(hs @ W + b)))
        v1 = (rng.random(v1p.shape, dtype=np.float32) < v1p).astype(np.float32)
        h1 = 1 / (1 + np.exp(-(v1 @ W.T + c)))
        n = len(v0)
        W += LR * (h0.T @ v0 - h1.T @ v1) / n
        b += LR * (v0.mean(0) - v1.mean(0))
        c += LR * (h0.mean(0) - h1.mean(0))
    return W


def torch_cd1(X, W0, seed=0):
    """A plain PyTorch CPU CD-1 (float32)."""
    import torch

    torch.manual_seed(seed)
    with torch.no_grad():
        Xt = torch.from_numpy(X)
        W = torch.from_numpy(W0.copy())
        b = torch.zeros(X.shape[1])
        c = torch.zeros(N_HID)
        for i in range(0, len(X), BATCH):
            v0 = Xt[i : i + BATCH]
            h0 = torch.sigmoid(v0 @ W.T + c)
            hs = torch.bernoulli(h0)
            v1 = torch.bernoulli(torch.sigmoid(hs @ W + b))
            h1 = torch.sigmoid(v1 @ W.T + c)
            n = v0.shape[0]
            W += LR * (h0.T @ v0 - h1.T @ v1) / n
            b += LR * (v0.mean(0) - v1.mean(0))
            c += LR * (h0.mean(0) - h1.mean(0))
    return W


def _gather_kernel():
    from numba import njit, prange

    @njit(parallel=True, cache=True)
    def gather(V, WT, out):
        n, n_vis = V.shape
        n_hid = WT.shape[1]
        for r in prange(n):
            for i in range(n_hid):
                out[r, i] = 0.0
            for j in range(n_vis):
                if V[r, j] != 0.0:
                    for i in range(n_hid):
                        out[r, i] += WT[j, i]

    return gather


def visible_products(X, W, gather=None):
    """Only the products with binary visible states over an epoch: BLAS or gathers."""
    WT = np.ascontiguousarray(W.T)
    H = np.empty((BATCH, N_HID), np.float32)
    for i in range(0, len(X), BATCH):
        v = X[i : i + BATCH]
        if gather is None:
            np.matmul(v, WT, out=H)
        else:
            gather(v, WT, H)


def compile_and_startup():
    code = (
        "import time; t = time.perf_counter()\n"
        "import numpy as np\n"
        "from pgm_ebm import BernoulliRBM\n"
        "t1 = time.perf_counter()\n"
        "X = (np.random.default_rng(0).random((200, 784)) < 0.13).astype(np.float32)\n"
        "BernoulliRBM(20, batch_size=100, n_iter=1, random_state=0, method='{m}').fit(X)\n"
        "print(t1 - t, time.perf_counter() - t1)\n"
    )
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold (empty cache)", "second process (cache warm)"):
            vals = []
            for m in ("cd", "pcd"):
                r = subprocess.run(
                    [sys.executable, "-c", code.format(m=m)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                vals.append([float(x) for x in r.stdout.split()])
            out[label] = (vals[0][0], vals[0][1] + vals[1][1])
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--limit", type=int, default=None, help="use the first N images (smoke runs)")
    args = ap.parse_args(argv)

    import sklearn
    from sklearn.neural_network import BernoulliRBM as SkRBM

    import pgm_ebm
    from pgm_ebm import BernoulliRBM
    from pgm_ebm._blas import has_accumulating_gemm
    from pgm_ebm.datasets import load_binarized_mnist

    X = load_binarized_mnist("train", data_home=args.data_home)[: args.limit].astype(np.float32)
    W0 = np.random.default_rng(0).normal(0, 0.01, (N_HID, X.shape[1])).astype(np.float32)
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = None
    gather = _gather_kernel()

    def ours(method, momentum=0.0):
        return lambda: BernoulliRBM(
            N_HID,
            batch_size=BATCH,
            n_iter=1,
            learning_rate=LR,
            method=method,
            momentum=momentum,
            shuffle=False,
            random_state=0,
        ).fit(X)

    variants = {
        "GEMM-only floor (5 products/batch)": lambda: gemm_floor(X, W0),
        "pgm_ebm CD-1": ours("cd"),
        "pgm_ebm PCD-1": ours("pcd"),
        "pgm_ebm PCD-1, momentum 0.5": ours("pcd", 0.5),
        "scikit-learn BernoulliRBM (PCD-1)": lambda: SkRBM(
            N_HID, learning_rate=LR, batch_size=BATCH, n_iter=1, random_state=0
        ).fit(X),
        "plain NumPy CD-1": lambda: numpy_cd1(X, W0),
        "visible products by BLAS (1 product/batch)": lambda: visible_products(X, W0),
        "visible products by Numba gather (1/batch)": lambda: visible_products(X, W0, gather),
    }
    if torch_version:
        torch.set_num_threads(os.cpu_count())
        variants["plain PyTorch CD-1"] = lambda: torch_cd1(X, W0)
    for f in variants.values():  # warm-up: JIT, BLAS buffers, page faults
        f()
    times = {k: [] for k in variants}
    for _ in range(args.repeats):
        for name, f in variants.items():
            t = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t)
    med = {k: float(np.median(v)) for k, v in times.items()}
    floor = med["GEMM-only floor (5 products/batch)"]
    print(
        f"machine: {machine()}, scikit-learn {sklearn.__version__}, "
        f"torch {torch_version}, pgm_ebm {pgm_ebm.__version__}; "
        f"accumulating CBLAS gemm: {has_accumulating_gemm(np.float32)}"
    )
    print(f"{len(X)} images, 784 x {N_HID}, batch {BATCH}, float32, median of {args.repeats}\n")
    print("| variant | s / epoch | x floor | pgm_ebm PCD-1 is faster by |")
    print("|---|---|---|---|")
    ref = med["pgm_ebm PCD-1"]
    for name, t in med.items():
        print(f"| {name} | {t:.3f} | {t / floor:.2f} | {t / ref:.2f}x |")
    print()
    for label, (imp, fit) in compile_and_startup().items():
        print(f"start-up, {label}: import {imp:.2f} s, first CD + PCD fit (200 images) {fit:.2f} s")


if __name__ == "__main__":
    main()
