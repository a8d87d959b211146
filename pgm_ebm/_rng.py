"""Per-chain xoroshiro128+ random streams.

Every sampler in the library draws its random numbers from an array of
streams, ``uint64[n, 2]``, one row per chain (or per lattice row): row ``k``
belongs to chain ``k`` alone.  Results therefore do not depend on how many
threads run the chains, on whether the JIT is on, or on the CPU against the
CUDA simulator: the step function below is plain Python, compiled both with
``njit(inline="always")`` and (lazily, in :mod:`pgm_ebm.cuda`) as a CUDA
device function, so all three paths produce the same bits.

Only Python code touches ``random_state``; kernels only see stream arrays.

Reference: D. Blackman and S. Vigna, "Scrambled linear pseudorandom number
generators", ACM TOMS 47 (2021).  The lowest bits of xoroshiro128+ are weak,
so uniforms are taken from the high bits only.
"""

from __future__ import annotations

import warnings

import numpy as np
from numba import njit

__all__ = [
    "seed_streams",
    "check_random_state",
    "step",
    "to_uniform32",
    "to_uniform32_low",
    "to_uniform64",
    "next_uint64",
    "uniform32",
    "uniform64",
]

# In pure-Python execution (NUMBA_DISABLE_JIT=1 or the CUDA simulator) the
# uint64 addition below wraps around on purpose; NumPy warns about it.
warnings.filterwarnings(
    "ignore", message="overflow encountered in scalar add", category=RuntimeWarning
)

_U16 = np.uint64(16)
_U24 = np.uint64(24)
_U27 = np.uint64(27)
_U37 = np.uint64(37)
_U40 = np.uint64(40)
_U11 = np.uint64(11)
_INV24 = np.float32(1.0 / 16777216.0)
_MASK24 = np.uint64(0xFFFFFF)
_INV53 = 1.0 / 9007199254740992.0


def _step(s0, s1):
    """One xoroshiro128+ step on the two state words: returns (64 random bits, s0', s1').

    Kernels that draw many numbers for one chain keep ``s0, s1`` in local
    variables (registers) across a loop and store them back once.
    """
    result = s0 + s1
    s1 ^= s0
    return result, ((s0 << _U24) | (s0 >> _U40)) ^ s1 ^ (s1 << _U16), (s1 << _U37) | (s1 >> _U27)


def _to_uniform32(bits):
    """float32 uniform on [0, 1) from the top 24 of 64 random bits (converted through
    int32, exact either way: x86 vectorises int32 -> float32 but not uint64 -> float32)."""
    return np.float32(np.int32(bits >> _U40)) * _INV24


def _to_uniform32_low(bits):
    """A second float32 uniform from bits 16..39 of the same draw (the weak
    lowest bits of xoroshiro128+ are never used)."""
    return np.float32(np.int32((bits >> _U16) & _MASK24)) * _INV24


def _to_uniform64(bits):
    """float64 uniform on [0, 1) from the top 53 of 64 random bits."""
    return np.float64(bits >> _U11) * _INV53


def make_draws(step, to_u32, to_u64, compile=lambda f: f):
    """Build the stream-array draws on top of scalar helpers.

    ``compile`` is applied to each draw (``njit(inline="always")`` here, a CUDA
    device-function decorator in :mod:`pgm_ebm.cuda`, nothing for pure Python).
    """

    @compile
    def next_uint64(state, k):
        result, s0, s1 = step(state[k, 0], state[k, 1])
        state[k, 0] = s0
        state[k, 1] = s1
        return result

    @compile
    def uniform32(state, k):
        return to_u32(next_uint64(state, k))

    @compile
    def uniform64(state, k):
        return to_u64(next_uint64(state, k))

    return next_uint64, uniform32, uniform64


_inline = njit(inline="always", cache=True)
step = _inline(_step)
to_uniform32 = _inline(_to_uniform32)
to_uniform64 = _inline(_to_uniform64)
to_uniform32_low = _inline(_to_uniform32_low)
next_uint64, uniform32, uniform64 = make_draws(step, to_uniform32, to_uniform64, _inline)
#: the plain-Python functions, for other targets to compile (pgm_ebm.cuda makes them CUDA
#: device functions, so its kernels step the streams exactly as the CPU kernels do)
step_py, to_uniform32_py, to_uniform32_low_py = _step, _to_uniform32, _to_uniform32_low
to_uniform64_py = _to_uniform64
#: the same draws, uncompiled (tests compare them with the compiled ones)
_next_uint64 = make_draws(_step, _to_uniform32, _to_uniform64)[0]


def check_random_state(random_state) -> np.random.Generator:
    """Turn ``None``, an int or a :class:`numpy.random.Generator` into a Generator.

    A Generator is used as it is (not copied), so successive calls continue its
    stream, as scikit-learn does with ``RandomState`` instances.
    """
    if random_state is None or isinstance(random_state, (int, np.integer)):
        if isinstance(random_state, (int, np.integer)) and random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        # Accept legacy RandomState (scikit-learn's check_estimator passes them).
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    raise TypeError(
        "random_state must be None, an int or a numpy.random.Generator, "
        f"got {type(random_state).__name__}"
    )


def stream_entropy(random_state) -> list[int]:
    """The four 63-bit integers :func:`seed_streams` draws from ``random_state``: with
    :func:`streams_from_entropy` they give the same streams anywhere (a task of a
    distributed study rebuilds its chains' streams from them)."""
    rng = check_random_state(random_state)
    return [int(e) for e in rng.integers(0, 2**63, size=4, dtype=np.uint64)]


def streams_from_entropy(entropy, n: int) -> np.ndarray:
    """The ``n`` streams of :func:`seed_streams` whose generator drew ``entropy``; stream
    ``i`` does not depend on ``n`` (for ``n > i``)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    words = np.random.SeedSequence([int(e) for e in entropy]).generate_state(
        2 * max(n, 1), dtype=np.uint64
    )
    state = words[: 2 * n].reshape(n, 2).copy()
    zero = (state[:, 0] == 0) & (state[:, 1] == 0)
    state[zero, 1] = np.uint64(0x9E3779B97F4A7C15)
    return state


def seed_streams(random_state, n: int) -> np.ndarray:
    """Return ``n`` independent xoroshiro128+ streams as a ``uint64[n, 2]`` array.

    The state words come from :class:`numpy.random.SeedSequence`, seeded by
    entropy drawn from ``random_state``; a state of all zeros (the one fixed
    point of the generator) cannot occur in practice and is replaced if it does.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return streams_from_entropy(stream_entropy(random_state), n)
