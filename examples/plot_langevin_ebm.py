"""
Learning an energy with Langevin negatives
==========================================

The recipe of deep energy-based models, on a model that stays checkable: a density on the
plane with polynomial sufficient statistics up to degree 4, trained on two moons by
contrastive divergence whose negative samples come from short-run Langevin dynamics with a
replay buffer (Du & Mordatch 2019).  It is compared with the exact maximum-likelihood fit of
the same family, computed with log Z by quadrature on a grid.
"""

import matplotlib.pyplot as plt
import numpy as np

from pgm_ebm.expfam import (
    PolynomialFamily2D,
    fit_polynomial_exact,
    fit_polynomial_langevin,
    two_moons,
)

X = two_moons(3000, random_state=0)
family = PolynomialFamily2D(degree=4)
theta_ml = fit_polynomial_exact(family, X)
theta_cd = fit_polynomial_langevin(family, X, random_state=0)

n = int(np.sqrt(len(family.grid)))
extent = (-family.lim, family.lim, -family.lim, family.lim)
fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True)
axes[0].scatter(X[:, 0], X[:, 1], s=2, alpha=0.4)
axes[0].set_title("two moons (3,000 points)")
for ax, theta, name in (
    (axes[1], theta_ml, "exact maximum likelihood"),
    (axes[2], theta_cd, "Langevin negatives + replay buffer"),
):
    dens = family.density_on_grid(theta).reshape(n, n).T
    ax.imshow(dens, origin="lower", extent=extent, cmap="magma")
    ax.set_title(f"{name}\nlog-likelihood {family.log_likelihood(theta, X):.3f} nats/point")
for ax in axes:
    ax.set_xlim(-family.lim, family.lim)
    ax.set_ylim(-family.lim, family.lim)
fig.tight_layout()
plt.show()
