"""Samplers for continuous energies: random-walk Metropolis-Hastings and Langevin dynamics.

Energies (and gradients) are Numba-compiled functions of a 1-D float64 array:
``energy(x) -> float`` and ``grad(x) -> array``.  Many chains run in parallel,
one random stream per chain (Gaussian noise by Box-Muller from the stream).

- ``langevin(..., adjust=False)``: the unadjusted Langevin algorithm (ULA),
  ``x' = x - h grad E(x) + sqrt(2h) z``, biased by O(h);
- ``langevin(..., adjust=True)``: MALA, the same proposal with a Metropolis-Hastings
  correction, exact for any h;
- ``metropolis_hastings``: Gaussian random-walk proposals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from pgm_ebm.samplers import continuous as _continuous
from pgm_ebm.samplers.registry import get_sampler
from pgm_ebm.samplers.result import SampleResult


def _prepare(x0, n_chains, n_steps, step_size, thin):
    X = np.array(x0, dtype=np.float64, ndmin=2)  # a copy: the caller's array is kept intact
    if n_chains is not None:
        X = np.array(np.broadcast_to(X, (n_chains, X.shape[1])))
    if not np.all(np.isfinite(X)):
        raise ValueError("x0 must be finite")
    for name, v in (("n_steps", n_steps), ("thin", thin)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
    if not (np.isfinite(step_size) and step_size > 0):
        raise ValueError(f"step_size must be > 0, got {step_size!r}")
    out = np.empty((X.shape[0], (n_steps + thin - 1) // thin, X.shape[1]))
    return X, out


@dataclass(frozen=True, eq=False)
class EnergyModel:
    """A continuous density ``p(x) ~ exp(-energy(x))``: Numba-compiled ``energy(x) -> float``
    and, for the Langevin samplers, ``grad(x) -> array`` of a 1-D float64 ``x``."""

    energy: object
    grad: object = None

    #: the samplers of the registry that move it (:mod:`pgm_ebm.samplers.continuous`)
    sampler_kind = "continuous"


def _run(model, sampler, X, n_steps, step_size, thin, random_state):
    move = get_sampler(sampler, model)
    state = move.init(model, len(X), init=X, random_state=random_state, step_size=step_size)
    out = _continuous.run(model, state, n_steps, thin)
    acceptance = state.work["accepted"] / n_steps
    return SampleResult(spins=state.spins, sampler=sampler, samples=out, acceptance=acceptance)


def langevin(
    energy,
    grad,
    x0,
    n_steps: int,
    step_size: float,
    *,
    adjust: bool = True,
    n_chains: int | None = None,
    thin: int = 1,
    random_state=None,
) -> SampleResult:
    """Langevin dynamics (MALA when ``adjust``, else ULA) from ``x0`` (d,) or (n_chains, d):
    the registry's ``"mala"`` / ``"ula"`` samplers of :class:`EnergyModel`."""
    X, _ = _prepare(x0, n_chains, n_steps, step_size, thin)
    sampler = "mala" if adjust else "ula"
    return _run(EnergyModel(energy, grad), sampler, X, n_steps, step_size, thin, random_state)


def metropolis_hastings(
    energy,
    x0,
    n_steps: int,
    step_size: float,
    *,
    n_chains: int | None = None,
    thin: int = 1,
    random_state=None,
) -> SampleResult:
    """Gaussian random-walk Metropolis-Hastings from ``x0`` (d,) or (n_chains, d): the
    registry's ``"random-walk-metropolis"`` sampler of :class:`EnergyModel`."""
    X, _ = _prepare(x0, n_chains, n_steps, step_size, thin)
    model = EnergyModel(energy)
    return _run(model, "random-walk-metropolis", X, n_steps, step_size, thin, random_state)


def product_of_experts(*experts):
    """Sum of energies (a product of the experts' densities): ``(energy, grad)`` pairs in,
    one compiled ``(energy, grad)`` pair out."""
    if not experts:
        raise ValueError("product_of_experts needs at least one (energy, grad) pair")
    e_sum, g_sum = experts[0]
    for e2, g2 in experts[1:]:
        e1, g1 = e_sum, g_sum

        def e_sum(x, e1=e1, e2=e2):  # noqa: F811 - rebound on purpose
            return e1(x) + e2(x)

        def g_sum(x, g1=g1, g2=g2):  # noqa: F811
            return g1(x) + g2(x)

        e_sum, g_sum = njit(e_sum), njit(g_sum)
    return e_sum, g_sum


def gaussian_mixture_energy(means, sigmas, weights):
    """Energy ``-log sum_k w_k N(x; mu_k, sigma_k^2 I)`` (up to a constant) and its gradient."""
    mu = np.array(means, dtype=np.float64)
    sg = np.array(sigmas, dtype=np.float64)
    w = np.array(weights, dtype=np.float64)
    if (
        mu.ndim != 2
        or sg.shape != (len(mu),)
        or w.shape != (len(mu),)
        or np.any(sg <= 0)
        or np.any(w <= 0)
    ):
        raise ValueError("means must be (K, d), sigmas and weights (K,) and positive")
    logw = np.log(w / w.sum()) - mu.shape[1] * np.log(sg)

    @njit
    def energy(x):
        best = -np.inf
        terms = np.empty(len(sg))
        for k in range(len(sg)):
            d2 = 0.0
            for j in range(x.shape[0]):
                d2 += (x[j] - mu[k, j]) ** 2
            terms[k] = logw[k] - 0.5 * d2 / sg[k] ** 2
            best = max(best, terms[k])
        s = 0.0
        for k in range(len(sg)):
            s += math.exp(terms[k] - best)
        return -(best + math.log(s))

    @njit
    def grad(x):
        terms = np.empty(len(sg))
        for k in range(len(sg)):
            d2 = 0.0
            for j in range(x.shape[0]):
                d2 += (x[j] - mu[k, j]) ** 2
            terms[k] = logw[k] - 0.5 * d2 / sg[k] ** 2
        r = np.exp(terms - terms.max())
        r /= r.sum()
        g = np.zeros(x.shape[0])
        for k in range(len(sg)):
            for j in range(x.shape[0]):
                g[j] += r[k] * (x[j] - mu[k, j]) / sg[k] ** 2
        return g

    return energy, grad
