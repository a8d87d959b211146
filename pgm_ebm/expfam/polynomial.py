"""A continuous exponential family: polynomial features of 2-D points, fitted by exact
moment matching on a grid and by Langevin sampling of the model moments."""

from __future__ import annotations

import numpy as np
import scipy.optimize

from pgm_ebm._rng import check_random_state


class PolynomialFamily2D:
    """Densities on R^2 with polynomial sufficient statistics.

    ``p(x) ~ exp(theta @ f(x))`` with ``f = (x1^a x2^b : 1 <= a + b <= degree)``; energy
    ``E(x) = -theta @ f(x)``.

    Normalisable when the top-degree part is negative definite; ``log_partition`` integrates
    on a grid over ``[-lim, lim]^2`` (the densities fitted here are negligible outside it).
    """

    def __init__(self, degree: int = 4, lim: float = 4.0, n_grid: int = 241):
        if degree < 2 or degree % 2:
            raise ValueError(f"degree must be even and >= 2, got {degree!r}")
        self.degree = degree
        self.powers = np.array([(a, d - a) for d in range(1, degree + 1) for a in range(d, -1, -1)])
        self.lim = float(lim)
        g = np.linspace(-lim, lim, n_grid)
        self.grid = np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1).reshape(-1, 2)
        self.cell = (g[1] - g[0]) ** 2
        self._F_grid = self.statistics(self.grid)

    @property
    def n_params(self):
        return len(self.powers)

    def statistics(self, X):
        X = np.asarray(X, dtype=np.float64)
        return X[:, :1] ** self.powers[:, 0] * X[:, 1:2] ** self.powers[:, 1]

    def energy_grad(self, theta, X):
        """``grad_x E(x)`` for each row of X."""
        a, b = self.powers[:, 0], self.powers[:, 1]
        x1, x2 = X[:, :1], X[:, 1:2]
        with np.errstate(divide="ignore", invalid="ignore"):
            d1 = np.where(a > 0, a * x1 ** np.maximum(a - 1, 0) * x2**b, 0.0)
            d2 = np.where(b > 0, b * x1**a * x2 ** np.maximum(b - 1, 0), 0.0)
        return -np.stack([d1 @ theta, d2 @ theta], axis=1)

    def log_partition(self, theta):
        s = self._F_grid @ theta
        top = s.max()
        return float(top + np.log(np.exp(s - top).sum() * self.cell))

    def log_likelihood(self, theta, X):
        return float((self.statistics(X) @ theta).mean() - self.log_partition(theta))

    def density_on_grid(self, theta):
        s = self._F_grid @ theta
        return np.exp(s - self.log_partition(theta))

    def initial_theta(self):
        """A standard Gaussian: -x1^2/2 - x2^2/2."""
        t = np.zeros(self.n_params)
        for k, (a, b) in enumerate(self.powers):
            if (a, b) in ((2, 0), (0, 2)):
                t[k] = -0.5
        return t


def fit_polynomial_exact(family: PolynomialFamily2D, X, l2: float = 1e-4) -> np.ndarray:
    """Exact maximum likelihood (log Z by quadrature; concave) with L-BFGS."""
    F = family.statistics(X).mean(axis=0)
    Fg = family._F_grid

    def objective(t):
        s = Fg @ t
        w = np.exp(s - s.max())
        w /= w.sum()
        val = F @ t - family.log_partition(t) - 0.5 * l2 * t @ t
        return -val, -(F - w @ Fg - l2 * t)

    res = scipy.optimize.minimize(
        objective,
        family.initial_theta(),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 20000, "gtol": 1e-9},
    )
    return res.x


def fit_polynomial_langevin(
    family: PolynomialFamily2D,
    X,
    *,
    n_iter: int = 800,
    batch_size: int = 256,
    n_negatives: int = 256,
    langevin_steps: int = 20,
    step_size: float = 0.01,
    learning_rate: float = 0.03,
    energy_l2: float = 1e-3,
    buffer_size: int = 10000,
    reinit: float = 0.05,
    random_state=None,
):
    """Contrastive divergence with Langevin negatives and a replay buffer (Du & Mordatch 2019).

    Each step draws ``n_negatives`` starts, a fraction ``reinit`` from uniform noise on the
    grid's box and the rest from the replay buffer, runs ``langevin_steps`` unadjusted
    Langevin steps on the current energy, pushes the results into the buffer, and moves
    theta along ``mean f(data) - mean f(negatives)`` minus the gradient of the weak
    regulariser ``energy_l2 * (E(x+)^2 + E(x-)^2)`` with Adam steps (the monomials' scales
    differ by orders of magnitude; plain momentum SGD diverged).  Returns theta.
    """
    rng = check_random_state(random_state)
    X = np.asarray(X, dtype=np.float64)
    lim = family.lim
    theta = family.initial_theta()
    m1, m2 = np.zeros_like(theta), np.zeros_like(theta)
    buffer = rng.uniform(-lim, lim, size=(buffer_size, 2))
    for t in range(n_iter):
        pos = X[rng.integers(0, len(X), batch_size)]
        idx = rng.integers(0, buffer_size, n_negatives)
        starts = buffer[idx].copy()
        fresh = rng.random(n_negatives) < reinit
        starts[fresh] = rng.uniform(-lim, lim, size=(fresh.sum(), 2))
        x = starts
        for _ in range(langevin_steps):
            g = family.energy_grad(theta, x)
            x = x - step_size * g + np.sqrt(2 * step_size) * rng.normal(size=x.shape)
            x = np.clip(x, -lim, lim)
        buffer[idx] = x
        Fp, Fn = family.statistics(pos), family.statistics(x)
        Ep, En = -(Fp @ theta), -(Fn @ theta)
        grad = (
            Fp.mean(0)
            - Fn.mean(0)
            + 2 * energy_l2 * ((Ep[:, None] * Fp).mean(0) + (En[:, None] * Fn).mean(0))
        )
        m1 = 0.9 * m1 + 0.1 * grad  # Adam, ascent
        m2 = 0.999 * m2 + 0.001 * grad**2
        step = (m1 / (1 - 0.9 ** (t + 1))) / (np.sqrt(m2 / (1 - 0.999 ** (t + 1))) + 1e-8)
        theta = theta + learning_rate / np.sqrt(1 + t / 200) * step
    return theta


def two_moons(n: int = 2000, noise: float = 0.1, random_state=None):
    """The two-moons toy data, centred and scaled into roughly [-2.5, 2.5]^2."""
    rng = check_random_state(random_state)
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    X = np.stack([x, y], axis=1) + rng.normal(0, noise, (n, 2))
    return (X - [0.5, 0.25]) * 1.6
