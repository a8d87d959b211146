import numpy as np
import pytest
from conftest import SEED, outputs_with_one_and_two_threads
from numba import njit

from pgm_ebm._rng import seed_streams
from pgm_ebm.kernels._math import sigmoid
from pgm_ebm.kernels.block_gibbs import _add_bias_sigmoid, _apply_velocity, _sample_bernoulli


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


def test_sigmoid_float32_compiled_gives_the_interpreted_bits():
    # the compiled copy (retarget: its own _madd) and the plain-Python definition the CUDA
    # twins also compile: one set of bits, every product rounded before its sum
    x = np.linspace(-12, 12, 20001).astype(np.float32)
    plain = np.array([sigmoid(v) for v in x[::7]], dtype=np.float32)
    np.testing.assert_array_equal(_sig_array(x)[::7], plain)


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
    pre = np.random.default_rng(SEED).normal(size=(64, 50)).astype(np.float32)

    def draw():
        p, s = pre.copy(), np.empty_like(pre)
        _sample_bernoulli(p, np.zeros(50, np.float32), seed_streams(SEED, 64), s)
        return s

    one, two = outputs_with_one_and_two_threads(draw)
    np.testing.assert_array_equal(one, two)


def test_apply_velocity_matches_numpy():
    rng = np.random.default_rng(SEED)
    WT, vel = (rng.normal(size=(41, 23)) for _ in range(2))
    vel_ref = vel - 0.01 * WT
    WT_ref = WT + vel_ref
    _apply_velocity(WT, vel, 0.01)
    np.testing.assert_allclose(WT, WT_ref, rtol=1e-13)
    np.testing.assert_allclose(vel, vel_ref, rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("blas", ["cblas", "fallback"])
@pytest.mark.parametrize("trans_a", [False, True])
def test_accumulating_gemm(dtype, blas, trans_a, monkeypatch):
    from pgm_ebm import _blas

    if blas == "fallback":
        monkeypatch.setitem(_blas._FUNCS, np.dtype(dtype), None)
    elif not _blas.has_accumulating_gemm(dtype):
        pytest.skip("NumPy's BLAS exports no CBLAS gemm here; the fallback is tested")
    rng = np.random.default_rng(SEED)
    A = rng.normal(size=(9, 6) if trans_a else (6, 9)).astype(dtype)
    big = rng.normal(size=(20, 4)).astype(dtype)
    B = big[:9]  # a view with contiguous rows
    C = rng.normal(size=(6, 4)).astype(dtype)
    expected = 0.5 * ((A.T if trans_a else A).astype(float) @ B) + 0.3 * C
    out = _blas.gemm(A, B, C, 0.5, 0.3, trans_a=trans_a)
    assert out is C
    np.testing.assert_allclose(C, expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)


def test_two_uniforms_per_draw_are_independent_and_uniform():
    """Odd-length rows use the low half of a draw; both halves must be uniform."""
    n, m = 3000, 7
    pre = np.zeros((n, m), dtype=np.float32)
    samples = np.empty_like(pre)
    _sample_bernoulli(pre, np.full(m, 0.3, np.float32), seed_streams(SEED, n), samples)
    p = 1 / (1 + np.exp(-0.3))
    se = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(samples.mean(axis=0) - p) < 5 * se)
    r = np.corrcoef(samples[:, 0], samples[:, 1])[0, 1]  # halves of the same draw
    assert abs(r) < 5 / np.sqrt(n)


