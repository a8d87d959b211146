"""The Ising studies: observables across temperatures against the exact curves, and log Z
of a torus by every method against Kaufman's exact value."""

from __future__ import annotations

import numpy as np

from pgm_ebm._validation import as_real_array, check_positive_int


def _check_temperatures(temperatures, name="temperatures"):
    """A list of floats from ``temperatures`` (finite, > 0, at least one), or ValueError."""
    t = as_real_array(temperatures, name, ndim=(0, 1)).reshape(-1)
    if len(t) == 0 or np.any(t <= 0):
        raise ValueError(f"{name} must hold at least one temperature, each > 0")
    return [float(T) for T in t]


def temperature_scan(
    size: int,
    temperatures,
    *,
    sampler: str = "wolff",
    n_sweeps: int = 1000,
    burn_in: int = 200,
    n_chains: int = 4,
    random_state=0,
    progress: bool = False,
    device: str = "cpu",
    client=None,
    scheduler: str | None = None,
):
    """Observables of the ``size x size`` torus across temperatures, beside the exact curves.

    Each temperature is sampled from the ordered state and measured with standard errors
    beside Onsager's energy and Yang's magnetization. Each is an independent task
    (:func:`scan_point`) seeded by ``(random_state, size, T)`` alone (a generator as
    ``random_state`` gives its first draw), so a Dask cluster gives the same results bit for
    bit.

    Parameters
    ----------
    size : int
        Side of the torus (at least 2).
    temperatures : array_like of float
        Temperatures, each > 0.
    sampler : str
        A lattice sampler (``"wolff"`` decorrelates fastest near T_c).
    n_sweeps : int
        Measured sweeps per chain.
    burn_in : int
        Sweeps before measuring.
    n_chains : int
        Chains per temperature.
    random_state : None, int or numpy.random.Generator
        Names every task's seed.
    progress : bool
        A progress bar over temperatures.
    device : {"cpu", "cuda", "auto"}
        See :meth:`IsingLattice.sample`.
    client : distributed.Client, optional
        Run the temperatures on a Dask cluster.
    scheduler : str, optional
        Instead of ``client``: ``"local[:N]"`` or ``"tcp://HOST:PORT"``.

    Returns
    -------
    dict
        ``{"rows": [...], "snapshots": {T: spins}, "traces": {T: Trace}}``: a row per
        temperature with each observable, its error, tau and the exact values.

    Raises
    ------
    ValueError
        If ``size`` is below 2 or a temperature is not positive.

    Examples
    --------
    >>> from pgm_ebm.experiments import temperature_scan
    >>> scan = temperature_scan(8, [1.5, 3.0], n_sweeps=200, burn_in=50)
    >>> [(row["T"], row["abs_m"] > 0.9) for row in scan["rows"]]
    [(1.5, True), (3.0, False)]
    """
    from pgm_ebm.distributed import run_tasks
    from pgm_ebm.samplers.result import Trace

    size = check_positive_int(size, "size", minimum=2)
    temps = _check_temperatures(temperatures)
    base = _task_seed(random_state)
    tasks = [dict(size=size, T=T, random_state=base, sampler=sampler, n_sweeps=n_sweeps,
                  burn_in=burn_in, n_chains=n_chains, device=device)
             for T in temps]  # fmt: skip
    out = run_tasks(scan_point, tasks, client=client, scheduler=scheduler, progress=progress,
                    desc=f"{sampler} {size}x{size}")  # fmt: skip
    rows, snaps, traces = [], {}, {}
    for T, r in zip(temps, out, strict=True):
        rows.append(r["row"])
        snaps[T] = np.array(r["snapshot"], dtype=np.int8)
        traces[T] = Trace(energy=np.array(r["energy"], dtype=np.float64),
                          magnetization=np.array(r["magnetization"], dtype=np.float64),
                          n_sites=size * size, beta=1.0 / T)  # fmt: skip
    return {"rows": rows, "snapshots": snaps, "traces": traces}


