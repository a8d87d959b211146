"""Exact sums over states: chunked, parallel, Gray-code incremental.

The states ``0 .. 2**n - 1`` of the enumerated layer are split into chunks of
``2**chunk_bits`` consecutive Gray-code indices.  Each chunk computes its
first state's field from scratch (so rounding never drifts across chunks),
then flips one unit per step, and keeps an online log-sum-exp (max, scaled
sum) in float64.  The caller combines the per-chunk pairs.
"""

import math

import numpy as np
from numba import njit, prange

from pgm_ebm.kernels._math import softplus


@njit(parallel=True, cache=True)
def _rbm_logz_chunks(W, b_enum, b_sum, chunk_bits, out_max, out_sum):
    """Per-chunk log-sum-exp of ``b_enum.s + sum_j softplus(b_sum_j + (s @ W)_j)``.

    Parameters
    ----------
    W : float64[n_enum, n_sum]
        Couplings, rows indexed by the enumerated units.
    b_enum : float64[n_enum]
    b_sum : float64[n_sum]
        Biases of the layer that is summed out analytically.
    chunk_bits : int
        Each chunk holds ``2**chunk_bits`` states; ``out_max.size`` chunks.
    out_max, out_sum : float64[n_chunks]
        Written: chunk ``c`` contributes ``out_max[c] + log(out_sum[c])``.
    """
    n_enum, n_sum = W.shape
    n_chunks = out_max.shape[0]
    chunk = np.int64(1) << chunk_bits
    for c in prange(n_chunks):
        a = np.empty(n_sum)
        i0 = np.int64(c) * chunk
        g = i0 ^ (i0 >> 1)
        lin = 0.0
        for j in range(n_sum):
            a[j] = b_sum[j]
        for u in range(n_enum):
            if (g >> u) & 1:
                lin += b_enum[u]
                for j in range(n_sum):
                    a[j] += W[u, j]
        m = -np.inf
        s = 0.0
        for t in range(chunk):
            if t > 0:
                i = i0 + t
                u = 0
                while ((i >> u) & 1) == 0:
                    u += 1
                if (g >> u) & 1:
                    lin -= b_enum[u]
                    for j in range(n_sum):
                        a[j] -= W[u, j]
                else:
                    lin += b_enum[u]
                    for j in range(n_sum):
                        a[j] += W[u, j]
                g ^= np.int64(1) << u
            val = lin
            for j in range(n_sum):
                val += softplus(a[j])
            if val > m:
                s = s * math.exp(m - val) + 1.0
                m = val
            else:
                s += math.exp(val - m)
        out_max[c] = m
        out_sum[c] = s


@njit(parallel=True, cache=True)
def _rbm_pseudo_loglik(V, pre_h, WT, b, out):
    """Exact pseudo-log-likelihood ``sum_j log p(v_j | v_-j)`` of each row of V.

    ``pre_h = V @ W.T + c`` (float64), ``WT = W.T`` contiguous (n_visible,
    n_hidden).  Flipping visible unit ``j`` moves the hidden field by
    ``d * WT[j]`` with ``d = 1 - 2 v_j``.
    """
    n, n_vis = V.shape
    n_hid = WT.shape[1]
    for r in prange(n):
        base = 0.0
        for i in range(n_hid):
            base += softplus(pre_h[r, i])
        total = 0.0
        for j in range(n_vis):
            d = 1.0 - 2.0 * V[r, j]
            s = 0.0
            for i in range(n_hid):
                s += softplus(pre_h[r, i] + d * WT[j, i])
            total -= softplus(d * b[j] + s - base)
        out[r] = total
