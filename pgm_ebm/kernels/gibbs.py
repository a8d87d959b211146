"""Gibbs sweeps for pairwise binary models on any graph (couplings in CSR form).

Units are int8, either {0, 1} (``spin=False``) or {-1, +1} (``spin=True``).  The
local field of unit i is ``b_i + sum_j J_ij x_j``; ``p(x_i = up | rest)`` is
``sigmoid(field)`` for {0, 1} units and ``sigmoid(2 field)`` for spins.

Randomness: sequential and random-scan sweeps use one stream per chain
(``streams[c]``); the graph-coloured sweep one stream per (chain, unit)
(``streams[c * n + i]``) so that units of a colour can be updated in parallel.
"""

import math

import numpy as np
from numba import njit, prange

from pgm_ebm._rng import step, to_uniform32, to_uniform64
from pgm_ebm.kernels._math import sigmoid


@njit(inline="always", cache=True)
def _field(i, x, indptr, indices, data, b):
    f = b[i]
    for k in range(indptr[i], indptr[i + 1]):
        f += data[k] * x[indices[k]]
    return f


@njit(inline="always", cache=True)
def _resample(x, i, f, u, spin):
    if spin:
        x[i] = 1 if u < 1.0 / (1.0 + math.exp(-2.0 * f)) else -1
    else:
        x[i] = 1 if u < 1.0 / (1.0 + math.exp(-f)) else 0


@njit(parallel=True, cache=True, error_model="numpy")
def _gibbs_sequential(X, indptr, indices, data, b, spin, n_sweeps, streams):
    """``n_sweeps`` sweeps over units 0..n-1 in order, for every chain (row of X)."""
    n_chains, n = X.shape
    for c in prange(n_chains):
        x = X[c]
        s0 = streams[c, 0]
        s1 = streams[c, 1]
        for _ in range(n_sweeps):
            for i in range(n):
                bits, s0, s1 = step(s0, s1)
                _resample(x, i, _field(i, x, indptr, indices, data, b), to_uniform64(bits), spin)
        streams[c, 0] = s0
        streams[c, 1] = s1


@njit(parallel=True, cache=True, error_model="numpy")
def _gibbs_random_scan(X, indptr, indices, data, b, spin, n_sweeps, streams):
    """``n_sweeps * n`` single-unit updates per chain, each at a uniformly random unit."""
    n_chains, n = X.shape
    for c in prange(n_chains):
        x = X[c]
        s0 = streams[c, 0]
        s1 = streams[c, 1]
        for _ in range(n_sweeps * n):
            bits, s0, s1 = step(s0, s1)
            i = min(int(to_uniform64(bits) * n), n - 1)
            bits, s0, s1 = step(s0, s1)
            _resample(x, i, _field(i, x, indptr, indices, data, b), to_uniform64(bits), spin)
        streams[c, 0] = s0
        streams[c, 1] = s1


@njit(parallel=True, cache=True, error_model="numpy")
def _gibbs_colored(X, indptr, indices, data, b, spin, color_ptr, color_units, n_sweeps, streams):
    """Graph-coloured sweeps: the units of one colour are conditionally independent, so
    they are updated together, in parallel over (chain, unit) pairs."""
    n_chains, n = X.shape
    n_colors = color_ptr.shape[0] - 1
    for _ in range(n_sweeps):
        for col in range(n_colors):
            lo = color_ptr[col]
            m = color_ptr[col + 1] - lo
            for t in prange(n_chains * m):
                c = t // m
                i = color_units[lo + t % m]
                q = c * n + i
                bits, s0, s1 = step(streams[q, 0], streams[q, 1])
                streams[q, 0] = s0
                streams[q, 1] = s1
                x = X[c]
                _resample(x, i, _field(i, x, indptr, indices, data, b), to_uniform64(bits), spin)


def greedy_coloring(indptr, indices, n):
    """Colour the interaction graph greedily (largest degree first); returns
    (color_ptr, color_units) in CSR form."""
    degree = np.diff(indptr)
    order = np.argsort(-degree, kind="stable")
    color = np.full(n, -1, dtype=np.int64)
    for i in order:
        used = {int(color[j]) for j in indices[indptr[i] : indptr[i + 1]] if color[j] >= 0}
        c = 0
        while c in used:
            c += 1
        color[i] = c
    n_colors = int(color.max()) + 1 if n else 0
    units = (
        np.concatenate([np.flatnonzero(color == c) for c in range(n_colors)])
        if n
        else np.zeros(0, np.int64)
    )
    ptr = np.zeros(n_colors + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([np.count_nonzero(color == c) for c in range(n_colors)])
    return ptr, units.astype(np.int64)


#: sweeps between exact recomputations of the float32 fields of ``_gibbs_dense``
REFRESH = 16


@njit(parallel=True, cache=True, error_model="numpy")
def _gibbs_dense(X, J32, b32, spin, n_sweeps, random_scan, streams):
    """Sequential or random-scan sweeps for dense J with incrementally kept local fields.

    Each chain keeps ``f = J x`` in float32; an update reads ``f[i]`` and, only when unit i
    changes by ``d``, adds ``d * J[i]`` to every field (a contiguous, vectorised row)
    instead of recomputing a length-n dot product per update.  The fields are recomputed
    exactly (float64) every ``REFRESH`` sweeps so that rounding cannot drift.  One stream
    per chain (random scan draws the unit, then the uniform).  The conditional uses the
    float32 sigmoid of the RBM kernels (absolute error < 4e-7, below the 2**-24
    resolution of the float32 uniform it is compared with).
    """
    n_chains, n = X.shape
    for c in prange(n_chains):
        x = X[c]
        f = np.zeros(n, np.float32)
        f64 = np.empty(n)
        s0 = streams[c, 0]
        s1 = streams[c, 1]
        lo = -1 if spin else 0
        scale = np.float32(2.0) if spin else np.float32(1.0)
        for sweep in range(n_sweeps):
            if sweep % REFRESH == 0:
                # f = J x as row axpys (no reduction: vectorises with exact rounding)
                for j in range(n):
                    f64[j] = 0.0
                for i in range(n):
                    xi = np.float64(x[i])
                    if xi != 0.0:
                        row = J32[i]
                        for j in range(n):
                            f64[j] += xi * row[j]
                for j in range(n):
                    f[j] = np.float32(f64[j])
            for t in range(n):
                i = t
                if random_scan:
                    bits, s0, s1 = step(s0, s1)
                    i = min(int(to_uniform64(bits) * n), n - 1)
                bits, s0, s1 = step(s0, s1)
                p = sigmoid(scale * (f[i] + b32[i]))
                new = 1 if to_uniform32(bits) < p else lo
                if new != x[i]:
                    d = np.float32(new - x[i])
                    x[i] = new
                    row = J32[i]
                    for j in range(n):
                        f[j] += d * row[j]
        streams[c, 0] = s0
        streams[c, 1] = s1
