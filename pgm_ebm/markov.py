"""The Markov chains behind the samplers, made exact for tiny models.

For a :class:`~pgm_ebm.BoltzmannMachine` with at most 12 units, build the exact
transition matrix over all ``2**n`` states of

- ``"gibbs-sweep"``: one sequential Gibbs sweep (units 0, 1, ..., n-1 in turn);
- ``"random-scan"``: one random-scan Gibbs step (a uniformly chosen unit resampled);
- ``"metropolis"``: one Metropolis-Hastings step proposing to flip a uniformly chosen unit;

then check that the Boltzmann distribution is stationary, whether detailed balance
holds (it does for random scan and Metropolis, not for a sequential sweep), and
measure the spectral gap and the convergence ``||p0 T^t - pi||_TV``.
States are ordered as :meth:`BoltzmannMachine.all_states` (unit 0 most significant).
"""

from __future__ import annotations

import numpy as np

from pgm_ebm._validation import check_positive_int
from pgm_ebm.models.boltzmann import BoltzmannMachine

MAX_UNITS = 12
KINDS = ("gibbs-sweep", "random-scan", "metropolis")


def _single_unit_gibbs(model: BoltzmannMachine, i: int, S, pi):
    """Matrix of resampling unit i from its conditional."""
    N = len(S)
    n = model.n
    bit = 1 << (n - 1 - i)
    idx = np.arange(N)
    up, down = idx | bit, idx & ~bit
    p_up = pi[up] / (pi[up] + pi[down])
    G = np.zeros((N, N))
    G[idx, up] += p_up
    G[idx, down] += 1 - p_up
    return G


