import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import SEED, assert_same_output_with_jit_off, outputs_with_one_and_two_threads
from scipy import stats
from scipy.special import logsumexp

from pgm_ebm import BoltzmannMachine, expfam
from pgm_ebm.expfam import PairwiseFamily, fit, inverse_ising, sample_exact
from pgm_ebm.partition.variational import mean_field


def _random_model(n, units, scale=0.6, seed=SEED):
    r = np.random.default_rng(seed)
    A = np.triu(r.normal(0, scale, (n, n)), 1)
    return BoltzmannMachine(A + A.T, r.normal(0, 0.5, n), units)


def _brute(bm):
    S = np.array(list(itertools.product(bm.values, repeat=bm.n)), float)
    J = bm.couplings_dense()
    neg_e = 0.5 * np.einsum("si,ij,sj->s", S, J, S) + S @ bm.b
    return S, neg_e


# ----------------------------------------------------------------------------- Boltzmann machine
@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize("n", [1, 5, 13])
def test_exact_log_z_energy_and_conditionals(units, n):
    bm = _random_model(n, units)
    S, neg_e = _brute(bm)
    np.testing.assert_allclose(bm.log_partition().log_z, logsumexp(neg_e), rtol=1e-10)
    np.testing.assert_allclose(bm.energy(S), -neg_e, rtol=1e-12, atol=1e-12)
    # conditional of unit 0 from the joint: p(x0 = up | rest) = p(up, rest) / sum
    x = S[7 % len(S)].copy()
    up, down = x.copy(), x.copy()
    up[0], down[0] = bm.values[1], bm.values[0]
    e_up, e_down = bm.energy(up), bm.energy(down)
    p = 1 / (1 + np.exp(e_up[0] - e_down[0]))
    np.testing.assert_allclose(bm.conditional_probabilities(x)[0, 0], p, rtol=1e-12)


def test_sparse_and_dense_agree():
    bm = _random_model(9, "spin")
    J = bm.couplings_dense()
    J[np.abs(J) < 0.4] = 0
    dense, sparse = (
        BoltzmannMachine(J, bm.b, "spin"),
        BoltzmannMachine(sp.csr_matrix(J), bm.b, "spin"),
    )
    np.testing.assert_allclose(
        dense.log_partition().log_z, sparse.log_partition().log_z, rtol=1e-12
    )
    X = dense.sample(3, n_chains=5, random_state=1).spins
    np.testing.assert_allclose(dense.energy(X), sparse.energy(X))
    np.testing.assert_array_equal(X, sparse.sample(3, n_chains=5, random_state=1).spins)


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize("scan", ["sequential", "random", "colored"])
def test_gibbs_scans_sample_the_exact_distribution(units, scan):
    bm = _random_model(7, units)
    _, p = bm.probabilities()
    X = bm.sample(300, n_chains=6000, scan=scan, random_state=SEED).spins
    idx = (X == bm.values[1]).astype(int) @ (1 << np.arange(6, -1, -1))
    c = np.bincount(idx, minlength=2**7)
    e = p * len(X)
    keep = e >= 5
    pval = stats.chisquare(np.r_[c[keep], c[~keep].sum()], np.r_[e[keep], e[~keep].sum()]).pvalue
    assert pval > 1e-3


def test_coloring_is_proper_and_scans_deterministic():
    r = np.random.default_rng(SEED)
    n = 60
    A = sp.random(n, n, density=0.08, random_state=1, data_rvs=lambda k: r.normal(size=k))
    A = sp.triu(A, 1)
    bm = BoltzmannMachine(A + A.T, np.zeros(n), "spin")
    ptr, units = bm.coloring()
    color = np.empty(n, int)
    for c in range(len(ptr) - 1):
        color[units[ptr[c] : ptr[c + 1]]] = c
    rows, cols = bm.J.nonzero()
    assert np.all(color[rows] != color[cols]) and sorted(units) == list(range(n))
    for scan in ("sequential", "random", "colored"):
        one, two = outputs_with_one_and_two_threads(
            lambda s=scan: bm.sample(4, n_chains=6, scan=s, random_state=3).spins
        )
        np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize(
    "J, match",
    [
        (np.array([[0, 1.0], [0.5, 0]]), "symmetric"),
        (np.array([[1.0, 0], [0, 0]]), "zero diagonal"),
        (np.array([[0, np.nan], [np.nan, 0]]), "finite"),
    ],
)
def test_bad_couplings(J, match):
    with pytest.raises(ValueError, match=match):
        BoltzmannMachine(J, np.zeros(2))


