"""Block-Gibbs kernels for RBMs: the fused sigmoid + Bernoulli draw of a layer,
and the fused weight-decay / velocity step of the parameter update.

The matrix products (pre-activations) are done by the caller through BLAS (the AIS
sweeps call OpenBLAS's ``sgemm`` themselves, per block of chains); these kernels add
the bias, squash, and draw one Bernoulli per unit with the chain's own stream (row
``i`` of the batch is chain ``i``), in a parallel loop over chains.  Each parallel
kernel is a loop over blocks of chains around a serial ``_..._rows`` kernel, so the
AIS sweeps can run the same serial kernels on their own blocks; scratch is allocated
once per block, never per unit.  Every kernel compiled on its own uses
``error_model="numpy"``: Python's error model tests each float division for zero,
which keeps the loops around the sigmoid from vectorising.
"""

import math

import numpy as np
from numba import njit, prange

from pgm_ebm._rng import to_uniform32, to_uniform32_low, uniform64
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


@njit(cache=True, error_model="numpy")
def _draw_lanes(probs, streams, samples, q0, q1, bits):
    """``samples[i, j] = u < probs[i, j]`` for rows ``q0 <= i < q1`` (at most ``LANES``)
    and ``j < samples.shape[1]``, their streams stepped side by side into ``bits``
    (``uint64[>= ceil(m / 2), LANES]``)."""
    half = (samples.shape[1] + 1) // 2
    fill_lane_bits(streams, q0, q1 - q0, half, bits)
    for lane in range(q1 - q0):
        _draw_row(probs[q0 + lane, : samples.shape[1]], samples[q0 + lane], bits, lane)


@njit(cache=True, error_model="numpy")
def _sample_rows(pre, bias, streams, samples, scale, bits):
    """:func:`_sample_bernoulli` on all rows of its arguments in the calling thread
    (``scale`` in ``pre``'s precision, ``bits`` as :func:`_draw_lanes` takes it)."""
    n, m = pre.shape
    for q0 in range(0, n, LANES):
        q1 = min(q0 + LANES, n)
        for r in range(q0, q1):  # vectorised: no RNG in this loop
            row = pre[r]
            for j in range(m):
                row[j] = sigmoid(row[j] * scale + bias[j])
        _draw_lanes(pre, streams, samples, q0, q1, bits)


