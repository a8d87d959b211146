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
):
    """Sample the ``size x size`` torus at each temperature (from the ordered state) and
    measure its observables with standard errors beside Onsager's energy and Yang's
    magnetization (``device``: see :meth:`IsingLattice.sample`).  Returns ``{"rows": [...],
    "snapshots": {T: spins}, "traces": {T: Trace}}``; one generator (``random_state``) runs
    through the whole scan."""
    from tqdm.auto import tqdm

    from pgm_ebm import IsingLattice
    from pgm_ebm._rng import check_random_state
    from pgm_ebm.partition import ising_exact as ex

    rng = check_random_state(random_state)
    rows, snaps, traces = [], {}, {}
    # delay: a run refused at once (a lattice too large) leaves no bar behind
    bar = tqdm(
        temperatures, desc=f"{sampler} {size}x{size}", disable=not progress, unit="T", delay=0.5
    )
    for T in bar:
        model = IsingLattice((size, size), beta=1.0 / T)
        res = model.sample(
            n_sweeps,
            n_chains=n_chains,
            sampler=sampler,
            random_state=rng,
            burn_in=burn_in,
            init="up",
            return_trace=True,
            device=device,
        )
        obs = res.trace.observables()
        row = {"T": float(T), "beta": 1.0 / float(T)}
        for k in ("energy", "abs_m", "specific_heat", "susceptibility", "binder"):
            row[k], row[k + "_err"] = obs[k]
        row["tau_energy"], row["tau_abs_m"] = obs["tau_energy"], obs["tau_abs_m"]
        row["rhat_energy"] = obs.get("rhat_energy")
        row["exact_energy"] = float(ex.onsager_energy_per_site(1.0 / T))
        row["exact_abs_m"] = float(ex.yang_magnetization(1.0 / T))
        rows.append(row)
        snaps[float(T)] = res.spins[0]
        traces[float(T)] = res.trace
        bar.set_postfix(e=f"{row['energy']:.3f}", m=f"{row['abs_m']:.3f}")
    return {"rows": rows, "snapshots": snaps, "traces": traces}


def log_partition_comparison(
    size: int,
    betas,
    *,
    n_chains: int = 32,
    n_temperatures: int = 1000,
    random_state=0,
    progress=False,
):
    """log Z of the ``size x size`` torus at each beta: exact (Kaufman), AIS (with its 95%
    interval), mean field (a lower bound) and Bethe, as a list of rows."""
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