def test_bad_states_and_too_large_enumeration():
    bm = _random_model(4, "spin")
    with pytest.raises(ValueError, match=r"units in \{-1, 1\}"):
        bm.energy(np.zeros((1, 4)))
    with pytest.raises(ValueError, match="b must have shape"):
        BoltzmannMachine(np.zeros((3, 3)), np.zeros(2))
    big = BoltzmannMachine(np.zeros((31, 31)), np.zeros(31))
    with pytest.raises(ValueError, match=r"2\*\*31 states.*use MCMC"):
        big.log_partition()


# ----------------------------------------------------------------------------- exponential family
@pytest.mark.parametrize("units", ["binary", "spin"])
def test_gradient_and_hessian_of_the_log_likelihood(units):
    fam = PairwiseFamily(5, units=units)
    r = np.random.default_rng(SEED)
    theta = r.normal(0, 0.4, fam.n_params)
    X = sample_exact(fam.to_model(r.normal(0, 0.4, fam.n_params)), 300, random_state=1)
    g = fam.gradient(theta, X)
    eps = 1e-6
    num = np.array(
        [
            (fam.log_likelihood(theta + eps * e, X) - fam.log_likelihood(theta - eps * e, X))
            / (2 * eps)
            for e in np.eye(fam.n_params)
        ]
    )
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)
    cov = fam.covariance(theta)  # Hessian = -cov: concave log-likelihood
    assert np.linalg.eigvalsh(cov).min() > -1e-12
    hess = np.array(
        [
            (fam.gradient(theta + eps * e, X) - fam.gradient(theta - eps * e, X)) / (2 * eps)
            for e in np.eye(fam.n_params)
        ]
    )
    np.testing.assert_allclose(hess, -cov, rtol=1e-5, atol=1e-7)
    # normalisation: exp(log-likelihood) sums to one over all states
    S = fam.to_model(theta).all_states()
    total = sum(np.exp(fam.log_likelihood(theta, s[None])) for s in S)
    assert total == pytest.approx(1.0, rel=1e-10)


def test_independent_units_have_the_closed_form_mle():
    r = np.random.default_rng(SEED)
    X = (r.random((5000, 6)) < np.linspace(0.1, 0.9, 6)).astype(int)
    res = fit(PairwiseFamily(6, edges=[]), X)
    p = X.mean(axis=0)
    np.testing.assert_allclose(res.theta, np.log(p / (1 - p)), rtol=1e-7)


@pytest.mark.parametrize("method", ["exact", "pseudo-likelihood"])
def test_inverse_ising_recovers_a_known_10_unit_model(method):
    """Each parameter within 5 standard errors of the truth, the errors from the exact
    Fisher information (Cov f) of the true model: sqrt(diag(Cov^-1) / N)."""
    fam = PairwiseFamily(10, units="spin")
    r = np.random.default_rng(SEED)
    theta = r.normal(0, 0.3, fam.n_params)
    N = 20000
    X = sample_exact(fam.to_model(theta), N, random_state=1)
    res = inverse_ising(X, units="spin", method=method)
    se = np.sqrt(np.diag(np.linalg.inv(fam.covariance(theta))) / N)
    z = np.abs(res.theta - theta) / se
    assert z.max() < 5, z.max()
    assert res.info["converged"]
    assert res.info["gradient_in_standard_errors"] <= 1e-3


