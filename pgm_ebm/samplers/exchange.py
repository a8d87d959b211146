"""The replica-exchange step shared by every parallel-tempering driver."""

from __future__ import annotations

import math

from pgm_ebm._rng import check_random_state


def swap_neighbours(betas, energies, where, first, accepted, tried, random_state):
    """One round of Metropolis swaps between neighbouring temperatures ``j, j + 1`` for
    ``j = first, first + 2, ...`` (callers alternate ``first`` between 0 and 1).

    The replica-exchange step shared by every parallel-tempering driver. A swap is
    accepted with probability ``min(1, exp((beta_j - beta_{j+1}) (E_a - E_b)))``, which
    keeps the product of the Boltzmann distributions invariant. It works in place on the
    caller's bookkeeping arrays ``where``, ``accepted`` and ``tried``.

    Parameters
    ----------
    betas : sequence of float
        The inverse temperatures, in ladder order.
    energies : sequence of float
        ``energies[r]``: replica ``r``'s energy.
    where : ndarray of int
        ``where[j]``: the replica at temperature ``j``; updated in place.
    first : {0, 1}
        The first pair tried.
    accepted : ndarray
        Accepted swaps per pair ``(j, j + 1)``; incremented in place.
    tried : ndarray
        Tried swaps per pair; incremented in place.
    random_state : numpy.random.Generator or int or None
        One uniform is drawn per uphill proposal (a Generator is continued).

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm.samplers.exchange import swap_neighbours
    >>> where, acc, tried = np.arange(3), np.zeros(2), np.zeros(2)
    >>> # the hotter replica (1) has the lower energy: the swap with the colder one is downhill
    >>> swap_neighbours([1.0, 0.5, 0.1], [0.0, -10.0, 0.0], where, 0, acc, tried, 0)
    >>> where.tolist(), acc.tolist(), tried.tolist()
    ([1, 0, 2], [1.0, 0.0], [1.0, 0.0])
    """
    rng = check_random_state(random_state)
    for j in range(first, len(betas) - 1, 2):
        ra, rb = where[j], where[j + 1]
        delta = (betas[j] - betas[j + 1]) * (energies[ra] - energies[rb])
        tried[j] += 1
        if delta >= 0 or rng.random() < math.exp(delta):
            where[j], where[j + 1] = rb, ra
            accepted[j] += 1
