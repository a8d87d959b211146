"""The ``pgm-ebm`` command line.

``pgm-ebm rbm fit``       train a Bernoulli RBM (embedded MNIST subset by default)
``pgm-ebm rbm sample``    draw samples from a saved model
``pgm-ebm rbm evaluate``  free energy, pseudo-log-likelihood, log-likelihood of a saved model
``pgm-ebm dbm fit``       train a deep Boltzmann machine (pretraining, then joint training)
``pgm-ebm dbm evaluate``  its variational lower bound with log Z by AIS
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import warnings
from pathlib import Path

import numpy as np

from pgm_ebm._device import CUDAUnavailableError
from pgm_ebm.distributed import StudyError
from pgm_ebm.experiments.dbm import DBM_PRESETS, DBM_SETTINGS
from pgm_ebm.experiments.rbm import PRESETS, RECIPE_SETTINGS


def _cmd_fit(args) -> int:
    from pgm_ebm import BernoulliRBM, plotting
    from pgm_ebm.experiments import evaluate, fit_recipe, load_data, recipe_params
    from pgm_ebm.io import write_text_atomic

    out = _out_dir(args.out)
    ckpt = out / "checkpoint.npz"
    if args.resume:
        if not ckpt.exists():
            raise ValueError(
                f"--resume: no checkpoint at {ckpt}; run without --resume to start a new run"
            )
        params = BernoulliRBM.checkpoint_params(ckpt)
        params.pop("verbose", None)
        seed = params.pop("random_state")
        ignored = [
            f"--{k.replace('_', '-')}"
            for k in RECIPE_SETTINGS
            if k != "n_iter" and getattr(args, k) is not None and getattr(args, k) != params[k]
        ]
        if args.seed != 0 and args.seed != seed:
            ignored.append("--seed")
        if args.n_iter is not None:
            params["n_iter"] = args.n_iter
        print(
            f"resuming the run in {ckpt} with its saved settings"
            + (f" (n_iter now {args.n_iter})" if args.n_iter is not None else "")
            + (f"; ignored: {', '.join(ignored)}" if ignored else "")
        )
    else:
        params = recipe_params(args.preset, {k: getattr(args, k) for k in RECIPE_SETTINGS})
        seed = args.seed
    if args.device is not None:  # where the run goes on; a resumed run may change it
        params["device"] = args.device
    logging.getLogger("pgm_ebm").info("training with parameters %s", params)
    model, metrics = fit_recipe(
        params,
        data=args.data,
        data_home=args.data_home,
        limit=args.limit,
        eval_limit=args.eval_limit,
        random_state=seed,
        checkpoint=ckpt,
        resume=args.resume,
        progress=not args.quiet,
        evaluate_test=False,  # below, after model.npz and metrics.json are on disk
    )
    model.save(out / "model.npz")
    metrics = {"preset": None if args.resume else args.preset, "resumed": bool(args.resume),
               **metrics}  # fmt: skip
    write_text_atomic(out / "metrics.json", json.dumps(metrics, indent=2))
    if model.stop_reason_ == "interrupted":
        print(
            f"interrupted: kept the model after epoch {model.n_iter_} in {out}/model.npz, "
            f"metrics.json and checkpoint.npz (continue with --resume)",
            file=sys.stderr,
        )
        return 130
    Xt, tdesc = load_data(args.data, "test", args.data_home, args.eval_limit)
    metrics["test"] = evaluate(model, Xt, tdesc)
    write_text_atomic(out / "metrics.json", json.dumps(metrics, indent=2))
    train_s = metrics["train_seconds"]
    if not args.no_figures:
        plotting.save(plotting.plot_filters(model.components_), out / "filters.png")
        samples = model.sample(100, 1000, return_probabilities=True, random_state=args.seed)[1]
        plotting.save(
            plotting.plot_samples(samples, title="samples (1000 Gibbs steps, p(v|h))"),
            out / "samples.png",
        )
        chains = model.persistent_chain_probabilities()[:100]
        plotting.save(
            plotting.plot_samples(chains, title="persistent chains, p(v|h)"),
            out / "persistent_chains.png",
        )
        plotting.save(plotting.plot_training(model.history_), out / "training.png")
    t = metrics["test"]
    ll = t["mean_log_likelihood"]
    print(
        f"trained {model.n_components} hidden units for {model.n_iter_} epochs in {train_s:.1f} s"
        f" ({model.stop_reason_ or 'completed'})"
    )
    print(
        f"test ({tdesc}): reconstruction error {t['reconstruction_error']:.4f}, "
        f"pseudo-log-likelihood {t['mean_pseudo_log_likelihood']:.2f} nats"
    )
    if ll is not None:
        lz = t["log_partition"]
        how = f"log Z {lz['method']}: {lz['log_z']:.4f}"
        if lz["interval"] is not None:  # an estimate: its interval moves the likelihood too
            lo, hi = lz["interval"]
            how += (
                f", 95% interval [{lo:.3f}, {hi:.3f}], so log-likelihood in "
                f"[{ll - (hi - lz['log_z']):.2f}, {ll + (lz['log_z'] - lo):.2f}]"
            )
        print(
            f"test log-likelihood {ll:.2f} +/- {t['log_likelihood_stderr']:.2f} nats over the "
            f"test images ({how})"
        )
    else:
        print(f"test log-likelihood: not computed ({t['log_likelihood_note']})")
    print(
        f"wrote {out}/: model.npz, metrics.json"
        + (
            ""
            if args.no_figures
            else ", filters.png, samples.png, persistent_chains.png, training.png"
        )
    )
    return 0


def _cmd_sample(args) -> int:
    from pgm_ebm import BernoulliRBM, plotting

    model = BernoulliRBM.load(args.model)
    model.verbose = 0 if args.quiet else 1
    out = Path(args.out)
    if out.suffix not in (".npz", ".png", ".pdf", ".svg", ".jpg", ".jpeg"):
        raise ValueError(f"--out {out}: give a .npz (arrays) or an image file (.png, .pdf, .svg)")
    if out.is_dir():
        raise ValueError(f"--out {out}: is a folder; give a file name")
    _out_dir(out.parent)
    S, P = model.sample(args.n, args.steps, return_probabilities=True, random_state=args.seed)
    if out.suffix == ".npz":
        np.savez_compressed(out, samples=S, probabilities=P)
    else:
        plotting.save(
            plotting.plot_samples(P, title=f"{args.n} samples, {args.steps} Gibbs steps"), out
        )
    print(f"wrote {out}")
    return 0


def _cmd_evaluate(args) -> int:
    from pgm_ebm import BernoulliRBM
    from pgm_ebm.experiments import evaluate, load_data

    model = BernoulliRBM.load(args.model)
    X, desc = load_data(args.data, args.split, args.data_home, args.limit)
    print(json.dumps(evaluate(model, X, desc, scheduler=args.scheduler), indent=2))
    return 0


def _cmd_dbm_fit(args) -> int:
    from pgm_ebm import DBM, plotting
    from pgm_ebm.experiments import dbm_params, evaluate_dbm, fit_dbm, load_data
    from pgm_ebm.io import write_text_atomic

    out = _out_dir(args.out)
    ckpt = out / "checkpoint.npz"
    if args.resume:
        if not ckpt.exists():
            raise ValueError(
                f"--resume: no checkpoint at {ckpt}; run without --resume to start a new run"
            )
        params = DBM.checkpoint_params(ckpt)
        params.pop("progress", None)
        seed = params.pop("random_state")
        if args.n_iter is not None:
            params["n_iter"] = args.n_iter
        print(f"resuming the run in {ckpt} with its saved settings")
    else:
        over = {k: getattr(args, k, None) for k in DBM_SETTINGS}
        over["layer_sizes"] = args.layers
        params = dbm_params(args.preset, over)
        seed = args.seed
    if args.device is not None:
        params["device"] = args.device
    model, metrics = fit_dbm(
        params, data=args.data, data_home=args.data_home, limit=args.limit,
        eval_limit=args.eval_limit, random_state=seed, checkpoint=ckpt, resume=args.resume,
        progress=not args.quiet, evaluate_test=False,
    )  # fmt: skip
    model.save(out / "model.npz")
    metrics = {"preset": None if args.resume else args.preset, "resumed": bool(args.resume),
               **metrics}  # fmt: skip
    write_text_atomic(out / "metrics.json", json.dumps(metrics, indent=2))
    if model.stop_reason_ == "interrupted":
        print(
            f"interrupted: kept the model after epoch {model.n_iter_} in {out}/model.npz, "
            "metrics.json and checkpoint.npz (continue with --resume)",
            file=sys.stderr,
        )
        return 130
    Xt, tdesc = load_data(args.data, "test", args.data_home, args.eval_limit)
    metrics["test"] = t = evaluate_dbm(model, Xt, tdesc, random_state=seed)
    write_text_atomic(out / "metrics.json", json.dumps(metrics, indent=2))
    if not args.no_figures:
        plotting.save(plotting.plot_filters(model.weights_[0].T, title="first-layer filters"),
                      out / "filters.png")  # fmt: skip
        plotting.save(
            plotting.plot_samples(model.chains_[0][:100], title="persistent chains (visible)"),
            out / "samples.png",
        )
        plotting.save(plotting.plot_training(model.history_), out / "training.png")
    lz = t["log_partition"]
    print(
        f"trained a {'-'.join(map(str, model.sizes))} DBM: pretraining "
        f"{metrics['pretrain_seconds'] or 0:.0f} s, {model.n_iter_} joint epochs, "
        f"{metrics['train_seconds']:.0f} s in all ({model.stop_reason_ or 'completed'})"
    )
    print(
        f"test ({tdesc}): variational lower bound {t['mean_lower_bound']:.2f} +/- "
        f"{t['lower_bound_stderr'] or 0:.2f} nats (log Z {lz['method']}: {lz['log_z']:.3f}"
        + (
            f", 95% interval [{lz['interval'][0]:.3f}, {lz['interval'][1]:.3f}])"
            if lz["interval"]
            else ")"
        )  # fmt: skip
    )
    if "mean_lower_bound_reverse_ais" in t:
        print(f"  with log Z by reverse AIS: {t['mean_lower_bound_reverse_ais']:.2f} nats")
    if "log_partition_floor" in t:
        verdict = "passed" if t["ais_above_floor"] else "FAILED: AIS missed mass, figure invalid"
        print(
            f"  check: log Z >= {t['log_partition_floor']['log_z']:.2f} for certain (states the "
            f"chains visit), so the bound is at most {t['lower_bound_at_most']:.2f} ({verdict})"
        )
    print(f"wrote {out}/: model.npz, metrics.json"
          + ("" if args.no_figures else ", filters.png, samples.png, training.png"))  # fmt: skip
    return 0


def _cmd_dbm_evaluate(args) -> int:
    from pgm_ebm import DBM
    from pgm_ebm.experiments import evaluate_dbm, load_data

    model = DBM.load(args.model)
    X, desc = load_data(args.data, args.split, args.data_home, args.limit)
    out = evaluate_dbm(model, X, desc, random_state=args.seed, scheduler=args.scheduler)
    print(json.dumps(out, indent=2))
    return 0


def _device_arg(parser, what: str) -> None:
    parser.add_argument(
        "--device",
        choices=("cpu", "cuda", "auto"),
        help=f"cuda: {what}; auto: the GPU if usable; default cpu (with --resume: the "
        "checkpoint's)",
    )


def _on_off(text: str) -> bool:
    if text not in ("on", "off"):
        raise argparse.ArgumentTypeError(f"expected 'on' or 'off', got {text!r}")
    return text == "on"


def _layers(text: str):
    try:
        sizes = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected sizes like 784,500,1000, got {text!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected at least two sizes >= 1, got {text!r}")
    return sizes


def _parse_temps(spec: str, option: str = "--temps", what: str = "temperatures") -> np.ndarray:
    try:
        if ":" in spec:
            a, b, c = (float(x) for x in spec.split(":"))
            if c <= 0 or b < a:
                raise ValueError
            temps = np.round(np.arange(a, b + c / 2, c), 10)
        else:
            temps = np.array([float(x) for x in spec.split(",")])
    except ValueError:
        raise ValueError(
            f"{option}: expected START:STOP:STEP or a comma list, got {spec!r}"
        ) from None
    if len(temps) == 0 or np.any(temps <= 0) or not np.all(np.isfinite(temps)):
        raise ValueError(f"{option}: {what} must be finite and > 0, got {spec!r}")
    return temps


def _cmd_ising_simulate(args) -> int:
    import csv

    from pgm_ebm import plotting
    from pgm_ebm.experiments import temperature_scan
    from pgm_ebm.partition import ising_exact as ex

    temps = _parse_temps(args.temps)
    out = _out_dir(args.out)
    scan = temperature_scan(
        args.size,
        temps,
        sampler=args.sampler,
        n_sweeps=args.sweeps,
        burn_in=args.burn_in,
        n_chains=args.chains,
        random_state=np.random.default_rng(args.seed),
        progress=not args.quiet,
        device=args.device,
        scheduler=args.scheduler,
    )
    rows, snaps, traces = scan["rows"], scan["snapshots"], scan["traces"]
    with open(out / "observables.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (out / "observables.json").write_text(
        json.dumps(
            {
                "size": args.size,
                "sampler": args.sampler,
                "sweeps": args.sweeps,
                "burn_in": args.burn_in,
                "chains": args.chains,
                "seed": args.seed,
                "device": args.device,
                "T_c": ex.T_C,
                "rows": rows,
            },
            indent=2,
        )
    )
    if not args.no_figures:
        plotting.save(
            plotting.plot_ising_observables(rows, args.size, args.sampler), out / "observables.png"
        )
        pick = sorted({temps[0], temps[np.argmin(np.abs(temps - ex.T_C))], temps[-1]})
        plotting.save(
            plotting.plot_spin_snapshots([snaps[float(t)] for t in pick], pick),
            out / "snapshots.png",
        )
        t_c = float(temps[np.argmin(np.abs(temps - ex.T_C))])  # burn-in diagnostic near T_c
        plotting.save(
            plotting.plot_trace(traces[t_c], title=f"T = {t_c:.3f}"), out / "trace_near_tc.png"
        )
    print(
        f"{'T':>6} {'e':>9} {'+-':>7} {'exact':>8} {'|m|':>7} {'+-':>7} {'exact':>7} {'C':>7} "
        f"{'chi':>8}"
    )
    for r in rows:
        print(
            f"{r['T']:6.3f} {r['energy']:9.5f} {r['energy_err']:7.5f} {r['exact_energy']:8.5f} "
            f"{r['abs_m']:7.4f} {r['abs_m_err']:7.4f} {r['exact_abs_m']:7.4f} "
            f"{r['specific_heat']:7.3f} {r['susceptibility']:8.3f}"
        )
    print(
        f"wrote {out}/: observables.csv, observables.json"
        + ("" if args.no_figures else ", observables.png, snapshots.png, trace_near_tc.png")
    )
    return 0


def _cmd_ising_fss(args) -> int:
    import csv

    from pgm_ebm import plotting
    from pgm_ebm.experiments.ising import finite_size_scaling

    temps = _parse_temps(args.temps)
    sizes = _int_list(args.sizes, "--sizes", minimum=2)
    out = _out_dir(args.out)
    study = finite_size_scaling(
        sizes, temps, args.runs, random_state=args.seed, sampler=args.sampler,
        n_sweeps=args.sweeps, burn_in=args.burn_in, n_chains=args.chains,
        scheduler=args.scheduler, store=out / "tasks.jsonl", progress=not args.quiet,
    )  # fmt: skip
    with open(out / "binder.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(study["rows"][0]))
        w.writeheader()
        w.writerows(study["rows"])
    (out / "fss.json").write_text(json.dumps(study, indent=2))
    if not args.no_figures:
        plotting.save(plotting.plot_binder_fss(study), out / "binder.png")
    for c in study["crossings"]:
        print(f"U_4 crossing of L = {c['L1']} and {c['L2']}: T = {c['T_c']:.5f} "
              f"+- {c['T_c_err']:.5f} (jackknife over {args.runs} runs)")  # fmt: skip
    print(f"T_c (largest pair) = {study['T_c']:.5f} +- {study['T_c_err']:.5f}; Onsager "
          f"{study['T_onsager']:.6f}; relative difference "
          f"{study['relative_error']:.2%}")  # fmt: skip
    print(f"wrote {out}/: binder.csv, fss.json, tasks.jsonl (finished tasks: a rerun resumes)"
          + ("" if args.no_figures else ", binder.png"))  # fmt: skip
    return 0


def _int_list(text: str, option: str, minimum: int = 1) -> list[int]:
    try:
        vals = [int(x) for x in text.split(",")]
    except ValueError:
        raise ValueError(f"{option}: expected a comma list of integers, got {text!r}") from None
    if any(v < minimum for v in vals):
        raise ValueError(f"{option}: every value must be >= {minimum}, got {text!r}")
    return vals


def _cmd_logz_ising(args) -> int:
    from pgm_ebm import plotting
    from pgm_ebm.experiments import log_partition_comparison

    betas = _parse_temps(args.betas, "--betas", "inverse temperatures")
    out = _out_dir(args.out)
    L = args.size
    rows = log_partition_comparison(
        L,
        betas,
        n_chains=args.chains,
        n_temperatures=args.temperatures,
        random_state=args.seed,
        progress=not args.quiet,
        scheduler=args.scheduler,
    )
    (out / "logz.json").write_text(json.dumps({"size": L, "rows": rows}, indent=2))
    if not args.no_figures:
        plotting.save(plotting.plot_ising_log_partition(rows, L), out / "logz.png")
    N = L * L
    print(f"{'beta':>6} {'exact/N':>9} {'AIS/N':>9} {'+-':>7} {'MF/N':>9} {'Bethe/N':>9}")
    for r in rows:
        print(
            f"{r['beta']:6.3f} {r['exact'] / N:9.5f} {r['ais'] / N:9.5f} "
            f"{(r['ais_hi'] - r['ais_lo']) / 2 / N:7.5f} {r['mean-field'] / N:9.5f} "
            f"{r['bethe'] / N:9.5f}"
        )
    print(f"wrote {out}/logz.json" + ("" if args.no_figures else " and logz.png"))
    return 0


def _cmd_logz_rbm(args) -> int:
    from pgm_ebm import BernoulliRBM, plotting
    from pgm_ebm.experiments import ais_comparison

    model = BernoulliRBM.load(args.model)
    try:
        temperatures = [int(k) for k in args.temperatures.split(",")]
    except ValueError:
        raise ValueError(
            f"--temperatures: expected a comma list of integers, got {args.temperatures!r}"
        ) from None
    if any(k < 1 for k in temperatures):
        raise ValueError(f"--temperatures: lengths must be >= 1, got {args.temperatures!r}")
    if min(model.components_.shape) > 25:
        raise ValueError(
            f"{args.model}: logz rbm compares AIS with the exact log Z, which needs a layer of at "
            f"most 25 units; this model has {model.components_.shape[0]} hidden and "
            f"{model.components_.shape[1]} visible units"
        )
    out = _out_dir(args.out)
    cmp = ais_comparison(model, temperatures, n_chains=args.chains, random_state=args.seed,
                         scheduler=args.scheduler)  # fmt: skip
    exact, rows = cmp["exact"], cmp["rows"]
    (out / "rbm_logz.json").write_text(
        json.dumps({"exact": exact.to_dict(), "rows": rows}, indent=2)
    )
    if not args.no_figures:
        plotting.save(plotting.plot_rbm_ais_convergence(rows, exact.log_z), out / "rbm_logz.png")
    print(f"exact log Z = {exact.log_z:.4f} ({exact.method}, {exact.wall_time:.2f} s)")
    print(
        f"{'temps':>6} {'AIS':>24} {'log Z':>10} {'error':>8} {'95% interval':>22} "
        f"{'ESS':>6} {'s':>6}"
    )
    for r in rows:
        print(
            f"{r['temperatures']:6d} {r['direction']:>24} {r['log_z']:10.4f} "
            f"{r['log_z'] - exact.log_z:8.4f} [{r['lo']:9.3f}, {r['hi']:9.3f}] "
            f"{r['ess']:6.1f} {r['seconds']:6.2f}"
        )
    return 0


def _cmd_denoise(args) -> int:
    from pgm_ebm import denoise as dn
    from pgm_ebm import plotting
    from pgm_ebm.experiments import denoise_experiment

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        img = dn.load_image(args.image, size=args.size, threshold=args.threshold)
    for w in caught:
        print(f"note: {w.message}")
    methods = None if args.method == "all" else args.method.split(",")
    out = _out_dir(args.out)
    run = denoise_experiment(
        img,
        methods,
        noise_type=args.noise_type,
        noise=args.noise,
        beta=args.beta,
        eta=args.eta,
        bishop=args.bishop,
        h=args.h,
        neighbourhood=args.neighbourhood,
        n_sweeps=args.sweeps,
        random_state=args.seed,
        progress=not args.no_progress,
        scheduler=args.scheduler,
    )
    clean, noisy, results = run["clean"], run["noisy"], run["results"]
    summary = {"image": str(args.image), **run["summary"]}
    if clean is not None:
        dn.save_image(out / "clean.png", clean)
    dn.save_image(out / "noisy.png", noisy if args.noise_type == "flip" else np.sign(noisy))
    for m, r in results.items():
        dn.save_image(out / f"{m}.png", r.spins)
        if r.marginals is not None:
            dn.save_image(out / f"{m}-marginals.png", r.marginals)
    (out / "results.json").write_text(json.dumps(summary, indent=2))
    fig = plotting.plot_denoise_panel(
        clean,
        noisy if args.noise_type == "flip" else np.sign(noisy),
        results,
        title=f"{args.image}: {args.noise_type} noise {args.noise:g}, beta = "
        f"{summary['model']['beta']:g}, eta = {summary['model']['eta']:.3g}",
    )
    plotting.save(fig, out / "panel.png")
    print(f"{'method':<11} {'error':>8} {'energy':>12} {'time':>8}")
    for m, v in summary["methods"].items():
        err = "" if v["error_rate"] is None else f"{100 * v['error_rate']:7.2f}%"
        print(f"{m:<11} {err:>8} {v['energy']:12.2f} {v['wall_time']:7.2f}s")
    print(f"wrote {out}/panel.png, results.json and the images")
    return 0


class _UsageError(Exception):
    """A mistake in the command line (argparse's errors, raised instead of exiting)."""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.ArgumentDefaultsHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise _UsageError(message)


def _scheduler(text: str) -> str:
    """argparse type: 'local', 'local:N' or 'tcp://HOST:PORT' (checked, not connected)."""
    from pgm_ebm.distributed import _parse_scheduler

    try:
        _parse_scheduler(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


_SCHEDULER_HELP = (
    "run the tasks on Dask (the distributed extra): local[:N] starts N worker processes "
    "here, tcp://HOST:PORT uses a running scheduler; default: in this process"
)


def _count(minimum: int = 1):
    """argparse type: an integer >= minimum."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {minimum}, got {text!r}"
            ) from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}")
        return v

    parse.__name__ = "integer"
    return parse


def _real(low: float | None = None, low_open: bool = False, high: float | None = None):
    """argparse type: a finite real number, optionally bounded."""

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            v = math.nan
        ok = math.isfinite(v)
        if ok and low is not None:
            ok = v > low if low_open else v >= low
        if ok and high is not None:
            ok = v <= high
        if not ok:
            bound = []
            if low is not None:
                bound.append(f"{'>' if low_open else '>='} {low:g}")
            if high is not None:
                bound.append(f"<= {high:g}")
            raise argparse.ArgumentTypeError(
                f"expected a finite number{' ' + ' and '.join(bound) if bound else ''}, "
                f"got {text!r}"
            )
        return v

    parse.__name__ = "number"
    return parse


def _out_dir(spec) -> Path:
    """--out as a folder that exists (created), or a ValueError that says what is wrong."""
    out = Path(spec)
    for p in (out, *out.parents):
        if p.exists() and not p.is_dir():
            where = "is a file" if p == out else f"lies under {p}, which is a file"
            raise ValueError(f"--out {out}: {where}; give a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"--out {out}: cannot create the folder ({exc.strerror or exc})") from None
    return out


_PRESET_HELP = (
    "quick: the mnist recipe for 15 epochs (the README's first command); "
    "mnist: 500 hidden units, PCD-1 with 100 chains, batch 100, learning rate 0.1 decaying "
    "linearly to 0, momentum 0.5, weight decay 1e-4, 100 epochs; "
    "mnist-long: the same for 800 epochs (test log-likelihood -87.13 nats by AIS on full MNIST); "
    "mnist-centered: the same centered, for 1,400 epochs (-85.93 nats, 38.5 minutes on 2 cores)"
)


def build_parser() -> argparse.ArgumentParser:
    from pgm_ebm import __version__

    p = _Parser(prog="pgm-ebm", description="Classical energy-based models.")
    p.add_argument("--version", action="version", version=f"pgm-ebm {__version__}")
    sub = p.add_subparsers(dest="model", required=True, parser_class=_Parser)
    rbm = sub.add_parser("rbm", help="Bernoulli restricted Boltzmann machines")
    rsub = rbm.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def data_args(q, default_split=None):
        q.add_argument(
            "--data",
            default="embedded",
            help="'embedded' (default, ships with the package), 'binarized-mnist' "
            "(the full 50k/10k/10k splits, from --data-home, $PGM_EBM_DATA or the "
            "cache) or a path to an .amat / .npy file (then also used for evaluation)",
        )
        q.add_argument(
            "--data-home",
            default=None,
            help="folder with the binarized MNIST files (default: $PGM_EBM_DATA, then the cache)",
        )
        q.add_argument("--limit", type=_count(), default=None, help="use only the first N images")
        if default_split:
            q.add_argument(
                "--split",
                default=default_split,
                choices=("train", "valid", "test"),
                help="which split to evaluate",
            )

    f = rsub.add_parser("fit", help="train an RBM and write model, metrics and figures")
    data_args(f)
    f.add_argument("--preset", default="quick", choices=sorted(PRESETS), help=_PRESET_HELP)
    f.add_argument("--n-components", type=_count(), help="hidden units (default: the preset's)")
    f.add_argument("--n-iter", type=_count(0), help="epochs (default: the preset's)")
    f.add_argument("--batch-size", type=_count(), help="default: the preset's")
    f.add_argument("--learning-rate", type=_real(0.0, low_open=True), help="default: the preset's")
    f.add_argument("--method", choices=("pcd", "cd"), help="default: the preset's")
    f.add_argument("--k", type=_count(), help="Gibbs steps per update (default: the preset's)")
    f.add_argument("--n-chains", type=_count(), help="persistent chains (default: the preset's)")
    f.add_argument("--momentum", type=_real(0.0), help="in [0, 1) (default: the preset's)")
    f.add_argument("--weight-decay", type=_real(0.0), help="default: the preset's")
    f.add_argument(
        "--lr-schedule",
        choices=("constant", "linear", "inverse"),
        help="default: the preset's",
    )
    f.add_argument(
        "--centering",
        type=_on_off,
        metavar="{on,off}",
        help="centered gradient (Melchior et al. 2016; default: the preset's)",
    )
    f.add_argument("--seed", type=_count(0), default=0, help="random seed")
    _device_arg(f, "training on the GPU (the cuda extra)")
    f.add_argument(
        "--eval-limit", type=_count(), default=None, help="evaluate on N random test images"
    )
    f.add_argument("--out", default="runs/rbm", help="output folder")
    f.add_argument(
        "--resume",
        action="store_true",
        help="continue the run saved in OUT/checkpoint.npz with its saved settings "
        "(only --n-iter may change)",
    )
    f.add_argument("--no-figures", action="store_true", help="write no figures")
    f.add_argument("--quiet", action="store_true", help="no progress bars or log lines")
    f.set_defaults(func=_cmd_fit)

    s = rsub.add_parser("sample", help="draw samples from a saved model")
    s.add_argument("model", help="a model.npz written by rbm fit")
    s.add_argument("--n", type=_count(), default=100, help="samples (independent chains)")
    s.add_argument("--steps", type=_count(), default=1000, help="block-Gibbs steps")
    s.add_argument("--seed", type=_count(0), default=0, help="random seed")
    s.add_argument("--out", default="samples.png", help=".png (figure) or .npz (arrays)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=_cmd_sample)

    e = rsub.add_parser("evaluate", help="free energy, pseudo-log-likelihood and log-likelihood")
    e.add_argument("model", help="a model.npz written by rbm fit")
    data_args(e, default_split="test")
    e.add_argument("--scheduler", type=_scheduler, help="AIS chains: " + _SCHEDULER_HELP)
    e.set_defaults(func=_cmd_evaluate)

    ising = sub.add_parser("ising", help="Ising lattices")
    isub = ising.add_subparsers(dest="command", required=True, parser_class=_Parser)
    si = isub.add_parser("simulate", help="observables against temperature, with exact curves")
    si.add_argument("--size", type=_count(2), default=32, help="L of the L x L torus")
    si.add_argument("--temps", default="1.5:3.5:0.1", help="START:STOP:STEP or a comma list")
    si.add_argument(
        "--sampler",
        default="wolff",
        choices=("metropolis", "heatbath", "wolff", "swendsen-wang"),
        help="Markov chain move",
    )
    si.add_argument("--sweeps", type=_count(), default=1000, help="measured sweeps per temperature")
    si.add_argument("--burn-in", type=_count(0), default=200, help="sweeps discarded first")
    si.add_argument("--chains", type=_count(), default=4, help="independent chains")
    si.add_argument("--seed", type=_count(0), default=0, help="random seed")
    si.add_argument(
        "--device",
        default="cpu",
        choices=("cpu", "cuda", "auto"),
        help="cuda: metropolis, heatbath and multispin on the GPU (the cuda extra); "
        "auto: the GPU if usable",
    )
    si.add_argument("--scheduler", type=_scheduler, help="temperatures: " + _SCHEDULER_HELP)
    si.add_argument("--out", default="runs/ising", help="output folder")
    si.add_argument("--no-figures", action="store_true", help="write no figures")
    si.add_argument("--quiet", action="store_true", help="no progress bar")
    si.set_defaults(func=_cmd_ising_simulate)
    fs = isub.add_parser(
        "fss", help="finite-size scaling: Binder cumulants over sizes x temperatures x seeds, "
        "T_c from their crossings; resumable, on Dask with --scheduler",
    )  # fmt: skip
    fs.add_argument("--sizes", default="16,32,64", help="comma list of lattice sides L")
    fs.add_argument("--temps", default="2.22:2.32:0.01", help="START:STOP:STEP or a comma list")
    fs.add_argument("--runs", type=_count(2), default=4, help="independent runs per point")
    fs.add_argument(
        "--sampler", default="wolff", choices=("metropolis", "heatbath", "wolff", "swendsen-wang"),
        help="Markov chain move",
    )  # fmt: skip
    fs.add_argument("--sweeps", type=_count(), default=2000, help="measured sweeps per run")
    fs.add_argument("--burn-in", type=_count(0), default=200, help="sweeps discarded first")
    fs.add_argument("--chains", type=_count(), default=2, help="chains per run")
    fs.add_argument("--seed", type=_count(0), default=0, help="base seed of every task")
    fs.add_argument("--scheduler", type=_scheduler, help=_SCHEDULER_HELP)
    fs.add_argument("--out", default="runs/fss", help="output folder (tasks.jsonl: resumable)")
    fs.add_argument("--no-figures", action="store_true", help="write no figures")
    fs.add_argument("--quiet", action="store_true", help="no progress bar")
    fs.set_defaults(func=_cmd_ising_fss)

    lz = sub.add_parser("logz", help="exact against approximate partition functions")
    lzsub = lz.add_subparsers(dest="command", required=True, parser_class=_Parser)
    li = lzsub.add_parser("ising", help="log Z of an L x L torus against beta, every method")
    li.add_argument("--size", type=_count(2), default=16, help="L of the L x L torus")
    li.add_argument("--betas", default="0.1:0.8:0.05", help="START:STOP:STEP or a comma list")
    li.add_argument("--chains", type=_count(), default=32, help="AIS chains")
    li.add_argument("--temperatures", type=_count(), default=1000, help="AIS temperatures")
    li.add_argument("--seed", type=_count(0), default=0, help="random seed")
    li.add_argument("--scheduler", type=_scheduler, help="AIS chains: " + _SCHEDULER_HELP)
    li.add_argument("--out", default="runs/logz", help="output folder")
    li.add_argument("--no-figures", action="store_true", help="write no figures")
    li.add_argument("--quiet", action="store_true", help="no progress bar")
    li.set_defaults(func=_cmd_logz_ising)
    lr = lzsub.add_parser(
        "rbm",
        help="exact log Z of a saved small RBM against forward and "
        "reverse AIS as the number of temperatures grows",
    )
    lr.add_argument("model", help="a model.npz with at most 25 units in one layer")
    lr.add_argument(
        "--temperatures",
        default="100,300,1000,3000,14500",
        help="comma list of AIS schedule lengths",
    )
    lr.add_argument("--chains", type=_count(), default=100, help="AIS chains")
    lr.add_argument("--seed", type=_count(0), default=0, help="random seed")
    lr.add_argument("--out", default="runs/logz", help="output folder")
    lr.add_argument("--scheduler", type=_scheduler, help="AIS chains: " + _SCHEDULER_HELP)
    lr.add_argument("--no-figures", action="store_true", help="write no figures")
    lr.set_defaults(func=_cmd_logz_rbm)

    dbm = sub.add_parser("dbm", help="deep Boltzmann machines")
    dsub = dbm.add_subparsers(dest="command", required=True, parser_class=_Parser)
    df = dsub.add_parser("fit", help="pretrain and jointly train a DBM; model, metrics, figures")
    data_args(df)
    df.add_argument(
        "--preset", default="quick", choices=sorted(DBM_PRESETS),
        help="quick: 784-100-200 for 5+5 epochs (seconds on the embedded subset); mnist: "
        "784-500-1000, 50 pretraining epochs per RBM, 350 joint epochs with centering, 500 "
        "persistent chains and momentum 0.9 (about 115 minutes on 2 cores)",
    )  # fmt: skip
    df.add_argument("--layers", type=_layers, help="layer sizes, visible first (784,500,1000)")
    df.add_argument("--n-iter", type=_count(0), help="joint-training epochs")
    df.add_argument("--pretrain-iter", type=_count(0), help="epochs of each pretraining RBM")
    df.add_argument("--learning-rate", type=_real(0.0, low_open=True), help="joint training")
    df.add_argument("--batch-size", type=_count(), help="default: the preset's")
    df.add_argument("--n-chains", type=_count(), help="persistent chains")
    df.add_argument("--max-iter", type=_count(), help="mean-field iterations per training batch")
    df.add_argument("--momentum", type=_real(0.0, high=1.0), help="in [0, 1): joint training")
    df.add_argument(
        "--centering", type=_on_off, metavar="{on,off}", help="default: the preset's (on)"
    )
    df.add_argument("--seed", type=_count(0), default=0, help="random seed")
    _device_arg(df, "pretraining and joint training on the GPU (the cuda extra)")
    df.add_argument("--eval-limit", type=_count(), default=None, help="evaluate on N test images")
    df.add_argument("--out", default="runs/dbm", help="output folder")
    df.add_argument("--resume", action="store_true", help="continue OUT/checkpoint.npz")
    df.add_argument("--no-figures", action="store_true", help="write no figures")
    df.add_argument("--quiet", action="store_true", help="no progress bars")
    df.set_defaults(func=_cmd_dbm_fit)
    de = dsub.add_parser("evaluate", help="variational lower bound, log Z by AIS")
    de.add_argument("model", help="a model.npz written by dbm fit")
    data_args(de, default_split="test")
    de.add_argument("--seed", type=_count(0), default=0, help="seed of the AIS chains")
    de.add_argument("--scheduler", type=_scheduler, help="AIS chains: " + _SCHEDULER_HELP)
    de.set_defaults(func=_cmd_dbm_evaluate)

    dz = sub.add_parser("denoise", help="restore a binary image with an Ising prior, every method")
    dz.add_argument(
        "image", help="a PNG/JPEG file, or builtin:shapes | builtin:text | builtin:digit"
    )
    dz.add_argument("--size", type=_count(8), default=128, help="size of a built-in image")
    dz.add_argument(
        "--noise",
        type=_real(0.0),
        default=0.1,
        help="flip rate in (0, 0.5) (0: the image is already noisy) or Gaussian sigma",
    )
    dz.add_argument(
        "--noise-type", choices=("flip", "gaussian"), default="flip", help="noise model"
    )
    dz.add_argument("--method", default="all", help="'all' or a comma list of methods")
    dz.add_argument("--beta", type=_real(0.0), default=1.0, help="coupling of neighbours")
    dz.add_argument(
        "--eta",
        type=_real(),
        default=None,
        help="default: 0.5 log((1 - p) / p) for flip noise, 1 / sigma^2 for Gaussian",
    )
    dz.add_argument("--bishop", action="store_true", help="eta = 2.1 whatever the noise rate")
    dz.add_argument("--h", type=_real(), default=0.0, help="field towards -1 (bias)")
    dz.add_argument(
        "--neighbourhood", type=int, choices=(4, 8), default=4, help="neighbours of a pixel"
    )
    dz.add_argument("--sweeps", type=_count(), default=None, help="Gibbs / annealing sweeps")
    dz.add_argument(
        "--threshold", type=_real(0.0, high=1.0), default=0.5, help="grey level threshold"
    )
    dz.add_argument("--seed", type=_count(0), default=0, help="random seed")
    dz.add_argument("--scheduler", type=_scheduler, help="methods: " + _SCHEDULER_HELP)
    dz.add_argument("--out", default="runs/denoise", help="output folder")
    dz.add_argument("--no-progress", action="store_true", help="no progress bars")
    dz.set_defaults(func=_cmd_denoise)
    return p


def main(argv=None) -> int:
    """Run ``pgm-ebm`` with ``argv`` (default: the command line); returns the exit code.

    A user's mistake (bad arguments, a missing or broken file, an unusable ``--out``)
    prints one line ``pgm-ebm: error: ...`` and returns 2; Ctrl-C returns 130 after what
    was finished is saved.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv:
        parser.print_help()
        return 0
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        print(f"pgm-ebm: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    logging.basicConfig(
        level=logging.WARNING if getattr(args, "quiet", False) else logging.INFO,
        format="%(message)s",
    )
    logging.getLogger("distributed").setLevel(logging.WARNING)  # a cluster's chatter
    try:
        return int(args.func(args) or 0)
    except (
        ValueError, OSError, OverflowError, MemoryError, CUDAUnavailableError, StudyError,
        ImportError,  # an extra that is not installed (the message names it)
    ) as exc:  # fmt: skip
        msg = str(exc) or type(exc).__name__
        if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in msg:
            msg = f"{exc.filename}: {msg}"
        print(f"pgm-ebm: error: {' '.join(msg.split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pgm-ebm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