@pytest.mark.parametrize("method", ["exact", "pseudo-likelihood"])
def test_convergence_is_judged_by_the_gradient_not_scipys_flag(method, monkeypatch):
    """Stopped after 2 iterations the fit is not converged; a full fit is, whatever SciPy's
    message (L-BFGS-B says ABNORMAL on the exact fit above with SciPy 1.17)."""
    import scipy.optimize

    fam = PairwiseFamily(6, units="spin")
    X = sample_exact(fam.to_model(np.random.default_rng(SEED).normal(0, 0.3, 21)), 5000, 1)
    real = scipy.optimize.minimize

    def short(*a, **k):
        k["options"] = {**k.get("options", {}), "maxiter": 2}
        return real(*a, **k)

    monkeypatch.setattr(scipy.optimize, "minimize", short)
    res = fit(fam, X, method=method)
    assert not res.info["converged"] and res.info["gradient_in_standard_errors"] > 1e-3
    monkeypatch.setattr(scipy.optimize, "minimize", real)
    assert fit(fam, X, method=method).info["converged"]


def test_pcd_reaches_the_maximum_likelihood():
    fam = PairwiseFamily(6, units="binary")
    r = np.random.default_rng(SEED)
    X = sample_exact(fam.to_model(r.normal(0, 0.5, fam.n_params)), 5000, random_state=1)
    mle = fit(fam, X, method="exact")
    pcd = fit(fam, X, method="pcd", n_iter=800, n_chains=500, random_state=0)
    ll0 = fam.log_likelihood(np.zeros(fam.n_params), X)
    ll_mle = fam.log_likelihood(mle.theta, X)
    ll_pcd = fam.log_likelihood(pcd.theta, X)
    assert ll_mle - ll_pcd < 0.01 * (ll_mle - ll0), (ll0, ll_pcd, ll_mle)


def test_mean_field_and_mcmc_moments():
    fam = PairwiseFamily(6, units="spin")
    theta = np.r_[np.full(6, 0.2), np.full(fam.n_params - 6, 0.05)]
    exact = fam.mean(theta)
    mc = fam.mean(theta, method="mcmc", n_samples=20000, random_state=0)
    se = np.sqrt(np.diag(fam.covariance(theta)) / 20000)
    assert np.all(np.abs(mc - exact) < 5 * se)
    mf = fam.mean(theta, method="mean-field")
    # ferromagnetic couplings: mean field drops the positive connected correlations, so it
    # underestimates every pair moment E[x_i x_j]
    assert np.all(mf[6:] < exact[6:])
    independent = np.r_[np.full(6, 0.2), np.zeros(fam.n_params - 6)]
    np.testing.assert_allclose(
        fam.mean(independent, method="mean-field"), fam.mean(independent), atol=1e-9
    )  # exact without couplings
    m = mean_field(fam.to_model(theta))
    np.testing.assert_allclose(
        m, np.tanh(0.2 + fam.to_model(theta).couplings_dense() @ m), atol=1e-9
    )


def test_gibbs_scans_same_bits_with_jit_off():
    code = (
        "import numpy as np, scipy.sparse as sp\n"
        "from pgm_ebm import BoltzmannMachine\n"
        "r = np.random.default_rng(0)\n"
        "A = np.triu(r.normal(0, 0.5, (6, 6)), 1); J = A + A.T\n"
        "for Jm in (J, sp.csr_matrix(J)):\n"
        "    for units in ('binary', 'spin'):\n"
        "        bm = BoltzmannMachine(Jm, r.normal(size=6), units)\n"
        "        for scan in ('sequential', 'random', 'colored'):\n"
        "            res = bm.sample(20, n_chains=3, scan=scan, random_state=5)\n"
        "            print(res.spins.ravel().tolist())\n"
    )
    assert_same_output_with_jit_off(code, min_chars=500)


