"""CUDA twin of ``kernels.block_gibbs._sample_bernoulli``: add the bias, squash and draw one
Bernoulli per unit, one thread per chain (row).

The thread steps the chain's stream as the CPU lane does (unit ``2t`` takes the high 24 bits
of draw ``t``, unit ``2t + 1`` bits 16..39) and squashes with the same plain-Python sigmoid
(float32: the rational tanh of :mod:`pgm_ebm.kernels._math`; float64: exact).

float32: the probabilities written back and the samples are the CPU kernel's bits, on a GPU
too (the products feeding sums are written with :func:`~pgm_ebm.cuda._streams.madd32`, so
NVVM cannot fuse them; +, *, / and min / max are correctly rounded on both).  float64: the
same bits on the simulator; on a GPU the device's ``exp`` (libdevice, within 1 ulp) may round
differently from the host's libm, which changes a probability by one ulp and a draw only when
its 24-bit uniform falls in between, about once in 2**29 draws.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from pgm_ebm.cuda import blocks
from pgm_ebm.cuda._streams import device as _dev
from pgm_ebm.cuda._streams import madd32, madd64, step, to_u32, to_u32_low
from pgm_ebm.kernels import _math

tanh32 = _math.retarget(_math.tanh32_py, _dev, _madd=madd32)
sig32 = _math.retarget(_math.sigmoid32_py, _dev, _madd=madd32, _tanh32=tanh32)
sig64 = _dev(_math.sigmoid64_py)


@_dev
def _draw_row(pre, samples, streams, r, m):
    """``samples[r, j] = u_j < pre[r, j]``: unit ``2t`` takes the high uniform of draw ``t``
    of chain ``r``'s stream, unit ``2t + 1`` the low one; the stream advances."""
    s0 = streams[r, 0]
    s1 = streams[r, 1]
    for t in range((m + 1) // 2):
        x, s0, s1 = step(s0, s1)
        samples[r, 2 * t] = 1.0 if to_u32(x) < pre[r, 2 * t] else 0.0  # 0, 1: exact
        if 2 * t + 1 < m:
            samples[r, 2 * t + 1] = 1.0 if to_u32_low(x) < pre[r, 2 * t + 1] else 0.0
    streams[r, 0] = s0
    streams[r, 1] = s1


@cuda.jit
def sample_bernoulli32(pre, bias, streams, samples, scale):
    """float32 ``pre`` (n, m) -> probabilities (in place) and 0/1 ``samples``."""
    r = cuda.grid(1)
    n, m = pre.shape
    if r >= n:
        return
    s = np.float32(scale)
    for j in range(m):
        pre[r, j] = sig32(madd32(pre[r, j], s, bias[j]))
    _draw_row(pre, samples, streams, r, m)


@cuda.jit
def sample_bernoulli64(pre, bias, streams, samples, scale):
    """float64 ``pre`` (n, m) -> probabilities (in place) and 0/1 ``samples``."""
    r = cuda.grid(1)
    n, m = pre.shape
    if r >= n:
        return
    for j in range(m):
        pre[r, j] = sig64(madd64(pre[r, j], scale, bias[j]))
    _draw_row(pre, samples, streams, r, m)


def sample_bernoulli(pre, bias, streams, samples, scale=1.0):
    """The driver of :func:`pgm_ebm.kernels.block_gibbs._sample_bernoulli`'s signature on
    device arrays (or host arrays, copied both ways): ``pre`` becomes the probabilities,
    ``samples`` the draws, ``streams`` advance."""
    kern = sample_bernoulli32 if pre.dtype == np.float32 else sample_bernoulli64
    g, tpb = blocks(pre.shape[0])
    kern[g, tpb](pre, bias, streams, samples, scale)
