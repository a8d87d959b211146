"""Kernels for binary image restoration with an Ising prior.

The posterior is an Ising model on the pixel grid with free (image) boundaries::

    E(x) = -beta * sum_<ij> x_i x_j - sum_i u_i x_i,     p(x | y) ~ exp(-E(x))

with ``u = eta * y - h`` (the unary field) and the 4- or 8-neighbourhood.  Spins are
int8 in {-1, +1} stored *padded*: ``(H + 2, W + 2)`` (or ``(n_chains, H + 2, W + 2)``)
with a border of zeros, so that a missing neighbour contributes nothing and the
site loops need no boundary branches.  ``u`` is padded the same way.

Randomness (Gibbs sampling and annealing): one xoroshiro128+ stream per (chain,
image row).  Row ``i`` of chain ``c`` uses stream ``c * H + (i % 2) * ceil(H / 2) +
i // 2`` (rows of one parity are consecutive, so a block of rows that is updated
together steps consecutive streams side by side).  Results do not depend on the
thread count.
"""

import math

import numpy as np
from numba import njit, prange

from pgm_ebm._rng import to_uniform32, to_uniform32_low
from pgm_ebm.kernels._lanes import LANES, fill_lane_bits


@njit(inline="always", cache=True)
def _nb_sum(X, i, j, diag):
    """Sum of the neighbours of padded site (i, j) of the 2-D array X."""
    s = X[i - 1, j] + X[i + 1, j] + X[i, j - 1] + X[i, j + 1]
    if diag:
        s += X[i - 1, j - 1] + X[i - 1, j + 1] + X[i + 1, j - 1] + X[i + 1, j + 1]
    return s


@njit(cache=True, error_model="numpy")
def _energy_2d(X, u, beta, diag):
    """E(x) of one padded image (int8 spins or float64 magnetisations)."""
    Hp, Wp = X.shape
    pair = 0.0
    unary = 0.0
    for i in range(1, Hp - 1):
        for j in range(1, Wp - 1):
            x = np.float64(X[i, j])
            s = np.float64(X[i, j + 1]) + np.float64(X[i + 1, j])
            if diag:
                s += np.float64(X[i + 1, j + 1]) + np.float64(X[i + 1, j - 1])
            pair += x * s
            unary += u[i, j] * x
    return -beta * pair - unary


@njit(parallel=True, cache=True, error_model="numpy")
def _energies(X, u, beta, diag, out):
    """``out[c]`` = E of chain c of the padded spins ``X`` (n_chains, H + 2, W + 2)."""
    for c in prange(X.shape[0]):
        out[c] = _energy_2d(X[c], u, beta, diag)


@njit(cache=True, error_model="numpy")
def _icm(X, u, beta, diag, max_sweeps, trace):
    """Iterated conditional modes, raster order, in place on the padded image ``X``.

    Each site takes the sign of its local field ``beta * nb + u`` (a tie keeps the
    current value); stops after the first sweep that changes nothing.  ``trace[k]`` =
    energy after sweep k.  Returns the number of sweeps done.
    """
    Hp, Wp = X.shape
    e = _energy_2d(X, u, beta, diag)
    for k in range(max_sweeps):
        changed = 0
        for i in range(1, Hp - 1):
            for j in range(1, Wp - 1):
                f = beta * _nb_sum(X, i, j, diag) + u[i, j]
                s = X[i, j]
                new = s
                if f > 0.0:
                    new = np.int8(1)
                elif f < 0.0:
                    new = np.int8(-1)
                if new != s:
                    X[i, j] = new
                    e -= (new - s) * f
                    changed += 1
        trace[k] = e
        if changed == 0:
            return k + 1
    return max_sweeps


@njit(cache=True, error_model="numpy")
def _row_uniforms(bits, lane, n_draws, ubuf):
    """Site k of a row takes the high (k even) or low (k odd) 24-bit uniform of draw k // 2."""
    for m in range(n_draws):
        ubuf[2 * m] = to_uniform32(bits[m, lane])
        ubuf[2 * m + 1] = to_uniform32_low(bits[m, lane])