def _task_seed(random_state) -> int:
    """An int naming a study's tasks: the int given, or the first draw of a generator."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    from pgm_ebm._rng import check_random_state

    return int(check_random_state(random_state).integers(2**63))


def scan_point(size, T, *, random_state, sampler, n_sweeps, burn_in, n_chains, device="cpu"):
    """One temperature of :func:`temperature_scan`: the observables row, the first chain's
    final spins and the energy and magnetization traces, seeded by ``(random_state, size,
    T)`` alone."""
    from pgm_ebm.partition import ising_exact as ex

    res = _sample_point(size, T, (random_state,), sampler, n_sweeps, burn_in, n_chains, device)
    obs = res.trace.observables()
    row = {"T": float(T), "beta": 1.0 / float(T)}
    for k in ("energy", "abs_m", "specific_heat", "susceptibility", "binder"):
        row[k], row[k + "_err"] = obs[k]
    row["tau_energy"], row["tau_abs_m"] = obs["tau_energy"], obs["tau_abs_m"]
    row["rhat_energy"] = obs.get("rhat_energy")
    row["exact_energy"] = float(ex.onsager_energy_per_site(1.0 / T))
    row["exact_abs_m"] = float(ex.yang_magnetization(1.0 / T))
    return {"row": row, "snapshot": res.spins[0], "energy": res.trace.energy,
            "magnetization": res.trace.magnetization}  # fmt: skip


def log_partition_comparison(
    size: int,
    betas,
    *,
    n_chains: int = 32,
    n_temperatures: int = 1000,
    random_state=0,
    progress=False,
    client=None,
    scheduler: str | None = None,
):
    """log Z of the ``size x size`` torus at each beta, by every method against the exact value.

    Exact (Kaufman), AIS with its 95% interval (a stochastic lower bound), naive mean field
    (a lower bound) and Bethe (exact on trees, not a bound here), as a list of rows.

    Parameters
    ----------
    size : int
        Side of the torus (at least 2).
    betas : array_like of float
        Inverse temperatures, each >= 0.
    n_chains : int
        AIS chains.
    n_temperatures : int
        AIS temperatures (a linear schedule).
    random_state : None, int or numpy.random.Generator
        Seed of AIS.
    progress : bool
        A progress bar over betas.
    client : distributed.Client, optional
        Run the AIS chains on a Dask cluster (the same numbers bit for bit).
    scheduler : str, optional
        Instead of ``client``: ``"local[:N]"`` or ``"tcp://HOST:PORT"``.

    Returns
    -------
    list of dict
        Per beta: ``exact``, ``ais`` with ``ais_lo`` and ``ais_hi``, ``mean-field``,
        ``bethe`` and ``bethe_converged``.

    Raises
    ------
    ValueError
        If ``size`` is below 2, a beta is negative or not finite, or a setting is not a
        positive integer.

    Examples
    --------
    >>> from pgm_ebm.experiments import log_partition_comparison
    >>> rows = log_partition_comparison(4, [0.2, 0.5], n_chains=8, n_temperatures=100)
    >>> [bool(row["mean-field"] <= row["exact"]) for row in rows]
    [True, True]
    """
    from pgm_ebm.distributed import open_client

    size = check_positive_int(size, "size", minimum=2)
    betas = as_real_array(betas, "betas", ndim=(0, 1)).reshape(-1)
    if len(betas) == 0 or np.any(betas < 0):
        raise ValueError("betas must hold at least one inverse temperature, each >= 0")
    n_chains = check_positive_int(n_chains, "n_chains")
    n_temperatures = check_positive_int(n_temperatures, "n_temperatures")
    with open_client(client, scheduler) as c:  # one cluster for every beta
        return _log_partition_rows(size, betas, n_chains, n_temperatures, random_state,
                                   progress, c)  # fmt: skip


def _log_partition_rows(size, betas, n_chains, n_temperatures, random_state, progress, client):
    from tqdm.auto import tqdm

    from pgm_ebm import IsingLattice
    from pgm_ebm.partition import ising_exact as ex
    from pgm_ebm.partition import log_partition

    L = size
    rows = []
    for beta in tqdm(betas, desc=f"log Z, {L}x{L}", disable=not progress, unit="beta", delay=0.5):
        m = IsingLattice((L, L), beta=float(beta))
        exact = ex.kaufman_log_partition((L, L), float(beta)).log_z
        ais = log_partition(
            m,
            "ais",
            n_chains=n_chains,
            random_state=random_state,
            schedule=np.linspace(0, 1, n_temperatures + 1),
            **({} if client is None else {"client": client}),
        )
        mf = log_partition(m, "mean-field", init=np.full(L * L, 0.5))
        bethe = log_partition(m, "bethe")
        rows.append(
            {
                "beta": float(beta),
                "exact": exact,
                "ais": ais.log_z,
                "ais_lo": ais.interval[0],
                "ais_hi": ais.interval[1],
                "mean-field": mf.log_z,
                "bethe": bethe.log_z,
                "bethe_converged": bethe.diagnostics["converged"],
            }
        )
    return rows


#: Onsager's critical temperature of the square-lattice Ising model, 2 / ln(1 + sqrt 2)
T_ONSAGER = 2.0 / np.log1p(np.sqrt(2.0))


def ising_point(
    size: int,
    T: float,
    run: int,
    *,
    random_state: int = 0,
    sampler: str = "wolff",
    n_sweeps: int = 2000,
    burn_in: int = 200,
    n_chains: int = 2,
):
    """One task of a finite-size-scaling study: moments of the ``size x size`` torus at ``T``.

    ``n_chains`` chains from the ordered state, seeded by ``(random_state, size, T, run)``
    alone, so the result does not depend on where, when or beside what it runs.

    Parameters
    ----------
    size : int
        Side of the torus (at least 2).
    T : float
        Temperature, > 0.
    run : int
        Index of the independent run (0 or more).
    random_state : int
        Names the study's seeds.
    sampler : str
        A lattice sampler.
    n_sweeps : int
        Measured sweeps per chain.
    burn_in : int
        Sweeps before measuring.
    n_chains : int
        Chains.

    Returns
    -------
    dict
        Per-spin means of ``e``, ``e2``, ``abs_m``, ``m2`` and ``m4`` over every measurement
        of every chain, their number ``n`` and the integrated autocorrelation times
        ``tau_e`` and ``tau_abs_m`` (in sweeps).

    Examples
    --------
    >>> from pgm_ebm.experiments import ising_point
    >>> point = ising_point(8, 2.0, 0, n_sweeps=200)
    >>> point["n"], bool(point["abs_m"] > 0.8)
    (400, True)
    """
    from pgm_ebm.diagnostics import integrated_autocorr_time

    size = check_positive_int(size, "size", minimum=2)
    (T,) = _check_temperatures(T, "T")
    run = check_positive_int(run, "run", minimum=0)
    res = _sample_point(size, T, (random_state, run), sampler, n_sweeps, burn_in, n_chains)
    N = size * size
    e = res.trace.energy / N
    m = np.abs(res.trace.magnetization / N)
    return {
        "e": float(e.mean()),
        "e2": float((e**2).mean()),
        "abs_m": float(m.mean()),
        "m2": float((m**2).mean()),
        "m4": float((m**4).mean()),
        "n": int(e.size),
        "tau_e": float(np.mean([integrated_autocorr_time(x) for x in e])),
        "tau_abs_m": float(np.mean([integrated_autocorr_time(x) for x in m])),
    }


def _sample_point(size, T, key, sampler, n_sweeps, burn_in, n_chains, device="cpu"):
    """``n_chains`` chains of the ``size x size`` torus at ``T`` from the ordered state,
    seeded by ``key[0], size, T, *key[1:]`` alone (T through its bits: 2.27 and
    2.2700000001 are different tasks)."""
    from pgm_ebm import IsingLattice

    t_bits = int(np.float64(T).view(np.uint64))
    seq = np.random.SeedSequence([key[0], size, t_bits, *key[1:]])
    return IsingLattice((size, size), beta=1.0 / T).sample(
        n_sweeps, n_chains=n_chains, sampler=sampler, random_state=np.random.default_rng(seq),
        burn_in=burn_in, init="up", return_trace=True, device=device,
    )  # fmt: skip


def _binder(m2, m4):
    return 1.0 - m4 / (3.0 * m2**2)


def _crossing(T, u_small, u_large):
    """The temperature where two Binder curves cross: a root of their difference, by a
    quadratic fit (a line with 3 or fewer points) through the points around the sign
    change; nan when they do not cross inside the grid."""
    d = np.asarray(u_small) - np.asarray(u_large)
    s = np.nonzero(np.sign(d[:-1]) != np.sign(d[1:]))[0]
    if len(s) == 0:
        return float("nan")
    i = int(s[len(s) // 2])
    lo, hi = max(0, i - 1), min(len(T), i + 3)
    deg = 2 if hi - lo >= 4 else 1
    coef = np.polyfit(np.asarray(T[lo:hi]) - T[i], d[lo:hi], deg)
    roots = np.roots(coef)
    roots = roots[np.isreal(roots)].real + T[i]
    inside = roots[(roots >= T[i]) & (roots <= T[i + 1])]
    if len(inside) == 0:  # the fit's root left the bracket: the bracket's line
        return float(T[i] - d[i] * (T[i + 1] - T[i]) / (d[i + 1] - d[i]))
    return float(inside[0])


def finite_size_scaling(
    sizes,
    temperatures,
    n_runs: int = 4,
    *,
    random_state: int = 0,
    sampler: str = "wolff",
    n_sweeps: int = 2000,
    burn_in: int = 200,
    n_chains: int = 2,
    client=None,
    scheduler: str | None = None,
    store=None,
    progress: bool = False,
):
    """Binder cumulants over sizes x temperatures and the critical temperature from the
    crossings of successive sizes' curves.

    ``U_4 = 1 - <m^4> / 3<m^2>^2`` tends to 2/3 below T_c and 0 above it, and its curves for
    different sizes cross near T_c. Every (size, T, run) is an independent task
    (:func:`ising_point`) run by :func:`pgm_ebm.distributed.run_tasks`: here, on a local Dask
    cluster or on any scheduler, with finished tasks kept in ``store`` so that an
    interrupted study resumes where it stopped. The moments of a (size, T) point are pooled
    over its runs; errors are leave-one-run-out jackknife errors (the runs are independent,
    whatever the autocorrelation inside a chain).

    Parameters
    ----------
    sizes : sequence of int
        At least two distinct lattice sides, each >= 2.
    temperatures : array_like of float
        Strictly increasing temperatures > 0, at least two, bracketing T_c.
    n_runs : int
        Independent runs per point (at least 2: the errors come from them).
    random_state : int
        Names every task's seed.
    sampler : str
        A lattice sampler.
    n_sweeps : int
        Measured sweeps per chain.
    burn_in : int
        Sweeps before measuring.
    n_chains : int
        Chains per run.
    client : distributed.Client, optional
        Run the tasks on a Dask cluster.
    scheduler : str, optional
        Instead of ``client``: ``"local[:N]"`` or ``"tcp://HOST:PORT"``.
    store : str or pathlib.Path, optional
        A file of finished tasks, for resuming.
    progress : bool
        A progress bar over tasks.

    Returns
    -------
    dict
        ``rows`` (per (size, T): ``binder`` and ``binder_err``, ``abs_m``, ``energy``,
        ``chi`` the susceptibility per spin), ``crossings`` (per pair of successive sizes,
        with its jackknife error), ``T_c`` and ``T_c_err`` (the crossing of the two largest
        sizes), ``T_onsager``, ``relative_error`` and the ``settings``.

    Raises
    ------
    ValueError
        If the sizes, temperatures, ``n_runs`` or ``random_state`` are not as above.

    Examples
    --------
    >>> from pgm_ebm.experiments import finite_size_scaling
    >>> study = finite_size_scaling([4, 8], [2.0, 2.3, 2.6], n_runs=2, n_sweeps=200, burn_in=50)
    >>> len(study["rows"]), round(study["T_onsager"], 6)
    (6, 2.269185)
    """
    from pgm_ebm.distributed import run_tasks

    if isinstance(sizes, (str, bytes)) or np.ndim(sizes) != 1:
        raise ValueError(f"sizes must be a list of lattice sizes, got {sizes!r}")
    sizes = [check_positive_int(L, "sizes[i]", minimum=2) for L in sizes]
    temps = as_real_array(temperatures, "temperatures", ndim=1)
    if len(sizes) < 2 or len(set(sizes)) != len(sizes) or min(sizes) < 2:
        raise ValueError(f"sizes must be at least two distinct sizes >= 2, got {sizes}")
    if temps.ndim != 1 or len(temps) < 2 or np.any(np.diff(temps) <= 0) or temps[0] <= 0:
        raise ValueError("temperatures must increase strictly, from above 0, at least two")
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)):
        raise ValueError(f"random_state must be an int (it names every task), got {random_state!r}")
    if isinstance(n_runs, bool) or not isinstance(n_runs, (int, np.integer)) or n_runs < 2:
        raise ValueError(f"n_runs must be >= 2 (the errors come from the runs), got {n_runs}")
    sizes = sorted(sizes)
    common = dict(random_state=int(random_state), sampler=sampler, n_sweeps=n_sweeps,
                  burn_in=burn_in, n_chains=n_chains)  # fmt: skip
    tasks = [
        dict(size=L, T=float(T), run=s, **common)
        for L in sizes[::-1]  # the largest first: the longest tasks start early
        for T in temps
        for s in range(n_runs)
    ]
    out = run_tasks(ising_point, tasks, client=client, scheduler=scheduler, store=store,
                    progress=progress, desc="Ising FSS")  # fmt: skip
    by = {(t["size"], t["T"], t["run"]): r for t, r in zip(tasks, out, strict=True)}
    # moments[L][name]: array (n_T, n_runs)
    mom = {
        L: {k: np.array([[by[(L, float(T), s)][k] for s in range(n_runs)] for T in temps])
            for k in ("e", "abs_m", "m2", "m4")}
        for L in sizes
    }  # fmt: skip

    def curves(keep):
        return {L: _binder(mom[L]["m2"][:, keep].mean(1), mom[L]["m4"][:, keep].mean(1))
                for L in sizes}  # fmt: skip

    def jackknife(stat):
        full = stat(np.arange(n_runs))
        loo = np.array([stat(np.delete(np.arange(n_runs), s)) for s in range(n_runs)])
        err = np.sqrt((n_runs - 1) / n_runs * np.sum((loo - loo.mean(0)) ** 2, axis=0))
        return full, err

    rows = []
    for L in sizes:
        u, u_err = jackknife(lambda keep, L=L: curves(keep)[L])
        for j, T in enumerate(temps):
            m2, am = mom[L]["m2"][j], mom[L]["abs_m"][j]
            rows.append({
                "L": L, "T": float(T), "binder": float(u[j]), "binder_err": float(u_err[j]),
                "abs_m": float(am.mean()), "abs_m_err": float(am.std(ddof=1) / np.sqrt(n_runs)),
                "energy": float(mom[L]["e"][j].mean()),
                "energy_err": float(mom[L]["e"][j].std(ddof=1) / np.sqrt(n_runs)),
                "chi": float(L * L / T * (m2.mean() - am.mean() ** 2)),
            })  # fmt: skip
    crossings = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):

        def cross(keep, a=a, b=b):
            c = curves(keep)
            return _crossing(temps, c[a], c[b])

        tc, err = jackknife(cross)
        crossings.append({"L1": a, "L2": b, "T_c": float(tc), "T_c_err": float(err)})
    last = crossings[-1]
    return {
        "rows": rows,
        "crossings": crossings,
        "T_c": last["T_c"],
        "T_c_err": last["T_c_err"],
        "T_onsager": float(T_ONSAGER),
        "relative_error": float(abs(last["T_c"] - T_ONSAGER) / T_ONSAGER),
        "settings": {
            "sizes": sizes,
            "temperatures": temps.tolist(),
            "n_runs": n_runs,
            **common,
        },  # fmt: skip
    }
