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