@njit(cache=True, error_model="numpy")
def _row_heat_bath(row, up, dn, Brow, A, ubuf, j0, n_sites, diag, beta, urow, accrow, track, acc):
    """Heat-bath update of sites j0, j0 + 2, ... (padded columns) of one row.

    ``p(x = +1) = 1 / (1 + A[nb + 8] * B)`` with ``A[nb + 8] = exp(-2 t beta nb)`` and
    ``B = exp(-2 t u)`` (float32, exponents clamped to +-80 where p is 0 or 1 to
    float32 precision anyway): no exp and no division per site.  With ``acc`` the new
    spins are added to ``accrow``; with ``track`` returns the row's energy change (at
    temperature 1), else 0.
    """
    de = 0.0
    one = np.float32(1.0)
    for k in range(n_sites):
        j = j0 + 2 * k
        nb = up[j] + dn[j] + row[j - 1] + row[j + 1]
        if diag:
            nb += up[j - 1] + up[j + 1] + dn[j - 1] + dn[j + 1]
        s = row[j]
        new = np.int8(1) if ubuf[k] * (one + A[nb + 8] * Brow[j]) < one else np.int8(-1)
        row[j] = new
        if acc:
            accrow[j] += new
        if track and new != s:
            de -= (new - s) * (beta * nb + urow[j])
    return de


