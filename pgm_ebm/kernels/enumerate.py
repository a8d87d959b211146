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


@njit(inline="always", cache=True)
def _gray_flip(i):
    """The unit that flips between Gray codes i - 1 and i: the lowest set bit of i."""
    u = 0
    while ((i >> u) & 1) == 0:
        u += 1
    return u


@njit(inline="always", cache=True)
def _lse_push(m, s, val):
    """Online log-sum-exp: the running (max, scaled sum) after adding ``val``."""
    if val > m:
        return val, s * math.exp(m - val) + 1.0
    return m, s + math.exp(val - m)


@njit(inline="always", cache=True)
def _softplus_sum(a):
    """``sum_j log(1 + exp(a_j))`` as the log of products of 32 factors: one log per 32
    terms instead of one log1p per term (exact to float64 rounding; a factor is at most
    1 + e^20, so 32 of them stay below e^641 < 1.8e308)."""
    total = 0.0
    prod = 1.0
    for j in range(a.shape[0]):
        x = a[j]
        if x > 20.0:
            total += x
            prod *= 1.0 + math.exp(-x)
        else:
            prod *= 1.0 + math.exp(x)
        if (j & 31) == 31:
            total += math.log(prod)
            prod = 1.0
    return total + math.log(prod)


@njit(inline="always", cache=True)
def _chunk_start(W, b_enum, b_sum, g, a):
    """Fields ``a = b_sum + sum of the rows of W for the units set in g``; returns b_enum . g."""
    lin = 0.0
    for j in range(a.shape[0]):
        a[j] = b_sum[j]
    for u in range(W.shape[0]):
        if (g >> u) & 1:
            lin += b_enum[u]
            for j in range(a.shape[0]):
                a[j] += W[u, j]
    return lin


@njit(parallel=True, cache=True, error_model="numpy")
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
        lin = _chunk_start(W, b_enum, b_sum, g, a)
        m = -np.inf
        s = 0.0
        for t in range(chunk):
            if t > 0:
                u = _gray_flip(i0 + t)
                if (g >> u) & 1:
                    lin -= b_enum[u]
                    for j in range(n_sum):
                        a[j] -= W[u, j]
                else:
                    lin += b_enum[u]
                    for j in range(n_sum):
                        a[j] += W[u, j]
                g ^= np.int64(1) << u
            m, s = _lse_push(m, s, lin + _softplus_sum(a))
        out_max[c] = m
        out_sum[c] = s


@njit(parallel=True, cache=True, error_model="numpy")
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


@njit(parallel=True, cache=True, error_model="numpy")
def _pairwise_logz_chunks(J, b, spin, chunk_bits, out_max, out_sum):
    """Per-chunk log-sum-exp of ``-E(x) = x.J.x / 2 + b.x`` over all 2**n states,
    Gray-code incremental (one column of J per step), float64."""
    n = J.shape[0]
    n_chunks = out_max.shape[0]
    chunk = np.int64(1) << chunk_bits
    lo_val = -1.0 if spin else 0.0
    for c in prange(n_chunks):
        i0 = np.int64(c) * chunk
        g = i0 ^ (i0 >> 1)
        x = np.empty(n)
        for u in range(n):
            x[u] = 1.0 if (g >> u) & 1 else lo_val
        f = np.empty(n)  # f = J x (without b)
        neg_e = 0.0
        for u in range(n):
            s = 0.0
            for v in range(n):
                s += J[u, v] * x[v]
            f[u] = s
            neg_e += 0.5 * x[u] * s + b[u] * x[u]
        m = -np.inf
        tot = 0.0
        for t in range(chunk):
            if t > 0:
                u = _gray_flip(i0 + t)
                new = lo_val if x[u] == 1.0 else 1.0
                d = new - x[u]
                # -E changes by d * (f_u + b_u) (J symmetric, zero diagonal)
                neg_e += d * (f[u] + b[u])
                x[u] = new
                for v in range(n):
                    f[v] += J[v, u] * d
            m, tot = _lse_push(m, tot, neg_e)
        out_max[c] = m
        out_sum[c] = tot


@njit(parallel=True, cache=True, error_model="numpy")
def _rbm_logz_chunks_mult(W, b_enum, b_sum, chunk_bits, group, expW, expnW, out_max, out_sum):
    """As ``_rbm_logz_chunks``, with ``e^a`` kept incrementally: a Gray-code flip of unit u
    multiplies ``e^a`` by ``expW[u] = e^W[u]`` or ``expnW[u] = e^-W[u]``, so the inner loop has
    no exp at all.  ``sum_j log(1 + e^a_j)`` is the log of products of ``group`` factors, in
    four independent accumulators (``group`` is chosen by the caller so that a product of
    ``group`` factors cannot overflow).  Each chunk recomputes ``e^a`` from scratch."""
    n_enum, n_sum = W.shape
    n_chunks = out_max.shape[0]
    chunk = np.int64(1) << chunk_bits
    for c in prange(n_chunks):
        a = np.empty(n_sum)
        E = np.empty(n_sum)
        i0 = np.int64(c) * chunk
        g = i0 ^ (i0 >> 1)
        lin = _chunk_start(W, b_enum, b_sum, g, a)
        for j in range(n_sum):
            E[j] = math.exp(a[j])
        m = -np.inf
        s = 0.0
        for t in range(chunk):
            if t > 0:
                u = _gray_flip(i0 + t)
                if (g >> u) & 1:
                    lin -= b_enum[u]
                    f = expnW[u]
                else:
                    lin += b_enum[u]
                    f = expW[u]
                for j in range(n_sum):
                    E[j] *= f[j]
                g ^= np.int64(1) << u
            total = 0.0
            p0 = 1.0
            p1 = 1.0
            p2 = 1.0
            p3 = 1.0
            j = 0
            while j < n_sum:
                stop = min(j + group, n_sum)
                while j + 4 <= stop:
                    p0 *= 1.0 + E[j]
                    p1 *= 1.0 + E[j + 1]
                    p2 *= 1.0 + E[j + 2]
                    p3 *= 1.0 + E[j + 3]
                    j += 4
                while j < stop:
                    p0 *= 1.0 + E[j]
                    j += 1
                total += math.log(p0 * p1 * p2 * p3)
                p0 = 1.0
                p1 = 1.0
                p2 = 1.0
                p3 = 1.0
            m, s = _lse_push(m, s, lin + total)
        out_max[c] = m
        out_sum[c] = s
