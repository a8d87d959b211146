"""Block-Gibbs kernels for RBMs: the fused sigmoid + Bernoulli draw of a layer,
and the fused weight-decay / velocity step of the parameter update.

The matrix products (pre-activations) are done by the caller through BLAS;
these kernels add the bias, squash, and draw one Bernoulli per unit with the
chain's own stream (row ``i`` of the batch is chain ``i``), in a parallel loop
over chains.  Nothing is allocated here.
"""

from numba import njit, prange

from pgm_ebm._rng import step, to_uniform32, to_uniform32_low
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
        s0 = streams[i, 0]  # the chain's state stays in registers over the row
        s1 = streams[i, 1]
        for j in range(0, m - 1, 2):  # two 24-bit uniforms from each 64-bit draw
            bits, s0, s1 = step(s0, s1)
            out[j] = one if to_uniform32(bits) < row[j] else zero
            out[j + 1] = one if to_uniform32_low(bits) < row[j + 1] else zero
        if m % 2:
            bits, s0, s1 = step(s0, s1)
            out[m - 1] = one if to_uniform32(bits) < row[m - 1] else zero
        streams[i, 0] = s0
        streams[i, 1] = s1


@njit(parallel=True, cache=True)
def _add_bias_sigmoid(pre, bias):
    """``pre <- sigmoid(pre + bias)`` in place (mean-field / probabilities)."""
    n, m = pre.shape
    for i in prange(n):
        row = pre[i]
        for j in range(m):
            row[j] = sigmoid(row[j] + bias[j])


@njit(parallel=True, cache=True)
def _apply_velocity(WT, vel, decay):
    """``vel -= decay * WT; WT += vel`` in one pass (after ``vel = momentum * vel + G``)."""
    n_vis, n_hid = WT.shape
    for j in prange(n_vis):
        for i in range(n_hid):
            vel[j, i] -= decay * WT[j, i]
            WT[j, i] += vel[j, i]
