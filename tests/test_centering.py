"""Centered RBMs (Melchior, Fischer & Wiskott 2016): the update taken in centered coordinates,
kept on the plain parameters, so the model (log Z, likelihoods) never depends on the offsets."""

import numpy as np
import pytest
from conftest import SEED
from numpy.testing import assert_allclose

from pgm_ebm import BernoulliRBM


def _data(n=200, d=12, seed=SEED):
    r = np.random.default_rng(seed)
    proto = (r.random((3, d)) < 0.5).astype(float)
    return np.abs(proto[r.integers(0, 3, n)] - (r.random((n, d)) < 0.1))


def test_one_centered_step_is_the_centered_parametrisation_converted():
    """An update of the plain parameters with centering equals: convert to centered biases,
    take the centered gradient step, convert back (offsets held during the step)."""
    X = _data()
    rbm = BernoulliRBM(n_components=5, n_iter=1, batch_size=200, learning_rate=0.1,
                       centering=True, dtype="float64", random_state=0, shuffle=False)  # fmt: skip
    rbm.fit(X)  # one batch: a real state (chains, offsets)
    W, b, c = rbm.components_.copy(), rbm.intercept_visible_.copy(), rbm.intercept_hidden_.copy()
    ov, oh = rbm.offset_visible_.copy(), rbm.offset_hidden_.copy()
    chains, streams = rbm.h_samples_.copy(), rbm._streams.copy()
    rbm.partial_fit(X[:50])
    # by hand, with the same random streams: one PCD-1 step in centered coordinates
    from pgm_ebm.kernels.block_gibbs import _sample_bernoulli

    V0 = X[:50]
    H0 = 1 / (1 + np.exp(-(V0 @ W.T + c)))
    Vp = chains @ W
    Vs = np.empty_like(Vp)
    _sample_bernoulli(Vp, b, streams, Vs)
    Hp = Vs @ W.T
    Hs = np.empty_like(Hp)
    _sample_bernoulli(Hp, c, streams, Hs)
    Hp = 1 / (1 + np.exp(-(Vs @ W.T + c)))
    gW = (V0 - ov).T @ (H0 - oh) / 50 - (Vs - ov).T @ (Hp - oh) / len(chains)
    gb = V0.mean(0) - Vs.mean(0)
    gc = H0.mean(0) - Hp.mean(0)
    b_c, c_c = b + W.T @ oh, c + W @ ov  # the centered biases of the same model
    W_new = W + 0.1 * gW.T
    b_c, c_c = b_c + 0.1 * gb, c_c + 0.1 * gc
    assert_allclose(rbm.components_, W_new, atol=1e-12)
    assert_allclose(rbm.intercept_visible_, b_c - W_new.T @ oh, atol=1e-12)
    assert_allclose(rbm.intercept_hidden_, c_c - W_new @ ov, atol=1e-12)
    assert_allclose(rbm.offset_hidden_, oh + 0.01 * (H0.mean(0) - oh), atol=1e-12)


def test_centered_energy_is_the_plain_energy_plus_a_constant():
    """log p(v) under the centered parametrisation (b_c, c_c, offsets) equals the plain
    model's exact log-likelihood to 1e-10."""
    r = np.random.default_rng(SEED)
    W = r.normal(size=(4, 7))
    b, c = r.normal(size=7), r.normal(size=4)
    ov, oh = r.random(7), r.random(4)
    b_c, c_c = b + W.T @ oh, c + W @ ov
    V = ((np.arange(128)[:, None] >> np.arange(7)[::-1]) & 1).astype(float)
    H = ((np.arange(16)[:, None] >> np.arange(4)[::-1]) & 1).astype(float)
    E = -((V - ov) @ W.T[:, :] @ (H - oh).T) - ((V - ov) @ b_c)[:, None] - ((H - oh) @ c_c)[None]
    log_pv_centered = np.logaddexp.reduce(-E, axis=1) - np.logaddexp.reduce(-E.ravel())
    rbm = BernoulliRBM(n_components=4, dtype="float64")
    rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_ = W, b, c
    rbm.n_features_in_ = 7
    ll = rbm.score_samples(V)
    assert_allclose(ll, log_pv_centered, atol=1e-10)


@pytest.mark.parametrize("centering", [False, True])
def test_centering_round_trips_through_checkpoints(tmp_path, centering):
    X = _data()
    params = dict(n_components=6, batch_size=20, learning_rate=0.05, random_state=SEED,
                  centering=centering, dtype="float64", lr_schedule="constant")  # fmt: skip
    full = BernoulliRBM(n_iter=4, **params).fit(X)
    ck = tmp_path / "ck.npz"
    BernoulliRBM(n_iter=2, **params).fit(X, checkpoint=ck)
    resumed = BernoulliRBM(n_iter=4, **params).fit(X, checkpoint=ck, resume=True)
    np.testing.assert_array_equal(resumed.components_, full.components_)
    if centering:
        np.testing.assert_array_equal(resumed.offset_hidden_, full.offset_hidden_)
    back = BernoulliRBM.load(full.save(tmp_path / "m.npz"))
    np.testing.assert_array_equal(back.components_, full.components_)
