"""Joint-training learning rate of the 784-500-1000 DBM, from one shared pretrained stack.

Pretrains once (the ``mnist`` preset's settings, ``--pretrain-iter`` epochs per RBM, seed 0),
then trains a copy of it jointly for ``--epochs`` epochs at each learning rate (linear decay
to 0 over those epochs, the preset's other settings) and scores each on the first
``--test-rows`` rows of the binarized-MNIST test file with the command's own evaluation
(mean-field bound, log Z by forward AIS over the Salakhutdinov-Murray 14,500 temperatures x
100 chains, reverse AIS from the persistent chains beside it).  The test file is sorted by
class, so the first 3,000 rows are the digits 0, 1 and 2 only: the comparison between rates
is paired, not a test-set figure.

Usage:  PGM_EBM_DATA=... python benchmarks/study_dbm_learning_rate.py [--epochs 15]
        [--pretrain-iter 15] [--rates 0.005,0.02] [--test-rows 3000]
"""

from __future__ import annotations

import argparse
import copy
import time

from _common import machine


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--pretrain-iter", type=int, default=15)
    ap.add_argument("--rates", default="0.005,0.02")
    ap.add_argument("--test-rows", type=int, default=3000)
    args = ap.parse_args(argv)

    from pgm_ebm import DBM
    from pgm_ebm.experiments.dbm import dbm_params, evaluate_dbm
    from pgm_ebm.experiments.rbm import load_data

    X, _ = load_data("binarized-mnist", "train")
    Xt, _ = load_data("binarized-mnist", "test")
    Xt = Xt[: args.test_rows]
    params = dbm_params("mnist", {"n_iter": 0, "pretrain_iter": args.pretrain_iter})
    base = DBM(**params, random_state=0).fit(X)
    print(f"machine: {machine()}")
    print(f"pretraining: {base.pretrain_seconds_:.0f} s ({args.pretrain_iter} epochs per RBM)\n")
    print("| learning rate | joint epochs | time | bound, forward AIS | bound, reverse AIS |")
    print("|---|---|---|---|---|")
    for rate in (float(r) for r in args.rates.split(",")):
        model = copy.deepcopy(base).set_params(n_iter=args.epochs, learning_rate=rate)
        t = time.perf_counter()
        _continue(model, X)
        t = time.perf_counter() - t
        r = evaluate_dbm(model, Xt, f"test[:{args.test_rows}]", random_state=0, floor_steps=0)
        print(f"| {rate} | {args.epochs} | {t:.0f} s | {r['mean_lower_bound']:.3f} | "
              f"{r['mean_lower_bound_reverse_ais']:.3f} |", flush=True)  # fmt: skip


def _continue(model, X):
    """Joint training of an already pretrained model (``n_iter_`` is 0 after pretraining)."""
    import numpy as np

    dt = np.dtype(model.dtype)
    model._train(np.asarray(X, dt), dt, None)  # the study reuses one pretrained stack


if __name__ == "__main__":
    main()
