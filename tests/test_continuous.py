import numpy as np
import pytest
from conftest import SEED
from numba import njit
from scipy import stats

from pgm_ebm import diagnostics
from pgm_ebm.continuous import (
    gaussian_mixture_energy,
    langevin,
    metropolis_hastings,
    product_of_experts,
)

SIGMA = 2.0


@njit
def gauss_e(x):
    return 0.5 * (x[0] / SIGMA) ** 2


@njit
def gauss_g(x):
    return np.array([x[0] / SIGMA**2])


def _moments_within_5_se(samples):
    x = samples[:, :, 0]
    tau = diagnostics.integrated_autocorr_time(x)
    se_mean = x.std() * np.sqrt(tau / x.size)
    m2 = x**2
    se_var = m2.std() * np.sqrt(diagnostics.integrated_autocorr_time(m2) / x.size)
    return (
        abs(x.mean()) < 5 * se_mean,
        abs(m2.mean() - SIGMA**2) < 5 * se_var,
        (x.mean(), m2.mean()),
    )


def test_mala_samples_a_gaussian_exactly_even_with_a_large_step():
    res = langevin(
        gauss_e, gauss_g, np.zeros(1), 4000, step_size=3.0, n_chains=16, random_state=SEED
    )
    ok_mean, ok_var, got = _moments_within_5_se(res.samples[:, 200:])
    assert ok_mean and ok_var, got
    assert 0.1 < res.acceptance.mean() < 0.99


def test_ula_is_biased_at_a_large_step_and_mala_is_not():
    """ULA's stationary variance for this Gaussian is sigma^2 / (1 - h / (2 sigma^2)): a
    large step inflates it, and the same moment test then fails."""
    res = langevin(
        gauss_e,
        gauss_g,
        np.zeros(1),
        4000,
        step_size=3.0,
        adjust=False,
        n_chains=16,
        random_state=SEED,
    )
    x = res.samples[:, 200:, 0]
    expected = SIGMA**2 / (1 - 3.0 / (2 * SIGMA**2))
    assert x.var() == pytest.approx(expected, rel=0.1)
    assert not _moments_within_5_se(res.samples[:, 200:])[1]


def test_random_walk_mh_on_a_gaussian():
    res = metropolis_hastings(
        gauss_e, np.zeros(1), 6000, step_size=4.0, n_chains=16, random_state=SEED
    )
    ok_mean, ok_var, got = _moments_within_5_se(res.samples[:, 200:])
    assert ok_mean and ok_var, got


def test_mixture_samples_match_the_exact_2d_density():
    """Histogram test: MALA samples of a 2-component mixture against the exact cell
    probabilities (grid integration of the normalised density)."""
    means, sigmas, weights = [[-2.0, 0.0], [2.0, 1.0]], [0.7, 1.0], [0.3, 0.7]
    e, g = gaussian_mixture_energy(means, sigmas, weights)
    res = langevin(e, g, np.zeros(2), 3000, step_size=0.3, n_chains=64, thin=10, random_state=SEED)
    pts = res.samples[:, 50:].reshape(-1, 2)
    edges = [np.linspace(-5, 5, 9), np.linspace(-4, 5, 9)]
    counts = np.histogram2d(pts[:, 0], pts[:, 1], bins=edges)[0].ravel()
    fine = [np.linspace(a[0], a[-1], 401) for a in edges]
    cx, cy = [(f[1:] + f[:-1]) / 2 for f in fine]
    X, Y = np.meshgrid(cx, cy, indexing="ij")
    dens = np.exp(-np.array([[e(np.array([a, b])) for b in cy] for a in cx]))
    cell = np.add.reduceat(
        np.add.reduceat(dens, np.arange(0, 400, 50), axis=0), np.arange(0, 400, 50), axis=1
    ).ravel()
    total = dens.sum()  # the grid covers all but a negligible tail
    exp_ = cell / total * len(pts)
    inside = counts.sum()
    keep = exp_ > 20
    # samples are thinned by 10 MALA steps; the chi-square uses their effective number
    tau = diagnostics.integrated_autocorr_time(res.samples[:, 50:, 0])
    chi = (
        (counts[keep] - exp_[keep] * inside / exp_.sum()) ** 2 / (exp_[keep] * inside / exp_.sum())
    ).sum() / tau
    assert stats.chi2.sf(chi, keep.sum() - 1) > 1e-3


def test_product_of_experts_sums_energies_and_gradients():
    e1, g1 = gaussian_mixture_energy([[0.0, 0.0]], [1.0], [1.0])
    e2, g2 = gaussian_mixture_energy([[2.0, 0.0]], [1.0], [1.0])
    e, g = product_of_experts((e1, g1), (e2, g2))
    x = np.array([0.3, -0.4])
    assert e(x) == pytest.approx(e1(x) + e2(x))
    np.testing.assert_allclose(g(x), g1(x) + g2(x))
    eps = 1e-6
    num = [(e(x + eps * d) - e(x - eps * d)) / (2 * eps) for d in np.eye(2)]
    np.testing.assert_allclose(g(x), num, rtol=1e-6)


def test_bad_arguments_and_reproducibility():
    with pytest.raises(ValueError, match="step_size"):
        langevin(gauss_e, gauss_g, np.zeros(1), 10, step_size=0.0)
    with pytest.raises(ValueError, match="finite"):
        metropolis_hastings(gauss_e, np.array([np.nan]), 10, 1.0)
    x0 = np.zeros((3, 1))
    a = langevin(gauss_e, gauss_g, x0, 50, 0.5, random_state=1)
    b = langevin(gauss_e, gauss_g, x0, 50, 0.5, random_state=1)
    np.testing.assert_array_equal(a.samples, b.samples)
    assert np.all(x0 == 0)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"step_size": "0.5"}, "step_size"), ({"step_size": float("nan")}, "step_size"),
     ({"n_chains": 0}, "n_chains"), ({"n_chains": -2}, "n_chains"),
     ({"x0": np.zeros((3, 1)), "n_chains": 2}, "n_chains"),
     ({"x0": np.zeros((1, 1, 1))}, "x0"), ({"x0": [1j]}, "x0"), ({"thin": 0}, "thin")],
)  # fmt: skip
def test_samplers_name_a_bad_argument(kwargs, match):
    # a string step size ended in numpy's TypeError, n_chains=-2 or a mismatched x0 in
    # broadcast_to's message, a complex x0 lost its imaginary part silently
    args = {"x0": np.zeros(1), "step_size": 0.5, **kwargs}
    with pytest.raises(ValueError, match=match):
        metropolis_hastings(gauss_e, n_steps=5, **args)


@pytest.mark.parametrize(
    "means, sigmas, weights, match",
    [([[0.0]], [float("nan")], [1.0], "sigmas"), ([[0.0]], [1.0], [float("inf")], "weights"),
     ([[0.0]], [-1.0], [1.0], "positive"), ([], [], [], "means"),
     ([[0.0], [1.0]], [1.0], [1.0, 1.0], "shapes")],
)  # fmt: skip
def test_gaussian_mixture_refuses_bad_components(means, sigmas, weights, match):
    # a NaN sigma passed the positivity check (NaN <= 0 is False) and gave a NaN energy
    with pytest.raises(ValueError, match=match):
        gaussian_mixture_energy(means, sigmas, weights)
