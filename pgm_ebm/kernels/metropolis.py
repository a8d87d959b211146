"""Ising-lattice kernels: checkerboard Metropolis and heat bath, cluster moves,
multi-spin coding, observables.

Spins are int8 in {-1, +1}, stored ``(n_chains, L1, L2)`` for the 2D kernels and
``(n_chains, N)`` with a neighbour table for the generic ones.  Randomness: the
2D checkerboard kernels use one stream per (chain, row), ``streams[c * L1 + i]``;
the generic and cluster kernels one stream per chain, ``streams[c * rows]``
where ``rows`` is the lattice's first size.  Results therefore do not depend on
the thread count.
"""

import math

import numpy as np
from numba import njit, prange

from pgm_ebm._rng import step, to_uniform32, to_uniform32_low, to_uniform64
from pgm_ebm.kernels._lanes import LANES, fill_lane_bits
from pgm_ebm.kernels._math import sigmoid64_jit


@njit(inline="always", cache=True)
def _unpack_uniforms(bits, lane, n_sites, ubuf):
    """Site k takes the high (k even) or low (k odd) 24-bit uniform of draw k // 2."""
    for t in range(n_sites // 2):
        x = bits[t, lane]
        ubuf[2 * t] = to_uniform32(x)
        ubuf[2 * t + 1] = to_uniform32_low(x)
    if n_sites % 2:
        ubuf[n_sites - 1] = to_uniform32(bits[n_sites // 2, lane])


@njit(inline="always", cache=True)
def _site_update(x, k, nb, u, tab, heat_bath):
    """Metropolis (tab[5 * (s + 1) / 2 + (nb + 4) / 2] = acceptance) or heat bath
    (tab[(nb + 4) / 2] = p(s = +1)) for site k of the row x, branch-free."""
    s = x[k]
    if heat_bath:
        x[k] = np.int8(1) if u < tab[(nb + 4) >> 1] else np.int8(-1)
    else:
        x[k] = -s if u < tab[5 * ((s + 1) >> 1) + ((nb + 4) >> 1)] else s


# Note: the row functions below are plain @njit calls, not inline="always": Numba
# 0.68 mis-compiled an inlined function with a loop followed by more statements inside
# a prange body (the statements after the loop were lost; found by a bit-equality check).
@njit(cache=True, error_model="numpy")
def _row_split_table(x, yup, ydn, yrow, shift, half, ubuf, tab, heat_bath):
    """Update one row ``x`` of a colour from the other colour's rows (uniform field, table).

    In the checkerboard-split layout the neighbours of site k are ``yup[k]``, ``ydn[k]``,
    ``yrow[k]`` and ``yrow[k + shift]`` (shift = -1 or +1 by row parity and colour), so
    the loop is unit-stride; the one site whose ``k + shift`` wraps is done apart.
    """
    k_lo = 1 if shift < 0 else 0
    k_hi = half if shift < 0 else half - 1
    for k in range(k_lo, k_hi):
        nb = np.int32(yup[k]) + np.int32(ydn[k]) + np.int32(yrow[k]) + np.int32(yrow[k + shift])
        _site_update(x, k, nb, ubuf[k], tab, heat_bath)
    kw = 0 if shift < 0 else half - 1
    kk = half - 1 if shift < 0 else 0
    nbw = np.int32(yup[kw]) + np.int32(ydn[kw]) + np.int32(yrow[kw]) + np.int32(yrow[kk])
    _site_update(x, kw, nbw, ubuf[kw], tab, heat_bath)


@njit(cache=True, error_model="numpy")
def _row_split_h0(x, yup, ydn, yrow, shift, half, ubuf, e4, e8):
    """The same row update for Metropolis without field: with ``a = s * nb`` a flip is
    accepted if a <= 0, else with ``e4 = exp(-4 beta J)`` (a = 2) or ``e8`` (a = 4).
    Selects only, no table lookup: this loop vectorises (1.2 flips/ns vs 0.8)."""
    k_lo = 1 if shift < 0 else 0
    k_hi = half if shift < 0 else half - 1
    one = np.float32(1.0)
    for k in range(k_lo, k_hi):
        s = np.int32(x[k])
        a = s * (
            np.int32(yup[k]) + np.int32(ydn[k]) + np.int32(yrow[k]) + np.int32(yrow[k + shift])
        )
        p = one if a <= 0 else (e4 if a == 2 else e8)
        x[k] = np.int8(-s) if ubuf[k] < p else np.int8(s)
    kw = 0 if shift < 0 else half - 1
    kk = half - 1 if shift < 0 else 0
    s = np.int32(x[kw])
    a = s * (np.int32(yup[kw]) + np.int32(ydn[kw]) + np.int32(yrow[kw]) + np.int32(yrow[kk]))
    p = one if a <= 0 else (e4 if a == 2 else e8)
    x[kw] = np.int8(-s) if ubuf[kw] < p else np.int8(s)


@njit(parallel=True, cache=True, error_model="numpy")
def _checkerboard_split(A, B, color, table, e4, e8, mode, streams):
    """One colour of a checkerboard sweep of periodic 2D lattices in the split layout.

    ``A[c, i, k]`` is site (i, 2k + i % 2) (colour 0), ``B[c, i, k]`` site
    (i, 2k + 1 - i % 2) (colour 1).  Site k of a row is the k-th site of that colour in
    the row, as in ``_checkerboard_2d``, and takes the same uniform: both layouts give the
    same bits.  ``mode``: 0 Metropolis with ``table[c]``, 1 heat bath with ``table[c]``,
    2 Metropolis without field with ``e4[c], e8[c]``.  One stream per (chain, row).
    """
    n_chains, L1, half = A.shape
    n_draws = (half + 1) // 2
    n_rows = n_chains * L1
    for blk in prange((n_rows + LANES - 1) // LANES):
        q0 = blk * LANES
        lanes = min(LANES, n_rows - q0)
        bits = np.empty((n_draws, LANES), np.uint64)
        ubuf = np.empty(half, np.float32)
        fill_lane_bits(streams, q0, lanes, n_draws, bits)
        for lane in range(lanes):
            q = q0 + lane
            c = q // L1
            i = q % L1
            X = A if color == 0 else B
            Y = B if color == 0 else A
            iu = i - 1 if i > 0 else L1 - 1
            idn = i + 1 if i < L1 - 1 else 0
            shift = -1 if (color + i) % 2 == 0 else 1
            _unpack_uniforms(bits, lane, half, ubuf)
            if mode == 2:
                _row_split_h0(
                    X[c, i], Y[c, iu], Y[c, idn], Y[c, i], shift, half, ubuf, e4[c], e8[c]
                )
            else:
                _row_split_table(
                    X[c, i], Y[c, iu], Y[c, idn], Y[c, i], shift, half, ubuf, table[c], mode == 1
                )


@njit(parallel=True, cache=True, error_model="numpy")
def _checkerboard_2d(spins, color, field, beta, J, periodic, heat_bath, streams):
    """Update every site of one colour ((i + j) % 2 == color) of every chain.

    Parameters
    ----------
    spins : int8[n_chains, L1, L2]
    field : float64[L1, L2]
        Per-site field; ``beta`` (float64[n_chains]) and ``J`` enter the exponential
        directly.  (Periodic lattices with a uniform field use the faster
        ``_checkerboard_split``; this kernel serves open boundaries and site fields.)
    streams : uint64[n_chains * L1, 2]
        One stream per (chain, row); each row draws ``ceil(ceil(L2 / 2) / 2)``
        64-bit outputs per call (two 24-bit uniforms each).
    """
    n_chains, L1, L2 = spins.shape
    per_row = (L2 + 1) // 2
    n_draws = (per_row + 1) // 2
    n_rows = n_chains * L1
    for blk in prange((n_rows + LANES - 1) // LANES):
        q0 = blk * LANES
        lanes = min(LANES, n_rows - q0)
        bits = np.empty((n_draws, LANES), np.uint64)
        fill_lane_bits(streams, q0, lanes, n_draws, bits)
        for lane in range(lanes):
            q = q0 + lane
            c = q // L1
            i = q % L1
            row = spins[c, i]
            if i > 0:
                up = spins[c, i - 1]
            else:
                up = spins[c, L1 - 1]
            if i < L1 - 1:
                dn = spins[c, i + 1]
            else:
                dn = spins[c, 0]
            j0 = (color + i) % 2
            w_up = 1 if (i > 0 or periodic) else 0
            w_dn = 1 if (i < L1 - 1 or periodic) else 0
            for k in range((L2 - j0 + 1) // 2):
                j = j0 + 2 * k
                left = row[j - 1] if j > 0 else (row[L2 - 1] if periodic else 0)
                right = row[j + 1] if j < L2 - 1 else (row[0] if periodic else 0)
                nb = w_up * up[j] + w_dn * dn[j] + left + right
                x = bits[k // 2, lane]
                u = to_uniform32(x) if k % 2 == 0 else to_uniform32_low(x)
                s = row[j]
                local = J * nb + field[i, j]
                if heat_bath:
                    p = sigmoid64_jit(2.0 * beta[c] * local)
                    row[j] = 1 if u < p else -1
                else:
                    dE = 2.0 * s * local
                    if dE <= 0.0 or u < math.exp(-beta[c] * dE):
                        row[j] = -s


# --------------------------------------------------------------------------- generic lattices
@njit(parallel=True, cache=True, error_model="numpy")
def _checkerboard_generic(
    spins, sites0, sites1, nbr, field, beta, J, heat_bath, streams, stream_stride
):
    """One checkerboard sweep (colour 0, then colour 1) on a lattice given by a neighbour
    table (``nbr[i, k] = -1`` for a missing neighbour); parallel over chains, one
    stream per chain (``streams[c * stream_stride]``)."""
    n_chains, N = spins.shape
    for c in prange(n_chains):
        q = c * stream_stride
        a = streams[q, 0]
        b = streams[q, 1]
        s_ = spins[c]
        for color in range(2):
            sites = sites0 if color == 0 else sites1
            for t in range(sites.shape[0]):
                i = sites[t]
                nb = 0
                for k in range(nbr.shape[1]):
                    n_ = nbr[i, k]
                    if n_ >= 0:
                        nb += s_[n_]
                x, a, b = step(a, b)
                u = to_uniform64(x)
                local = J * nb + field[i]
                if heat_bath:
                    s_[i] = 1 if u < sigmoid64_jit(2.0 * beta[c] * local) else -1
                else:
                    dE = 2.0 * s_[i] * local
                    if dE <= 0.0 or u < math.exp(-beta[c] * dE):
                        s_[i] = -s_[i]
        streams[q, 0] = a
        streams[q, 1] = b


# --------------------------------------------------------------------------- cluster moves
@njit(parallel=True, cache=True, error_model="numpy")
def _wolff(spins, nbr, p_add, n_clusters, streams, stream_stride, flipped):
    """``n_clusters`` Wolff single-cluster updates per chain.

    ``p_add[c] = 1 - exp(-2 beta_c J)``; the field must be 0.  ``flipped[c]`` receives
    the number of spins flipped.  The number of clusters is fixed in advance: stopping
    once N spins have flipped would make the stopping time depend on the state and bias
    the samples (measured: p = 1e-150 on a 4x4 torus).
    """
    n_chains, N = spins.shape
    for c in prange(n_chains):
        q = c * stream_stride
        a = streams[q, 0]
        b = streams[q, 1]
        s_ = spins[c]
        stack = np.empty(N, np.int64)
        members = np.empty(N, np.int64)
        in_cluster = np.zeros(N, np.uint8)
        total = 0
        for _ in range(n_clusters):
            x, a, b = step(a, b)
            seed = int(to_uniform64(x) * N)
            if seed >= N:
                seed = N - 1
            s0 = s_[seed]
            stack[0] = seed
            top = 1
            members[0] = seed
            size = 1
            in_cluster[seed] = 1
            s_[seed] = -s0
            while top > 0:
                top -= 1
                i = stack[top]
                for k in range(nbr.shape[1]):
                    n_ = nbr[i, k]
                    if n_ >= 0 and in_cluster[n_] == 0 and s_[n_] == s0:
                        x, a, b = step(a, b)
                        if to_uniform64(x) < p_add[c]:
                            in_cluster[n_] = 1
                            s_[n_] = -s0
                            stack[top] = n_
                            top += 1
                            members[size] = n_
                            size += 1
            for t in range(size):  # clear this cluster's marks only
                in_cluster[members[t]] = 0
            total += size
        flipped[c] = total
        streams[q, 0] = a
        streams[q, 1] = b


@njit(inline="always", cache=True)
def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@njit(parallel=True, cache=True, error_model="numpy")
def _swendsen_wang(spins, bonds, p_bond, streams, stream_stride):
    """One Swendsen-Wang update per chain: bonds between parallel neighbours are kept
    with ``p_bond[c] = 1 - exp(-2 beta_c J)``, clusters by union-find, each flipped with
    probability 1/2.  Field must be 0."""
    n_chains, N = spins.shape
    for c in prange(n_chains):
        q = c * stream_stride
        a = streams[q, 0]
        b = streams[q, 1]
        s_ = spins[c]
        parent = np.arange(N)
        for e in range(bonds.shape[0]):
            i = bonds[e, 0]
            j = bonds[e, 1]
            x, a, b = step(a, b)
            if s_[i] == s_[j] and to_uniform64(x) < p_bond[c]:
                ri = _find(parent, i)
                rj = _find(parent, j)
                if ri != rj:
                    if ri < rj:
                        parent[rj] = ri
                    else:
                        parent[ri] = rj
        flip = np.empty(N, np.int8)
        for i in range(N):  # one coin per root, drawn in site order
            if parent[i] == i:
                x, a, b = step(a, b)
                flip[i] = 1 if to_uniform64(x) < 0.5 else 0
        for i in range(N):
            if flip[_find(parent, i)]:
                s_[i] = -s_[i]
        streams[q, 0] = a
        streams[q, 1] = b


# --------------------------------------------------------------------------- multi-spin coding
@njit(parallel=True, cache=True, error_model="numpy")
def _multispin_2d(words, color, p4, p8, streams):
    """Checkerboard Metropolis on 64 replicas at once (J > 0, no field, periodic).

    ``words[c, i, j]`` holds bit ``r`` = spin of replica ``r`` at site (i, j) (1 = up).
    The number of antiparallel neighbours is summed bit-sliced; a flip is accepted
    always for >= 2, with probability ``p4 = exp(-4 beta J)`` for 1 and
    ``p8 = exp(-8 beta J)`` for 0.  The 64 replicas of a word share one uniform per
    site (each replica is a correct Metropolis chain; replicas are correlated with each
    other).  One stream per (chain, row): ``streams[c * L1 + i]``.
    """
    n_chains, L1, L2 = words.shape
    per_row = (L2 + 1) // 2
    n_draws = (per_row + 1) // 2
    n_rows = n_chains * L1
    for blk in prange((n_rows + LANES - 1) // LANES):
        q0 = blk * LANES
        lanes = min(LANES, n_rows - q0)
        bits = np.empty((n_draws, LANES), np.uint64)
        fill_lane_bits(streams, q0, lanes, n_draws, bits)
        for lane in range(lanes):
            _multispin_row(words, q0 + lane, color, bits[:, lane], p4, p8)


def multispin_site_py(s, n1, n2, n3, n4, accept4, accept8):
    """New word of 64 replica spins: flip where >= 2 neighbours are antiparallel, and
    where 1 (0) is, if ``accept4`` (``accept8``).  Plain Python, compiled for the CPU
    here and as a CUDA device function by :mod:`pgm_ebm.cuda.lattice` (same bits)."""
    ones = np.uint64(0xFFFFFFFFFFFFFFFF)
    zero = np.uint64(0)
    a1 = s ^ n1
    a2 = s ^ n2
    a3 = s ^ n3
    a4 = s ^ n4
    s01 = a1 ^ a2
    c01 = a1 & a2
    s23 = a3 ^ a4
    c23 = a3 & a4
    bit0 = s01 ^ s23
    carry = s01 & s23
    ge2 = (c01 ^ c23 ^ carry) | (c01 & c23) | (carry & (c01 ^ c23))
    eq1 = bit0 & ~ge2
    eq0 = ~(bit0 | ge2)
    r1 = ones if accept4 else zero
    r0 = ones if accept8 else zero
    return s ^ (ge2 | (eq1 & r1) | (eq0 & r0))


_multispin_site = njit(inline="always", cache=True)(multispin_site_py)


def multispin_row_py(words, q, color, bits, p4, p8):
    """The sites of colour ``color`` in row ``q`` (chain ``q // L1``, row ``q % L1``) of
    ``words``: site ``k`` of the row's colour takes the high uniform of ``bits[k // 2]`` for
    even ``k``, the low one for odd ``k``.  Plain Python, compiled here and for the CUDA twin
    (:mod:`pgm_ebm.cuda.lattice`), each with its own helpers."""
    n_chains, L1, L2 = words.shape
    c = q // L1
    i = q % L1
    row = words[c, i]
    up = words[c, i - 1 if i > 0 else L1 - 1]
    dn = words[c, i + 1 if i < L1 - 1 else 0]
    j0 = (color + i) % 2
    for k in range((L2 - j0 + 1) // 2):
        j = j0 + 2 * k
        left = row[j - 1] if j > 0 else row[L2 - 1]
        right = row[j + 1] if j < L2 - 1 else row[0]
        x = bits[k >> 1]
        u = to_uniform32(x) if (k & 1) == 0 else to_uniform32_low(x)
        row[j] = _multispin_site(row[j], up[j], dn[j], left, right, u < p4, u < p8)


_multispin_row = njit(inline="always", cache=True)(multispin_row_py)


# --------------------------------------------------------------------------- observables
@njit(parallel=True, cache=True, error_model="numpy")
def _energy_magnetization(spins, bonds, field, J, out_e, out_m):
    """Per chain: ``E = -J sum_bonds s_i s_j - sum_i h_i s_i`` and ``M = sum_i s_i``."""
    n_chains, N = spins.shape
    for c in prange(n_chains):
        s_ = spins[c]
        pair = 0
        for e in range(bonds.shape[0]):
            pair += s_[bonds[e, 0]] * s_[bonds[e, 1]]
        m = 0
        hs = 0.0
        for i in range(N):
            m += s_[i]
            hs += field[i] * s_[i]
        out_e[c] = -J * pair - hs
        out_m[c] = m


@njit(parallel=True, cache=True, error_model="numpy")
def _energy_magnetization_2d(spins, field, J, periodic, out_e, out_m):
    """Per chain of ``spins[c, L1, L2]``: energy and magnetization without a bond list."""
    n_chains, L1, L2 = spins.shape
    for c in prange(n_chains):
        s_ = spins[c]
        pair = 0
        m = 0
        hs = 0.0
        for i in range(L1):
            i2 = i + 1 if i + 1 < L1 else 0
            down = periodic or i + 1 < L1
            for j in range(L2):
                v = np.int64(s_[i, j])
                m += v
                hs += field[i, j] * v
                if L1 > 1 and down:
                    pair += v * s_[i2, j]
                if L2 > 1 and (periodic or j + 1 < L2):
                    pair += v * s_[i, j + 1 if j + 1 < L2 else 0]
        out_e[c] = -J * pair - hs
        out_m[c] = m
