import numpy as np
import pytest

from pgm_ebm import diagnostics as dg


def _ar1(phi, n_chains, n, rng):
    x = np.zeros((n_chains, n))
    eps = rng.normal(size=(n_chains, n))
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + eps[:, t]
    return x


def test_tau_of_ar1_matches_theory(rng):
    phi = 0.9
    x = _ar1(phi, 8, 20000, rng)
    tau = dg.integrated_autocorr_time(x)
    assert tau == pytest.approx((1 + phi) / (1 - phi), rel=0.1)
    assert dg.effective_sample_size(x) == pytest.approx(x.size / tau)
    assert dg.autocorrelation(x)[1] == pytest.approx(phi, abs=0.01)
    iid = rng.normal(size=(4, 5000))
    assert dg.integrated_autocorr_time(iid) == pytest.approx(1.0, abs=0.1)


def test_batch_means_and_jackknife_errors(rng):
    x = _ar1(0.8, 4, 40000, rng)
    mean, se = dg.batch_means(x, n_batches=40)
    true_se = np.sqrt(x.var() * (1 + 0.8) / (1 - 0.8) / x.size)
    assert se == pytest.approx(true_se, rel=0.3)
    val, err = dg.jackknife(lambda a: a.mean(), x, n_blocks=40)
    assert val == pytest.approx(mean) and err == pytest.approx(true_se, rel=0.3)
    # the naive iid error would be ~3x too small: the test can tell the difference
    assert x.std() / np.sqrt(x.size) < 0.5 * err


def test_split_rhat(rng):
    same = rng.normal(size=(4, 2000))
    assert dg.split_rhat(same) < 1.01
    shifted = same + np.arange(4)[:, None]
    assert dg.split_rhat(shifted) > 1.5
    with pytest.raises(ValueError, match="n_samples"):
        dg.autocorrelation(np.zeros((2, 1)))
    with pytest.raises(ValueError, match="non-finite"):
        dg.integrated_autocorr_time(np.array([1.0, np.nan, 2.0]))
