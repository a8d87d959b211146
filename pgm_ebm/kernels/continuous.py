"""Kernels for continuous energies: Langevin (ULA, MALA) and random-walk Metropolis steps,
many chains in parallel, one stream per chain, Gaussian noise by Box-Muller.

The two step kernels take the user's energy and gradient as compiled functions (first-class
function arguments), which Numba cannot cache: they compile on the first call of a process
for each pair of functions (about a second), so they carry no ``cache=True``.
"""

import math

import numpy as np
from numba import njit, prange

from pgm_ebm._rng import step, to_uniform64


@njit(inline="always", cache=True)
def _normal(s0, s1):
    """One standard normal (Box-Muller, cosine branch) and the advanced state."""
    b1, s0, s1 = step(s0, s1)
    b2, s0, s1 = step(s0, s1)
    u1 = 1.0 - to_uniform64(b1)  # (0, 1]
    u2 = to_uniform64(b2)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2), s0, s1


@njit(parallel=True, error_model="numpy")
def _langevin_kernel(energy, grad, X, h, n_steps, adjust, thin, out, accepted, streams):
    """ULA (``adjust=False``) or MALA steps of every chain (row of X) for the user's
    compiled ``energy`` and ``grad``; every ``thin``-th state into ``out``."""
    n_chains, d = X.shape
    for c in prange(n_chains):
        s0 = streams[c, 0]
        s1 = streams[c, 1]
        x = X[c].copy()
        e = energy(x)
        g = grad(x)
        acc = 0
        xp = np.empty(d)
        for t in range(n_steps):
            for k in range(d):
                z, s0, s1 = _normal(s0, s1)
                xp[k] = x[k] - h * g[k] + math.sqrt(2.0 * h) * z
            gp = grad(xp)
            take = True
            ep = 0.0
            if adjust:
                ep = energy(xp)
                fwd = 0.0
                bwd = 0.0
                for k in range(d):
                    fwd += (xp[k] - x[k] + h * g[k]) ** 2
                    bwd += (x[k] - xp[k] + h * gp[k]) ** 2
                log_a = -(ep - e) - (bwd - fwd) / (4.0 * h)
                bits, s0, s1 = step(s0, s1)
                take = log_a >= 0.0 or math.log(1.0 - to_uniform64(bits)) < log_a
            if take:
                for k in range(d):
                    x[k] = xp[k]
                g = gp
                e = ep
                acc += 1
            if t % thin == 0:
                for k in range(d):
                    out[c, t // thin, k] = x[k]
        X[c] = x
        accepted[c] = acc
        streams[c, 0] = s0
        streams[c, 1] = s1


@njit(parallel=True, error_model="numpy")
def _random_walk_kernel(energy, X, h, n_steps, thin, out, accepted, streams):
    """Gaussian random-walk Metropolis steps of every chain for the user's ``energy``."""
    n_chains, d = X.shape
    for c in prange(n_chains):
        s0 = streams[c, 0]
        s1 = streams[c, 1]
        x = X[c].copy()
        e = energy(x)
        acc = 0
        xp = np.empty(d)
        for t in range(n_steps):
            for k in range(d):
                z, s0, s1 = _normal(s0, s1)
                xp[k] = x[k] + h * z
            ep = energy(xp)
            bits, s0, s1 = step(s0, s1)
            if ep <= e or math.log(1.0 - to_uniform64(bits)) < -(ep - e):
                for k in range(d):
                    x[k] = xp[k]
                e = ep
                acc += 1
            if t % thin == 0:
                for k in range(d):
                    out[c, t // thin, k] = x[k]
        X[c] = x
        accepted[c] = acc
        streams[c, 0] = s0
        streams[c, 1] = s1