@njit(parallel=True, cache=True, error_model="numpy")
def _gibbs_sweeps(X, u, beta, diag, inv_temps, burn_in, streams, acc, track, energy, trace):
    """Heat-bath sweeps of the padded chains ``X`` (n_chains, H + 2, W + 2) in place.

    Sweep k runs at inverse temperature ``inv_temps[k]`` (all ones: posterior sampling;
    increasing: simulated annealing) and updates the sites colour by colour (2 colours
    for the 4-neighbourhood, 4 for the 8-neighbourhood), rows of a colour in parallel.
    In sweeps k >= burn_in, ``acc`` (int32, n_chains, H + 2, W + 2) gains the chains' new
    spins (one plane per chain: rows of different chains are updated in parallel).
    With ``track``, ``energy[c]`` holds chain c's energy (at temperature 1) on entry and
    is kept up to date, and ``trace[k, c]`` records it after sweep k.
    """
    n_chains, Hp, Wp = X.shape
    H = Hp - 2
    W = Wp - 2
    Hh = (H + 1) // 2
    n_draws = ((W + 1) // 2 + 1) // 2
    n_colors = 4 if diag else 2
    B = np.empty((Hp, Wp), np.float32)
    A = np.empty(17, np.float32)
    de_rows = np.zeros(n_chains * H)
    t_prev = np.nan
    for k in range(len(inv_temps)):
        t = inv_temps[k]
        if t != t_prev:
            for m in range(17):
                A[m] = math.exp(min(80.0, max(-80.0, -2.0 * t * beta * (m - 8))))
            for i in prange(Hp):
                for j in range(Wp):
                    B[i, j] = math.exp(min(80.0, max(-80.0, -2.0 * t * u[i, j])))
            t_prev = t
        for color in range(n_colors):
            for parity in range(2):
                if diag and parity != color // 2:
                    continue
                n_par = Hh if parity == 0 else H // 2
                nblk = (n_par + LANES - 1) // LANES
                for blk in prange(n_chains * nblk):
                    c = blk // nblk
                    r0 = (blk % nblk) * LANES
                    lanes = min(LANES, n_par - r0)
                    q0 = c * H + parity * Hh + r0
                    bits = np.empty((n_draws, LANES), np.uint64)
                    ubuf = np.empty(2 * n_draws, np.float32)
                    fill_lane_bits(streams, q0, lanes, n_draws, bits)
                    for lane in range(lanes):
                        i = 2 * (r0 + lane) + parity  # image row
                        if diag:
                            cj = color % 2
                        else:
                            cj = (color + i) % 2
                        n_sites = (W - cj + 1) // 2
                        _row_uniforms(bits, lane, n_draws, ubuf)
                        ip = i + 1
                        de_rows[c * H + i] += _row_heat_bath(
                            X[c, ip],
                            X[c, ip - 1],
                            X[c, ip + 1],
                            B[ip],
                            A,
                            ubuf,
                            cj + 1,
                            n_sites,
                            diag,
                            beta,
                            u[ip],
                            acc[c, ip],
                            track,
                            k >= burn_in,
                        )
        if track:
            for c in range(n_chains):
                for i in range(H):
                    energy[c] += de_rows[c * H + i]
                    de_rows[c * H + i] = 0.0
                trace[k, c] = energy[c]


@njit(cache=True, error_model="numpy")
def _mean_field(M, u, beta, diag, damping, max_iter, tol, deltas):
    """Damped sequential naive mean field on the padded magnetisations ``M`` (in place):
    ``m_i <- damping * m_i + (1 - damping) * tanh(beta * sum_nb m + u_i)``.
    ``deltas[it]`` = largest change in sweep it.  Returns the sweeps done (stops when the
    largest change is below ``tol``)."""
    Hp, Wp = M.shape
    for it in range(max_iter):
        dmax = 0.0
        for i in range(1, Hp - 1):
            for j in range(1, Wp - 1):
                f = beta * _nb_sum(M, i, j, diag) + u[i, j]
                new = damping * M[i, j] + (1.0 - damping) * math.tanh(f)
                d = abs(new - M[i, j])
                if d > dmax:
                    dmax = d
                M[i, j] = new
        deltas[it] = dmax
        if dmax < tol:
            return it + 1
    return max_iter


@njit(inline="always", cache=True)
def _logcosh(x):
    a = abs(x)
    return a + math.log1p(math.exp(-2.0 * a))


@njit(parallel=True, cache=True, error_model="numpy")
def _loopy_bp(msg, u, beta, di, dj, opp, damping, max_iter, tol, field, deltas):
    """Synchronous damped sum-product belief propagation on the pixel grid.

    ``msg[d, i, j]`` is the message into padded site (i, j) from its neighbour at
    offset ``(di[d], dj[d])``, as a cavity field: the neighbour's belief pushed
    through the coupling, ``atanh(tanh(beta) tanh(h_cav))``, computed stably as
    ``(logcosh(h_cav + beta) - logcosh(h_cav - beta)) / 2``.  ``field`` receives the
    beliefs' fields ``u + sum_d msg[d]`` (marginal ``p(x = +1) = sigmoid(2 field)``).
    Returns the iterations done (stops when the largest message change < tol).
    The fields are computed inline: a jitted function never calls a ``parallel=True``
    kernel (see :func:`pgm_ebm.kernels.block_gibbs._ais_visible_step`).
    """
    n_dir, Hp, Wp = msg.shape
    new = np.zeros_like(msg)  # the padding's messages stay 0
    done = max_iter
    for it in range(max_iter + 1):
        for i in prange(Hp):  # the beliefs' fields from the current messages
            for j in range(Wp):
                s = u[i, j]
                for d in range(n_dir):
                    s += msg[d, i, j]
                field[i, j] = s
        if it == max_iter or (it > 0 and deltas[it - 1] < tol):
            done = it
            break
        dmax = np.zeros(Hp)
        for i in prange(1, Hp - 1):
            for j in range(1, Wp - 1):
                for d in range(n_dir):
                    ni = i + di[d]
                    nj = j + dj[d]
                    if ni < 1 or ni > Hp - 2 or nj < 1 or nj > Wp - 2:
                        new[d, i, j] = 0.0
                        continue
                    h = field[ni, nj] - msg[opp[d], ni, nj]
                    m = 0.5 * (_logcosh(h + beta) - _logcosh(h - beta))
                    m = damping * msg[d, i, j] + (1.0 - damping) * m
                    new[d, i, j] = m
                    dd = abs(m - msg[d, i, j])
                    if dd > dmax[i]:
                        dmax[i] = dd
        msg[:] = new
        deltas[it] = dmax.max()
    return done
