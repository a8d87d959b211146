"""Scalar math shared by the kernels, identical with the JIT on and off.

``sigmoid`` in float32 uses a rational approximation of tanh (clamped odd
polynomial of degree 13 over an even one of degree 6, the form used by Eigen's
fast tanh): it is made of +, *, / only, so it vectorises and gives the same
bits compiled or interpreted.  Its absolute error is below 4e-7 over the whole
line (tested), which is below the 2**-24 resolution of the float32 uniforms it
is compared with.  Probabilities below ~1.4e-7 are returned as 0.
In float64 the exact ``1 / (1 + exp(-x))`` is used.
"""

import math
import types as types_module

import numpy as np
from numba import njit, types
from numba.extending import overload

_A1 = np.float32(4.89352455891786e-03)
_A3 = np.float32(6.37261928875436e-04)
_A5 = np.float32(1.48572235717979e-05)
_A7 = np.float32(5.12229709037114e-08)
_A9 = np.float32(-8.60467152213735e-11)
_A11 = np.float32(2.00018790482477e-13)
_A13 = np.float32(-2.76076847742355e-16)
_B0 = np.float32(4.89352518554385e-03)
_B2 = np.float32(2.26843463243900e-03)
_B4 = np.float32(1.18534705686654e-04)
_B6 = np.float32(1.19825839466702e-06)
_CLAMP = np.float32(7.90531110763549805)
_HALF32 = np.float32(0.5)


def _madd(a, b, c):
    """``a * b + c`` rounded after the product and after the sum.  The CPU never fuses the
    two; a GPU compiler does unless told otherwise, so the CUDA twins compile the functions
    below with a device ``_madd`` made of round-to-nearest intrinsics (:func:`retarget`)."""
    return a * b + c


def _tanh32(x):
    x = min(max(x, -_CLAMP), _CLAMP)
    x2 = x * x
    p = _madd(x2, _A13, _A11)
    p = _madd(x2, p, _A9)
    p = _madd(x2, p, _A7)
    p = _madd(x2, p, _A5)
    p = _madd(x2, p, _A3)
    p = _madd(x2, p, _A1)
    p = x * p
    q = _madd(x2, _B6, _B4)
    q = _madd(x2, q, _B2)
    q = _madd(x2, q, _B0)
    return p / q


def _sigmoid32(x):
    return _madd(_HALF32, _tanh32(_HALF32 * x), _HALF32)


#: the largest float64 whose exp is finite: past it the compiled exp gives inf (a sigmoid
#: of 0.0) and plain Python's raises OverflowError, so the plain functions test it first
EXP_MAX = 709.782712893384


def _sigmoid64(x):
    if -x > EXP_MAX:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


def sigmoid(x):
    """Logistic function; float32 in -> fast float32 approximation, else exact."""
    if isinstance(x, np.float32):
        return _sigmoid32(x)
    return _sigmoid64(x)


def retarget(fn, compile, **helpers):
    """``compile`` applied to a copy of the plain-Python ``fn`` whose global names in
    ``helpers`` are bound to the given functions (already compiled for that target): one
    definition, compiled for the CPU and as a CUDA device function, each with its own
    helpers (a plain Python function cannot be called from compiled code)."""
    g = dict(fn.__globals__)
    g.update(helpers)
    copy = types_module.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__)
    copy.__qualname__ = fn.__qualname__
    return compile(copy)


_inline = njit(inline="always")
_madd_jit = _inline(_madd)
_tanh32_jit = retarget(_tanh32, _inline, _madd=_madd_jit)
_sigmoid32_jit = retarget(_sigmoid32, _inline, _madd=_madd_jit, _tanh32=_tanh32_jit)
#: the plain-Python float32 / float64 sigmoids and the tanh they use, for other targets to
#: compile (pgm_ebm.cuda makes them device functions: the same bits as the CPU kernels)
tanh32_py, sigmoid32_py, sigmoid64_py = _tanh32, _sigmoid32, _sigmoid64
#: the float64 sigmoid, compiled: the bits of ``1 / (1 + exp(-x))`` with the JIT on, and no
#: OverflowError with it off (``NUMBA_DISABLE_JIT=1``)
sigmoid64_jit = _inline(_sigmoid64)
#: the unfused ``a * b + c``: plain Python (for other targets to replace) and compiled
madd_py, madd_jit = _madd, _madd_jit


@overload(sigmoid, inline="always")
def _sigmoid_overload(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:

        def impl(x):
            return _sigmoid32_jit(x)

        return impl

    def impl64(x):
        return 1.0 / (1.0 + math.exp(-x))

    return impl64


@njit(inline="always", cache=True)
def softplus(x):
    """log(1 + exp(x)) in float64 without overflow."""
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))
