"""The Ising studies: observables across temperatures against the exact curves, and log Z
of a torus by every method against Kaufman's exact value."""

from __future__ import annotations

import numpy as np


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
    """Sample the ``size x size`` torus at each temperature (from the ordered state) and
    measure its observables with standard errors beside Onsager's energy and Yang's
    magnetization (``device``: see :meth:`IsingLattice.sample`).  Returns ``{"rows": [...],
    "snapshots": {T: spins}, "traces": {T: Trace}}``.

    Each temperature is an independent task (:func:`scan_point`) seeded by
    ``(random_state, size, T)`` alone (a generator as ``random_state`` gives its first
    draw), so ``client`` / ``scheduler`` run the scan on a Dask cluster with the same
    results bit for bit (:mod:`pgm_ebm.distributed`)."""
    from pgm_ebm.distributed import run_tasks
    from pgm_ebm.samplers.result import Trace

    base = _task_seed(random_state)
    temps = [float(T) for T in temperatures]
    tasks = [dict(size=int(size), T=T, random_state=base, sampler=sampler, n_sweeps=n_sweeps,
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
    """log Z of the ``size x size`` torus at each beta: exact (Kaufman), AIS (with its 95%
    interval), mean field (a lower bound) and Bethe, as a list of rows.  ``client`` /
    ``scheduler``: the AIS chains run on a Dask cluster (the same numbers bit for bit;
    :mod:`pgm_ebm.distributed`)."""
    from pgm_ebm.distributed import open_client

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
    """One task of a temperature scan: ``n_chains`` chains of the ``size x size`` torus at
    temperature ``T``, seeded by ``(random_state, size, T, run)`` alone (so the result does not
    depend on where, when or beside what it runs).  Returns the per-spin means of e, e^2,
    ``|m|``, m^2 and m^4 over every measurement of every chain, with the number of measurements
    and the integrated autocorrelation times of e and ``|m|`` (in sweeps)."""
    from pgm_ebm.diagnostics import integrated_autocorr_time

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
    """Binder cumulants ``U_4 = 1 - <m^4> / 3<m^2>^2`` over sizes x temperatures, and the
    critical temperature from the crossings of successive sizes' curves.

    Every (size, T, run) is an independent task (:func:`ising_point`) run by
    :func:`pgm_ebm.distributed.run_tasks`: here, on a local Dask cluster or on any scheduler
    (``client`` / ``scheduler``), with finished tasks kept in ``store`` so that an
    interrupted study resumes where it stopped.  The moments of a (size, T) point are
    pooled over its runs (independent, each of n_chains chains); errors are leave-one-run-out
    jackknife errors (the runs are
    independent, whatever the autocorrelation inside a chain).

    Returns ``{"rows": [...], "crossings": [...], "T_c": ..., "T_c_err": ...}``: a row per
    (size, T) with ``binder`` and ``binder_err``, ``abs_m``, ``energy``, ``chi`` (the
    susceptibility per spin, ``beta N (<m^2> - <|m|>^2)``); a crossing per pair of
    successive sizes with its jackknife error; ``T_c`` the crossing of the two largest
    sizes, beside Onsager's ``T_ONSAGER`` and their relative difference.
    """
    from pgm_ebm.distributed import run_tasks

    sizes = [int(L) for L in sizes]
    temps = np.asarray(temperatures, dtype=np.float64)
    if len(sizes) < 2 or len(set(sizes)) != len(sizes) or min(sizes) < 2:
        raise ValueError(f"sizes must be at least two distinct sizes >= 2, got {sizes}")
    if temps.ndim != 1 or len(temps) < 2 or np.any(np.diff(temps) <= 0) or temps[0] <= 0:
        raise ValueError("temperatures must increase strictly, from above 0, at least two")
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)):
        raise ValueError(f"random_state must be an int (it names every task), got {random_state!r}")
    if n_runs < 2:
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
