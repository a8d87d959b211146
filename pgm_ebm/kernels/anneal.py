"""Single-site Metropolis and heat-bath sweeps at a chosen inverse temperature, for any
pairwise binary model, with incrementally kept local fields: simulated annealing and the
sweeps of parallel tempering.

Model: ``E(x) = -1/2 x.J.x - b.x`` over int8 units, {0, 1} (``spin=False``) or {-1, +1}
(``spin=True``), ``p_beta(x) ~ exp(-beta E(x))``.  Each chain keeps its local fields
``f = b + J x`` (float64) and its energy; a sweep visits the units in order, and a flip of
unit i by ``d`` (+-2 for spins, +-1 for binary units) adds ``d J_ij`` to its neighbours'
fields and ``-d f_i`` to the energy.  Flipping unit i changes the energy by
``dE = -d f_i``.

- Metropolis: accept when ``dE <= 0`` (no random number drawn), else when
  ``u < exp(-beta dE)``; when ``beta dE > 37``, ``exp(-beta dE) < 2**-53``, below the
  uniform's resolution, so only ``u = 0`` could accept and no number is drawn either.
- Heat bath: ``x_i`` takes the up state with probability ``sigmoid(beta g_i)``, ``g_i = 2 f_i``
  for spins and ``f_i`` for binary units (one uniform per update).

``betas[t, c]`` is chain c's inverse temperature in sweep t (annealing: one schedule for
every chain; tempering: one temperature per chain).  One xoroshiro128+ stream per chain
(``streams[c]``): results do not depend on the thread count.  ``trace[t, c]`` receives the
energy after sweep t and ``mtrace[t, c]`` the sum of the units.  Fields are recomputed from
scratch every ``REFRESH`` sweeps so that rounding cannot drift (with integer couplings the
increments are exact anyway).
"""

import math

import numpy as np
from numba import njit, prange

from pgm_ebm._rng import step, to_uniform64
from pgm_ebm.kernels._math import EXP_MAX, sigmoid64_jit

#: sweeps between exact recomputations of the local fields and the energy
REFRESH = 64
#: beta * dE above which exp(-beta dE) < 2**-53 (the float64 uniform's resolution)
_REJECT = 37.0


@njit(inline="always", cache=True)
def _accept(x_i, f_i, beta, spin, heatbath, s0, s1):
    """Whether unit i (state ``x_i``, field ``f_i``) flips; returns (flip, s0, s1)."""
    up = x_i != 1
    d = (2.0 if spin else 1.0) * (1.0 if up else -1.0)
    dE = -d * f_i
    if heatbath:
        bits, s0, s1 = step(s0, s1)
        g = (2.0 if spin else 1.0) * f_i
        p_up = sigmoid64_jit(beta * g)
        new_up = to_uniform64(bits) < p_up
        return new_up == up, s0, s1
    if dE <= 0.0:
        return True, s0, s1
    x = beta * dE
    if x > _REJECT:
        return False, s0, s1
    bits, s0, s1 = step(s0, s1)
    return to_uniform64(bits) < math.exp(-x), s0, s1


@njit(cache=True, error_model="numpy")
def _fields_sparse(x, indptr, indices, data, b, f):
    """``f = b + J x`` and the energy ``-1/2 x.(f + b)`` of one chain (CSR couplings)."""
    n = len(x)
    e = 0.0
    for i in range(n):
        s = b[i]
        for k in range(indptr[i], indptr[i + 1]):
            s += data[k] * x[indices[k]]
        f[i] = s
        e -= 0.5 * x[i] * (s + b[i])
    return e


