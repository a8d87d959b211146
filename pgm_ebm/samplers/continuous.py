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
from pgm_ebm._validation import as_real_array, check_positive_int, check_streams
from pgm_ebm.kernels.continuous import _langevin_kernel, _random_walk_kernel
from pgm_ebm.samplers.registry import Sampler, register
from pgm_ebm.samplers.result import ChainState

KIND = "continuous"


def _init(name):
    def init_chains(model, n_chains, *, init, random_state=None, step_size):
        """Chains from ``init`` (d,) or (n_chains, d) (copied), one stream per chain."""
        n_chains = check_positive_int(n_chains, "n_chains")
        x0 = as_real_array(init, "init", ndim=(1, 2), copy=False)
        if x0.ndim == 2 and len(x0) not in (1, n_chains):
            raise ValueError(f"init holds {len(x0)} starting points for n_chains={n_chains}")
        X = np.array(np.broadcast_to(x0, (n_chains, x0.shape[-1])))
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
    """Run ``n_steps`` steps of every chain of a continuous sampler's state in one kernel call.

    Parameters
    ----------
    model : EnergyModel
        The density ``p(x) ~ exp(-energy(x))``.
    state : ChainState
        From the ``init`` of ``"mala"``, ``"ula"`` or ``"random-walk-metropolis"`` for this
        model; advanced in place, accepted moves added to ``state.work["accepted"]``.
    n_steps : int
        Steps per chain (0 or more).
    thin : int
        Keep every ``thin``-th state.

    Returns
    -------
    ndarray of shape (n_chains, ceil(n_steps / thin), d)
        The kept states.

    Raises
    ------
    ValueError
        If ``model`` is not an EnergyModel, ``state`` not a continuous sampler's state
        whose arrays fit each other, or ``n_steps`` / ``thin`` out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm.continuous import EnergyModel, gaussian_mixture_energy
    >>> from pgm_ebm.samplers import continuous, get_sampler
    >>> model = EnergyModel(*gaussian_mixture_energy([[0.0, 0.0]], [1.0], [1.0]))
    >>> move = get_sampler("mala", model)
    >>> state = move.init(model, 8, init=np.zeros(2), random_state=0, step_size=0.5)
    >>> kept = continuous.run(model, state, 2000, thin=10)
    >>> kept.shape, bool(abs(kept.var() - 1.0) < 0.15)  # a standard normal
    ((8, 200, 2), True)
    """
    if getattr(type(model), "sampler_kind", None) != KIND:
        raise ValueError(f"model must be an EnergyModel, got {type(model).__name__}")
    n_steps = check_positive_int(n_steps, "n_steps", minimum=0)
    thin = check_positive_int(thin, "thin")
    if not isinstance(state, ChainState) or state.sampler not in _NAMES:
        raise ValueError(f"state must be the ChainState of a sampler in {_NAMES}")
    X = state.spins
    ok = (
        isinstance(X, np.ndarray) and X.dtype == np.float64 and X.ndim == 2
        and X.flags.writeable
        and isinstance(state.work.get("accepted"), np.ndarray)
        and state.work["accepted"].shape == (len(X),)
        and isinstance(state.work.get("step_size"), float) and state.work["step_size"] > 0
    )  # fmt: skip
    if not ok:
        raise ValueError(
            "state's arrays do not fit each other: float64 (n_chains, d) chains, one stream "
            "per chain, a positive step size"
        )
    check_streams(state.streams, len(X), "state.streams")
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


_NAMES = ("mala", "ula", "random-walk-metropolis")

for _name, _desc, _check in (
    ("mala", "Metropolis-adjusted Langevin (exact for any step size)", _needs_grad("mala")),
    ("ula", "unadjusted Langevin (biased by O(step_size))", _needs_grad("ula")),
    ("random-walk-metropolis", "Gaussian random-walk Metropolis-Hastings", lambda model: None),
):
    register(Sampler(_name, KIND, _desc, _init(_name), step, _check))
