"""The denoising study: corrupt an image, restore it by every method, and summarise."""

from __future__ import annotations

import numpy as np


def denoise_experiment(
    img,
    methods=None,
    *,
    noise_type: str = "flip",
    noise: float = 0.1,
    beta: float = 1.0,
    eta=None,
    bishop: bool = False,
    h: float = 0.0,
    neighbourhood: int = 4,
    n_sweeps=None,
    random_state=0,
    progress: bool = False,
    client=None,
    scheduler: str | None = None,
):
    """Corrupt a binary image, restore it by each method and summarise (what ``pgm-ebm
    denoise`` runs).

    The posterior is an Ising prior on the pixel grid with the noise's likelihood; each
    method (ICM, Gibbs marginals, annealing, mean field, belief propagation, graph cut)
    gives an image, its energy and its error rate against the clean image.

    Parameters
    ----------
    img : array_like of shape (H, W)
        The binary image (0/1).
    methods : str or sequence of str, optional
        Methods of :data:`pgm_ebm.denoise.METHODS`; default all.
    noise_type : {"flip", "gaussian"}
        Flip each pixel with probability ``noise``, or add Gaussian noise of standard
        deviation ``noise``.
    noise : float
        Flip rate or sigma; a flip rate of 0 takes ``img`` as already noisy.
    beta : float
        The prior's neighbour coupling.
    eta : float, optional
        The likelihood's weight; default the noise's own (``0.5 log((1 - p) / p)`` for
        flips, ``1 / sigma^2`` for Gaussian noise), or Bishop's 2.1 with ``bishop=True``.
    bishop : bool
        Use Bishop's (PRML 8.3.3) ``eta = 2.1``.
    h : float
        A field favouring one colour.
    neighbourhood : {4, 8}
        The prior's neighbourhood.
    n_sweeps : int, optional
        Sweeps of the sampling methods; default each method's.
    random_state : None, int or numpy.random.Generator
        Seed of the noise and the samplers.
    progress : bool
        Progress bars.
    client : distributed.Client, optional
        Run each method as a task on a Dask cluster: every method draws from
        ``random_state`` wherever it runs, so the results are the single-process run's bit
        for bit (``wall_time`` aside); an int ``random_state`` (or None) is required there.
    scheduler : str, optional
        Instead of ``client``: ``"local[:N]"`` or ``"tcp://HOST:PORT"``.

    Returns
    -------
    dict
        ``{"clean", "noisy", "results": {method: DenoiseResult}, "summary": dict}``; the
        summary is JSON-ready (per method: error rate, energy, iterations, convergence,
        exactness, time).

    Raises
    ------
    ValueError
        If a method or ``noise_type`` is unknown, or ``random_state`` is a Generator with a
        cluster.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm.experiments import denoise_experiment
    >>> img = np.zeros((16, 16), dtype=np.int8)
    >>> img[4:12, 4:12] = 1
    >>> out = denoise_experiment(img, ["icm", "graph-cut"], noise=0.1)
    >>> rates = {m: v["error_rate"] for m, v in out["summary"]["methods"].items()}
    >>> bool(rates["graph-cut"] <= rates["icm"])  # the exact MAP against a local optimum
    True
    """
    from pgm_ebm import denoise as dn
    from pgm_ebm._validation import check_choice

    check_choice(noise_type, "noise_type", ("flip", "gaussian"))
    if isinstance(methods, str):
        methods = [methods]
    methods = list(dn.METHODS) if methods is None else list(methods)
    if not methods:
        raise ValueError(f"methods must name at least one of {dn.METHODS}")
    for m in methods:
        if m not in dn.METHODS:
            raise ValueError(f"--method must be 'all' or a comma list of {dn.METHODS}, got {m!r}")
    if noise_type == "flip" and noise == 0:
        clean, noisy = None, img
    elif noise_type == "flip":
        clean, noisy = img, dn.add_flip_noise(img, noise, random_state=random_state)
    else:
        clean, noisy = img, dn.add_gaussian_noise(img, noise, random_state=random_state)
    opts = dict(beta=beta, neighbourhood=neighbourhood, h=h, noise=noise_type)
    if eta is not None:
        opts["eta"] = eta
    elif noise_type == "flip" and noise > 0 and not bishop:
        opts["noise_rate"] = noise
    elif noise_type == "gaussian":
        opts["sigma"] = noise
    if client is None and scheduler is None:
        results = dn.compare_methods(
            clean,
            noisy,
            methods,
            progress=progress,
            random_state=random_state,
            n_sweeps=n_sweeps,
            **opts,
        )
    else:
        from pgm_ebm.distributed import run_tasks

        if random_state is not None and not isinstance(random_state, (int, np.integer)):
            raise ValueError("random_state must be an int seed (or None) to run the methods "
                             "on a cluster: a Generator is drawn from method after method in "
                             f"one process, got {type(random_state).__name__}")  # fmt: skip
        rows = run_tasks(
            denoise_task,
            [{"method": m} for m in methods],
            client=client,
            scheduler=scheduler,
            shared={
                "noisy": np.asarray(noisy),
                "clean": clean,
                "random_state": random_state,
                "n_sweeps": n_sweeps,
                "options": opts,
            },
            progress=progress,
            desc="methods",
        )
        results = {m: _result_from_row(row) for m, row in zip(methods, rows, strict=True)}
    first = next(iter(results.values()))
    summary = {
        "shape": list(np.shape(img)),
        "noise": {"type": noise_type, "level": noise, "seed": random_state},
        "model": {k: first.settings[k] for k in ("beta", "eta", "h", "neighbourhood")},
        "methods": {
            m: {
                "error_rate": r.settings["error_rate"],
                "energy": r.energy,
                "n_iter": r.n_iter,
                "converged": None if r.converged is None else bool(r.converged),
                "exact": r.exact,
                "wall_time": r.wall_time,
            }
            for m, r in results.items()
        },
    }
    return {"clean": clean, "noisy": noisy, "results": results, "summary": summary}


_ARRAYS = ("image", "spins", "marginals", "trace", "deltas")


def denoise_task(*, method, noisy, clean, random_state, n_sweeps, options):
    """One method of :func:`denoise_experiment` as a task: its result as plain values,
    each array with its dtype (:func:`_result_from_row` reads it back)."""
    from pgm_ebm import denoise as dn

    r = dn.compare_methods(clean, noisy, [method], random_state=random_state,
                           n_sweeps=n_sweeps, **options)[method]  # fmt: skip
    row = {"method": r.method, "energy": r.energy, "n_iter": int(r.n_iter),
           "converged": r.converged, "exact": r.exact, "settings": r.settings,
           "wall_time": r.wall_time}  # fmt: skip
    for name in _ARRAYS:
        a = getattr(r, name)
        row[name] = None if a is None else {"dtype": a.dtype.str, "shape": list(a.shape),
                                            "values": a.ravel()}  # fmt: skip
    return row


def _result_from_row(row):
    from pgm_ebm.denoise import DenoiseResult

    arrays = {}
    for name in _ARRAYS:
        a = row[name]
        arrays[name] = None if a is None else np.asarray(
            a["values"], np.dtype(a["dtype"])).reshape(a["shape"])  # fmt: skip
    return DenoiseResult(method=row["method"], energy=row["energy"], n_iter=row["n_iter"],
                         converged=row["converged"], exact=row["exact"],
                         settings=row["settings"], wall_time=row["wall_time"],
                         **arrays)  # fmt: skip
