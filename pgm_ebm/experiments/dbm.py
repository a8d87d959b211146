"""The deep Boltzmann machine recipe and its evaluation (what ``pgm-ebm dbm`` runs)."""

from __future__ import annotations

import time
import warnings

import numpy as np

from pgm_ebm.experiments.rbm import load_data

#: Salakhutdinov & Hinton's 784-500-1000 DBM, shortened to fit a 2-core machine: 50
#: pretraining epochs per RBM, then 350 joint epochs with 500 persistent chains, 5 mean-field
#: iterations per batch, momentum 0.9 and rate 0.0025 (115 minutes on 2 cores; test bound
#: -85.75 nats with forward AIS, -85.82 with reverse AIS; the earlier 100 chains, momentum 0.5
#: and rate 0.005 for 400 epochs gave -86.94 in 98 minutes).
#: See docs/dbm.rst and benchmarks/RESULTS.md.
DBM_RECIPE = dict(
    layer_sizes=(784, 500, 1000),
    n_iter=350,
    pretrain_iter=50,
    pretrain_learning_rate=0.05,
    learning_rate=0.0025,
    batch_size=100,
    n_chains=500,
    k=1,
    momentum=0.9,
    weight_decay=1e-4,
    lr_schedule="linear",
    centering=True,
    offset_rate=0.01,
    max_iter=5,
    tol=1e-5,
)
#: "quick": a small DBM on the embedded subset (seconds); "mnist": the recipe above.
DBM_PRESETS = {
    "quick": {**DBM_RECIPE, "layer_sizes": (784, 100, 200), "n_iter": 5, "pretrain_iter": 5},
    "mnist": DBM_RECIPE,
}
#: The test images' mean field in :func:`evaluate_dbm`: to convergence, not the training's
#: few iterations (float64; at a fixed point the bound is stationary, so its error is second
#: order in the last change: below 1e-5 in every mean, far below a millinat).
EVAL_MAX_ITER = 300
EVAL_TOL = 1e-5
#: The recipe's settings a user may override.
DBM_SETTINGS = tuple(DBM_RECIPE)


def dbm_params(preset: str = "quick", overrides: dict | None = None) -> dict:
    """The estimator parameters of a DBM preset, with overrides.

    Parameters
    ----------
    preset : {"quick", "mnist"}
        ``"quick"``: a 784-100-200 DBM for seconds on the embedded subset; ``"mnist"``:
        Salakhutdinov & Hinton's 784-500-1000 DBM shortened to fit 2 cores (115 minutes;
        test bound -85.75 nats with forward AIS, -85.82 with reverse).
    overrides : dict, optional
        Setting -> value, over :data:`DBM_SETTINGS`; None values are ignored.

    Returns
    -------
    dict
        Keyword arguments of :class:`~pgm_ebm.DBM`.

    Raises
    ------
    ValueError
        If the preset is unknown or an override is not one of the recipe's settings.

    Examples
    --------
    >>> from pgm_ebm.experiments import dbm_params
    >>> params = dbm_params("mnist", {"n_iter": 10})
    >>> params["layer_sizes"], params["n_iter"], params["centering"]
    ((784, 500, 1000), 10, True)
    """
    if preset not in DBM_PRESETS:
        raise ValueError(f"preset must be one of {tuple(sorted(DBM_PRESETS))}, got {preset!r}")
    params = dict(DBM_PRESETS[preset])
    for k, v in (overrides or {}).items():
        if k not in DBM_SETTINGS:
            raise ValueError(f"cannot override {k!r}; the recipe's settings are {DBM_SETTINGS}")
        if v is not None:
            params[k] = v
    return params


