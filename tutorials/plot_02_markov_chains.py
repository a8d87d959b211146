r"""
2. Markov chains and MCMC
=========================

When :math:`Z` is out of reach we draw samples instead, with a Markov chain whose stationary
distribution is the model.  This tutorial builds the chains exactly, as transition matrices,
on models small enough to check every claim: the stationary distribution, detailed balance,
Metropolis-Hastings and Gibbs, the speed of convergence (the spectral gap), and Langevin
dynamics for continuous variables, whose discretisation error we measure.
"""

import matplotlib.pyplot as plt
import numpy as np
from numba import njit

from pgm_ebm import BoltzmannMachine, continuous, markov

rng = np.random.default_rng(0)

# %%
# A chain and its stationary distribution
# ---------------------------------------
# A Markov chain on :math:`K` states is a matrix :math:`P` with rows summing to one:
# :math:`P_{xy}` is the probability of moving from :math:`x` to :math:`y`.  A distribution
# :math:`\pi` (a row vector) is stationary when :math:`\pi P = \pi`: the left eigenvector for
# eigenvalue 1.  Starting anywhere, :math:`p_0 P^t \to \pi` when the chain is irreducible and
# aperiodic, geometrically at the rate of the second-largest eigenvalue modulus
# :math:`|\lambda_2|`; :math:`1 - |\lambda_2|` is the *spectral gap*.

P = np.array([[0.5, 0.4, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4]])
pi = markov.stationary_distribution(P)
print("pi =", np.round(pi, 4), " pi P - pi =", np.abs(pi @ P - pi).max())
print(f"spectral gap {markov.spectral_gap(P):.4f}")

# %%
# Metropolis-Hastings: any target, by construction
# ------------------------------------------------
# To sample a target :math:`\pi` known up to :math:`Z`, propose :math:`y` from :math:`q(x, y)`
# and accept with :math:`\min\bigl(1, \tfrac{\pi(y) q(y, x)}{\pi(x) q(x, y)}\bigr)`.  Then
# :math:`\pi_x P_{xy} = \pi_y P_{yx}` for every pair (*detailed balance*), and summing over
# :math:`x` gives :math:`\pi P = \pi`.  Here: a bimodal target on 40 states, proposals one step
# left or right.

K = 40
s = np.arange(K)
unnormalised = np.exp(-((s - 10) ** 2) / 18) + 0.6 * np.exp(-((s - 30) ** 2) / 8)
target = unnormalised / unnormalised.sum()


def metropolis_matrix(p, width=1):
    """The exact MH transition matrix with uniform proposals within +-width (a ring)."""
    n = len(p)
    T = np.zeros((n, n))
    for x in range(n):
        for d in range(-width, width + 1):
            if d == 0:
                continue
            y = (x + d) % n
            T[x, y] += min(1.0, p[y] / p[x]) / (2 * width)
        T[x, x] = 1.0 - T[x].sum()
    return T


T1 = metropolis_matrix(target, 1)
print(f"MH: |pi T - pi| = {np.abs(target @ T1 - target).max():.1e}, detailed balance "
      f"violation {markov.detailed_balance_violation(T1, target):.1e}")  # fmt: skip

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
p = np.zeros(K)
p[0] = 1.0
for t in range(401):
    if t in (0, 10, 50, 400):
        axes[0].plot(s, p, label=f"t = {t}")
    p = p @ T1
axes[0].plot(s, target, "k--", label="target")
axes[0].set_xlabel("state")
axes[0].set_ylabel("probability")
axes[0].set_title("p0 P^t from the left end")
axes[0].legend(fontsize=8)
for width in (1, 3, 8):
    T = metropolis_matrix(target, width)
    tv = markov.tv_distance_curve(T, np.eye(K)[0], target, 600)
    axes[1].semilogy(tv, label=f"proposal +-{width}: gap {markov.spectral_gap(T):.4f}")
axes[1].set_xlabel("steps t")
axes[1].set_ylabel("TV distance to the target")
axes[1].set_title("wider proposals cross the valley sooner")
axes[1].legend(fontsize=8)
fig.tight_layout()

# %%
# The straight tails of the right panel are the spectral gap at work: after the start is
# forgotten, the distance shrinks by :math:`|\lambda_2|` each step.  The valley between the two
# modes is what slows the chain: a small step rarely crosses it.
#
# Gibbs sampling: Metropolis-Hastings that always accepts
# --------------------------------------------------------
# For a Boltzmann machine, resampling one unit from its conditional is an MH move whose
# acceptance is 1.  Three ways to combine such moves, as exact matrices over the
# :math:`2^6 = 64` states of 6 spins: a sequential sweep (units in order), a random-scan step (a
# random unit) and a Metropolis flip of a random unit.

A = np.triu(rng.normal(0.0, 0.6, (6, 6)), 1)
bm = BoltzmannMachine(A + A.T, rng.normal(0.0, 0.3, 6), "spin")
S, boltzmann = bm.probabilities()
for kind in markov.KINDS:
    T = markov.transition_matrix(bm, kind)
    violation = markov.detailed_balance_violation(T, boltzmann)
    print(f"{kind:12s} |pi T - pi| = {np.abs(boltzmann @ T - boltzmann).max():.1e}, "
          f"detailed balance violation {violation:.1e}")  # fmt: skip