@pytest.mark.parametrize("n, m", [(19, 7), (8, 10), (3, 1)])
def test_sample_bernoulli_consumes_each_chains_own_stream_in_order(n, m):
    """Chain i draws ceil(m/2) outputs of its own xoroshiro128+ stream: unit 2t is
    compared with bits 40..63 of draw t and unit 2t+1 with bits 16..39."""
    from reference import xoroshiro128plus

    streams = seed_streams(SEED, n)
    start = streams.copy()
    pre = np.random.default_rng(SEED).normal(size=(n, m)).astype(np.float32)
    p = pre.copy()
    samples = np.empty_like(pre)
    _sample_bernoulli(p, np.zeros(m, np.float32), streams, samples)
    for i in range(n):
        draws = xoroshiro128plus(int(start[i, 0]), int(start[i, 1]), (m + 1) // 2 + 1)
        u = []
        for x in draws[: (m + 1) // 2]:
            u += [(x >> 40) / 2**24, ((x >> 16) & 0xFFFFFF) / 2**24]
        expected = (np.array(u[:m], dtype=np.float32) < p[i]).astype(np.float32)
        np.testing.assert_array_equal(samples[i], expected)
        # the stream was left exactly where the next draw begins
        nxt = xoroshiro128plus(int(streams[i, 0]), int(streams[i, 1]), 1)[0]
        assert nxt == draws[(m + 1) // 2]


def test_compiled_kernels_use_numpys_error_model():
    """Under Python's error model every float division is checked for zero, and the branch
    keeps LLVM from vectorising the loop around it (the float32 sigmoid ran at 4.7 instead
    of 0.5 ns an element).  Every kernel that is compiled on its own (not inlined into its
    caller) must therefore say ``error_model="numpy"``."""
    import importlib
    import pkgutil

    from numba.core.registry import CPUDispatcher

    import pgm_ebm.kernels

    checked, missing = 0, []
    for info in pkgutil.iter_modules(pgm_ebm.kernels.__path__):
        mod = importlib.import_module(f"pgm_ebm.kernels.{info.name}")
        for name, obj in vars(mod).items():
            if not isinstance(obj, CPUDispatcher) or obj.py_func.__module__ != mod.__name__:
                continue
            if obj.targetoptions.get("inline") == "always":
                continue
            checked += 1
            if obj.targetoptions.get("error_model") != "numpy":
                missing.append(f"{info.name}.{name}")
    assert checked >= 30 and not missing


def test_bernoulli_draws_do_not_depend_on_how_chains_are_grouped():
    """The serial row kernel on any slice of chains draws what the parallel kernel draws
    for those chains (the AIS blocks and the parallel kernels group chains differently)."""
    from pgm_ebm.kernels._lanes import LANES
    from pgm_ebm.kernels.block_gibbs import _sample_rows

    n, m = 29, 13
    pre = np.random.default_rng(SEED).normal(size=(n, m)).astype(np.float32)
    bias = np.linspace(-1, 1, m).astype(np.float32)
    streams = seed_streams(SEED, n)
    p_all, s_all, st_all = pre.copy(), np.empty_like(pre), streams.copy()
    _sample_bernoulli(p_all, bias, st_all, s_all)
    p, s, st = pre.copy(), np.empty_like(pre), streams.copy()
    bits = np.empty(((m + 1) // 2, LANES), np.uint64)
    for r0, r1 in [(0, 3), (3, 14), (14, 29)]:  # not aligned with LANES
        _sample_rows(p[r0:r1], bias, st[r0:r1], s[r0:r1], np.float32(1.0), bits)
    np.testing.assert_array_equal(s, s_all)
    np.testing.assert_array_equal(p, p_all)
    np.testing.assert_array_equal(st, st_all)


# ----------------------------------------------------------------------------- BLAS shapes
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, n, k", [(1, 1, 1), (1, 5, 3), (5, 1, 3), (4, 3, 1), (1, 1, 7)])
@pytest.mark.parametrize("trans_a", [False, True])
def test_gemm_every_shape_matches_matmul(dtype, m, n, k, trans_a, capfd):
    """One row, one column, inner dimension one: NumPy gives a length-1 axis an arbitrary
    stride (a (1, n) transpose keeps a one-element row stride), which went to BLAS as an
    illegal leading dimension ('parameter 8 had an illegal value', C left unchanged)."""
    from pgm_ebm._blas import gemm

    r = np.random.default_rng(0)
    A = r.standard_normal((k, m) if trans_a else (m, k)).astype(dtype)
    # the layouts that broke: transposed single rows / columns, as training makes them
    A = np.ascontiguousarray(A.T).T if A.shape[0] == 1 or A.shape[1] == 1 else A
    B = np.ascontiguousarray(r.standard_normal((n, k)).astype(dtype).T)
    C = np.ascontiguousarray(r.standard_normal((n, m)).astype(dtype).T)
    expected = 0.5 * ((A.T if trans_a else A) @ B) + 2.0 * C
    gemm(A, B, C, 0.5, 2.0, trans_a=trans_a)
    np.testing.assert_allclose(C, expected, rtol=1e-5, atol=1e-5)
    assert "illegal value" not in capfd.readouterr().err


@pytest.mark.parametrize(
    "X, n_components, batch_size",
    [([[0.0], [1.0]], 2, 2), ([[0.0, 1.0], [1.0, 0.0]], 1, 2), ([[0.0, 1.0, 1.0]], 3, 1)],
)
@pytest.mark.parametrize("momentum", [0.0, 0.5])
@pytest.mark.parametrize("method", ["pcd", "cd"])
def test_training_updates_the_weights_for_tiny_shapes(
    X, n_components, batch_size, momentum, method, capfd
):
    from pgm_ebm import BernoulliRBM

    m = BernoulliRBM(
        n_components=n_components,
        batch_size=batch_size,
        n_iter=50,
        learning_rate=0.5,
        momentum=momentum,
        method=method,
        visible_init="zero",  # base rates of one sample: the chains reproduce it, no gradient
        random_state=0,
    )
    m.fit(X)
    w0 = np.random.default_rng(0).normal(0.0, 0.01, size=m.components_.shape)
    assert np.abs(m.components_ - w0.astype(np.float32)).max() > 1e-3
    assert np.all(np.isfinite(m.components_))
    assert "illegal value" not in capfd.readouterr().err
