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

from pgm_ebm._validation import as_real_array, check_positive_int, check_real
from pgm_ebm.samplers import continuous as _continuous
from pgm_ebm.samplers.registry import get_sampler
from pgm_ebm.samplers.result import SampleResult


def _prepare(x0, n_chains, n_steps, step_size, thin):
    X = as_real_array(x0, "x0", ndim=(1, 2))  # a copy: the caller's array is kept intact
    X = X.reshape(1, -1) if X.ndim == 1 else X
    if n_chains is not None:
        n_chains = check_positive_int(n_chains, "n_chains")
        if len(X) not in (1, n_chains):
            raise ValueError(f"x0 holds {len(X)} starting points for n_chains={n_chains}")
        X = np.array(np.broadcast_to(X, (n_chains, X.shape[1])))
    n_steps = check_positive_int(n_steps, "n_steps")
    thin = check_positive_int(thin, "thin")
    step_size = check_real(step_size, "step_size", low=0.0, low_open=True)
    out = np.empty((X.shape[0], (n_steps + thin - 1) // thin, X.shape[1]))
    return X, out


@dataclass(frozen=True, eq=False)
class EnergyModel:
    """A continuous density ``p(x) ~ exp(-energy(x))`` for the samplers of the registry.

    Parameters
    ----------
    energy : numba-compiled function
        ``energy(x) -> float`` of a 1-D float64 array ``x``.
    grad : numba-compiled function, optional
        ``grad(x) -> array``, the gradient of ``energy``; needed by the Langevin samplers
        (``"mala"``, ``"ula"``), not by ``"random-walk-metropolis"``.

    Examples
    --------
    >>> from pgm_ebm.samplers import get_sampler
    >>> energy, grad = gaussian_mixture_energy([[0.0, 0.0]], [1.0], [1.0])
    >>> model = EnergyModel(energy, grad)
    >>> get_sampler("mala", model).name
    'mala'
    """

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
    """Langevin dynamics: MALA when ``adjust``, else the unadjusted algorithm (ULA).

    Each step proposes ``x' = x - h grad E(x) + sqrt(2h) z`` with ``z`` standard normal;
    MALA accepts it with the Metropolis-Hastings probability (exact for any ``h``), ULA
    always (biased by O(h)).  The registry's ``"mala"`` / ``"ula"`` samplers of
    :class:`EnergyModel`.

    Parameters
    ----------
    energy : numba-compiled function
        ``energy(x) -> float`` of a 1-D float64 array.
    grad : numba-compiled function
        Its gradient, ``grad(x) -> array``.
    x0 : array_like, shape (d,) or (n_chains, d)
        Starting point(s), finite (not modified).
    n_steps : int
        Steps per chain.
    step_size : float
        ``h`` > 0.
    adjust : bool, default True
        MALA (True) or ULA (False).
    n_chains : int, optional
        Chains; ``x0`` of one point is then shared by all.
    thin : int, default 1
        Keep every ``thin``-th state.
    random_state : None, int or numpy.random.Generator, optional
        Seed; one independent stream per chain.

    Returns
    -------
    SampleResult
        ``samples`` of shape ``(n_chains, ceil(n_steps / thin), d)``, the final states in
        ``spins`` and each chain's ``acceptance`` rate.

    Raises
    ------
    ValueError
        If ``x0`` is not finite or does not match ``n_chains``, or ``n_steps``, ``thin``,
        ``n_chains`` or ``step_size`` is out of range.

    Examples
    --------
    >>> energy, grad = gaussian_mixture_energy([[0.0]], [1.0], [1.0])  # N(0, 1)
    >>> res = langevin(energy, grad, [0.0], 2000, 0.5, n_chains=8, random_state=0)
    >>> res.samples.shape
    (8, 2000, 1)
    >>> bool(abs(res.samples[:, 500:].var() - 1.0) < 0.2)
    True
    """
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
    """Gaussian random-walk Metropolis-Hastings.

    Each step proposes ``x' = x + step_size z`` with ``z`` standard normal and accepts it
    with probability ``min(1, exp(E(x) - E(x')))``.  The registry's
    ``"random-walk-metropolis"`` sampler of :class:`EnergyModel`.

    Parameters
    ----------
    energy : numba-compiled function
        ``energy(x) -> float`` of a 1-D float64 array.
    x0 : array_like, shape (d,) or (n_chains, d)
        Starting point(s), finite (not modified).
    n_steps : int
        Steps per chain.
    step_size : float
        Standard deviation of the proposal, > 0.
    n_chains : int, optional
        Chains; ``x0`` of one point is then shared by all.
    thin : int, default 1
        Keep every ``thin``-th state.
    random_state : None, int or numpy.random.Generator, optional
        Seed; one independent stream per chain.

    Returns
    -------
    SampleResult
        ``samples`` of shape ``(n_chains, ceil(n_steps / thin), d)``, the final states in
        ``spins`` and each chain's ``acceptance`` rate.

    Raises
    ------
    ValueError
        If ``x0`` is not finite or does not match ``n_chains``, or ``n_steps``, ``thin``,
        ``n_chains`` or ``step_size`` is out of range.

    Examples
    --------
    >>> energy, _ = gaussian_mixture_energy([[3.0]], [1.0], [1.0])  # N(3, 1)
    >>> res = metropolis_hastings(energy, [0.0], 3000, 2.0, n_chains=8, random_state=0)
    >>> bool(abs(res.samples[:, 500:].mean() - 3.0) < 0.2)
    True
    """
    X, _ = _prepare(x0, n_chains, n_steps, step_size, thin)
    model = EnergyModel(energy)
    return _run(model, "random-walk-metropolis", X, n_steps, step_size, thin, random_state)


def product_of_experts(*experts):
    """A product of experts: the density proportional to the product of the experts'.

    Parameters
    ----------
    *experts : tuple (energy, grad)
        Numba-compiled energy functions and their gradients.

    Returns
    -------
    energy, grad : numba-compiled functions
        The sum of the energies and the sum of the gradients.

    Raises
    ------
    ValueError
        If no expert is given.

    Examples
    --------
    >>> import numpy as np
    >>> a = gaussian_mixture_energy([[-1.0]], [1.0], [1.0])
    >>> b = gaussian_mixture_energy([[1.0]], [1.0], [1.0])
    >>> energy, grad = product_of_experts(a, b)  # N(-1, 1) N(1, 1) is N(0, 1/2)
    >>> float(grad(np.array([0.0]))[0])
    0.0
    """
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
    """The energy of an isotropic Gaussian mixture and its gradient, compiled.

    Parameters
    ----------
    means : array_like, shape (K, d)
        The components' means.
    sigmas : array_like, shape (K,)
        Their standard deviations, > 0.
    weights : array_like, shape (K,)
        Their weights, > 0 (normalised here).

    Returns
    -------
    energy, grad : numba-compiled functions
        ``energy(x) = -log sum_k w_k N(x; mu_k, sigma_k^2 I)`` (up to a constant, computed
        by log-sum-exp) and its gradient, of a 1-D float64 ``x`` of length d.

    Raises
    ------
    ValueError
        If the shapes do not match or a value is not finite or not positive.

    Examples
    --------
    >>> import numpy as np
    >>> energy, grad = gaussian_mixture_energy([[-2.0], [2.0]], [0.5, 0.5], [1.0, 1.0])
    >>> float(grad(np.array([0.0]))[0])  # halfway between two equal modes
    0.0
    >>> bool(energy(np.array([2.0])) < energy(np.array([0.0])))
    True
    """
    mu = as_real_array(means, "means", ndim=2)
    sg = as_real_array(sigmas, "sigmas", ndim=1)
    w = as_real_array(weights, "weights", ndim=1)
    if sg.shape != (len(mu),) or w.shape != (len(mu),) or len(mu) == 0:
        raise ValueError(
            f"means must be (K, d) with K >= 1, sigmas and weights (K,); got shapes "
            f"{mu.shape}, {sg.shape}, {w.shape}"
        )
    if np.any(sg <= 0) or np.any(w <= 0):
        raise ValueError("sigmas and weights must be positive")
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
