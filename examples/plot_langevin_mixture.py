"""
Langevin dynamics on a two-dimensional energy
=============================================

A mixture of two Gaussians written as an energy ``E(x) = -log p(x)`` (Numba-compiled, with its
gradient), sampled by MALA (Metropolis-adjusted Langevin) and by unadjusted Langevin
dynamics with a step too large for it.  The samples are drawn over the energy's contours.
"""

import matplotlib.pyplot as plt
import numpy as np

from pgm_ebm.continuous import gaussian_mixture_energy, langevin

energy, grad = gaussian_mixture_energy([[-2.0, 0.0], [2.0, 1.0]], [0.7, 1.0], [0.3, 0.7])

xs, ys = np.linspace(-5, 5, 200), np.linspace(-4, 5, 200)
E = np.array([[energy(np.array([x, y])) for x in xs] for y in ys])

fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
for ax, adjust, h in ((axes[0], True, 0.3), (axes[1], False, 0.6)):
    res = langevin(
        energy,
        grad,
        np.zeros(2),
        2000,
        step_size=h,
        adjust=adjust,
        n_chains=32,
        thin=10,
        random_state=0,
    )
    pts = res.samples[:, 20:].reshape(-1, 2)
    ax.contour(xs, ys, E, levels=15, cmap="viridis", linewidths=0.8)
    ax.scatter(pts[:, 0], pts[:, 1], s=2, c="k", alpha=0.3)
    name = "MALA" if adjust else "unadjusted Langevin"
    ax.set_title(f"{name}, step {h}, acceptance {res.acceptance.mean():.2f}")
    ax.set_xlabel("$x_1$")
axes[0].set_ylabel("$x_2$")
fig.tight_layout()
plt.show()
