r"""
1. Energy-based models and the partition function
=================================================

An energy-based model gives every configuration :math:`x` an energy :math:`E(x)` and the
probability

.. math:: p(x) = \frac{e^{-E(x)}}{Z}, \qquad Z = \sum_x e^{-E(x)}.

Low energy means high probability; :math:`Z`, the *partition function*, makes the
probabilities sum to one.  This tutorial computes :math:`Z` exactly on small models, measures
how the cost grows with the number of units (the :math:`2^n` wall), shows what can be done
without :math:`Z` (ratios and conditionals: everything Gibbs sampling needs), and where
structure makes :math:`Z` cheap again (a chain's transfer matrix).
"""

import time

import matplotlib.pyplot as plt
import numpy as np

from pgm_ebm import BoltzmannMachine, IsingLattice

rng = np.random.default_rng(0)

# %%
# A model small enough to write down
# ----------------------------------
# A pairwise binary model (a Boltzmann machine) on :math:`n` spins :math:`x_i \in \{-1, +1\}`
# has :math:`E(x) = -\tfrac12 x^\top J x - b^\top x`.  With three spins there are eight states,
# and :math:`Z` is a sum of eight terms.


def random_model(n, scale=0.5):
    A = np.triu(rng.normal(0.0, scale, (n, n)), 1)
    return BoltzmannMachine(A + A.T, rng.normal(0.0, 0.3, n), "spin")


bm = random_model(3)
S = bm.all_states()  # the 8 states, one per row
E = bm.energy(S)
Z = np.exp(-E).sum()
for s, e in zip(S, E, strict=True):
    print(f"x = {s}, E = {e:+.3f}, p = {np.exp(-e) / Z:.3f}")
exact = bm.log_partition().log_z
print(f"Z = {Z:.4f}, log Z = {np.log(Z):.4f}; the library's exact log Z: {exact:.4f}")

# %%
# The :math:`2^n` wall
# --------------------
# Enumeration visits every state: the work doubles with each unit.  The library's
# enumeration walks the states in Gray-code order, so each step flips one unit and updates the
# energy in :math:`O(n)` instead of :math:`O(n^2)`; the doubling remains.  Time it.

sizes = list(range(10, 25, 2))
seconds = []
for n in sizes:
    model = random_model(n)
    t0 = time.perf_counter()
    model.log_partition()
    seconds.append(time.perf_counter() - t0)
    print(f"n = {n:2d}: {2**n:>10,} states, {seconds[-1]:.4f} s")

# a straight line through the larger sizes on a log scale: seconds = a * 2**(c n)
c, log_a = np.polyfit(sizes[-4:], np.log2(seconds[-4:]), 1)


def extrapolated_seconds(n):
    return 2.0 ** (log_a + c * n)


fig, ax = plt.subplots(figsize=(6.5, 4))
ax.semilogy(sizes, seconds, "o", label="measured")
ns = np.arange(10, 61)
ax.semilogy(ns, extrapolated_seconds(ns), "--", label=f"fit: time doubles every {1 / c:.2f} units")
for label, s in [("one hour", 3600.0), ("one year", 3.15e7), ("age of the universe", 4.3e17)]:
    ax.axhline(s, color="grey", lw=0.7)
    ax.text(10.5, s * 1.6, label, fontsize=8, color="grey")
ax.set_xlabel("units n")
ax.set_ylabel("seconds for exact log Z")
ax.set_title("exact enumeration: the 2^n wall")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# The line says it: every unit doubles the time.  A 28 x 28 binary image has 784 units and
# :math:`2^{784} \approx 10^{236}` states; no computer will ever sum them.  Everything else in
# this library (sampling, learning, estimating :math:`Z`) exists because of this figure.
print(f"n = 60 would take about {extrapolated_seconds(60) / 3.15e7:.1e} years")

# %%
# What needs no Z: ratios and conditionals
# ----------------------------------------
# :math:`Z` cancels from any ratio of probabilities:
# :math:`p(x) / p(x') = e^{E(x') - E(x)}`.  In particular the conditional of one unit given the
# others needs only the energy difference of flipping it,
# :math:`p(x_i = +1 \mid x_{-i}) = \sigma(2 f_i)` with the local field
# :math:`f_i = b_i + \sum_j J_{ij} x_j`: this is all a Gibbs sampler ever computes.

bm = random_model(10)
S, p = bm.probabilities()  # exact, by enumeration, for checking
x, y = S[17], S[500]
ratio_without_Z = np.exp(bm.energy(y[None])[0] - bm.energy(x[None])[0])
ratio_from_table = p[17] / p[500]
print(f"p(x)/p(y): from energies {ratio_without_Z:.6f}, from the table {ratio_from_table:.6f}")