@njit(parallel=True, cache=True, error_model="numpy")
def _sweeps_sparse(X, indptr, indices, data, b, spin, heatbath, betas, streams, trace, mtrace):
    """``len(betas)`` sequential sweeps of every chain (row of the int8 array X) at the
    inverse temperatures ``betas[t, c]``, couplings in CSR form (see the module doc)."""
    n_chains, n = X.shape
    n_sweeps = betas.shape[0]
    for c in prange(n_chains):
        x = X[c]
        f = np.empty(n)
        s0 = streams[c, 0]
        s1 = streams[c, 1]
        e = 0.0
        m = 0
        for i in range(n):
            m += x[i]
        for t in range(n_sweeps):
            if t % REFRESH == 0:
                e = _fields_sparse(x, indptr, indices, data, b, f)
            beta = betas[t, c]
            for i in range(n):
                flip, s0, s1 = _accept(x[i], f[i], beta, spin, heatbath, s0, s1)
                if flip:
                    if spin:
                        d = -2 * x[i]
                    else:
                        d = 1 - 2 * x[i]
                    x[i] += d
                    m += d
                    e -= d * f[i]
                    for k in range(indptr[i], indptr[i + 1]):
                        f[indices[k]] += d * data[k]
            trace[t, c] = e
            mtrace[t, c] = m
        streams[c, 0] = s0
        streams[c, 1] = s1


@njit(cache=True, error_model="numpy")
def _fields_dense(x, J, b, f):
    """``f = b + J x`` (row axpys: vectorised) and the energy of one chain (dense J)."""
    n = len(x)
    for j in range(n):
        f[j] = b[j]
    for i in range(n):
        xi = np.float64(x[i])
        if xi != 0.0:
            row = J[i]
            for j in range(n):
                f[j] += xi * row[j]
    e = 0.0
    for i in range(n):
        e -= 0.5 * x[i] * (f[i] + b[i])
    return e


@njit(parallel=True, cache=True, error_model="numpy")
def _sweeps_dense(X, J, b, spin, heatbath, betas, streams, trace, mtrace):
    """As :func:`_sweeps_sparse` for a dense J: a flip adds ``d J[i]`` to every field (one
    contiguous, vectorised row)."""
    n_chains, n = X.shape
    n_sweeps = betas.shape[0]
    for c in prange(n_chains):
        x = X[c]
        f = np.empty(n)
        s0 = streams[c, 0]
        s1 = streams[c, 1]
        e = 0.0
        m = 0
        for i in range(n):
            m += x[i]
        for t in range(n_sweeps):
            if t % REFRESH == 0:
                e = _fields_dense(x, J, b, f)
            beta = betas[t, c]
            for i in range(n):
                flip, s0, s1 = _accept(x[i], f[i], beta, spin, heatbath, s0, s1)
                if flip:
                    if spin:
                        d = -2 * x[i]
                    else:
                        d = 1 - 2 * x[i]
                    x[i] += d
                    m += d
                    e -= d * f[i]
                    row = J[i]
                    for j in range(n):
                        f[j] += d * row[j]
            trace[t, c] = e
            mtrace[t, c] = m
        streams[c, 0] = s0
        streams[c, 1] = s1


# --------------------------------------------------------------------------- integer models
@njit(cache=True, error_model="numpy")
def _thresholds(beta, spin, heatbath, dmax, thr):
    """Acceptance thresholds on the top 53 random bits, for integer energy changes:
    Metropolis ``thr[k] = ceil(2**53 exp(-beta k))`` for ``dE = k`` in 0..dmax (accept when
    ``bits >> 11 < thr[k]``, the same decision as ``u < exp(-beta k)`` for the float64
    uniform ``u = (bits >> 11) 2**-53``); heat bath ``thr[g + dmax] = ceil(2**53 sigmoid(beta
    s g))`` for the integer field ``g`` in -dmax..dmax (``s = 2`` for spins)."""
    two53 = 9007199254740992.0
    if heatbath:
        s = 2.0 if spin else 1.0
        for g in range(-dmax, dmax + 1):
            z = -beta * s * g  # past EXP_MAX: 2**53 / inf = 0 (plain Python would raise)
            den = math.inf if z > EXP_MAX else 1.0 + math.exp(z)
            thr[g + dmax] = np.uint64(math.ceil(two53 / den))
    else:
        for k in range(dmax + 1):
            thr[k] = np.uint64(math.ceil(two53 * math.exp(-beta * k)))