@njit(parallel=True, cache=True, error_model="numpy")
def _sample_bernoulli(pre, bias, streams, samples, scale=1.0):
    """Turn pre-activations into probabilities (in place) and draw samples.

    Parameters
    ----------
    pre : float[n, m]
        ``X @ W`` without the bias; overwritten with ``sigmoid(scale * pre + bias)``.
    bias : float[m]
    streams : uint64[>= n, 2]
        Row ``i`` is the stream of chain ``i``; chain ``i`` consumes
        ``ceil(m / 2)`` draws of it, in order, two uniforms per draw.
    samples : float[n, m]
        Written with 0/1 draws, ``samples[i, j] = u < p[i, j]``.
    scale : float
        Inverse temperature of the pre-activations (AIS), taken in ``pre``'s precision;
        ``1.0`` leaves the bits of the unscaled sampler (the product is exact).

    Notes
    -----
    Chains are processed in blocks of ``LANES`` whose streams are stepped side by
    side (:mod:`pgm_ebm.kernels._lanes`) into an L1-sized buffer.
    """
    n, m = pre.shape
    half = (m + 1) // 2
    s = pre.dtype.type(scale)
    # the body of _sample_rows, written out: calling it here made a training epoch (this
    # kernel between two multi-threaded GEMMs) 4-7% slower, measured
    for blk in prange((n + LANES - 1) // LANES):
        r0 = blk * LANES
        r1 = min(r0 + LANES, n)
        lanes = r1 - r0
        for r in range(r0, r1):  # vectorised: no RNG in this loop
            row = pre[r]
            for j in range(m):
                row[j] = sigmoid(row[j] * s + bias[j])
        bits = np.empty((half, LANES), np.uint64)
        fill_lane_bits(streams, r0, lanes, half, bits)
        for lane in range(lanes):
            _draw_row(pre[r0 + lane], samples[r0 + lane], bits, lane)


@njit(parallel=True, cache=True, error_model="numpy")
def _add_bias_sigmoid(pre, bias):
    """``pre <- sigmoid(pre + bias)`` in place (mean-field / probabilities)."""
    n, m = pre.shape
    for i in prange(n):
        row = pre[i]
        for j in range(m):
            row[j] = sigmoid(row[j] + bias[j])


@njit(parallel=True, cache=True, error_model="numpy")
def _apply_velocity(WT, vel, decay):
    """``vel -= decay * WT; WT += vel`` in one pass (after ``vel = momentum * vel + G``)."""
    n_vis, n_hid = WT.shape
    for j in prange(n_vis):
        for i in range(n_hid):
            vel[j, i] -= decay * WT[j, i]
            WT[j, i] += vel[j, i]


#: the series increments are used in a row where every ``|dbeta a_j|`` is below this
#: (truncation error below 6e-12 per term); otherwise exact float64 differences
SERIES_LIMIT = 0.05
_C6 = np.float32(1.0 / 6.0)
_C24 = np.float32(1.0 / 24.0)
_C120 = np.float32(1.0 / 120.0)


@njit(inline="always", cache=True)
def _softplus_step(p, x):
    """``softplus(y) - softplus(y - x)`` from ``p = sigmoid(y)``: the Taylor series of
    softplus at ``y`` to fifth order (all in float32).  Its truncation error is below
    ``max|softplus^(6)| x^6 / 720 = x^6 / 2880``: under 6e-12 for ``|x| < 0.05``."""
    one = np.float32(1.0)
    s = p * (one - p)
    r = one - np.float32(2.0) * p
    t = s * (one - np.float32(12.0) * s) * r * _C120
    t = s * (one - np.float32(6.0) * s) * _C24 - x * t
    t = s * r * _C6 - x * t
    t = s * np.float32(0.5) - x * t
    return x * (p - x * t)


@njit(
    cache=True, error_model="numpy"
)  # not inlined: see the note on inlined loops in kernels/metropolis.py
def _sum64(x):
    """Sum of a float32 vector in float64, in eight interleaved partial sums (shorter
    dependency chains than one running sum: 0.37 against 0.54 ns a term measured; the
    order is fixed, so compiled and interpreted give the same bits)."""
    m = x.shape[0]
    part = np.zeros(8)
    m8 = m - m % 8
    for j0 in range(0, m8, 8):
        for lane in range(8):
            part[lane] += np.float64(x[j0 + lane])
    for j in range(m8, m):
        part[j - m8] += np.float64(x[j])
    return part.sum()


@njit(cache=True, error_model="numpy")
def _ais_hidden_rows(pre, c32, beta, beta_prev, reverse, exact, streams, samples, logw,
                     terms, acts, bits):  # fmt: skip
    """:func:`_ais_hidden_step` on all rows of its arguments in the calling thread, in
    groups of ``LANES`` rows (each group's rows, then its draws, while they are in L1);
    ``c32`` is the hidden bias in float32, ``terms`` and ``acts`` are float32 scratch of
    ``n_hidden`` and ``bits`` as :func:`_draw_lanes` takes it."""
    n, m = samples.shape
    db = beta - beta_prev
    t32 = np.float32(beta_prev if reverse else beta)
    x32 = np.float32(-db if reverse else db)
    sign = -1.0 if reverse else 1.0
    limit = np.float32(SERIES_LIMIT)
    for q0 in range(0, n, LANES):
        q1 = min(q0 + LANES, n)
        for i in range(q0, q1):
            row = pre[i]
            too_long = 0
            for j in range(m):  # vectorised: the sum is taken in a separate loop
                a = row[j] + c32[j]
                x = x32 * a
                too_long += np.int32(abs(x) >= limit)
                p = sigmoid(t32 * a)
                terms[j] = _softplus_step(p, x)
                acts[j] = a
                row[j] = p
            if exact or too_long:  # float64 softplus differences
                acc = 0.0
                for j in range(m):
                    a = np.float64(acts[j])
                    acc += softplus(beta * a) - softplus(beta_prev * a)
            else:  # the series gives softplus(t a) - softplus(t a - x); reverse: x < 0
                acc = sign * _sum64(terms[:m])
            logw[i] += sign * (acc + db * np.float64(row[m]))
        _draw_lanes(pre, streams, samples, q0, q1, bits)


@njit(parallel=True, cache=True, error_model="numpy")
def _ais_hidden_step(pre, c, beta, beta_prev, reverse, exact, streams, samples, logw):
    """One AIS temperature for the hidden layer of an RBM (h summed out in the weights).

    ``pre = V @ [W; b - b_A].T`` (float32, (n_chains, n_hidden + 1): the hidden
    pre-activations without the bias, then the visible part of the increment
    ``vdb[i] = v_i . (b - b_A)``).  Its first ``n_hidden`` columns are overwritten with
    ``sigmoid(t (pre + c))`` and ``samples`` receives h ~ p_t(h | v), at ``t = beta``
    (forward) or ``t = beta_prev`` (``reverse``: the transition of the reverse chain).
    ``logw[i]`` gains (forward) or loses (``reverse``) the increment
    ``log p*_beta(v_i) - log p*_beta_prev(v_i) = (beta - beta_prev) vdb[i] +
    sum_j softplus(beta a_j) - softplus(beta_prev a_j)``.  Its softplus differences are
    :func:`_softplus_step` from the sigmoid the draw needs anyway, in each row where every
    ``|dbeta a_j| < SERIES_LIMIT``, and exact float64 differences in the other rows (all
    rows if ``exact``); the draws are the same either way.  One stream per chain, drawn as
    in ``_sample_bernoulli``; chains in blocks of ``LANES`` (:func:`_ais_hidden_rows`).
    """
    n, m = samples.shape
    c32 = c.astype(np.float32)  # an all-float32 loop vectorises twice as wide
    for blk in prange((n + LANES - 1) // LANES):
        r0 = blk * LANES
        r1 = min(r0 + LANES, n)
        terms = np.empty(m, np.float32)
        acts = np.empty(m, np.float32)
        bits = np.empty(((m + 1) // 2, LANES), np.uint64)
        _ais_hidden_rows(
            pre[r0:r1], c32, beta, beta_prev, reverse, exact, streams[r0:r1],
            samples[r0:r1], logw[r0:r1], terms, acts, bits,
        )  # fmt: skip


@njit(cache=True, error_model="numpy")
def _ais_visible_rows(pre, beta, base_bias, bias, streams, samples, mix, bits):
    """:func:`_ais_visible_step` on all rows of its arguments in the calling thread
    (``mix``: float32 scratch of ``n_visible``, ``bits`` as :func:`_draw_lanes` takes it)."""
    for i in range(mix.shape[0]):
        mix[i] = np.float32((1.0 - beta) * base_bias[i] + beta * bias[i])
    _sample_rows(pre, mix, streams, samples, np.float32(beta), bits)


def _ais_visible_step(pre, beta, base_bias, bias, streams, samples):
    """The visible half of an AIS temperature: ``samples`` receives
    v ~ sigmoid(beta pre + (1 - beta) base_bias + beta bias) (``pre = H @ W``, overwritten
    with the probabilities), by :func:`_sample_bernoulli`.

    Plain Python on purpose, as is :func:`_collapsed_step`: no jitted function calls a
    ``parallel=True`` kernel.  A cached caller of a parallel kernel that the compiling
    process had itself loaded from Numba's cache segfaults when it is loaded from the cache
    in turn (numba/numba#8578; ``tests/test_numba_cache.py``)."""
    beta = float(beta)
    mix = ((1.0 - beta) * base_bias + beta * bias).astype(np.float32)
    _sample_bernoulli(pre, mix, streams, samples, beta)


@njit(inline="always", cache=True)
def _ld(x):
    """Leading dimension of a row-major float32 matrix (see :func:`pgm_ebm._blas._ld`): a
    single row's stride is arbitrary, BLAS wants at least the row length."""
    if x.shape[0] <= 1:
        return max(1, x.shape[1])
    return x.strides[0] // 4


@njit(cache=True, error_model="numpy")
def _gemm(sgemm, A, B, C, trans_b):
    """``C = A @ B.T`` (``trans_b``) or ``C = A @ B`` in float32 through the CBLAS ``sgemm``
    (a ctypes function; the caller keeps OpenBLAS single-threaded) in the calling thread.
    Rows must be contiguous."""
    M, K = A.shape
    N = C.shape[1]
    sgemm(
        101, 111, 112 if trans_b else 111, M, N, K, np.float32(1.0),
        A.ctypes.data, _ld(A), B.ctypes.data, _ld(B),
        np.float32(0.0), C.ctypes.data, _ld(C),
    )  # fmt: skip


@njit(cache=True, error_model="numpy")
def _exp_tables(W, beta, up, down):
    """``up[j, i] = exp(beta W[j, i])`` and ``down = 1 / up`` (float64), for
    :func:`_collapsed_rows`; columns past ``W``'s are left as they are (1.0)."""
    n_h, n_v = W.shape
    for j in range(n_h):
        for i in range(n_v):
            e = math.exp(beta * W[j, i])
            up[j, i] = e
            down[j, i] = 1.0 / e


@njit(cache=True, error_model="numpy")
def _collapsed_rows(H, W, a0, offset, c, beta, up, down, folds, streams, scratch):
    """One systematic-scan Gibbs sweep over the hidden units of every chain with the
    visible layer summed out: each ``h_j`` is drawn from the hidden marginal
    ``p*_beta(h) = exp(beta c.h) prod_i (1 + exp(y_i))``, ``y = offset + beta (a0 + h @ W)``,
    given the other hidden units (all float64).

    Flipping ``h_j`` changes ``log p*`` by ``+-beta c_j + sum_i log(q_i)`` with
    ``q_i = (1 - p_i) + p_i exp(+-beta W[j, i])`` and ``p = sigmoid(y)``: a sum of positive
    terms, so no cancellation.  The logs are taken of products: the ``q`` vector is folded
    in halves (rows of 8) ``folds`` times or down to one row, so that each log covers up to
    ``2**folds`` factors (the caller keeps ``2**folds * beta max|W| < 700``: no overflow).
    After a flip ``p`` and ``1 - p`` are updated with one division.  ``up`` and ``down`` are
    ``exp(+-beta W)`` with ``W.shape[1]`` rounded up to a multiple of 8 (padding 1.0).  One
    float64 uniform per unit from the chain's own stream (row ``r`` of ``streams``), so
    results do not depend on the number of threads.
    """
    n, n_h = H.shape
    n_v = W.shape[1]
    n_pad = up.shape[1]
    y, p, pm, q, f = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4]
    for r in range(n):
        h = H[r]
        for i in range(n_pad):
            y[i] = a0[i] if i < n_v else 0.0
            p[i] = 0.0
            pm[i] = 1.0
        for j in range(n_h):
            if h[j] != 0:
                w = W[j]
                for i in range(n_v):
                    y[i] += w[i]
        for i in range(n_v):
            x = offset[i] + beta * y[i]
            z = math.exp(-abs(x))
            s = 1.0 / (1.0 + z)
            if x >= 0:
                p[i] = s
                pm[i] = z * s
            else:
                p[i] = z * s
                pm[i] = s
        for j in range(n_h):
            on = h[j] != 0
            e = down[j] if on else up[j]
            for i in range(n_pad):
                q[i] = pm[i] + p[i] * e[i]
                f[i] = q[i]
            rows = n_pad // 8
            for _ in range(folds):
                if rows == 1:
                    break
                keep = (rows + 1) // 2 * 8
                half = rows // 2 * 8
                lo = f[:half]  # slices, so that every index is a loop counter (vectorised)
                hi = f[keep : keep + half]
                for i in range(half):
                    lo[i] *= hi[i]
                rows = keep // 8
            acc = 0.0
            for i in range(rows * 8):
                acc += math.log(f[i])
            dl = acc - beta * c[j] if on else acc + beta * c[j]
            if uniform64(streams, r) * (1.0 + math.exp(-dl)) < 1.0:
                h[j] = 0.0 if on else 1.0
                for i in range(n_pad):
                    inv = 1.0 / q[i]
                    p[i] = p[i] * e[i] * inv
                    pm[i] = pm[i] * inv


@njit(parallel=True, cache=True, error_model="numpy")
def _collapsed_hidden_sweep(H, W, a0, offset, c, beta, up, down, folds, streams):
    """:func:`_collapsed_rows` over all chains, in parallel."""
    n = H.shape[0]
    for r in prange(n):
        scratch = np.empty((5, up.shape[1]))
        _collapsed_rows(
            H[r : r + 1], W, a0, offset, c, beta, up, down, folds, streams[r : r + 1], scratch
        )


def _collapsed_step(H, beta, every, k, tables, streams):
    """The collapsed sweep of an AIS temperature ``k`` (at inverse temperature ``beta``)
    when ``every > 0`` and ``k % every == 0``: :func:`_exp_tables` then
    :func:`_collapsed_hidden_sweep`.  ``tables = (W, a0, offset, c, up, down, folds)`` as
    those functions take them."""
    if every > 0 and k % every == 0:
        W, a0, offset, c, up, down, folds = tables
        _exp_tables(W, beta, up, down)
        _collapsed_hidden_sweep(H, W, a0, offset, c, beta, up, down, folds, streams)


#: chains per block of :func:`_ais_sweeps`, at most.  The blocks run in parallel, each through
#: all its temperatures with its own single-threaded GEMMs, so a chain's arrays stay in one
#: core's cache (handing rows between cores at every step cost more than the arithmetic).
#: The partition depends on the number of chains only, never on the number of threads: a
#: BLAS call's results can depend on its row count.
AIS_BLOCK_ROWS = 64


@njit(parallel=True, cache=True, error_model="numpy")
def _ais_sweeps(sgemm, V, WA, H, pre_h, pre_v, c, base_bias, bias, betas, ks, exact,
                reverse, streams, logw, every, tables, bounds):  # fmt: skip
    """AIS temperatures ``ks`` (in that order) of an RBM, one block-Gibbs step each: per
    temperature the hidden product and :func:`_ais_hidden_rows`, at every ``every``-th
    temperature a collapsed sweep over the hidden units (:func:`_collapsed_rows`), the
    visible product and :func:`_ais_visible_rows`.  The chains are split into the blocks of
    consecutive rows ``bounds[i]:bounds[i + 1]`` (see ``partition.ais.ais_bounds``) that
    run in parallel, each with its own single-threaded GEMMs and scratch: a chain's bits
    depend on its block, never on how many blocks run beside it.  ``WA = [W; b - b_A]`` (see
    :func:`_ais_hidden_step`); ``exact``: exact increments throughout; forward:
    ``betas[k - 1] -> betas[k]``, the sample at ``betas[k]``; ``reverse``: the weight at
    ``betas[k] -> betas[k - 1]``, then a step at ``betas[k - 1]``.  Each step (v -> h, the
    collapsed sweep on h, h -> v) leaves the temperature's marginal of its layer invariant,
    so the composite v -> v' leaves ``p_t(v)`` invariant, as the weights need.
    ``tables = (W, a0, offset, c, up, down, folds)`` as :func:`_collapsed_step` takes them
    (``up`` gives the shape of each block's own tables)."""
    n, n_h = H.shape
    n_v = V.shape[1]
    W = WA[:n_h]
    c32 = c.astype(np.float32)  # an all-float32 loop vectorises twice as wide
    W64, a0, offset, c64, up0, _, folds = tables
    for blk in prange(len(bounds) - 1):
        r0 = bounds[blk]
        r1 = bounds[blk + 1]
        Vb, Hb, sb, lw = V[r0:r1], H[r0:r1], streams[r0:r1], logw[r0:r1]
        ph, pv = pre_h[r0:r1], pre_v[r0:r1]
        terms = np.empty(n_h, np.float32)
        acts = np.empty(n_h, np.float32)
        bits = np.empty(((max(n_h, n_v) + 1) // 2, LANES), np.uint64)
        mix = np.empty(n_v, np.float32)
        up = np.ones_like(up0)
        down = np.ones_like(up0)
        scratch = np.empty((5, up0.shape[1]))
        for idx in range(len(ks)):
            k = ks[idx]
            beta, prev = betas[k], betas[k - 1]
            t = prev if reverse else beta
            _gemm(sgemm, Vb, WA, ph, True)
            _ais_hidden_rows(ph, c32, beta, prev, reverse, exact, sb, Hb, lw, terms, acts, bits)
            if every > 0 and k % every == 0:
                _exp_tables(W64, t, up, down)
                _collapsed_rows(Hb, W64, a0, offset, c64, t, up, down, folds, sb, scratch)
            _gemm(sgemm, Hb, W, pv, False)
            _ais_visible_rows(pv, t, base_bias, bias, sb, Vb, mix, bits)
