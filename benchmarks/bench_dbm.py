"""One joint-training epoch of a 784-500-1000 DBM against the GEMM-only time of the same updates.

The epoch runs ``DBM._update`` on every batch with exactly ``--mf`` mean-field iterations
(``tol`` below reach), ``k = 1`` block-Gibbs step and centering; the baseline runs only the
matrix products those updates need, in NumPy (``np.matmul`` into preallocated outputs, the
same BLAS), per batch:

- mean field: ``V W0`` once, ``mu1 W1`` for the bottom-up pass, then per iteration
  ``mu2 W1^T`` (odd layer) and ``mu1 W1`` (even layer);
- Gibbs: ``v W0`` and ``h2 W1^T`` (odd), ``h1 W0^T`` and ``h1 W1`` (even);
- gradients: ``(v - o)^T (mu1 - o)`` and ``(mu1 - o)^T (mu2 - o)`` for the data and the same
  two for the chains.

The defaults are the ``mnist`` preset's (``DBM_RECIPE``: 500 persistent chains, 5 mean-field
iterations); ``--mf 10 --n-chains 100`` are the earlier preset's.  The two runs alternate in
chunks of 10 batches, so that a busy neighbour on a shared machine slows both alike.

Target (issue 15): at most 1.3x the GEMM-only time.  Usage:
python benchmarks/bench_dbm.py [--images 10000] [--mf 5] [--n-chains 500] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from _common import machine


def main(argv=None):
    from pgm_ebm.experiments.dbm import DBM_RECIPE

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=10000)
    ap.add_argument("--mf", type=int, default=DBM_RECIPE["max_iter"],
                    help="mean-field iterations per batch")  # fmt: skip
    ap.add_argument("--n-chains", type=int, default=DBM_RECIPE["n_chains"],
                    help="persistent chains")  # fmt: skip
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)

    import pgm_ebm
    from pgm_ebm import DBM
    from pgm_ebm.datasets import load_binarized_mnist, load_embedded_mnist

    if os.environ.get("PGM_EBM_DATA"):
        X = load_binarized_mnist("train")[: args.images]
        what = f"binarized MNIST, first {len(X)} training images"
    else:
        X = load_embedded_mnist("train")[: args.images]
        what = f"embedded subset, {len(X)} images"
    sizes = [784, 500, 1000]
    r = np.random.default_rng(0)
    W = [0.05 * r.standard_normal((sizes[i], sizes[i + 1])) for i in range(2)]
    b = [np.zeros(s) for s in sizes]
    dbm = DBM.from_parameters(W, b, n_chains=args.n_chains, random_state=0, batch_size=100, k=1,
                              max_iter=args.mf, tol=1e-30, centering=True)  # fmt: skip
    dbm.offsets_ = [np.full(s, 0.5, np.float32) for s in sizes]
    Xf = X.astype(np.float32)
    B = 100
    batches = [Xf[s : s + B] for s in range(0, len(Xf) - B + 1, B)]

    from pgm_ebm._scratch import Scratch

    work = Scratch()  # the training loop's scratch, kept across batches as DBM._train keeps it

    def epoch(part=slice(None)):
        stats = {"mf_iter": [], "mf_converged": []}
        for V in batches[part]:
            dbm._update(V, 1e-4, stats, work)
        return stats

    W0, W1 = dbm.weights_
    f32 = np.float32
    buf = {
        "a1": np.empty((B, 500), f32), "b1": np.empty((B, 500), f32),
        "a2": np.empty((B, 1000), f32), "av": np.empty((B, 784), f32),
        "g0": np.empty((784, 500), f32), "g1": np.empty((500, 1000), f32),
    }  # fmt: skip
    C = args.n_chains
    cbuf = {"c1": np.empty((C, 500), f32), "c2": np.empty((C, 1000), f32),
            "cv": np.empty((C, 784), f32)}  # fmt: skip
    mu1, mu2 = np.full((B, 500), 0.5, f32), np.full((B, 1000), 0.5, f32)
    ch = [np.zeros((C, s), f32) for s in sizes]

    def gemm_only(part=slice(None)):
        for V in batches[part]:
            np.matmul(V, W0, out=buf["b1"])
            np.matmul(mu1, W1, out=buf["a2"])
            for _ in range(args.mf):
                np.matmul(mu2, W1.T, out=buf["a1"])
                np.matmul(mu1, W1, out=buf["a2"])
            np.matmul(ch[0], W0, out=cbuf["c1"])
            np.matmul(ch[2], W1.T, out=cbuf["c1"])
            np.matmul(ch[1], W0.T, out=cbuf["cv"])
            np.matmul(ch[1], W1, out=cbuf["c2"])
            np.matmul(V.T, mu1, out=buf["g0"])
            np.matmul(mu1.T, mu2, out=buf["g1"])
            np.matmul(ch[0].T, ch[1], out=buf["g0"])
            np.matmul(ch[1].T, ch[2], out=buf["g1"])

    stats = epoch()  # warm-up (and the mean-field count check)
    assert set(stats["mf_iter"]) == {args.mf}, set(stats["mf_iter"])
    gemm_only()
    # side by side: every chunk of 10 batches runs through both, one right after the other
    chunks = [slice(s, s + 10) for s in range(0, len(batches), 10)]
    t_e, t_g, per_chunk = [], [], []
    for _ in range(args.repeats):
        te = tg = 0.0
        for part in chunks:
            t = time.perf_counter()
            epoch(part)
            a = time.perf_counter() - t
            t = time.perf_counter()
            gemm_only(part)
            g = time.perf_counter() - t
            te, tg = te + a, tg + g
            per_chunk.append(a / g)
        t_e.append(te)
        t_g.append(tg)
    e, g = float(np.median(t_e)), float(np.median(t_g))
    q1, q2, q3 = np.percentile(per_chunk, [25, 50, 75])
    print(f"machine: {machine()}, pgm_ebm {pgm_ebm.__version__}; {what}")
    print(f"784-500-1000, batch {B}, {C} chains, {args.mf} mean-field iterations, k = 1, "
          f"centering, float32; median over {args.repeats} epochs, each timed in chunks of "
          f"10 batches alternating with the GEMM-only run\n")  # fmt: skip
    print("| epoch | pgm_ebm DBM._update | GEMM-only | ratio | per chunk: median (quartiles) |")
    print("|---|---|---|---|---|")
    print(f"| {len(batches)} batches | {e:.3f} s | {g:.3f} s | **{e / g:.2f}x** | "
          f"{q2:.2f}x ({q1:.2f}-{q3:.2f}) |")  # fmt: skip


if __name__ == "__main__":
    main()
