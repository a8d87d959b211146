"""Samplers of continuous densities ``p(x) ~ exp(-E(x))``, registered under the
``"continuous"`` kind (:class:`pgm_ebm.continuous.EnergyModel`: a compiled ``energy`` and,
for Langevin, ``grad``): ``"mala"`` (Metropolis-adjusted Langevin), ``"ula"`` (unadjusted
Langevin) and ``"random-walk-metropolis"`` (Gaussian proposals).

``init`` takes the sampler's ``step_size``; the chains' states are float64 (n_chains, d) in
``state.spins``, their acceptance counts in ``state.work["accepted"]``.  :func:`run` runs
many steps in one kernel call (``step`` is one step: the same kernel, the same bits).
"""

from __future__ import annotations

import math

import numpy as np

from pgm_ebm._rng import check_random_state, seed_streams
from pgm_ebm._validation import check_positive_int
from pgm_ebm.kernels.continuous import _langevin_kernel, _random_walk_kernel
from pgm_ebm.samplers.registry import Sampler, register
from pgm_ebm.samplers.result import ChainState

KIND = "continuous"


def _init(name):
    def init_chains(model, n_chains, *, init, random_state=None, step_size):
        """Chains from ``init`` (d,) or (n_chains, d) (copied), one stream per chain."""
        n_chains = check_positive_int(n_chains, "n_chains")
        X = np.array(
            np.broadcast_to(np.asarray(init, dtype=np.float64), (n_chains, np.shape(init)[-1]))
        )
        if not np.all(np.isfinite(X)):
            raise ValueError("init must be finite")
        if isinstance(step_size, bool) or not (math.isfinite(step_size) and step_size > 0):
            raise ValueError(f"step_size must be > 0, got {step_size!r}")
        streams = seed_streams(check_random_state(random_state), n_chains)
        work = {"step_size": float(step_size), "accepted": np.zeros(n_chains, np.int64)}
        state = ChainState(spins=X, streams=streams, sampler=name, advance=None, work=work)

        def advance(betas):
            if np.any(np.asarray(betas) != 1):
                raise ValueError(f"{name} samples exp(-E) at beta = 1 only")
            run(model, state, 1)

        state.advance = advance
        return state

    return init_chains


def _needs_grad(name):
    def check(model):
        if getattr(model, "grad", None) is None:
            raise ValueError(f"sampler={name!r} needs the energy's gradient (grad)")

    return check


def run(model, state, n_steps, thin=1):
    """``n_steps`` steps of every chain of ``state``; returns every ``thin``-th state,
    (n_chains, ceil(n_steps / thin), d).  Adds the accepted moves to
    ``state.work["accepted"]``."""
    X = state.spins
    out = np.empty((X.shape[0], (n_steps + thin - 1) // thin, X.shape[1]))
    acc = np.zeros(X.shape[0], dtype=np.int64)
    h = state.work["step_size"]
    if state.sampler == "random-walk-metropolis":
        _random_walk_kernel(model.energy, X, h, n_steps, thin, out, acc, state.streams)
    else:
        adjust = state.sampler == "mala"
        _langevin_kernel(model.energy, model.grad, X, h, n_steps, adjust, thin, out, acc,
                         state.streams)  # fmt: skip
    state.work["accepted"] += acc
    return out


def step(model, state, betas):
    state.advance(np.asarray(betas, dtype=np.float64).reshape(-1))
    return state


for _name, _desc, _check in (
    ("mala", "Metropolis-adjusted Langevin (exact for any step size)", _needs_grad("mala")),
    ("ula", "unadjusted Langevin (biased by O(step_size))", _needs_grad("ula")),
    ("random-walk-metropolis", "Gaussian random-walk Metropolis-Hastings", lambda model: None),
):
    register(Sampler(_name, KIND, _desc, _init(_name), step, _check))
