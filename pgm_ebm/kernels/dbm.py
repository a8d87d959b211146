"""Kernels of deep Boltzmann machine training: the damped mean-field update fused with its
convergence measure (one pass over the layer, no temporaries)."""

import numpy as np
from numba import njit, prange

from pgm_ebm.kernels._math import sigmoid


@njit(parallel=True, cache=True, error_model="numpy")
def _mean_field_update(pre, extra, bias, mu, damping):
    """``mu <- damping mu + (1 - damping) sigmoid(pre + extra + bias)`` in place, row by row;
    returns the largest ``|change|``.  ``extra``: a second input of ``pre``'s shape, or an
    array with no rows when there is none."""
    n, m = pre.shape
    has_extra = extra.shape[0] == n
    worst = np.zeros(n)
    keep = mu.dtype.type(damping)
    take = mu.dtype.type(1.0 - damping)
    for i in prange(n):
        w = 0.0
        for j in range(m):
            a = pre[i, j] + bias[j]
            if has_extra:
                a += extra[i, j]
            new = keep * mu[i, j] + take * sigmoid(a)
            d = abs(new - mu[i, j])
            if d > w:
                w = d
            mu[i, j] = new
        worst[i] = w
    return worst.max() if n else 0.0


@njit(cache=True, error_model="numpy")
def _velocity_step(W, vel, decay, o_row, o_col, d_row, d_col):
    """``vel -= decay W; W += vel`` in one pass, also writing the two products the plain
    biases need: ``d_row = vel @ o_col`` and ``d_col = o_row @ vel`` (after the decay).

    Serial: the pass is memory-bound and the training batch runs its kernels on one
    thread; ``d_col`` accumulates across rows."""
    n, m = W.shape
    for k in range(m):
        d_col[k] = 0.0
    for j in range(n):
        acc = 0.0
        oj = o_row[j]
        for k in range(m):
            v = vel[j, k] - decay * W[j, k]
            vel[j, k] = v
            W[j, k] += v
            acc += v * o_col[k]
            d_col[k] += v * oj
        d_row[j] = acc
