"""Joint-training levers of the 784-500-1000 DBM, from one shared pretrained stack.

Pretrains once (the ``mnist`` preset's settings, ``--pretrain-iter`` epochs per RBM, seed 0),
then trains a copy of it jointly for ``--epochs`` epochs under each arm's settings (the
preset's others; linear decay of the rate to 0 over those epochs) and scores each on the
first ``--test-rows`` rows of the binarized-MNIST test file with the command's own evaluation
(mean-field bound, log Z by forward AIS over the Salakhutdinov-Murray 14,500 temperatures x
100 chains, reverse AIS from the persistent chains beside it).  The test file is sorted by
class, so the first 3,000 rows are the digits 0, 1 and 2 only: the comparison between arms
is paired, not a test-set figure.  An arm that changes ``n_chains`` starts that many fresh
persistent chains (seeded like the estimator's, from the pretrained means).

Arms: ``;``-separated, each a ``,``-separated list of DBM settings, e.g.
``"learning_rate=0.005;n_chains=500,max_iter=5;momentum=0.9,learning_rate=0.0025"``.

Usage:  PGM_EBM_DATA=... python benchmarks/study_dbm_levers.py [--epochs 15]
        [--pretrain-iter 15] [--arms ...] [--test-rows 3000]
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
    ap.add_argument("--arms", default="learning_rate=0.005;learning_rate=0.02")
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
    print("| arm | joint epochs | time | bound, forward AIS | bound, reverse AIS |")
    print("|---|---|---|---|---|")
    for arm in args.arms.split(";"):
        settings = dict(_setting(kv) for kv in arm.split(","))
        model = copy.deepcopy(base).set_params(n_iter=args.epochs, **settings)
        if model.n_chains != base.n_chains:
            _fresh_chains(model)
        t = time.perf_counter()
        _continue(model, X)
        t = time.perf_counter() - t
        r = evaluate_dbm(model, Xt, f"test[:{args.test_rows}]", random_state=0, floor_steps=0)
        print(f"| {arm} | {args.epochs} | {t:.0f} s | {r['mean_lower_bound']:.3f} | "
              f"{r['mean_lower_bound_reverse_ais']:.3f} |", flush=True)  # fmt: skip


def _setting(kv):
    key, _, value = kv.partition("=")
    try:
        return key.strip(), int(value)
    except ValueError:
        return key.strip(), float(value)


def _fresh_chains(model):
    """``model.n_chains`` new persistent chains and streams, drawn as the estimator's
    initialisation draws them (from each layer's base rate), seed 0."""
    import numpy as np

    from pgm_ebm._rng import seed_streams

    rng = np.random.default_rng(0)
    dt = np.dtype(model.dtype)
    n = model.n_chains
    model._streams = seed_streams(rng, n)
    model.chains_ = [
        (rng.random((n, len(z))) < np.clip(1 / (1 + np.exp(-z)), 0.01, 0.99)).astype(dt)
        for z in model.base_rate_logit_
    ]


def _continue(model, X):
    """Joint training of an already pretrained model (``n_iter_`` is 0 after pretraining)."""
    import numpy as np

    dt = np.dtype(model.dtype)
    model._train(np.asarray(X, dt), dt, None)  # the study reuses one pretrained stack


if __name__ == "__main__":
    main()
