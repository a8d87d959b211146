"""CUDA twin of ``kernels.gibbs._colored_sweeps``: graph-coloured heat-bath or Metropolis
sweeps of any pairwise Boltzmann machine, real-valued couplings in CSR form or as a dense J,
at an inverse temperature per sweep (annealing), one thread per (chain, unit of a colour).

The units of a colour are conditionally independent, so a launch per colour updates them
all at once; unit ``i`` of chain ``c`` owns stream ``c * n + i`` as on the CPU.  A thread
runs the CPU's own plain-Python field, update and energy functions, compiled as device
functions with an unfused multiply-add: on the simulator the CPU's bits; on a GPU the same
up to the device ``exp`` (within one ulp of the host's), which changes a draw only when its
53-bit uniform falls between the two roundings.  The chains, their streams and the couplings
stay on the device across sweeps and colours; only the per-sweep energies (when recorded)
come back, once per chunk of sweeps.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from pgm_ebm.cuda import blocks
from pgm_ebm.cuda._streams import device as _dev
from pgm_ebm.cuda._streams import madd64, step, to_u64
from pgm_ebm.kernels import gibbs as _cpu
from pgm_ebm.kernels._math import retarget

_csr_field = retarget(_cpu.csr_field_py, _dev, madd=madd64)
_dense_field = retarget(_cpu.dense_field_py, _dev, madd=madd64)
_new_state = _dev(_cpu.colored_new_state_py)
_csr_unit = retarget(_cpu.colored_unit_py, _dev, unit_field=_csr_field, new_state=_new_state,
                     step=step, to_uniform64=to_u64)  # fmt: skip
_dense_unit = retarget(_cpu.colored_unit_py, _dev, unit_field=_dense_field, new_state=_new_state,
                       step=step, to_uniform64=to_u64)  # fmt: skip
_csr_energy = retarget(_cpu.colored_energy_py, _dev, unit_field=_csr_field)
_dense_energy = retarget(_cpu.colored_energy_py, _dev, unit_field=_dense_field)


def _color_py(X, A, B, C, b, spin, heatbath, beta, units, lo, m, streams):
    """One colour: thread ``r`` updates unit ``units[lo + r % m]`` of chain ``r // m``."""
    r = cuda.grid(1)
    if r < X.shape[0] * m:
        colored_unit(X, r // m, units[lo + r % m], A, B, C, b, spin, heatbath, beta, streams)


def _energies_py(X, A, B, C, b, t, trace, mtrace):
    """Thread ``c``: chain ``c``'s energy and sum of units into row ``t``."""
    c = cuda.grid(1)
    if c >= X.shape[0]:
        return
    e, m = chain_energy(X[c], A, B, C, b)
    trace[t, c] = e
    mtrace[t, c] = m


colored_unit = chain_energy = None  # bound per layout by retarget below
#: the kernels of each layout of the couplings: (update of one colour, energies)
KERNELS = {
    "csr": (
        retarget(_color_py, cuda.jit, colored_unit=_csr_unit),
        retarget(_energies_py, cuda.jit, chain_energy=_csr_energy),
    ),
    "dense": (
        retarget(_color_py, cuda.jit, colored_unit=_dense_unit),
        retarget(_energies_py, cuda.jit, chain_energy=_dense_energy),
    ),
}


class ColoredChains:
    """Chains ``X`` (int8, (n_chains, n)), their (chain, unit) streams and the couplings on
    the device; :meth:`sweeps` runs the sweeps of one chunk of inverse temperatures,
    :meth:`sync` copies chains and streams back into the host arrays.

    ``couplings``: a dense float64 J (n, n), or CSR ``(indptr, indices, data)`` (int64,
    int64, float64) with sorted indices."""

    def __init__(self, X, streams, couplings, b, color_ptr, color_units):
        self._host = (X, streams)
        self.X = cuda.to_device(X)
        self.streams = cuda.to_device(streams)
        if isinstance(couplings, np.ndarray):
            self.layout = "dense"
            J = cuda.to_device(np.ascontiguousarray(couplings, dtype=np.float64))
            self.A = (J, J, J)  # the update reads the first; the others fill the CSR slots
        else:
            self.layout = "csr"
            self.A = tuple(cuda.to_device(np.ascontiguousarray(a)) for a in couplings)
        self.b = cuda.to_device(np.ascontiguousarray(b, dtype=np.float64))
        self.units = cuda.to_device(np.ascontiguousarray(color_units, dtype=np.int64))
        self.ptr = [int(p) for p in color_ptr]

    def sweeps(self, betas, spin, heatbath, trace, mtrace, record):
        """Sweeps at ``betas[t]`` (host float64, (T,)); with ``record``, ``trace`` / ``mtrace``
        (host, (T, n_chains)) receive each chain's energy and sum of units after each."""
        update, energies = KERNELS[self.layout]
        C = self.X.shape[0]
        T = len(betas)
        if record:
            d_tr = cuda.device_array((T, C), np.float64)
            d_m = cuda.device_array((T, C), np.int64)
        ge, tpe = blocks(C)
        for t in range(T):
            beta = float(betas[t])
            for k in range(len(self.ptr) - 1):
                lo, m = self.ptr[k], self.ptr[k + 1] - self.ptr[k]
                g, tpb = blocks(C * m)
                update[g, tpb](self.X, *self.A, self.b, spin, heatbath, beta, self.units, lo, m,
                               self.streams)  # fmt: skip
            if record:
                energies[ge, tpe](self.X, *self.A, self.b, t, d_tr, d_m)
        if record:
            d_tr.copy_to_host(trace)
            d_m.copy_to_host(mtrace)

    def sync(self):
        self.X.copy_to_host(self._host[0])
        self.streams.copy_to_host(self._host[1])