def test_the_two_kl_divergences_on_a_bimodal_model():
    """Moment matching (min KL(p||q)) covers both modes; mean field (min KL(q||p)) locks onto
    one; each wins on its own divergence and loses on the other."""
    from pgm_ebm.expfam import factorized_fits, kl_divergences

    n = 6
    J = 0.5 * (np.ones((n, n)) - np.eye(n))
    bm = BoltzmannMachine(J, np.zeros(n), "spin")  # symmetric: modes all-up and all-down
    p_up, q_mm, q_mf = factorized_fits(bm, init=np.full(n, 0.1))
    np.testing.assert_allclose(q_mm, 0.5, atol=1e-12)  # both modes covered
    assert np.all(q_mf > 0.9)  # locked onto the all-up mode
    kl_mm, kl_mf = kl_divergences(bm, q_mm), kl_divergences(bm, q_mf)
    assert kl_mm[0] < kl_mf[0] and kl_mf[1] < kl_mm[1]


@pytest.mark.slow
def test_langevin_trained_energy_approaches_the_exact_mle():
    """A degree-4 polynomial energy on two moons, trained by contrastive divergence with
    Langevin negatives and a replay buffer, recovers most of the log-likelihood gain of the
    exact maximum-likelihood fit (log Z by quadrature on the same grid)."""
    from pgm_ebm.expfam import (
        PolynomialFamily2D,
        fit_polynomial_exact,
        fit_polynomial_langevin,
        two_moons,
    )

    X = two_moons(3000, random_state=SEED)
    fam = PolynomialFamily2D(4)
    ll0 = fam.log_likelihood(fam.initial_theta(), X)
    ll_ml = fam.log_likelihood(fit_polynomial_exact(fam, X), X)
    ll_cd = fam.log_likelihood(fit_polynomial_langevin(fam, X, random_state=SEED), X)
    print(
        f"log-likelihood per point: start {ll0:.3f}, Langevin CD {ll_cd:.3f}, exact ML {ll_ml:.3f}"
    )
    assert ll_cd <= ll_ml + 1e-9  # the exact fit is the maximum
    assert (ll_cd - ll0) >= 0.8 * (ll_ml - ll0)


def test_dbm_stacking_doubles_the_right_inputs():
    from pgm_ebm.expfam import stack_rbms

    r = np.random.default_rng(SEED)
    protos = (r.random((3, 20)) < 0.4).astype(float)
    X = np.abs(protos[r.integers(0, 3, 600)] - (r.random((600, 20)) < 0.05))
    st = stack_rbms(X, [12, 8, 5], n_iter=15, batch_size=20, learning_rate=0.05, random_state=SEED)
    assert [w.shape for w in st.weights] == [(12, 20), (8, 12), (5, 8)]
    assert [b.shape for b in st.biases] == [(20,), (12,), (8,), (5,)]
    scales = [(m._up_scale, m._down_scale) for m in st.rbms]
    assert scales == [(2.0, 1.0), (1.0, 1.0), (1.0, 2.0)]
    np.testing.assert_allclose(st.weights[1], st.rbms[1].components_ / 2)  # middle: halved
    np.testing.assert_allclose(st.weights[0], st.rbms[0].components_)
    np.testing.assert_allclose(
        st.biases[1], (st.rbms[0].intercept_hidden_ + st.rbms[1].intercept_visible_) / 2, rtol=1e-6
    )
    # the bottom RBM learned with its input doubled: its samples of the data beat chance
    base = np.mean((X - X.mean(0)) ** 2)
    assert st.rbms[0].reconstruction_error(X) < base
    plain = stack_rbms(X, [12, 8], dbm=False, n_iter=2, random_state=SEED)
    assert [(m._up_scale, m._down_scale) for m in plain.rbms] == [(1.0, 1.0), (1.0, 1.0)]


