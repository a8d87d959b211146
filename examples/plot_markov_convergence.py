"""
Three Gibbs-type chains on 8 spins, compared per single-unit update
===================================================================

The exact transition matrices of a sequential Gibbs sweep, a random-scan Gibbs step and a
Metropolis step on a random 8-spin Boltzmann machine (256 states), and the total-variation
distance to the Boltzmann distribution from a point mass, against the number of single-unit
updates.  A sweep updates all 8 units, so its spectral gap is per 8 updates: the legend gives
each chain's gap per single update, ``1 - |lambda_2| ** (1 / updates per step)``, the rate
the curves decay at.  Look at the slopes, not at the first few updates.
"""

import matplotlib.pyplot as plt
import numpy as np

from pgm_ebm import BoltzmannMachine, markov

rng = np.random.default_rng(0)
n = 8
A = np.triu(rng.normal(0.0, 0.5, (n, n)), 1)
model = BoltzmannMachine(A + A.T, rng.normal(0.0, 0.3, n), "spin")

fig = markov.plot_convergence(model, n_updates=240)
for kind in markov.KINDS:
    T = markov.transition_matrix(model, kind)
    per = n if kind == "gibbs-sweep" else 1
    pi = markov.stationary_distribution(T)
    print(f"{kind:12s} gap per step {markov.spectral_gap(T):.4f}, per single-unit update "
          f"{markov.gap_per_update(T, per):.4f}, detailed balance violation "
          f"{markov.detailed_balance_violation(T, pi):.1e}")  # fmt: skip
plt.show()
