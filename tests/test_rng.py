import numpy as np
import pytest
from conftest import SEED, assert_same_output_with_jit_off
from numba import njit
from reference import xoroshiro128plus
from scipy import stats

from pgm_ebm._rng import _next_uint64, check_random_state, next_uint64, seed_streams, uniform32


@njit
def _draw(state, k, n):
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        out[i] = next_uint64(state, k)
    return out


@njit
def _uniforms(state, n):
    out = np.empty((state.shape[0], n), dtype=np.float32)
    for k in range(state.shape[0]):
        for i in range(n):
            out[k, i] = uniform32(state, k)
    return out


def test_xoroshiro_matches_reference_on_python_ints():
    s = seed_streams(SEED, 3)
    expected = xoroshiro128plus(int(s[1, 0]), int(s[1, 1]), 50)
    got = _draw(s.copy(), 1, 50)
    assert [int(x) for x in got] == expected
    # the uncompiled step function gives the same bits
    s2 = s.copy()
    assert [int(_next_uint64(s2, 1)) for _ in range(50)] == expected


def test_rows_are_independent_streams():
    s = seed_streams(SEED, 4)
    a = _draw(s.copy(), 2, 20)
    s_other = s.copy()
    _draw(s_other, 0, 1000)  # advancing row 0 does not touch row 2
    assert np.array_equal(_draw(s_other, 2, 20), a)
    assert len({int(x) for x in s[:, 0]}) == 4


def test_seed_streams_reproducible_and_seed_dependent():
    assert np.array_equal(seed_streams(1, 5), seed_streams(1, 5))
    assert not np.array_equal(seed_streams(1, 5), seed_streams(2, 5))
    g = np.random.default_rng(3)
    assert not np.array_equal(seed_streams(g, 5), seed_streams(g, 5))  # continues the Generator
    assert seed_streams(0, 0).shape == (0, 2)


def test_uniform32_is_uniform():
    u = _uniforms(seed_streams(SEED, 8), 20000).ravel()
    assert u.min() >= 0 and u.max() < 1
    counts = np.histogram(u, bins=64, range=(0, 1))[0]
    assert stats.chisquare(counts).pvalue > 1e-4
    # neighbouring draws uncorrelated
    r = np.corrcoef(u[:-1], u[1:])[0, 1]
    assert abs(r) < 5 / np.sqrt(len(u))


def test_check_random_state_errors():
    with pytest.raises(TypeError, match="random_state"):
        check_random_state("seed")
    with pytest.raises(ValueError, match="random_state"):
        check_random_state(-1)


def test_same_bits_with_jit_off():
    code = (
        "import numpy as np\n"
        "from pgm_ebm._rng import seed_streams\n"
        "from test_rng import _uniforms\n"
        "print(repr(_uniforms(seed_streams(7, 3), 10).tolist()))\n"
    )
    assert_same_output_with_jit_off(code, min_chars=100)