def test_up_scale_doubles_the_hidden_input_of_the_positive_phase(monkeypatch):
    """With _up_scale = 2 the positive phase uses p(h | v) = sigmoid(2 W v + c)."""
    import pgm_ebm.models.rbm as rbm_mod
    from pgm_ebm import BernoulliRBM

    X = (np.random.default_rng(SEED).random((50, 8)) < 0.4).astype(float)
    m = BernoulliRBM(4, n_iter=0, random_state=1, dtype="float64", method="pcd").fit(X)
    m.components_ = np.random.default_rng(2).normal(0, 0.5, (4, 8))
    W, c = m.components_.copy(), m.intercept_hidden_.copy()
    m._up_scale = 2.0
    seen = []
    orig = rbm_mod._add_bias_sigmoid

    def spy(pre, bias):
        orig(pre, bias)
        seen.append(pre.copy())

    monkeypatch.setattr(rbm_mod, "_add_bias_sigmoid", spy)
    m.partial_fit(X)
    np.testing.assert_allclose(seen[0], 1 / (1 + np.exp(-(2 * X @ W.T + c))), rtol=1e-12)


def _bm(n, units="binary", J=None):
    return BoltzmannMachine(np.zeros((n, n)) if J is None else J, np.zeros(n), units)


_FAM3 = expfam.PairwiseFamily(3)
_X3 = [[0, 1, 1]]
_POLY = expfam.PolynomialFamily2D(2, n_grid=11)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: expfam.PairwiseFamily(3, edges=[(0.5, 1.7)]), "edges"),
        (lambda: expfam.PairwiseFamily(True), "n"),
        (lambda: _FAM3.from_model(_bm(4)), "model"),
        (lambda: _FAM3.from_model(_bm(3, "spin")), "model"),
        (lambda: expfam.PairwiseFamily(3, [(0, 1)]).from_model(_bm(3, J=1 - np.eye(3))), "model"),
        (lambda: _FAM3.mean(np.zeros(6), "mcmc", n_samples=-1), "n_samples"),
        (lambda: expfam.fit(_FAM3, _X3, l2=-1.0), "l2"),
        (lambda: expfam.fit(_FAM3, _X3, "pcd", k=0), "k"),
        (lambda: expfam.fit(_FAM3, _X3, "pcd", n_iter=0), "n_iter"),
        (lambda: expfam.fit(_FAM3, _X3, "pcd", learning_rate="1"), "learning_rate"),
        (lambda: expfam.fit(_FAM3, np.zeros((0, 3))), "X"),
        (lambda: expfam.fit("family", _X3), "family"),
        (lambda: expfam.sample_exact(_bm(2), 2.5), "n_samples"),
        (lambda: expfam.kl_divergences(_bm(2), [0.5, 1.5]), "q_up"),
        (lambda: expfam.kl_divergences(_bm(2), [0.5]), "q_up"),
        (lambda: expfam.factorized_fits("model"), "model"),
        (lambda: expfam.PolynomialFamily2D(4.0), "degree"),
        (lambda: expfam.PolynomialFamily2D(n_grid=1), "n_grid"),
        (lambda: _POLY.statistics(np.zeros((2, 3))), "X"),
        (lambda: _POLY.log_partition(np.zeros(3)), "theta"),
        (lambda: expfam.fit_polynomial_exact(_POLY, np.zeros((0, 2))), "X"),
        (lambda: expfam.fit_polynomial_langevin(_POLY, np.zeros((3, 2)), reinit=2), "reinit"),
        (lambda: expfam.two_moons(-1), "n"),
        (lambda: expfam.stack_rbms(np.zeros((4, 3)), [2.5]), "layer_sizes"),
        (lambda: expfam.stack_rbms(np.zeros((4, 3)), "12"), "layer_sizes"),
        (lambda: expfam.stack_rbms(np.zeros((4, 3)), [2], n_components=3), "n_components"),
    ],
)
def test_expfam_names_a_bad_argument(call, name):
    # before: float edges and a layer size of 2.5 were truncated, a 3-column X of the
    # polynomial family lost its third column, a model of another size or kind passed
    # from_model, l2 < 0 diverged and k = 0 sampled nothing, all silently
    with pytest.raises(ValueError, match=name):
        call()
