"""Block-Gibbs kernels for RBMs: the fused sigmoid + Bernoulli draw of a layer,
and the fused weight-decay / velocity step of the parameter update.

The matrix products (pre-activations) are done by the caller through BLAS;
these kernels add the bias, squash, and draw one Bernoulli per unit with the
chain's own stream (row ``i`` of the batch is chain ``i``), in a parallel loop
over chains.  Nothing is allocated here.
"""

import numpy as np
from numba import njit, prange

from pgm_ebm._rng import to_uniform32, to_uniform32_low
from pgm_ebm.kernels._lanes import LANES, fill_lane_bits
from pgm_ebm.kernels._math import sigmoid, softplus


@njit(inline="always", cache=True)
def _draw_row(row, out, bits, lane):
    """``out[j] = u_j < row[j]`` with two 24-bit uniforms per 64-bit draw ``bits[:, lane]``."""
    m = row.shape[0]
    one = out.dtype.type(1.0)
    zero = out.dtype.type(0.0)
    for t in range(m // 2):
        x = bits[t, lane]
        out[2 * t] = one if to_uniform32(x) < row[2 * t] else zero
        out[2 * t + 1] = one if to_uniform32_low(x) < row[2 * t + 1] else zero
    if m % 2:
        out[m - 1] = one if to_uniform32(bits[m // 2, lane]) < row[m - 1] else zero


@njit(parallel=True, cache=True)
def _sample_bernoulli(pre, bias, streams, samples):
    """Turn pre-activations into probabilities (in place) and draw samples.

    Parameters
    ----------
    pre : float[n, m]
        ``X @ W`` without the bias; overwritten with ``sigmoid(pre + bias)``.
    bias : float[m]
    streams : uint64[>= n, 2]
        Row ``i`` is the stream of chain ``i``; chain ``i`` consumes
        ``ceil(m / 2)`` draws of it, in order, two uniforms per draw.
    samples : float[n, m]
        Written with 0/1 draws, ``samples[i, j] = u < p[i, j]``.

    Notes
    -----
    Chains are processed in blocks of ``LANES`` whose streams are stepped side by
    side (:mod:`pgm_ebm.kernels._lanes`) into an L1-sized buffer.
    """
    n, m = pre.shape
    half = (m + 1) // 2
    for blk in prange((n + LANES - 1) // LANES):
        r0 = blk * LANES
        r1 = min(r0 + LANES, n)
        lanes = r1 - r0
        for r in range(r0, r1):  # vectorised: no RNG in this loop
            row = pre[r]
            for j in range(m):
                row[j] = sigmoid(row[j] + bias[j])
        bits = np.empty((half, LANES), np.uint64)
        fill_lane_bits(streams, r0, lanes, half, bits)
        for lane in range(lanes):
            _draw_row(pre[r0 + lane], samples[r0 + lane], bits, lane)


@njit(parallel=True, cache=True)
def _add_bias_sigmoid(pre, bias):
    """``pre <- sigmoid(pre + bias)`` in place (mean-field / probabilities)."""
    n, m = pre.shape
    for i in prange(n):
        row = pre[i]
        for j in range(m):
            row[j] = sigmoid(row[j] + bias[j])


@njit(parallel=True, cache=True)
def _apply_velocity(WT, vel, decay):
    """``vel -= decay * WT; WT += vel`` in one pass (after ``vel = momentum * vel + G``)."""
    n_vis, n_hid = WT.shape
    for j in prange(n_vis):
        for i in range(n_hid):
            vel[j, i] -= decay * WT[j, i]
            WT[j, i] += vel[j, i]


@njit(parallel=True, cache=True)
def _ais_hidden_step(pre, c, beta, beta_prev, simpson, streams, samples, logw):
    """One AIS temperature for the hidden layer of an RBM (h summed out in the weights).

    ``pre = V @ W.T`` (float32, without the bias) is overwritten with
    ``sigmoid(beta (pre + c))``; ``samples`` receives h ~ p_beta(h | v) and ``logw[i]``
    gains ``sum_j softplus(beta a_j) - softplus(beta_prev a_j)``: exactly (float64) or, with
    ``simpson``, as Simpson's rule on ``d/dbeta softplus(beta a) = a sigmoid(beta a)``,
    whose error is below ``(dbeta |a|)^5 / 20000`` per term (the caller uses it only where
    ``dbeta |a| < 0.05``).  One stream per chain, drawn as in ``_sample_bernoulli``.
    """
    n, m = pre.shape
    db = beta - beta_prev
    mid = np.float32(0.5 * (beta + beta_prev))
    b32 = np.float32(beta)
    p32 = np.float32(beta_prev)
    half = (m + 1) // 2
    for blk in prange((n + LANES - 1) // LANES):
        r0 = blk * LANES
        lanes = min(LANES, n - r0)
        for i in range(r0, r0 + lanes):
            row = pre[i]
            acc = 0.0
            if simpson:
                terms = np.empty(m, np.float32)
                for j in range(m):  # vectorised: the sum is taken in a separate loop
                    a = row[j] + np.float32(c[j])
                    p = sigmoid(b32 * a)
                    terms[j] = a * (sigmoid(p32 * a) + np.float32(4.0) * sigmoid(mid * a) + p)
                    row[j] = p
                for j in range(m):
                    acc += np.float64(terms[j])
                acc *= db / 6.0
            else:
                for j in range(m):
                    a = np.float64(row[j]) + c[j]
                    acc += softplus(beta * a) - softplus(beta_prev * a)
                    row[j] = sigmoid(np.float32(beta * a))
            logw[i] += acc
        bits = np.empty((half, LANES), np.uint64)  # the draws of _sample_bernoulli
        fill_lane_bits(streams, r0, lanes, half, bits)
        for lane in range(lanes):
            _draw_row(pre[r0 + lane], samples[r0 + lane], bits, lane)
