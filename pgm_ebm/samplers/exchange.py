"""The replica-exchange step shared by every parallel-tempering driver."""

from __future__ import annotations

import math

from pgm_ebm._rng import check_random_state


def swap_neighbours(betas, energies, where, first, accepted, tried, random_state):
    """One round of Metropolis swaps between neighbouring temperatures ``j, j + 1`` for
    ``j = first, first + 2, ...`` (callers alternate ``first`` between 0 and 1).

    ``where[j]`` is the replica at temperature ``j`` (updated in place), ``energies[r]``
    replica r's energy; a swap is accepted with probability
    ``min(1, exp((beta_j - beta_{j+1}) (E_a - E_b)))``; ``accepted`` and ``tried`` count per
    pair.  One uniform from ``random_state`` (a ``numpy.random.Generator``, continued) per
    uphill proposal."""
    rng = check_random_state(random_state)
    for j in range(first, len(betas) - 1, 2):
        ra, rb = where[j], where[j + 1]
        delta = (betas[j] - betas[j + 1]) * (energies[ra] - energies[rb])
        tried[j] += 1
        if delta >= 0 or rng.random() < math.exp(delta):
            where[j], where[j + 1] = rb, ra
            accepted[j] += 1
