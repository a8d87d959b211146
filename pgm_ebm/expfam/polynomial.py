"""A continuous exponential family: polynomial features of 2-D points, fitted by exact
moment matching on a grid and by Langevin sampling of the model moments."""

from __future__ import annotations

import numpy as np
import scipy.optimize

from pgm_ebm._rng import check_random_state
from pgm_ebm._validation import as_real_array, check_positive_int, check_real


class PolynomialFamily2D:
    """Densities on R^2 with polynomial sufficient statistics.

    ``p(x) ~ exp(theta @ f(x))`` with ``f = (x1^a x2^b : 1 <= a + b <= degree)``; energy
    ``E(x) = -theta @ f(x)``. Normalisable when the top-degree part is negative definite;
    :meth:`log_partition` integrates on a grid over ``[-lim, lim]^2`` (the densities
    fitted here are negligible outside it), so it is a quadrature estimate whose error
    shrinks with ``n_grid``.

    Parameters
    ----------
    degree : int
        Highest total degree of the monomials; even and at least 2.
    lim : float
        Half-width of the square on which densities are integrated and sampled.
    n_grid : int
        Grid points per axis of the quadrature (at least 3).

    Attributes
    ----------
    powers : ndarray of shape (n_params, 2)
        The exponents ``(a, b)`` of each statistic ``x1^a x2^b``.
    grid : ndarray of shape (n_grid**2, 2)
        The quadrature points.

    Raises
    ------
    ValueError
        If ``degree`` is not an even integer >= 2, ``lim`` not positive or ``n_grid`` < 3.

    Examples
    --------
    >>> from pgm_ebm.expfam import PolynomialFamily2D
    >>> fam = PolynomialFamily2D(degree=2, n_grid=101)
    >>> fam.n_params, fam.powers.tolist()
    (5, [[1, 0], [0, 1], [2, 0], [1, 1], [0, 2]])
    """

    def __init__(self, degree: int = 4, lim: float = 4.0, n_grid: int = 241):
        check_positive_int(degree, "degree", minimum=2)
        if degree % 2:
            raise ValueError(f"degree must be even and >= 2, got {degree!r}")
        lim = check_real(lim, "lim", low=0.0, low_open=True)
        n_grid = check_positive_int(n_grid, "n_grid", minimum=3)
        self.degree = int(degree)
        self.powers = np.array([(a, d - a) for d in range(1, degree + 1) for a in range(d, -1, -1)])
        self.lim = float(lim)
        g = np.linspace(-lim, lim, n_grid)
        self.grid = np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1).reshape(-1, 2)
        self.cell = (g[1] - g[0]) ** 2
        self._F_grid = self.statistics(self.grid)

    @property
    def n_params(self):
        """Number of statistics (the length of ``theta``)."""
        return len(self.powers)

    def _check_points(self, X, name="X"):
        X = as_real_array(X, name, ndim=2)
        if X.shape[1] != 2:
            raise ValueError(f"{name} must have shape (n_points, 2), got {X.shape}")
        return X

    def _check_theta(self, theta):
        t = as_real_array(theta, "theta", ndim=1)
        if t.shape != (self.n_params,):
            raise ValueError(f"theta must hold {self.n_params} values, got shape {t.shape}")
        return t

    def statistics(self, X):
        """The statistics ``f(x)`` of each point.

        Parameters
        ----------
        X : array_like of shape (n_points, 2)
            Finite points.

        Returns
        -------
        ndarray of shape (n_points, n_params)
            ``x1^a x2^b`` for each row of :attr:`powers`.

        Raises
        ------
        ValueError
            If ``X`` is not finite real points of shape (n_points, 2).

        Examples
        --------
        >>> from pgm_ebm.expfam import PolynomialFamily2D
        >>> PolynomialFamily2D(degree=2, n_grid=11).statistics([[1.0, 2.0]]).tolist()
        [[1.0, 2.0, 1.0, 2.0, 4.0]]
        """
        X = self._check_points(X)
        return X[:, :1] ** self.powers[:, 0] * X[:, 1:2] ** self.powers[:, 1]

    def energy_grad(self, theta, X):
        """The gradient ``grad_x E(x)`` of the energy at each point (what Langevin dynamics
        follows).

        Parameters
        ----------
        theta : array_like of shape (n_params,)
            The natural parameters.
        X : array_like of shape (n_points, 2)
            Finite points.

        Returns
        -------
        ndarray of shape (n_points, 2)
            ``-theta @ df/dx`` at each point.

        Raises
        ------
        ValueError
            If ``theta`` or ``X`` has the wrong shape or non-finite values.

        Examples
        --------
        >>> from pgm_ebm.expfam import PolynomialFamily2D
        >>> fam = PolynomialFamily2D(degree=2, n_grid=11)
        >>> fam.energy_grad(fam.initial_theta(), [[1.0, 2.0]]).tolist()  # E = |x|^2 / 2
        [[1.0, 2.0]]
        """
        theta, X = self._check_theta(theta), self._check_points(X)
        a, b = self.powers[:, 0], self.powers[:, 1]
        x1, x2 = X[:, :1], X[:, 1:2]
        with np.errstate(divide="ignore", invalid="ignore"):
            d1 = np.where(a > 0, a * x1 ** np.maximum(a - 1, 0) * x2**b, 0.0)
            d2 = np.where(b > 0, b * x1**a * x2 ** np.maximum(b - 1, 0), 0.0)
        return -np.stack([d1 @ theta, d2 @ theta], axis=1)

    def log_partition(self, theta):
        """Log partition function by quadrature on the grid.

        Parameters
        ----------
        theta : array_like of shape (n_params,)
            The natural parameters.

        Returns
        -------
        float
            ``log`` of the sum of ``exp(theta @ f)`` over the grid times the cell area: an
            estimate whose error shrinks with ``n_grid`` and ``lim``.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm.expfam import PolynomialFamily2D
        >>> fam = PolynomialFamily2D(degree=2, n_grid=101)
        >>> bool(np.isclose(fam.log_partition(fam.initial_theta()), np.log(2 * np.pi), atol=1e-3))
        True
        """
        s = self._F_grid @ self._check_theta(theta)
        top = s.max()
        return float(top + np.log(np.exp(s - top).sum() * self.cell))

    def log_likelihood(self, theta, X):
        """Mean log-likelihood of points, with the quadrature log partition function.

        Parameters
        ----------
        theta : array_like of shape (n_params,)
            The natural parameters.
        X : array_like of shape (n_points, 2)
            Finite points.

        Returns
        -------
        float
            ``mean theta @ f(x) - log Z(theta)``, in nats.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm.expfam import PolynomialFamily2D
        >>> fam = PolynomialFamily2D(degree=2, n_grid=101)
        >>> ll = fam.log_likelihood(fam.initial_theta(), [[0.0, 0.0]])
        >>> bool(np.isclose(ll, -np.log(2 * np.pi), atol=1e-3))
        True
        """
        theta = self._check_theta(theta)
        return float((self.statistics(X) @ theta).mean() - self.log_partition(theta))

    def density_on_grid(self, theta):
        """The normalised density at every grid point (for contour plots).

        Parameters
        ----------
        theta : array_like of shape (n_params,)
            The natural parameters.

        Returns
        -------
        ndarray of shape (n_grid**2,)
            ``p(x)`` at each row of :attr:`grid`; reshape to (n_grid, n_grid) to plot.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm.expfam import PolynomialFamily2D
        >>> fam = PolynomialFamily2D(degree=2, n_grid=101)
        >>> p = fam.density_on_grid(fam.initial_theta())
        >>> p.shape, bool(np.isclose(p.sum() * fam.cell, 1.0))
        ((10201,), True)
        """
        s = self._F_grid @ self._check_theta(theta)
        return np.exp(s - self.log_partition(theta))

    def initial_theta(self):
        """The parameters of a standard Gaussian, ``-x1^2/2 - x2^2/2``: where the fits start.

        Returns
        -------
        ndarray of shape (n_params,)
            Zero except -1/2 on ``x1^2`` and ``x2^2``.

        Examples
        --------
        >>> from pgm_ebm.expfam import PolynomialFamily2D
        >>> PolynomialFamily2D(degree=2, n_grid=11).initial_theta().tolist()
        [0.0, 0.0, -0.5, 0.0, -0.5]
        """
        t = np.zeros(self.n_params)
        for k, (a, b) in enumerate(self.powers):
            if (a, b) in ((2, 0), (0, 2)):
                t[k] = -0.5
        return t


