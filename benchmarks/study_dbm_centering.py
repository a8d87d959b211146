"""Centered against plain joint training of a small DBM at equal training time, scored exactly.

A 784-20-20 DBM on the embedded binarized-MNIST subset (10,000 training images), pretrained
and jointly trained with and without centering (Melchior, Fischer & Wiskott 2016) with the
same settings and seeds; each run's test score is the mean variational lower bound on the
2,000 embedded test images with log Z **exact** (the odd layer has 20 units: the bipartite
form is enumerated), so the comparison carries no AIS error. Both run the same number of
joint epochs and the script prints each run's training time: centering adds two vector
updates per batch, so equal epochs are equal time to within the machine's noise (the
printed times say whether they were).

Usage: python benchmarks/study_dbm_centering.py [--epochs 60] [--seeds 0,1,2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import machine


def run(centering: bool, epochs: int, seed: int, X, T) -> dict:
    from pgm_ebm import DBM

    model = DBM(
        [784, 20, 20],
        n_iter=epochs,
        pretrain_iter=10,
        learning_rate=0.005,
        batch_size=100,
        n_chains=100,
        momentum=0.5,
        weight_decay=1e-4,
        lr_schedule="linear",
        centering=centering,
        max_iter=10,
        random_state=seed,
    )
    t0 = time.perf_counter()
    model.fit(X)
    seconds = time.perf_counter() - t0
    logz = model.log_partition("exact-enumeration")
    bound = model.score_samples(T, log_partition=logz)
    return {
        "centering": centering,
        "seed": seed,
        "epochs": epochs,
        "seconds": seconds,
        "bound": float(bound.mean()),
        "stderr": float(bound.std(ddof=1) / np.sqrt(len(bound))),
        "log_z": logz.log_z,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--seeds", default="0,1,2")
    args = ap.parse_args(argv)
    from pgm_ebm.datasets import load_embedded_mnist

    X, T = load_embedded_mnist("train"), load_embedded_mnist("test")
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    for seed in seeds:
        for centering in (True, False):
            r = run(centering, args.epochs, seed, X, T)
            rows.append(r)
            print(
                f"seed {seed} {'centered' if centering else 'plain   '}: {r['epochs']} epochs "
                f"in {r['seconds']:.1f} s, test bound {r['bound']:.2f} +/- {r['stderr']:.2f} "
                f"nats (log Z {r['log_z']:.4f}, exact)",
                flush=True,
            )
    for centering in (True, False):
        sel = [r for r in rows if r["centering"] == centering]
        b = np.array([r["bound"] for r in sel])
        s = np.array([r["seconds"] for r in sel])
        print(
            f"{'centered' if centering else 'plain'}: mean bound {b.mean():.2f} nats over "
            f"{len(b)} seeds (spread {b.min():.2f} to {b.max():.2f}), mean time {s.mean():.1f} s"
        )
    print(machine())


if __name__ == "__main__":
    main()
