"""AIS accuracy on a 784 x 20 RBM trained with the recipe, against its exact log Z.

The model: the ``mnist`` preset of ``pgm-ebm rbm fit`` (PCD-1, 100 epochs, seed 0) with 20 hidden
units on binarized MNIST (needs ``PGM_EBM_DATA`` or ``--data-home``; 30-60 s of training), or
``--model PATH`` (a saved ``model.npz``).  Its log Z is exact by enumerating the 2^20 hidden
states.  AIS runs with the defaults of ``BernoulliRBM.log_partition(method="ais")`` (100
chains, Salakhutdinov & Murray's 14,500 temperatures, the data's base rates, collapsed sweeps
over the hidden units at every 5th temperature) and, as the baseline, the same without the
collapsed sweeps (block Gibbs only, Salakhutdinov & Murray's AIS), for seeds 0-9.

Target (issue 5): with the defaults, within 0.1 nats of exact for every seed and the 95% interval
covering the exact value for at least 9 of 10.  Usage:
python benchmarks/bench_ais_accuracy.py [--model model.npz] [--seeds 10]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import machine


def recipe_model(data_home):
    from pgm_ebm import BernoulliRBM
    from pgm_ebm.cli import PRESETS
    from pgm_ebm.datasets import load_binarized_mnist

    X = load_binarized_mnist("train", data_home=data_home)
    params = {**PRESETS["mnist"], "n_components": 20}
    t = time.perf_counter()
    model = BernoulliRBM(**params, random_state=0).fit(X)
    print(f"trained the 784 x 20 recipe model in {time.perf_counter() - t:.1f} s")
    return model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="a saved 784 x 20 model.npz (default: train the recipe)")
    ap.add_argument("--data-home", help="folder with binarized MNIST (default: $PGM_EBM_DATA)")
    ap.add_argument("--seeds", type=int, default=10)
    args = ap.parse_args(argv)

    import pgm_ebm
    from pgm_ebm import BernoulliRBM
    from pgm_ebm.partition.ais import rbm_ais

    print(f"machine: {machine()}, pgm_ebm {pgm_ebm.__version__}\n")
    model = BernoulliRBM.load(args.model) if args.model else recipe_model(args.data_home)
    exact = model.log_partition(method="exact").log_z
    W, b, c = model._params()
    print(f"exact log Z = {exact:.4f}\n")
    rows = {}
    for name, collapse in (("default", "auto"), ("block Gibbs only", None)):
        errs, cover, times = [], [], []
        for seed in range(args.seeds):
            t = time.perf_counter()
            r = rbm_ais(
                W, b, c, base_bias=model.base_rate_logit_, random_state=seed,
                collapse_every=collapse,
            )  # fmt: skip
            times.append(time.perf_counter() - t)
            errs.append(r.log_z - exact)
            cover.append(r.interval[0] <= exact <= r.interval[1])
        rows[name] = (np.array(errs), np.array(cover), np.array(times), r)
    print("| seed | " + " | ".join(str(s) for s in range(args.seeds)) + " |")
    print("|---|" + "---|" * args.seeds)
    for name, (errs, cover, _, _) in rows.items():
        print(f"| {name}: AIS - exact | " + " | ".join(f"{e:+.3f}" for e in errs) + " |")
        print(f"| {name}: covers | " + " | ".join("yes" if x else "**no**" for x in cover) + " |")
    print("\n| AIS | collapse_every | max abs error | within 0.1 | intervals cover | "
          "error sd | log-weight sd | time per run |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name, (errs, cover, times, r) in rows.items():
        print(
            f"| {name} | {r.settings['collapse_every']} | {np.abs(errs).max():.3f} "
            f"| {np.sum(np.abs(errs) < 0.1)}/{len(errs)} | {cover.sum()}/{len(cover)} "
            f"| {errs.std():.3f} | {r.diagnostics['log_w_std']:.2f} (last seed) "
            f"| {np.median(times):.1f} s |"
        )
    t_def, t_base = np.median(rows["default"][2]), np.median(rows["block Gibbs only"][2])
    print(f"\ndefault / block Gibbs only time: {t_def / t_base:.2f}x")


if __name__ == "__main__":
    main()