def transition_matrix(model: BoltzmannMachine, kind: str = "random-scan") -> np.ndarray:
    """The exact ``2**n x 2**n`` transition matrix of one step of a sampler.

    Parameters
    ----------
    model : BoltzmannMachine
        The model, with at most 12 units; states are ordered as
        :meth:`BoltzmannMachine.all_states`.
    kind : {"random-scan", "gibbs-sweep", "metropolis"}
        The step: one random-scan Gibbs update, one sequential sweep over all units, or one
        Metropolis-Hastings single-flip proposal (unit chosen uniformly).

    Returns
    -------
    numpy.ndarray
        Row-stochastic ``(2**n, 2**n)`` float64 matrix: ``T[x, y]`` is the probability of
        moving from state ``x`` to ``y``, so that ``p_{t+1} = p_t T``.

    Raises
    ------
    ValueError
        If ``kind`` is not one of the three, or the model has more than 12 units.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import BoltzmannMachine
    >>> model = BoltzmannMachine(np.array([[0.0, 1.0], [1.0, 0.0]]), np.zeros(2))
    >>> T = transition_matrix(model, "metropolis")
    >>> T.shape, bool(np.allclose(T.sum(axis=1), 1))
    ((4, 4), True)
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if model.n > MAX_UNITS:
        raise ValueError(
            f"exact transition matrices are limited to {MAX_UNITS} units "
            f"(2**{model.n} x 2**{model.n} entries requested)"
        )
    S, pi = model.probabilities()
    n, N = model.n, len(S)
    if kind == "gibbs-sweep":
        T = np.eye(N)
        for i in range(n):
            T = T @ _single_unit_gibbs(model, i, S, pi)
        return T
    if kind == "random-scan":
        return sum(_single_unit_gibbs(model, i, S, pi) for i in range(n)) / n
    T = np.zeros((N, N))
    idx = np.arange(N)
    for i in range(n):
        j = idx ^ (1 << (n - 1 - i))
        T[idx, j] += np.minimum(1.0, pi[j] / pi[idx]) / n
    T[idx, idx] += 1 - T.sum(axis=1)
    return T


def stationary_distribution(T) -> np.ndarray:
    """The stationary distribution of a transition matrix.

    Parameters
    ----------
    T : array_like, shape (N, N)
        Row-stochastic transition matrix.

    Returns
    -------
    numpy.ndarray
        The left eigenvector of ``T`` for the eigenvalue closest to 1, normalised to sum to 1
        (unique when the chain is irreducible).

    Examples
    --------
    >>> import numpy as np
    >>> T = np.array([[0.5, 0.5], [0.25, 0.75]])
    >>> np.round(stationary_distribution(T), 4)
    array([0.3333, 0.6667])
    """
    w, V = np.linalg.eig(T.T)
    v = np.real(V[:, np.argmin(np.abs(w - 1))])
    return v / v.sum()


def detailed_balance_violation(T, pi) -> float:
    """How far a chain is from detailed balance with respect to ``pi``.

    Parameters
    ----------
    T : array_like, shape (N, N)
        Row-stochastic transition matrix.
    pi : array_like, shape (N,)
        The distribution to test (typically the model's exact probabilities).

    Returns
    -------
    float
        ``max_{x,y} |pi_x T_xy - pi_y T_yx|``: 0 (to rounding) for a chain reversible with
        respect to ``pi``.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import BoltzmannMachine
    >>> model = BoltzmannMachine(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0.5, -1.0]))
    >>> _, pi = model.probabilities()
    >>> detailed_balance_violation(transition_matrix(model, "random-scan"), pi) < 1e-12
    True
    >>> detailed_balance_violation(transition_matrix(model, "gibbs-sweep"), pi) > 1e-3
    True
    """
    F = pi[:, None] * T
    return float(np.abs(F - F.T).max())


def spectral_gap(T) -> float:
    """The spectral gap of a transition matrix.

    Parameters
    ----------
    T : array_like, shape (N, N)
        Row-stochastic transition matrix.

    Returns
    -------
    float
        ``1 - |lambda_2|``, one minus the second-largest eigenvalue modulus (1.0 for a
        1 x 1 matrix); the distance to stationarity shrinks like ``|lambda_2|**t``.

    Examples
    --------
    >>> import numpy as np
    >>> round(spectral_gap(np.array([[0.9, 0.1], [0.1, 0.9]])), 4)
    0.2
    """
    mods = np.sort(np.abs(np.linalg.eigvals(T)))[::-1]
    return float(1 - mods[1]) if len(mods) > 1 else 1.0


def gap_per_update(T, updates_per_step: int = 1) -> float:
    """The spectral gap of ``T`` per single-unit update.

    Chains that make different numbers of updates per step (a sequential sweep of n units
    makes n, a random-scan step one) compare on one axis this way.

    Parameters
    ----------
    T : array_like, shape (N, N)
        Row-stochastic transition matrix of one step.
    updates_per_step : int, default 1
        Single-unit updates that one step of ``T`` makes.

    Returns
    -------
    float
        ``1 - |lambda_2| ** (1 / updates_per_step)``.

    Raises
    ------
    ValueError
        If ``updates_per_step`` is not a positive integer.

    Examples
    --------
    >>> import numpy as np
    >>> T = np.array([[0.9, 0.1], [0.1, 0.9]])  # |lambda_2| = 0.8: gap 0.2 per step
    >>> round(gap_per_update(T, 2), 4)  # a step of two updates: 1 - sqrt(0.8)
    0.1056
    """
    updates_per_step = check_positive_int(updates_per_step, "updates_per_step")
    return float(1.0 - (1.0 - spectral_gap(T)) ** (1.0 / updates_per_step))


def tv_distance_curve(T, p0, pi, n_steps: int) -> np.ndarray:
    """Total-variation distance to ``pi`` after each step of a chain.

    Parameters
    ----------
    T : array_like, shape (N, N)
        Row-stochastic transition matrix.
    p0 : array_like, shape (N,)
        The starting distribution (not modified).
    pi : array_like, shape (N,)
        The target distribution.
    n_steps : int
        Number of steps.

    Returns
    -------
    numpy.ndarray, shape (n_steps + 1,)
        ``1/2 ||p0 T^t - pi||_1`` for ``t = 0, ..., n_steps``.

    Raises
    ------
    ValueError
        If ``n_steps`` is not an integer >= 0.

    Examples
    --------
    >>> import numpy as np
    >>> T = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> np.round(tv_distance_curve(T, [1.0, 0.0], [0.5, 0.5], 3), 4)  # halves: 0.8 ** t
    array([0.5  , 0.4  , 0.32 , 0.256])
    """
    n_steps = check_positive_int(n_steps, "n_steps", minimum=0)
    p = np.asarray(p0, dtype=np.float64).copy()
    out = np.empty(n_steps + 1)
    for t in range(n_steps + 1):
        out[t] = 0.5 * np.abs(p - pi).sum()
        p = p @ T
    return out


def plot_convergence(model: BoltzmannMachine, n_updates: int = 200, start: int = 0):
    """Figure: convergence of the three samplers to the Boltzmann distribution.

    Plots the total-variation distance to the exact distribution against single-unit
    updates (a sequential sweep counts as n updates), from the point mass on one state, for
    the three chains of :func:`transition_matrix`, with each one's gap per update
    (:func:`gap_per_update`) in the legend.

    Parameters
    ----------
    model : BoltzmannMachine
        The model, with at most 12 units.
    n_updates : int, default 200
        Single-unit updates on the horizontal axis.
    start : int, default 0
        Index (in :meth:`BoltzmannMachine.all_states` order) of the starting state.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Raises
    ------
    ValueError
        If ``n_updates`` is not a positive integer or ``start`` is not the index of a state.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import BoltzmannMachine
    >>> model = BoltzmannMachine(np.array([[0.0, 1.0], [1.0, 0.0]]), np.zeros(2))
    >>> fig = plot_convergence(model, n_updates=20)
    >>> len(fig.axes[0].lines)
    3
    """
    from pgm_ebm.plotting import _plt

    n_updates = check_positive_int(n_updates, "n_updates")
    start = check_positive_int(start, "start", minimum=0)
    if start >= 2**model.n:
        raise ValueError(f"start must be the index of one of the 2**{model.n} states, got {start}")
    plt = _plt()
    S, pi = model.probabilities()
    p0 = np.zeros(len(S))
    p0[start] = 1.0
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for kind in KINDS:
        T = transition_matrix(model, kind)
        per = model.n if kind == "gibbs-sweep" else 1  # a sweep is n single-unit updates
        steps = n_updates // per
        tv = tv_distance_curve(T, p0, pi, steps)
        ax.semilogy(
            np.arange(steps + 1) * per,
            np.maximum(tv, 1e-16),
            marker="." if per > 1 else None,
            label=f"{kind} (gap {gap_per_update(T, per):.3g} per single-unit update)",
        )
    ax.set_xlabel("single-unit updates")
    ax.set_ylabel(r"$\|p_0 T^t - \pi\|_{TV}$")
    ax.set_title(f"convergence to the Boltzmann distribution, n = {model.n}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
