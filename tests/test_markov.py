import numpy as np
import pytest
from conftest import SEED

from pgm_ebm import BoltzmannMachine, markov


def _model(n=5, units="spin", scale=0.7):
    r = np.random.default_rng(SEED)
    A = np.triu(r.normal(0, scale, (n, n)), 1)
    return BoltzmannMachine(A + A.T, r.normal(0, 0.4, n), units)


@pytest.mark.parametrize("kind", markov.KINDS)
@pytest.mark.parametrize("units", ["binary", "spin"])
def test_boltzmann_distribution_is_stationary(kind, units):
    bm = _model(units=units)
    T = markov.transition_matrix(bm, kind)
    _, pi = bm.probabilities()
    np.testing.assert_allclose(T.sum(axis=1), 1.0, rtol=1e-12)
    assert T.min() >= 0
    np.testing.assert_allclose(pi @ T, pi, atol=1e-13)
    np.testing.assert_allclose(markov.stationary_distribution(T), pi, atol=1e-10)


def test_detailed_balance_holds_only_for_the_reversible_chains():
    bm = _model()
    _, pi = bm.probabilities()
    for kind in ("random-scan", "metropolis"):
        assert markov.detailed_balance_violation(markov.transition_matrix(bm, kind), pi) < 1e-14
    # a sequential sweep leaves pi stationary but is not reversible
    assert markov.detailed_balance_violation(markov.transition_matrix(bm, "gibbs-sweep"), pi) > 1e-4


def test_transition_matrix_against_a_direct_construction():
    """Random-scan Gibbs on 2 spins written out by hand."""
    J, b = 0.8, np.array([0.3, -0.2])
    bm = BoltzmannMachine(np.array([[0, J], [J, 0]]), b, "spin")
    T = markov.transition_matrix(bm, "random-scan")
    S = bm.all_states()  # (-1,-1), (-1,1), (1,-1), (1,1)
    expected = np.zeros((4, 4))
    for a, x in enumerate(S):
        for i in range(2):
            f = b[i] + J * x[1 - i]
            p_up = 1 / (1 + np.exp(-2 * f))
            for val, p in ((1, p_up), (-1, 1 - p_up)):
                y = x.copy()
                y[i] = val
                c = int(np.flatnonzero((S == y).all(axis=1))[0])
                expected[a, c] += p / 2
    np.testing.assert_allclose(T, expected, rtol=1e-12)


def test_spectral_gap_governs_convergence_and_tv_decreases():
    bm = _model()
    S, pi = bm.probabilities()
    p0 = np.zeros(len(S))
    p0[0] = 1
    for kind in markov.KINDS:
        T = markov.transition_matrix(bm, kind)
        gap = markov.spectral_gap(T)
        assert 0 < gap <= 1
        tv = markov.tv_distance_curve(T, p0, pi, 400)
        assert np.all(np.diff(tv) <= 1e-15)  # TV to pi never increases under a pi-stationary chain
        # geometric rate: the TV decay per step approaches |lambda_2| = 1 - gap (measured
        # over the second half of the steps where TV is still far above rounding)
        t2 = int(np.flatnonzero(tv > 1e-10)[-1])
        t1 = t2 // 2
        rate = (tv[t2] / tv[t1]) ** (1 / (t2 - t1))
        assert rate == pytest.approx(1 - gap, rel=0.02), (kind, t1, t2)


def test_stronger_couplings_mix_slower():
    weak, strong = _model(scale=0.3), _model(scale=1.5)
    for kind in markov.KINDS:
        assert markov.spectral_gap(markov.transition_matrix(strong, kind)) < markov.spectral_gap(
            markov.transition_matrix(weak, kind)
        )


def test_limits():
    with pytest.raises(ValueError, match="limited to 12 units"):
        markov.transition_matrix(BoltzmannMachine(np.zeros((13, 13)), np.zeros(13)))
    with pytest.raises(ValueError, match="kind"):
        markov.transition_matrix(_model(), "hmc")


@pytest.mark.parametrize("kind", ["random-scan", "metropolis"])
def test_gap_per_update_puts_chains_of_different_step_lengths_on_one_axis(kind):
    # two steps of T are one step of T @ T: the same chain, so the same gap per update
    T = markov.transition_matrix(_model(n=4), kind)
    g = markov.gap_per_update(T)
    assert g == pytest.approx(markov.spectral_gap(T))
    assert markov.gap_per_update(T @ T, 2) == pytest.approx(g, rel=1e-9)
    assert markov.gap_per_update(T @ T, 2) < markov.spectral_gap(T @ T)
    with pytest.raises(ValueError, match="updates_per_step"):
        markov.gap_per_update(T, 0)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n_updates": 0}, "n_updates"), ({"n_updates": 2.5}, "n_updates"),
     ({"start": 4}, "start"), ({"start": -1}, "start")],
)  # fmt: skip
def test_plot_convergence_names_a_bad_argument(kwargs, match):
    model = BoltzmannMachine(np.array([[0.0, 1.0], [1.0, 0.0]]), np.zeros(2))
    with pytest.raises(ValueError, match=match):
        markov.plot_convergence(model, **kwargs)


def test_tv_distance_curve_refuses_a_negative_step_count():
    T = np.eye(2)
    with pytest.raises(ValueError, match="n_steps"):
        markov.tv_distance_curve(T, [1.0, 0.0], [0.5, 0.5], -1)
