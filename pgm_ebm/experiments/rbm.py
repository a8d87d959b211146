"""The RBM studies: the documented training recipe and its presets, evaluation of a model on
held-out data, and exact log Z against forward and reverse AIS as the schedule grows."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np

#: The documented recipe for binarized MNIST (PCD-1, Tieleman 2008 style), chosen by a sweep
#: on 20-hidden-unit models scored by exact test log-likelihood (docs/rbm.rst).
MNIST_RECIPE = dict(
    n_components=500,
    n_iter=100,
    batch_size=100,
    learning_rate=0.1,
    method="pcd",
    k=1,
    momentum=0.5,
    weight_decay=1e-4,
    lr_schedule="linear",
    n_chains=100,
    centering=False,
)
#: "quick" is the README's first command (the same recipe, 15 epochs: seconds on the subset).
#: "mnist-centered": centered (Melchior et al. 2016) for 1,400 epochs: -85.93 nats by forward AIS
#: (seeds 1, 2: -85.59, -85.75; reverse AIS -85.75), 38.5 minutes of training on 2 cores.
#: "mnist-long": the same recipe for 800 epochs (test log-likelihood -87.13 nats by AIS; 400
#: epochs gave -88.23).
PRESETS = {
    "mnist": MNIST_RECIPE,
    "quick": {**MNIST_RECIPE, "n_iter": 15},
    "mnist-long": {**MNIST_RECIPE, "n_iter": 800},
    "mnist-centered": {**MNIST_RECIPE, "n_iter": 1400, "centering": True},
}
#: The recipe's settings a user may override.
RECIPE_SETTINGS = tuple(MNIST_RECIPE)
#: Label of Salakhutdinov & Murray's AIS (block Gibbs only) in :func:`ais_comparison`.
BLOCK_ONLY = "forward, block Gibbs only"


def load_data(spec: str, split: str, data_home=None, limit: int | None = None):
    """The data of a study, with a description of what it is.

    Parameters
    ----------
    spec : str or pathlib.Path
        ``"embedded"`` (the binarized-MNIST subset shipped in the package),
        ``"binarized-mnist"`` (the full splits, from ``data_home`` or ``$PGM_EBM_DATA``) or
        a path to an ``.amat`` or ``.npy`` file.
    split : {"train", "valid", "test"}
        Which split (the embedded subset has a training and a test part; ``"valid"`` reads
        its test part).
    data_home : str or pathlib.Path, optional
        Where the full splits are.
    limit : int, optional
        Keep only this many rows: the first rows of the training split (in random order
        already), a seeded random subset (seed 0) of the others (the ``.amat`` test split is
        sorted by class).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The data.
    description : str
        What it is (the split, the subset).

    Raises
    ------
    ValueError
        If ``spec`` is neither a known name nor an existing file, the file is invalid,
        ``split`` is unknown or ``limit`` is not a positive integer.

    Examples
    --------
    >>> from pgm_ebm.experiments import load_data
    >>> X, desc = load_data("embedded", "test", limit=100)
    >>> X.shape, desc
    ((100, 784), 'embedded binarized-MNIST subset (test), 100 random rows (seed 0)')
    """
    from pgm_ebm import datasets
    from pgm_ebm._validation import check_choice, check_positive_int

    check_choice(split, "split", ("train", "valid", "test"))
    if limit is not None:
        limit = check_positive_int(limit, "limit")
    if not isinstance(spec, (str, Path)):
        raise ValueError(f"data must be 'embedded', 'binarized-mnist' or a path, got {spec!r}")
    spec = str(spec)
    if spec == "embedded":
        X = datasets.load_embedded_mnist("test" if split in ("test", "valid") else "train")
        desc = f"embedded binarized-MNIST subset ({split})"
    elif spec == "binarized-mnist":
        X = datasets.load_binarized_mnist(split, data_home=data_home)
        desc = f"binarized MNIST ({split})"
    else:
        p = Path(spec)
        if not p.exists():
            raise ValueError(
                f"--data: {spec!r} is neither 'embedded', 'binarized-mnist' nor a file"
            )
        if p.suffix == ".npy":
            from pgm_ebm.io import read_npy

            X = read_npy(p)
        else:
            X = datasets.read_amat(p)
        desc = str(p)
    if limit and limit < len(X):
        if split == "train":
            X = X[:limit]  # the training split is in random order
        else:
            X = X[np.sort(np.random.default_rng(0).choice(len(X), limit, replace=False))]
            desc += f", {limit} random rows (seed 0)"
    return X, desc


def evaluate(model, X, desc: str, *, client=None, scheduler: str | None = None) -> dict:
    """Every measure of an RBM on held-out data, each named for what it is.

    The mean free energy, the reconstruction error, the pseudo-log-likelihood (labelled as
    not a likelihood) and, when log Z can be had (exact, or AIS), the mean log-likelihood
    with its standard error over rows and the :class:`LogZResult` it used.

    Parameters
    ----------
    model : BernoulliRBM
        A fitted RBM.
    X : array_like of shape (n_samples, n_features)
        Binary held-out data.
    desc : str
        What ``X`` is (kept in the result).
    client : distributed.Client, optional
        Run AIS on a Dask cluster (the same estimate bit for bit).
    scheduler : str, optional
        Instead of ``client``: ``"local[:N]"`` or ``"tcp://HOST:PORT"``.

    Returns
    -------
    dict
        JSON-ready metrics; ``mean_log_likelihood`` is None with a ``log_likelihood_note``
        when log Z could not be had.

    Examples
    --------
    >>> from pgm_ebm.experiments import fit_recipe, load_data, recipe_params
    >>> params = recipe_params("quick", {"n_components": 10, "n_iter": 1})
    >>> model, metrics = fit_recipe(params, limit=200, eval_limit=100, progress=False)
    >>> from pgm_ebm.experiments import evaluate
    >>> X, desc = load_data("embedded", "test", limit=100)
    >>> result = evaluate(model, X, desc)
    >>> result["log_partition"]["method"], result["mean_log_likelihood"] < 0
    ('exact-enumeration', True)
    """
    out = {
        "data": desc,
        "n_samples": int(len(X)),
        "mean_free_energy": float(model.free_energy(X).mean()),
        "reconstruction_error": model.reconstruction_error(X),
        "mean_pseudo_log_likelihood": float(model.pseudo_log_likelihood(X).mean()),
        "pseudo_log_likelihood_note": "sum over all sites of log p(x_j | x_-j); not a likelihood",
    }
    try:
        if client is not None or scheduler is not None:  # fills the cache score_samples uses
            model.log_partition("auto", client=client, scheduler=scheduler)
        ll, logz = model.score_samples(X, return_log_partition=True)
        out["mean_log_likelihood"] = float(ll.mean())
        out["log_likelihood_stderr"] = (
            float(ll.std(ddof=1) / np.sqrt(len(ll))) if len(ll) > 1 else None
        )
        out["log_partition"] = logz.to_dict()
    except ValueError as exc:
        out["mean_log_likelihood"] = None
        out["log_likelihood_note"] = str(exc)
    return out


def recipe_params(preset: str = "quick", overrides: dict | None = None) -> dict:
    """The estimator parameters of an RBM preset, with overrides.

    Parameters
    ----------
    preset : {"quick", "mnist", "mnist-long", "mnist-centered"}
        ``"quick"``: the README's first command (15 epochs); ``"mnist"``: the documented
        recipe (100 epochs); ``"mnist-long"``: 800 epochs; ``"mnist-centered"``: centered,
        1,400 epochs (-85.93 nats by forward AIS in 38.5 minutes on 2 cores).
    overrides : dict, optional
        Setting -> value, over :data:`RECIPE_SETTINGS`; None values are ignored.

    Returns
    -------
    dict
        Keyword arguments of :class:`~pgm_ebm.BernoulliRBM`.

    Raises
    ------
    ValueError
        If the preset is unknown or an override is not one of the recipe's settings.

    Examples
    --------
    >>> from pgm_ebm.experiments import recipe_params
    >>> params = recipe_params("mnist", {"k": 3, "momentum": None})
    >>> params["n_components"], params["k"], params["momentum"]
    (500, 3, 0.5)
    """
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {tuple(sorted(PRESETS))}, got {preset!r}")
    params = dict(PRESETS[preset])
    for k, v in (overrides or {}).items():
        if k not in RECIPE_SETTINGS:
            raise ValueError(f"cannot override {k!r}; the recipe's settings are {RECIPE_SETTINGS}")
        if v is not None:
            params[k] = v
    return params


def fit_recipe(
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
    """Train the recipe's RBM and evaluate it (what ``pgm-ebm rbm fit`` runs).

    The training monitor is 200 seeded random test rows (their pseudo-log-likelihood per
    epoch).

    Parameters
    ----------
    params : dict
        Keyword arguments of :class:`~pgm_ebm.BernoulliRBM` (see :func:`recipe_params`).
    data : str
        ``"embedded"``, ``"binarized-mnist"`` or a file (see :func:`load_data`).
    data_home : str or pathlib.Path, optional
        Where the full splits are.
    limit : int, optional
        Training rows to use.
    eval_limit : int, optional
        Test rows to evaluate on.
    random_state : None, int or numpy.random.Generator
        Seed of training (and AIS).
    checkpoint : str or pathlib.Path, optional
        Written after every epoch.
    resume : bool
        Continue from ``checkpoint``.
    progress : bool
        Progress bars.
    evaluate_test : bool
        Evaluate on the test split at the end (unless interrupted).

    Returns
    -------
    model : BernoulliRBM
        The fitted model.
    metrics : dict
        The parameters, the data, the training time and history, the stop reason and
        (``evaluate_test``) :func:`evaluate` on the test split.

    Examples
    --------
    >>> from pgm_ebm.experiments import fit_recipe, load_data, recipe_params
    >>> params = recipe_params("quick", {"n_components": 10, "n_iter": 1})
    >>> model, metrics = fit_recipe(params, limit=200, eval_limit=100, progress=False)
    >>> metrics["epochs"], metrics["test"]["log_partition"]["method"]
    (1, 'exact-enumeration')
    """
    from pgm_ebm import BernoulliRBM
    from pgm_ebm.models.rbm import TrainingStopped

    X, desc = load_data(data, "train", data_home, limit)
    Xt, tdesc = load_data(data, "test", data_home, eval_limit)
    model = BernoulliRBM(**params, random_state=random_state, verbose=int(progress))
    t0 = time.perf_counter()
    mon = Xt[np.sort(np.random.default_rng(1).choice(len(Xt), min(len(Xt), 200), replace=False))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingStopped)  # in metrics["stop_reason"]
        model.fit(X, checkpoint=checkpoint, resume=resume, monitor=mon)
    metrics = {
        "params": {k: v for k, v in model.get_params().items() if k != "verbose"},
        "train_data": desc,
        "n_train": int(len(X)),
        "train_seconds": time.perf_counter() - t0,
        "epochs": model.n_iter_,
        "stop_reason": model.stop_reason_,
        "history": model.history_,
        "test": None,
    }
    if evaluate_test and model.stop_reason_ != "interrupted":
        metrics["test"] = evaluate(model, Xt, tdesc)
    return model, metrics


def ais_comparison(
    model,
    schedule_lengths=(100, 300, 1000, 3000, 14500),
    n_chains=100,
    random_state=0,
    *,
    client=None,
    scheduler: str | None = None,
):
    """Exact log Z of a small RBM against forward and reverse AIS, for each schedule length.

    Forward AIS is the library's (collapsed sweeps over a small hidden layer) and, beside
    it, Salakhutdinov & Murray's block-Gibbs-only AIS; reverse AIS starts from 1,000-step
    Gibbs samples. Forward AIS is a stochastic lower bound on log Z, reverse AIS an upper
    one: the table shows both closing on the exact value as the schedule grows.

    Parameters
    ----------
    model : BernoulliRBM
        A fitted RBM with a layer of at most 25 units (for the exact value).
    schedule_lengths : sequence of int
        Numbers of intermediate temperatures (14500: the Salakhutdinov-Murray schedule,
        else linear).
    n_chains : int
        AIS chains per run.
    random_state : None, int or numpy.random.Generator
        Seed of the samples and the AIS chains.
    client : distributed.Client, optional
        Run every AIS on a Dask cluster (the same estimates bit for bit).
    scheduler : str, optional
        Instead of ``client``: ``"local[:N]"`` or ``"tcp://HOST:PORT"``.

    Returns
    -------
    dict
        ``{"exact": LogZResult, "rows": [{temperatures, direction, log_z, lo, hi, seconds,
        ess, collapse_every}, ...]}``.

    Raises
    ------
    ValueError
        If ``model`` is not a fitted BernoulliRBM with a layer of at most 25 units or a
        setting is not a positive integer.

    Examples
    --------
    >>> from pgm_ebm.experiments import fit_recipe, load_data, recipe_params
    >>> params = recipe_params("quick", {"n_components": 10, "n_iter": 1})
    >>> model, metrics = fit_recipe(params, limit=200, eval_limit=100, progress=False)
    >>> from pgm_ebm.experiments import ais_comparison
    >>> table = ais_comparison(model, schedule_lengths=(100,), n_chains=20)
    >>> [row["direction"] for row in table["rows"]]
    ['forward', 'forward, block Gibbs only', 'reverse']
    """
    from sklearn.utils.validation import check_is_fitted

    from pgm_ebm import BernoulliRBM
    from pgm_ebm._validation import check_positive_int
    from pgm_ebm.distributed import open_client

    if not isinstance(model, BernoulliRBM):
        raise ValueError(f"model must be a BernoulliRBM, got {type(model).__name__}")
    check_is_fitted(model)
    if isinstance(schedule_lengths, (str, bytes)) or np.ndim(schedule_lengths) != 1:
        raise ValueError(f"schedule_lengths must be a list of ints, got {schedule_lengths!r}")
    schedule_lengths = [check_positive_int(K, "schedule_lengths[i]") for K in schedule_lengths]
    n_chains = check_positive_int(n_chains, "n_chains")
    if min(model.components_.shape) > 25:
        raise ValueError(
            "the comparison needs the exact log Z, which needs a layer of at most 25 units; "
            f"this model has {model.components_.shape[0]} hidden and "
            f"{model.components_.shape[1]} visible units"
        )
    exact = model.log_partition("exact")
    V0 = model.sample(n_chains, n_steps=1000, random_state=random_state)  # reverse-AIS starts
    with open_client(client, scheduler) as c:  # one cluster for every run
        rows = _ais_rows(model, schedule_lengths, n_chains, random_state, V0, c)
    return {"exact": exact, "rows": rows}


def _ais_rows(model, schedule_lengths, n_chains, random_state, V0, client):
    from pgm_ebm.partition.ais import rbm_ais, rbm_reverse_ais

    W, b, c = model.components_, model.intercept_visible_, model.intercept_hidden_
    base = getattr(model, "base_rate_logit_", None)
    rows = []
    for K in schedule_lengths:
        sched = np.linspace(0, 1, K + 1) if K < 14500 else None
        for direction in ("forward", BLOCK_ONLY, "reverse"):
            if direction == BLOCK_ONLY and rows[-1]["collapse_every"] is None:
                continue  # a wide hidden layer: the default is block Gibbs only already
            if direction != "reverse":
                r = rbm_ais(
                    W, b, c, n_chains=n_chains, schedule=sched, base_bias=base,
                    random_state=random_state, client=client,
                    collapse_every=None if direction == BLOCK_ONLY else "auto",
                )  # fmt: skip
            else:
                r = rbm_reverse_ais(W, b, c, V0, schedule=sched, base_bias=base,
                                    random_state=random_state, client=client)  # fmt: skip
            rows.append(
                {
                    "temperatures": int(K),
                    "direction": direction,
                    "log_z": r.log_z,
                    "lo": r.interval[0],
                    "hi": r.interval[1],
                    "seconds": r.wall_time,
                    "ess": r.diagnostics["ess"],
                    "collapse_every": r.settings["collapse_every"],
                }
            )
    return rows


def recipe_task(*, params: dict, data: str, data_home, limit, eval_limit,
                random_state: int) -> dict:  # fmt: skip
    """One point of :func:`recipe_sweep`: train the recipe with ``params`` and score it on the
    test split.

    Parameters
    ----------
    params : dict
        Keyword arguments of :class:`~pgm_ebm.BernoulliRBM`.
    data : str
        ``"embedded"``, ``"binarized-mnist"`` or a file (read where the task runs).
    data_home : str or None
        Where the full splits are.
    limit : int or None
        Training rows to use.
    eval_limit : int or None
        Test rows to score on.
    random_state : int
        Seed of training.

    Returns
    -------
    dict
        ``score`` (mean test log-likelihood) and ``score_stderr``, ``log_z_method`` and
        ``log_z_interval`` (how log Z was had), ``train_seconds``, ``epochs``,
        ``stop_reason``.

    Examples
    --------
    >>> from pgm_ebm.experiments import recipe_params, recipe_task
    >>> params = recipe_params("quick", {"n_components": 10, "n_iter": 1})
    >>> row = recipe_task(params=params, data="embedded", data_home=None, limit=200,
    ...                   eval_limit=100, random_state=0)
    >>> row["log_z_method"], row["score"] < 0
    ('exact-enumeration', True)
    """
    model, metrics = fit_recipe(
        params, data=data, data_home=data_home, limit=limit, eval_limit=eval_limit,
        random_state=random_state, progress=False,
    )  # fmt: skip
    test = metrics["test"] or {}
    logz = test.get("log_partition") or {}
    return {
        "score": test.get("mean_log_likelihood"),
        "score_stderr": test.get("log_likelihood_stderr"),
        "log_z_method": logz.get("method"),
        "log_z_interval": logz.get("interval"),
        "train_seconds": metrics["train_seconds"],
        "epochs": metrics["epochs"],
        "stop_reason": metrics["stop_reason"],
    }


def recipe_sweep(
    grid: dict,
    *,
    preset: str = "quick",
    random_states=(0,),
    data: str = "embedded",
    data_home=None,
    limit: int | None = None,
    eval_limit: int | None = None,
    client=None,
    scheduler: str | None = None,
    store=None,
    progress: bool = False,
):
    """A hyper-parameter sweep of the RBM recipe, one task per combination and seed.

    Every combination of ``grid`` and seed is trained and scored by its mean test
    log-likelihood, exact (enumeration) when the model has at most 25 hidden units, else by
    AIS (the row says which). Each is an independent task of
    :func:`pgm_ebm.distributed.run_tasks`, here or on Dask; workers read the data
    themselves (``data``, ``data_home`` or ``$PGM_EBM_DATA`` where they run).

    Parameters
    ----------
    grid : dict
        Setting -> list of values, over the preset's parameters (:data:`RECIPE_SETTINGS`).
    preset : str
        The preset the grid varies (see :func:`recipe_params`).
    random_states : sequence of int
        Seeds; every combination is trained once per seed.
    data : str
        ``"embedded"``, ``"binarized-mnist"`` or a file.
    data_home : str or pathlib.Path, optional
        Where the full splits are.
    limit : int, optional
        Training rows to use.
    eval_limit : int, optional
        Test rows to score on.
    client : distributed.Client, optional
        Run the tasks on a Dask cluster.
    scheduler : str, optional
        Instead of ``client``: ``"local[:N]"`` or ``"tcp://HOST:PORT"``.
    store : str or pathlib.Path, optional
        A file of finished tasks: an interrupted sweep resumes without recomputing them.
    progress : bool
        A progress bar over tasks.

    Returns
    -------
    list of dict
        One row per task (the varied settings, ``random_state`` and :func:`recipe_task`'s
        result), best score first.

    Raises
    ------
    ValueError
        If ``grid`` is empty or names a setting the recipe does not have, a value list is
        empty, or a seed is not a non-negative integer.

    Examples
    --------
    >>> from pgm_ebm.experiments import recipe_sweep
    >>> rows = recipe_sweep({"n_components": [5], "n_iter": [1, 2]}, limit=200, eval_limit=100)
    >>> [(row["n_iter"], row["log_z_method"]) for row in sorted(rows, key=lambda r: r["n_iter"])]
    [(1, 'exact-enumeration'), (2, 'exact-enumeration')]
    """
    import itertools

    from pgm_ebm._validation import check_positive_int
    from pgm_ebm.distributed import run_tasks

    if not isinstance(grid, dict) or not grid:
        raise ValueError("grid must be a non-empty dict of setting -> list of values")
    if (
        isinstance(random_states, (str, bytes))
        or np.ndim(random_states) != 1
        or not len(random_states)
    ):
        raise ValueError(f"random_states must be a non-empty list of ints, got {random_states!r}")
    random_states = [
        check_positive_int(seed, "random_states[i]", minimum=0) for seed in random_states
    ]
    names = sorted(grid)
    for k in names:
        if k not in RECIPE_SETTINGS:
            raise ValueError(f"cannot sweep {k!r}; the recipe's settings are {RECIPE_SETTINGS}")
        if not isinstance(grid[k], (list, tuple)) or not grid[k]:
            raise ValueError(f"grid[{k!r}] must be a non-empty list of values")
    tasks = []
    for combo in itertools.product(*(grid[k] for k in names)):
        params = recipe_params(preset, dict(zip(names, combo, strict=True)))
        for seed in random_states:
            tasks.append(dict(params=params, data=str(data), limit=limit,
                              eval_limit=eval_limit, random_state=int(seed),
                              data_home=None if data_home is None else str(data_home)))  # fmt: skip
    out = run_tasks(recipe_task, tasks, client=client, scheduler=scheduler, store=store,
                    progress=progress, desc="RBM sweep")  # fmt: skip
    rows = [
        {**{k: t["params"][k] for k in names}, "random_state": t["random_state"], **r}
        for t, r in zip(tasks, out, strict=True)
    ]
    rows.sort(key=lambda r: -np.inf if r["score"] is None else -r["score"])
    return rows
