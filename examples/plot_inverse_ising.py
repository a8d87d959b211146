"""
Inverse Ising: recovering couplings from samples
================================================

Draw exact samples from a known 10-unit Boltzmann machine (spins), fit its fields and
couplings back by maximum likelihood (exact moment matching) and by maximum
pseudo-likelihood, and plot the RMS parameter error against the number of samples.  The
dashed line is the RMS error maximum likelihood must have asymptotically:
``sqrt(trace(F^-1) / (P N))``, with ``F`` the Fisher information (the covariance of the
sufficient statistics), ``P`` = 55 the number of parameters and ``N`` the number of samples.
"""

import matplotlib.pyplot as plt
import numpy as np

from pgm_ebm.expfam import PairwiseFamily, inverse_ising, sample_exact

family = PairwiseFamily(10, units="spin")
rng = np.random.default_rng(0)
theta = rng.normal(0, 0.3, family.n_params)  # 10 fields and 45 couplings
model = family.to_model(theta)
fisher_inv = np.linalg.inv(family.covariance(theta))

sizes = np.array([300, 1000, 3000, 10000, 30000])
errors = {"exact": [], "pseudo-likelihood": []}
for N in sizes:
    X = sample_exact(model, N, random_state=int(N))
    for method in errors:
        fit = inverse_ising(X, units="spin", method=method)
        errors[method].append(np.sqrt(np.mean((fit.theta - theta) ** 2)))
    print(N, {k: round(v[-1], 4) for k, v in errors.items()})

fig, ax = plt.subplots(figsize=(6, 4))
for method, err in errors.items():
    ax.loglog(sizes, err, "o-", label=f"{method} fit")
ax.loglog(
    sizes,
    np.sqrt(np.trace(fisher_inv) / family.n_params / sizes),
    "k--",
    label="asymptotic ML error (Fisher information)",
)
ax.set_xlabel("number of samples N")
ax.set_ylabel("RMS parameter error")
ax.set_title("inverse Ising, 10 spins, 55 parameters")
ax.legend()
ax.grid(alpha=0.3, which="both")
fig.tight_layout()
plt.show()
