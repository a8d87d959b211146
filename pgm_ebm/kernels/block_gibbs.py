"""Block-Gibbs kernels for RBMs: the fused sigmoid + Bernoulli draw of a layer.

The matrix products (pre-activations) are done by the caller through BLAS;
these kernels add the bias, squash, and draw one Bernoulli per unit with the
chain's own stream (row ``i`` of the batch is chain ``i``), in a parallel loop
over chains.  Nothing is allocated here.
"""

from numba import njit, prange

from pgm_ebm._rng import uniform32
from pgm_ebm.kernels._math import sigmoid


@njit(parallel=True, cache=True)
def _sample_bernoulli(pre, bias, streams, samples):
    """Turn pre-activations into probabilities (in place) and draw samples.

    Parameters
    ----------
    pre : float[n, m]
        ``X @ W`` without the bias; overwritten with ``sigmoid(pre + bias)``.
    bias : float[m]
    streams : uint64[>= n, 2]
        Row ``i`` is the stream of chain ``i``.
    samples : float[n, m]
        Written with 0/1 draws, ``samples[i, j] = u < p[i, j]``.
    """
    n, m = pre.shape
    one = samples.dtype.type(1.0)
    zero = samples.dtype.type(0.0)
    for i in prange(n):
        row = pre[i]
        for j in range(m):  # vectorised: no RNG in this loop
            row[j] = sigmoid(row[j] + bias[j])
        out = samples[i]
        for j in range(m):
            out[j] = one if uniform32(streams, i) < row[j] else zero


@njit(parallel=True, cache=True)
def _add_bias_sigmoid(pre, bias):
    """``pre <- sigmoid(pre + bias)`` in place (mean-field / probabilities)."""
    n, m = pre.shape
    for i in prange(n):
        row = pre[i]
        for j in range(m):
            row[j] = sigmoid(row[j] + bias[j])


# --------------------------------------------------------------------------- sparse products
# Visible states are binary and sparse (about 13% of binarized-MNIST pixels are
# on), so products with them are sums of the weight rows of the active units:
# with the weights stored as WT = W.T (n_visible, n_hidden), each such row is
# contiguous.  Every output element is summed by one thread in a fixed order,
# so results do not depend on the thread count.

#: visible units per parallel block of the scatter update (fixed: determinism)
JBLOCK = 16


@njit(parallel=True, cache=True)
def _gather_product(V, WT, out):
    """``out = V @ WT`` summing only the rows of WT where V is non-zero.

    V : float[n, n_visible] (binary or probabilities), WT : float[n_visible, n_hidden],
    out : float[n, n_hidden] (overwritten).
    """
    n, n_vis = V.shape
    n_hid = WT.shape[1]
    for r in prange(n):
        acc = out[r]
        for i in range(n_hid):
            acc[i] = 0.0
        for j in range(n_vis):
            v = V[r, j]
            if v != 0.0:
                w = WT[j]
                if v == 1.0:
                    for i in range(n_hid):
                        acc[i] += w[i]
                else:
                    for i in range(n_hid):
                        acc[i] += v * w[i]


@njit(parallel=True, cache=True)
def _scatter_update(V, H, WT, vel, momentum, decay, use_velocity):
    """Fused weight update from sparse visible states.

    With ``G = V.T @ H`` (``H`` rows already scaled by the learning rate and
    the sign and size of their phase), does either ``WT += G`` or, with
    ``use_velocity``, ``vel = momentum * vel - decay * WT + G; WT += vel``.
    Parallel over fixed blocks of visible units; within a block the rows of
    ``H`` are added in order.
    """
    n, n_vis = V.shape
    n_hid = WT.shape[1]
    n_blocks = (n_vis + JBLOCK - 1) // JBLOCK
    for blk in prange(n_blocks):
        lo = blk * JBLOCK
        hi = min(lo + JBLOCK, n_vis)
        target = vel if use_velocity else WT
        if use_velocity:
            for j in range(lo, hi):
                for i in range(n_hid):
                    vel[j, i] = momentum * vel[j, i] - decay * WT[j, i]
        for r in range(n):
            h = H[r]
            for j in range(lo, hi):
                v = V[r, j]
                if v != 0.0:
                    t = target[j]
                    if v == 1.0:
                        for i in range(n_hid):
                            t[i] += h[i]
                    else:
                        for i in range(n_hid):
                            t[i] += v * h[i]
        if use_velocity:
            for j in range(lo, hi):
                for i in range(n_hid):
                    WT[j, i] += vel[j, i]


@njit(parallel=True, cache=True)
def _dense_update(G, WT, vel, momentum, decay, use_velocity):
    """``WT += G`` or ``vel = momentum * vel - decay * WT + G; WT += vel`` (G from BLAS)."""
    n_vis, n_hid = WT.shape
    for j in prange(n_vis):
        if use_velocity:
            for i in range(n_hid):
                vel[j, i] = momentum * vel[j, i] - decay * WT[j, i] + G[j, i]
                WT[j, i] += vel[j, i]
        else:
            for i in range(n_hid):
                WT[j, i] += G[j, i]