def evaluate_dbm(model, X, desc: str, *, n_chains: int = 100, random_state=0,
                 reverse: bool = True, floor_steps: int = 1000, schedule=None,
                 max_iter: int = EVAL_MAX_ITER, tol: float = EVAL_TOL, client=None,
                 scheduler: str | None = None) -> dict:  # fmt: skip
    """The variational lower bound on the log-likelihood of held-out data, each number named
    for what it is.

    log Z by forward AIS (and reverse AIS from the persistent chains beside it), or exact
    with exact log-likelihoods when the model is small enough. With AIS, ``floor_steps``
    block-Gibbs steps of the persistent chains also give a certain lower bound on log Z
    (``log_partition("found-states")``): the bound on the log-likelihood is then at most
    ``lower_bound_at_most``, and ``ais_above_floor`` says whether the AIS estimate passed
    that check (when it did not, the note says the figure is invalid).

    Parameters
    ----------
    model : DBM
        A fitted DBM.
    X : array_like of shape (n_samples, n_visible)
        Held-out data in [0, 1].
    desc : str
        What ``X`` is (kept in the result).
    n_chains : int
        Forward AIS chains.
    random_state : None, int or numpy.random.Generator
        Seed of AIS and of the floor's chains.
    reverse : bool
        Also run reverse AIS.
    floor_steps : int
        Steps of the found-states check; 0: no check.
    schedule : array_like, optional
        AIS temperatures; default the Salakhutdinov-Murray 14,500.
    max_iter, tol
        The test images' mean field (float64, :meth:`~pgm_ebm.DBM.free_energy_bound`) runs
        until no mean changes by more than ``tol`` or ``max_iter`` iterations, not for the
        model's training ``max_iter``: without damping more iterations never loosen the
        bound.  How it ended is in ``mean_field``.
    client : distributed.Client, optional
        Forward and reverse AIS on a Dask cluster (the same estimates bit for bit).
    scheduler : str, optional
        Instead of ``client``: ``"local[:N]"`` or ``"tcp://HOST:PORT"``.

    Returns
    -------
    dict
        JSON-ready: ``mean_lower_bound`` with its standard error and a note saying how
        log Z was had, ``mean_field`` (iterations, largest last change, converged),
        ``log_partition``, and where they apply
        ``mean_lower_bound_reverse_ais``, ``log_partition_floor``, ``lower_bound_at_most``,
        ``ais_above_floor`` and ``mean_log_likelihood_exact``.

    Examples
    --------
    >>> from pgm_ebm.experiments import dbm_params, fit_dbm
    >>> params = dbm_params("quick", {"layer_sizes": (784, 10, 10), "n_iter": 1,
    ...                               "pretrain_iter": 1})
    >>> model, metrics = fit_dbm(params, limit=100, eval_limit=50, progress=False)
    >>> from pgm_ebm.experiments import evaluate_dbm, load_data
    >>> X, desc = load_data("embedded", "test", limit=50)
    >>> result = evaluate_dbm(model, X, desc)
    >>> result["log_partition"]["method"], result["mean_lower_bound"] <= result[
    ...     "mean_log_likelihood_exact"]
    ('exact-enumeration', True)
    """
    from pgm_ebm.distributed import open_client

    with open_client(client, scheduler) as c:  # one cluster for both AIS runs
        return _evaluate_dbm(model, X, desc, n_chains, random_state, reverse, floor_steps,
                             schedule, max_iter, tol, c)  # fmt: skip


def _evaluate_dbm(model, X, desc, n_chains, random_state, reverse, floor_steps, schedule,
                  max_iter, tol, client):  # fmt: skip
    out = {"data": desc, "n_samples": int(len(X))}
    F, info = model.free_energy_bound(X, max_iter=max_iter, tol=tol, return_info=True)
    out["mean_field"] = {"n_iter": int(info["n_iter"]), "max_change": float(info["max_change"]),
                         "converged": bool(info["converged"]), "max_iter": int(max_iter),
                         "tol": float(tol)}  # fmt: skip
    sizes = model.sizes
    small = min(sum(sizes[0::2]), sum(sizes[1::2])) <= 25
    if small:
        logz = model.log_partition("exact-enumeration")
    else:
        logz = model.log_partition("ais", n_chains=n_chains, schedule=schedule,
                                   random_state=random_state, client=client)  # fmt: skip
    out["log_partition"] = logz.to_dict()
    bound = -F - logz.log_z  # what model.score_samples(X, log_partition=logz, ...) returns
    out["mean_lower_bound"] = float(bound.mean())
    out["lower_bound_stderr"] = (
        float(bound.std(ddof=1) / np.sqrt(len(bound))) if len(X) > 1 else None
    )
    out["lower_bound_note"] = (
        f"variational (mean-field) lower bound on log p(v): -F_q(v) - log Z, mean field "
        f"{'converged' if info['converged'] else 'NOT converged'} after {info['n_iter']} "
        f"iterations (largest last change {info['max_change']:.1e}), log Z "
        + (
            "exact"
            if small
            else f"by forward AIS ({n_chains} chains, "
            f"{logz.settings['n_temperatures']:,} temperatures)"
        )
    )
    if reverse and not small:
        rev = model.log_partition("reverse-ais", schedule=schedule, random_state=random_state,
                                  client=client)  # fmt: skip
        out["reverse_ais_log_partition"] = rev.to_dict()
        out["mean_lower_bound_reverse_ais"] = float(out["mean_lower_bound"] + logz.log_z
                                                    - rev.log_z)  # fmt: skip
    if not small and floor_steps:
        floor = model.log_partition("found-states", n_steps=floor_steps,
                                    random_state=random_state)  # fmt: skip
        out["log_partition_floor"] = floor.to_dict()
        # log Z >= floor for certain, so the bound cannot exceed mean(-F) - floor
        out["lower_bound_at_most"] = float(out["mean_lower_bound"] + logz.log_z - floor.log_z)
        out["ais_above_floor"] = bool(logz.log_z >= floor.log_z)
        if not out["ais_above_floor"]:
            out["lower_bound_note"] += (
                f"; INVALID: the AIS estimate of log Z ({logz.log_z:.2f}) is below the certain "
                f"lower bound {floor.log_z:.2f} from the states the chains visit, so AIS missed "
                "probability mass and the figure is too high; the bound is at most "
                f"{out['lower_bound_at_most']:.2f}"
            )
    if small and sum(sizes[2::2]) <= 20:
        ll = model.log_likelihood_exact(X)
        out["mean_log_likelihood_exact"] = float(ll.mean())
    return out


