"""CUDA twin of ``kernels.anneal._sweeps_sparse_int``: sequential Metropolis or heat-bath
sweeps of pairwise models with integer couplings and biases (the +-J spin glasses of
simulated annealing), one thread per chain.

A thread runs the CPU kernel's own sweep (``int_sweep_py``, integers and comparisons only,
compiled as a device function with the device's stream step) against acceptance thresholds
computed on the host by the CPU's ``_thresholds``: for the same seed the chains, energies
and streams are the CPU kernel's bits.  The chains, their streams and their local fields
stay on the device between calls.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from pgm_ebm.cuda import blocks
from pgm_ebm.cuda._streams import device as _dev
from pgm_ebm.cuda._streams import step
from pgm_ebm.kernels import anneal as _cpu
from pgm_ebm.kernels._math import retarget

_int_fields = _dev(_cpu.int_fields_py)
_int_sweep = retarget(_cpu.int_sweep_py, _dev, step=step)


@cuda.jit
def sweeps_sparse_int(X, F, indptr, indices, data, b, spin, heatbath, thr, dmax, streams,
                      trace, mtrace):  # fmt: skip
    c = cuda.grid(1)
    if c >= X.shape[0]:
        return
    x = X[c]
    f = F[c]
    s0 = streams[c, 0]
    s1 = streams[c, 1]
    m, e = _int_fields(x, f, indptr, indices, data, b)
    for t in range(thr.shape[0]):
        s0, s1, m, e = _int_sweep(
            x, f, indptr, indices, data, spin, heatbath, thr[t, c], dmax, s0, s1, m, e
        )
        trace[t, c] = 0.5 * e
        mtrace[t, c] = m
    streams[c, 0] = s0
    streams[c, 1] = s1


class IntegerChains:
    """Chains ``X`` (int8, (n_chains, n)) of an integer model and their ``streams`` on the
    device; :meth:`sweeps` runs the sweeps of one chunk of inverse temperatures,
    :meth:`sync` copies chains and streams back into the host arrays."""

    def __init__(self, X, streams, indptr, indices, data, b, dmax):
        self._host = (X, streams)
        self.X = cuda.to_device(X)
        self.streams = cuda.to_device(streams)
        self.F = cuda.device_array(X.shape, np.int64)
        self.csr = tuple(
            cuda.to_device(np.ascontiguousarray(a)) for a in (indptr, indices, data, b)
        )
        self.dmax = int(dmax)

    def sweeps(self, betas, spin, heatbath, trace, mtrace):
        """Sweeps at ``betas[t, c]`` (host float64 array); ``trace`` / ``mtrace`` (host,
        (T, n_chains)) receive the energies and unit sums."""
        T, C = betas.shape
        thr = np.empty((T, C, 2 * self.dmax + 1), np.uint64)
        _cpu.threshold_table(betas, spin, heatbath, self.dmax, thr)
        d_tr = cuda.device_array((T, C), np.float64)
        d_m = cuda.device_array((T, C), np.int64)
        g, tpb = blocks(C)
        sweeps_sparse_int[g, tpb](self.X, self.F, *self.csr, spin, heatbath, cuda.to_device(thr),
                                  self.dmax, self.streams, d_tr, d_m)  # fmt: skip
        d_tr.copy_to_host(trace)
        d_m.copy_to_host(mtrace)

    def sync(self):
        self.X.copy_to_host(self._host[0])
        self.streams.copy_to_host(self._host[1])
