"""Gibbs sweeps for pairwise binary models on any graph (couplings in CSR form).

Units are int8, either {0, 1} (``spin=False``) or {-1, +1} (``spin=True``).  The
local field of unit i is ``b_i + sum_j J_ij x_j``; ``p(x_i = up | rest)`` is
``sigmoid(field)`` for {0, 1} units and ``sigmoid(2 field)`` for spins.

Sequential and random-scan sweeps are heat bath at beta = 1 with one stream per chain
(``streams[c]``); the graph-coloured sweeps run heat bath or Metropolis at an inverse
temperature per sweep (annealing) with one stream per (chain, unit) (``streams[c * n + i]``),
so that the units of a colour can be updated in parallel, on the CPU and on the GPU
(:mod:`pgm_ebm.cuda.gibbs` compiles the same update).
"""

import math

import numpy as np
from numba import njit, prange

from pgm_ebm._rng import step, to_uniform32, to_uniform64
from pgm_ebm.kernels._math import EXP_MAX, madd_jit, retarget, sigmoid


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
                f = _csr_field(x, i, indptr, indices, data, b)
                x[i] = _new_state(x[i], f, to_uniform64(bits), spin, True, 1.0)
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
            f = _csr_field(x, i, indptr, indices, data, b)
            x[i] = _new_state(x[i], f, to_uniform64(bits), spin, True, 1.0)
        streams[c, 0] = s0
        streams[c, 1] = s1


# The coloured sweep's pieces, plain Python compiled here for the CPU and in
# pgm_ebm.cuda.gibbs for the GPU (``retarget`` binds ``madd`` and ``unit_field`` per target).
# A field function takes the couplings as three arrays: CSR (indptr, indices, data) or a
# dense J with two unused slots, so that one update and one energy serve both layouts.
madd = unit_field = new_state = None


def csr_field_py(x, i, indptr, indices, data, b):
    """Local field ``b_i + sum_j J_ij x_j`` of unit ``i`` from CSR couplings, summed in
    index order with an unfused ``madd`` (a GPU compiler would otherwise fuse it)."""
    f = b[i]
    for k in range(indptr[i], indptr[i + 1]):
        f = madd(data[k], np.float64(x[indices[k]]), f)
    return f


def dense_field_py(x, i, J, unused_indices, unused_data, b):
    """:func:`csr_field_py` from a dense J (the other two arrays are not read): the zero
    couplings add +-0.0, so with the CSR form's sorted indices the sum has the same bits."""
    f = b[i]
    row = J[i]
    for j in range(x.shape[0]):
        f = madd(row[j], np.float64(x[j]), f)
    return f


def colored_new_state_py(xi, f, u, spin, heatbath, beta):
    """The new state of a unit (state ``xi``, field ``f``) given the float64 uniform ``u``:
    heat bath, up with probability ``sigmoid(beta g)`` (``g = 2 f`` for spins, ``f`` for
    {0, 1} units), or Metropolis, the flip accepted when ``u < exp(-beta dE)``."""
    if heatbath:
        g = 2.0 * f if spin else f
        z = -beta * g
        # past EXP_MAX the compiled exp is inf (p_up 0.0) and plain Python's raises
        p_up = 0.0 if z > EXP_MAX else 1.0 / (1.0 + math.exp(z))
        return 1 if u < p_up else (-1 if spin else 0)
    d = -2 * xi if spin else 1 - 2 * xi  # the change a flip makes
    z = beta * d * f  # -beta dE (dE = -d f)
    if z >= 0.0 or u < math.exp(z):
        return xi + d
    return xi


def colored_unit_py(X, c, i, A, B, C, b, spin, heatbath, beta, streams):
    """Update unit ``i`` of chain ``c`` from its own stream ``streams[c * n + i]``."""
    q = c * X.shape[1] + i
    bits, s0, s1 = step(streams[q, 0], streams[q, 1])
    streams[q, 0] = s0
    streams[q, 1] = s1
    f = unit_field(X[c], i, A, B, C, b)
    X[c, i] = new_state(X[c, i], f, to_uniform64(bits), spin, heatbath, beta)


def colored_energy_py(x, A, B, C, b):
    """``(E(x), sum of x)`` of one chain, the energy summed unit by unit from the fields."""
    e = 0.0
    m = 0
    for i in range(x.shape[0]):
        f = unit_field(x, i, A, B, C, b)
        e -= 0.5 * x[i] * (f + b[i])
        m += x[i]
    return e, m


_inline = njit(inline="always", cache=True)
_csr_field = retarget(csr_field_py, _inline, madd=madd_jit)
_new_state = _inline(colored_new_state_py)
_energy = retarget(colored_energy_py, _inline, unit_field=_csr_field)
_unit = retarget(colored_unit_py, _inline, unit_field=_csr_field, new_state=_new_state)


@njit(parallel=True, cache=True, error_model="numpy")
def _colored_sweeps(X, indptr, indices, data, b, spin, heatbath, betas, color_ptr, color_units,
                    streams, trace, mtrace, record):  # fmt: skip
    """Graph-coloured sweeps at the inverse temperatures ``betas[t]``: the units of one
    colour are conditionally independent, so they are updated together, in parallel over
    (chain, unit) pairs, unit ``i`` of chain ``c`` drawing from ``streams[c * n + i]``.
    With ``record``, ``trace[t, c]`` / ``mtrace[t, c]`` receive each chain's energy and sum of
    units after sweep ``t``."""
    n_chains = X.shape[0]
    n_colors = color_ptr.shape[0] - 1
    for t in range(betas.shape[0]):
        beta = betas[t]
        for col in range(n_colors):
            lo = color_ptr[col]
            m = color_ptr[col + 1] - lo
            for r in prange(n_chains * m):
                _unit(X, r // m, color_units[lo + r % m], indptr, indices, data, b, spin,
                      heatbath, beta, streams)  # fmt: skip
        if record:
            for c in prange(n_chains):
                trace[t, c], mtrace[t, c] = _energy(X[c], indptr, indices, data, b)


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