def fit_dbm(
    params: dict,
    *,
    data: str = "embedded",
    data_home=None,
    limit: int | None = None,
    eval_limit: int | None = None,
    random_state=0,
    checkpoint=None,
    resume: bool = False,
    progress: bool = True,
    evaluate_test: bool = True,
):
    """Train a DBM and evaluate it (what ``pgm-ebm dbm fit`` runs).

    Parameters
    ----------
    params : dict
        Keyword arguments of :class:`~pgm_ebm.DBM` (see :func:`dbm_params`).
    data : str
        ``"embedded"``, ``"binarized-mnist"`` or a file (see :func:`load_data`).
    data_home : str or pathlib.Path, optional
        Where the full splits are.
    limit : int, optional
        Training rows to use.
    eval_limit : int, optional
        Test rows to evaluate on.
    random_state : None, int or numpy.random.Generator
        Seed of training and evaluation.
    checkpoint : str or pathlib.Path, optional
        Written after pretraining and every epoch.
    resume : bool
        Continue from ``checkpoint``.
    progress : bool
        Progress bars.
    evaluate_test : bool
        Evaluate on the test split at the end (unless interrupted).

    Returns
    -------
    model : DBM
        The fitted model.
    metrics : dict
        The parameters, the data, the training and pretraining times, the history, the stop
        reason and (``evaluate_test``) :func:`evaluate_dbm` on the test split.

    Examples
    --------
    >>> from pgm_ebm.experiments import dbm_params, fit_dbm
    >>> params = dbm_params("quick", {"layer_sizes": (784, 10, 10), "n_iter": 1,
    ...                               "pretrain_iter": 1})
    >>> model, metrics = fit_dbm(params, limit=100, eval_limit=50, progress=False)
    >>> metrics["epochs"], metrics["test"]["log_partition"]["method"]
    (1, 'exact-enumeration')
    """
    from pgm_ebm import DBM
    from pgm_ebm.models.dbm import TrainingStopped

    X, desc = load_data(data, "train", data_home, limit)
    model = DBM(**params, random_state=random_state, progress=progress)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingStopped)  # in metrics["stop_reason"]
        model.fit(X, checkpoint=checkpoint, resume=resume)
    metrics = {
        "params": {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in model.get_params().items()
            if k != "progress"
        },  # fmt: skip
        "train_data": desc,
        "n_train": int(len(X)),
        "train_seconds": time.perf_counter() - t0,
        "pretrain_seconds": getattr(model, "pretrain_seconds_", None),
        "epochs": model.n_iter_,
        "stop_reason": model.stop_reason_,
        "history": model.history_,
        "test": None,
    }
    if evaluate_test and model.stop_reason_ != "interrupted":
        Xt, tdesc = load_data(data, "test", data_home, eval_limit)
        metrics["test"] = evaluate_dbm(model, Xt, tdesc, random_state=random_state)
    return model, metrics