# %%
# All three leave the Boltzmann distribution invariant.  The sequential sweep does *not*
# satisfy detailed balance (it has a direction: unit 0 first), yet it is stationary, because
# each of its single-unit moves is.  Detailed balance is sufficient, not necessary.
#
# The same on the sampler that runs at scale: many chains of the compiled Gibbs sampler,
# compared state by state with the exact distribution.

res = bm.sample(200, n_chains=20000, random_state=1)
codes = ((res.spins > 0).astype(int) * (1 << np.arange(5, -1, -1))).sum(axis=1)
empirical = np.bincount(codes, minlength=64) / len(codes)
# the TV distance that 20,000 exact draws would show, from the binomial spread of each state
noise = 0.5 * np.sum(np.sqrt(boltzmann * (1 - boltzmann) / 20000)) * np.sqrt(2 / np.pi)
print(f"TV(empirical, exact) after 200 sweeps of 20,000 chains: "
      f"{0.5 * np.abs(empirical - boltzmann).sum():.4f} (sampling noise alone: about "
      f"{noise:.4f})")  # fmt: skip

# %%
# Langevin dynamics: gradients instead of proposals
# -------------------------------------------------
# For continuous :math:`x` with a differentiable energy, the Langevin diffusion
# :math:`dx = -\nabla E\,dt + \sqrt{2}\,dW` has :math:`e^{-E}/Z` as its stationary density.
# Discretised with step :math:`h` (the *unadjusted* Langevin algorithm, ULA),
# :math:`x' = x - h \nabla E(x) + \sqrt{2h}\,z`, it samples a slightly wrong distribution; a
# Metropolis-Hastings correction of the same proposal (MALA) removes the error at any
# :math:`h`.  On a standard Gaussian, :math:`E(x) = x^2 / 2`, ULA's variance is
# :math:`1 / (1 - h/2)` instead of 1 (exercise 2).


@njit
def gaussian_energy(x):
    return 0.5 * np.sum(x * x)


@njit
def gaussian_grad(x):
    return x.copy()


steps = [0.05, 0.2, 0.5, 1.0]
rows = []
for h in steps:
    out = {}
    for adjust in (False, True):
        r = continuous.langevin(gaussian_energy, gaussian_grad, np.zeros(1), 3000, h,
                                adjust=adjust, n_chains=400, random_state=2)  # fmt: skip
        out[adjust] = r.samples[:, 500:, 0].var()
    rows.append((h, out[False], out[True]))
    print(f"h = {h:4.2f}: ULA variance {out[False]:.3f} (theory {1 / (1 - h / 2):.3f}), "
          f"MALA {out[True]:.3f} (exact 1)")  # fmt: skip

fig, ax = plt.subplots(figsize=(6, 3.8))
hs = np.linspace(0.01, 1.05, 100)
ax.plot(hs, 1 / (1 - hs / 2), "k--", label="ULA theory 1 / (1 - h/2)")
ax.plot([r[0] for r in rows], [r[1] for r in rows], "o", label="ULA, measured")
ax.plot([r[0] for r in rows], [r[2] for r in rows], "s", label="MALA, measured")
ax.axhline(1.0, color="grey", lw=0.7)
ax.set_xlabel("step size h")
ax.set_ylabel("variance of the samples")
ax.set_title("Langevin on N(0, 1): ULA's bias grows with h, MALA has none")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# Exercises
# ---------
# **1.** Show that the two-state chain :math:`P = \begin{pmatrix} 1-a & a \\ b & 1-b
# \end{pmatrix}` has :math:`\pi = (b, a) / (a + b)` and spectral gap :math:`a + b` (for
# :math:`a + b \le 1`).
#
# *Solution.* :math:`\pi_0 a = \pi_1 b` (balance of the flow between the states) gives
# :math:`\pi`; the eigenvalues of :math:`P` are 1 and :math:`1 - a - b` (trace
# :math:`2 - a - b`).

for a, b in [(0.1, 0.3), (0.45, 0.2)]:
    P2 = np.array([[1 - a, a], [b, 1 - b]])
    assert np.allclose(markov.stationary_distribution(P2), [b / (a + b), a / (a + b)])
    assert np.isclose(markov.spectral_gap(P2), a + b)

# %%
# **2.** Derive ULA's stationary variance on :math:`E(x) = x^2/2`.
#
# *Solution.* :math:`x' = (1 - h) x + \sqrt{2h} z` is linear; at stationarity
# :math:`v = (1 - h)^2 v + 2h`, so :math:`v = 2h / (1 - (1 - h)^2) = 1 / (1 - h/2)`.  Checked
# against the measured variances above (400 chains x 2,500 correlated draws: within 5%).

for h, v_ula, v_mala in rows:
    assert abs(v_ula / (1 / (1 - h / 2)) - 1) < 0.05, (h, v_ula)
    assert abs(v_mala - 1) < 0.05, (h, v_mala)

# %%
# **3.** Metropolis-Hastings with a symmetric proposal satisfies detailed balance for *any*
# target.  Check it on a random target with proposals of width 5.
#
# *Solution.* For :math:`x \ne y`, :math:`\pi_x P_{xy} = \pi_x q \min(1, \pi_y / \pi_x) = q
# \min(\pi_x, \pi_y)`, symmetric in :math:`x` and :math:`y`.

random_target = rng.random(30)
random_target /= random_target.sum()
T5 = metropolis_matrix(random_target, 5)
assert markov.detailed_balance_violation(T5, random_target) < 1e-15
assert np.allclose(markov.stationary_distribution(T5), random_target)
print("exercises: all three solutions check out")
plt.show()