# the conditional of unit 3 given the others, from the table (needs Z) and from the field (does not)
i = 3
up = S[:, i] == 1
rest = np.delete(S, i, axis=1)
keys = {tuple(r): k for k, r in enumerate(rest[up])}
cond_table = np.array([p[up][keys[tuple(r)]] for r in rest[~up]])
cond_table = cond_table / (cond_table + p[~up])
cond_field = bm.conditional_probabilities(S[~up])[:, i]
print(f"largest difference of the two conditionals: {np.abs(cond_table - cond_field).max():.1e}")

# %%
# When structure makes Z cheap
# ----------------------------
# A chain of :math:`N` spins with periodic boundary has
# :math:`Z = \operatorname{Tr} T^N` with the 2 x 2 transfer matrix
# :math:`T_{ss'} = e^{\beta J s s' + \beta h (s + s')/2}`: :math:`O(N)` work instead of
# :math:`2^N`.  In two dimensions Onsager and Kaufman did the same for the square lattice
# without field; the library has both (:meth:`IsingLattice.log_partition`).

beta, J, h, N = 0.6, 1.0, 0.2, 20
T = np.array([[np.exp(beta * (J * s * t + h * (s + t) / 2)) for t in (1, -1)] for s in (1, -1)])
logz_transfer = np.log(np.trace(np.linalg.matrix_power(T, N)))
chain = IsingLattice((N,), J=J, h=h, beta=beta)
print(
    f"log Z of a periodic chain of {N}: transfer matrix {logz_transfer:.10f}, "
    f"enumeration of 2^{N} states {chain.log_partition('exact-enumeration').log_z:.10f}"
)
square = IsingLattice((64, 64), beta=0.4)
t0 = time.perf_counter()
r = square.log_partition()
print(
    f"64 x 64 torus (2^4096 states): log Z = {r.log_z:.6f} by {r.method} in "
    f"{time.perf_counter() - t0:.3f} s"
)

# %%
# Exercises
# ---------
# **1.** Show that with no couplings (:math:`J = 0`) and :math:`\{0, 1\}` units,
# :math:`\log Z = \sum_i \log(1 + e^{b_i})`, and check it against enumeration.
#
# *Solution.* With :math:`J = 0` the sum over states factorises:
# :math:`Z = \sum_x \prod_i e^{b_i x_i} = \prod_i \sum_{x_i \in \{0,1\}} e^{b_i x_i}
# = \prod_i (1 + e^{b_i})`.

b = rng.normal(0.0, 1.0, 12)
independent = BoltzmannMachine(np.zeros((12, 12)), b, "binary")
assert np.isclose(independent.log_partition().log_z, np.log1p(np.exp(b)).sum(), rtol=0, atol=1e-10)

# %%
# **2.** Adding a constant :math:`c` to every energy changes :math:`Z` but not :math:`p`.
# By how much does :math:`\log Z` change?
#
# *Solution.* :math:`\sum_x e^{-(E(x) + c)} = e^{-c} Z`, so :math:`\log Z` drops by :math:`c`
# and :math:`p(x) = e^{-E(x) - c} / (e^{-c} Z)` is unchanged.  The energies and log Z of a
# model are defined only up to this constant; probabilities and differences of log Z are not.

bm = random_model(8)
S = bm.all_states()
c = 3.7
E_shifted = bm.energy(S) + c
logz_shifted = np.log(np.exp(-E_shifted).sum())
assert np.isclose(logz_shifted, bm.log_partition().log_z - c, atol=1e-10)
assert np.allclose(np.exp(-E_shifted - logz_shifted), bm.probabilities()[1], atol=1e-14)

# %%
# **3.** An open chain of :math:`N` spins without field has
# :math:`Z = 2 (2 \cosh \beta J)^{N - 1}`.  Derive it and check it.
#
# *Solution.* Sum out the last spin first: :math:`\sum_{s_N} e^{\beta J s_{N-1} s_N}
# = 2 \cosh \beta J` whatever :math:`s_{N-1}` is.  Repeat :math:`N - 1` times, then the first
# spin contributes 2.

for N in (2, 5, 16):
    open_chain = IsingLattice((N,), beta=0.7, boundary="open")
    expected = np.log(2) + (N - 1) * np.log(2 * np.cosh(0.7))
    assert np.isclose(open_chain.log_partition().log_z, expected, atol=1e-10)
print("exercises: all three solutions check out")
plt.show()