def int_fields_py(x, f, indptr, indices, data, b):
    """Integer local fields ``f = b + J x`` of one chain and ``(sum of x, 2 E)``, exact."""
    m = 0
    e = 0
    for i in range(len(x)):
        m += x[i]
        s = b[i]
        for k in range(indptr[i], indptr[i + 1]):
            s += data[k] * x[indices[k]]
        f[i] = s
        e -= x[i] * (s + b[i])  # twice the energy, kept exact in integers
    return m, e


def int_sweep_py(x, f, indptr, indices, data, spin, heatbath, thr, dmax, s0, s1, m, e):
    """One sweep of one chain with integer fields against the thresholds ``thr`` of
    :func:`_thresholds`; returns the advanced stream and ``(sum of x, 2 E)``.  Integers and
    comparisons only: the same bits compiled for the CPU and for a GPU."""
    u11 = np.uint64(11)
    for i in range(len(x)):
        xi = x[i]
        if spin:
            d = -2 * xi
        else:
            d = 1 - 2 * xi
        if heatbath:
            g = f[i]
            bits, s0, s1 = step(s0, s1)
            new_up = (bits >> u11) < thr[g + dmax]
            flip = new_up == (d > 0)
        else:
            dE = -d * f[i]
            if dE <= 0:
                flip = True
            elif thr[dE] == 0:
                flip = False
            else:
                bits, s0, s1 = step(s0, s1)
                flip = (bits >> u11) < thr[dE]
        if flip:
            x[i] = xi + d
            m += d
            e -= 2 * d * f[i]
            for k in range(indptr[i], indptr[i + 1]):
                f[indices[k]] += d * data[k]
    return s0, s1, m, e


_int_fields = njit(inline="always", cache=True)(int_fields_py)
_int_sweep = njit(inline="always", cache=True)(int_sweep_py)


@njit(parallel=True, cache=True, error_model="numpy")
def _sweeps_sparse_int(
    X, indptr, indices, data, b, spin, heatbath, betas, streams, trace, mtrace, dmax
):
    """:func:`_sweeps_sparse` for integer couplings and biases (``data``, ``b`` int64): the
    fields are exact integers and ``exp`` is taken once per sweep for each possible energy
    change (:func:`_thresholds`), not once per proposal; a proposal whose threshold is 0
    (``exp(-beta dE) < 2**-53``) is rejected without a draw, one whose ``dE <= 0`` accepted
    without one, as in the float kernel.  The sweep itself is :func:`int_sweep_py`, which
    the CUDA twin (:mod:`pgm_ebm.cuda.anneal`) compiles too."""
    n_chains, n = X.shape
    n_sweeps = betas.shape[0]
    for c in prange(n_chains):
        x = X[c]
        f = np.empty(n, np.int64)
        thr = np.empty(2 * dmax + 1, np.uint64)
        s0 = streams[c, 0]
        s1 = streams[c, 1]
        m, e = _int_fields(x, f, indptr, indices, data, b)
        for t in range(n_sweeps):
            _thresholds(betas[t, c], spin, heatbath, dmax, thr)
            s0, s1, m, e = _int_sweep(
                x, f, indptr, indices, data, spin, heatbath, thr, dmax, s0, s1, m, e
            )
            trace[t, c] = 0.5 * e
            mtrace[t, c] = m
        streams[c, 0] = s0
        streams[c, 1] = s1


@njit(parallel=True, cache=True, error_model="numpy")
def threshold_table(betas, spin, heatbath, dmax, out):
    """``out[t, c] = _thresholds(betas[t, c])``: what the CUDA twin reads (the host's
    ``exp``, so the device compares against the CPU kernel's very thresholds)."""
    for t in prange(betas.shape[0]):
        for c in range(betas.shape[1]):
            _thresholds(betas[t, c], spin, heatbath, dmax, out[t, c])
