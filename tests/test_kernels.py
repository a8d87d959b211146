import numpy as np
import pytest
from conftest import SEED
from numba import njit

from pgm_ebm._rng import seed_streams
from pgm_ebm.kernels._math import sigmoid
from pgm_ebm.kernels.block_gibbs import (
    _add_bias_sigmoid,
    _dense_update,
    _gather_product,
    _sample_bernoulli,
    _scatter_update,
)


@njit
def _sig_array(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = sigmoid(x[i])
    return out


def test_sigmoid_float32_accuracy_and_float64_exact():
    x = np.linspace(-40, 40, 400001)
    exact = 1.0 / (1.0 + np.exp(-x))
    err32 = np.abs(_sig_array(x.astype(np.float32)).astype(np.float64) - exact)
    assert err32.max() < 4e-7
    np.testing.assert_allclose(_sig_array(x), exact, rtol=1e-15, atol=0)


def test_sample_bernoulli_frequencies_within_5_se():
    n, m = 4000, 6
    logits = np.array([-3.0, -1.0, 0.0, 0.5, 2.0, 4.0], dtype=np.float32)
    pre = np.zeros((n, m), dtype=np.float32)
    samples = np.empty_like(pre)
    _sample_bernoulli(pre, logits, seed_streams(SEED, n), samples)
    p = 1 / (1 + np.exp(-logits.astype(np.float64)))
    np.testing.assert_allclose(pre[0], p, atol=4e-7)  # probabilities written in place
    assert set(np.unique(samples)) <= {0.0, 1.0}
    se = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(samples.mean(axis=0) - p) < 5 * se)


def test_add_bias_sigmoid_in_place_float64():
    x = np.linspace(-5, 5, 12).reshape(3, 4)
    b = np.array([0.0, 1.0, -1.0, 2.0])
    out = x.copy()
    _add_bias_sigmoid(out, b)
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-(x + b))), rtol=1e-14)


def test_same_draws_whatever_the_thread_count():
    import numba

    pre = np.random.default_rng(SEED).normal(size=(64, 50)).astype(np.float32)
    res = []
    for t in (1, 2):
        numba.set_num_threads(t)
        p, s = pre.copy(), np.empty_like(pre)
        _sample_bernoulli(p, np.zeros(50, np.float32), seed_streams(SEED, 64), s)
        res.append(s)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(res[0], res[1])


def _sparse_case(dtype, rng, probabilities=False):
    V = (rng.random((37, 41)) < 0.15).astype(dtype)
    if probabilities:
        V *= rng.random(V.shape).astype(dtype)
    WT = rng.normal(size=(41, 23)).astype(dtype)
    H = rng.normal(size=(37, 23)).astype(dtype)
    return V, WT, H


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("probabilities", [False, True])
def test_gather_product_matches_blas(dtype, probabilities):
    V, WT, _ = _sparse_case(dtype, np.random.default_rng(SEED), probabilities)
    out = np.full((37, 23), np.nan, dtype=dtype)
    _gather_product(V, WT, out)
    np.testing.assert_allclose(out, V.astype(float) @ WT.astype(float),
                               rtol=0, atol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("use_velocity", [False, True])
@pytest.mark.parametrize("kernel", ["scatter", "dense"])
def test_weight_updates_match_numpy(use_velocity, kernel):
    rng = np.random.default_rng(SEED)
    V, WT, H = _sparse_case(np.float64, rng, probabilities=True)
    vel = rng.normal(size=WT.shape)
    mom, decay = (0.7, 0.01) if use_velocity else (0.0, 0.0)
    G = V.T @ H
    if use_velocity:
        vel_ref = mom * vel - decay * WT + G
        WT_ref = WT + vel_ref
    else:
        vel_ref, WT_ref = vel.copy(), WT + G
    W2, vel2 = WT.copy(), vel.copy()
    if kernel == "scatter":
        _scatter_update(V, H, W2, vel2, mom, decay, use_velocity)
    else:
        _dense_update(G, W2, vel2, mom, decay, use_velocity)
    np.testing.assert_allclose(W2, WT_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vel2, vel_ref, rtol=1e-12, atol=1e-12)