def fit_polynomial_exact(family: PolynomialFamily2D, X, l2: float = 1e-4) -> np.ndarray:
    """Exact maximum likelihood in a polynomial family, ``log Z`` by quadrature.

    The objective is concave, maximised by L-BFGS from :meth:`PolynomialFamily2D.initial_theta`;
    its gradient is the data moments minus the model moments on the grid.

    Parameters
    ----------
    family : PolynomialFamily2D
        The family (and the quadrature grid).
    X : array_like of shape (n_points, 2)
        Data points (at least one).
    l2 : float
        Weight of the ridge penalty ``l2/2 |theta|^2`` (0 or more), which keeps the fit
        normalisable when the data are few.

    Returns
    -------
    ndarray of shape (n_params,)
        The fitted ``theta``.

    Raises
    ------
    ValueError
        If ``family`` is not a PolynomialFamily2D, ``X`` is empty or not 2-D points, or
        ``l2`` is negative.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm.expfam import PolynomialFamily2D, fit_polynomial_exact
    >>> X = np.random.default_rng(0).normal([0.5, -0.5], [1.0, 0.5], size=(5000, 2))
    >>> fam = PolynomialFamily2D(degree=2, n_grid=101)
    >>> theta = fit_polynomial_exact(fam, X)
    >>> np.round(theta, 1).tolist()  # x1 / 1 - x1^2 / 2 - x2 / 0.25 - x2^2 / (2 * 0.25)
    [0.5, -2.0, -0.5, -0.1, -2.0]
    """
    _check_family(family)
    l2 = check_real(l2, "l2", low=0.0)
    F = family.statistics(X)
    if len(F) == 0:
        raise ValueError("X must hold at least one point, got 0 rows")
    F = F.mean(axis=0)
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
    differ by orders of magnitude; plain momentum SGD diverged). No partition function is
    computed, so the result is compared with :func:`fit_polynomial_exact` by the
    quadrature log-likelihood.

    Parameters
    ----------
    family : PolynomialFamily2D
        The family; its ``lim`` bounds the negatives.
    X : array_like of shape (n_points, 2)
        Data points (at least one).
    n_iter : int
        Parameter updates.
    batch_size : int
        Data points per update.
    n_negatives : int
        Langevin samples per update.
    langevin_steps : int
        Langevin steps per update.
    step_size : float
        Langevin step size (positive).
    learning_rate : float
        Adam step size (positive), decaying as ``1/sqrt(1 + t/200)``.
    energy_l2 : float
        Weight of the energy-magnitude regulariser (0 or more).
    buffer_size : int
        Size of the replay buffer.
    reinit : float
        Fraction of negatives started afresh from uniform noise, in [0, 1].
    random_state : None, int or numpy.random.Generator
        Seed.

    Returns
    -------
    ndarray of shape (n_params,)
        The fitted ``theta``.

    Raises
    ------
    ValueError
        If ``family`` is not a PolynomialFamily2D, ``X`` is empty or not 2-D points, or a
        setting is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm.expfam import PolynomialFamily2D, fit_polynomial_langevin
    >>> X = np.random.default_rng(0).normal([0.5, -0.5], [1.0, 0.5], size=(2000, 2))
    >>> fam = PolynomialFamily2D(degree=2, n_grid=101)
    >>> theta = fit_polynomial_langevin(fam, X, n_iter=100, random_state=0)
    >>> bool(fam.log_likelihood(theta, X) > fam.log_likelihood(fam.initial_theta(), X))
    True
    """
    _check_family(family)
    X = family._check_points(X)
    if len(X) == 0:
        raise ValueError("X must hold at least one point, got 0 rows")
    n_iter = check_positive_int(n_iter, "n_iter")
    batch_size = check_positive_int(batch_size, "batch_size")
    n_negatives = check_positive_int(n_negatives, "n_negatives")
    langevin_steps = check_positive_int(langevin_steps, "langevin_steps")
    step_size = check_real(step_size, "step_size", low=0.0, low_open=True)
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_open=True)
    energy_l2 = check_real(energy_l2, "energy_l2", low=0.0)
    buffer_size = check_positive_int(buffer_size, "buffer_size")
    reinit = check_real(reinit, "reinit", low=0.0, high=1.0)
    rng = check_random_state(random_state)
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
    n = check_positive_int(n, "n", minimum=0)
    noise = check_real(noise, "noise", low=0.0)
    rng = check_random_state(random_state)
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    X = np.stack([x, y], axis=1) + rng.normal(0, noise, (n, 2))
    return (X - [0.5, 0.25]) * 1.6


def _check_family(family) -> None:
    if not isinstance(family, PolynomialFamily2D):
        raise ValueError(f"family must be a PolynomialFamily2D, got {type(family).__name__}")
