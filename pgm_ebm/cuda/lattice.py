"""CUDA twins of ``kernels.metropolis._checkerboard_split`` (one colour of a checkerboard
sweep of periodic 2D Ising lattices in the split layout) and ``_multispin_2d`` (the same on
words of 64 replicas), one thread per (chain, row).

A thread owns the row's stream, as a CPU lane does, and draws in the same order (site k
takes the high 24 bits of draw k // 2 for even k, bits 16..39 for odd k), compares with the
same float32 uniforms and tables: the bits are the CPU kernel's.  Sites of one colour in a
row do not depend on each other, so the order of the updates within a row does not matter.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from pgm_ebm.cuda import blocks
from pgm_ebm.cuda._streams import device as _dev
from pgm_ebm.cuda._streams import step, to_u32, to_u32_low
from pgm_ebm.kernels._math import retarget
from pgm_ebm.kernels.metropolis import multispin_row_py, multispin_site_py

_multispin_row = retarget(
    multispin_row_py, _dev, _multispin_site=_dev(multispin_site_py), to_uniform32=to_u32,
    to_uniform32_low=to_u32_low,
)  # fmt: skip

# Kernels and device functions are module-level (no closures): the simulator swaps the
# ``cuda`` global of a kernel's module for its own; kernels compile at their first launch.


@_dev
def _site(X, Y, c, i, iu, idn, k, half, shift, u, tab, e4, e8, mode):
    kk = k + shift
    if kk < 0:
        kk = half - 1
    elif kk >= half:
        kk = 0
    nb = (
        np.int32(Y[c, iu, k]) + np.int32(Y[c, idn, k])
        + np.int32(Y[c, i, k]) + np.int32(Y[c, i, kk])
    )  # fmt: skip
    s = np.int32(X[c, i, k])
    if mode == 2:
        a = s * nb
        p = np.float32(1.0) if a <= 0 else (e4 if a == 2 else e8)
        if u < p:
            X[c, i, k] = np.int8(-s)
    elif mode == 1:
        X[c, i, k] = np.int8(1) if u < tab[(nb + 4) >> 1] else np.int8(-1)
    else:
        if u < tab[5 * ((s + 1) >> 1) + ((nb + 4) >> 1)]:
            X[c, i, k] = np.int8(-s)


@cuda.jit
def checkerboard_split(A, B, color, table, e4, e8, mode, streams):
    q = cuda.grid(1)
    n_chains, L1, half = A.shape
    if q >= n_chains * L1:
        return
    c = q // L1
    i = q % L1
    iu = i - 1 if i > 0 else L1 - 1
    idn = i + 1 if i < L1 - 1 else 0
    shift = -1 if (color + i) % 2 == 0 else 1
    s0 = streams[q, 0]
    s1 = streams[q, 1]
    tab = table[c]
    X, Y = (A, B) if color == 0 else (B, A)  # the colour updated, the one it reads
    for t in range((half + 1) // 2):
        x, s0, s1 = step(s0, s1)
        k = 2 * t
        _site(X, Y, c, i, iu, idn, k, half, shift, to_u32(x), tab, e4[c], e8[c], mode)
        if k + 1 < half:
            u = to_u32_low(x)
            _site(X, Y, c, i, iu, idn, k + 1, half, shift, u, tab, e4[c], e8[c], mode)
    streams[q, 0] = s0
    streams[q, 1] = s1


@cuda.jit
def multispin(words, color, p4, p8, streams, bits):
    """One colour of a multi-spin sweep: thread ``q`` draws its row's uniforms in the CPU
    kernel's order into ``bits[q]`` (every row draws for ``(L2 + 1) // 2`` sites, whatever
    its colour, as the CPU lanes do), then runs the CPU's own row update on them."""
    q = cuda.grid(1)
    n_chains, L1, L2 = words.shape
    if q >= n_chains * L1:
        return
    s0 = streams[q, 0]
    s1 = streams[q, 1]
    for t in range(bits.shape[1]):
        x, s0, s1 = step(s0, s1)
        bits[q, t] = x
    streams[q, 0] = s0
    streams[q, 1] = s1
    _multispin_row(words, q, color, bits[q], p4, p8)


class _OnDevice:
    """Host arrays copied to the device once; :meth:`sync` copies them back in place."""

    def __init__(self, *host):
        self._host = host
        self.dev = [cuda.to_device(a) for a in host]

    def sync(self):
        for d, h in zip(self.dev, self._host, strict=True):
            d.copy_to_host(h)


class MultispinLattice(_OnDevice):
    """Words of 64 replicas (uint64, (n_chains, L1, L2)) and their streams on the device."""

    def __init__(self, words, streams):
        super().__init__(words, streams)
        n_rows, L2 = words.shape[0] * words.shape[1], words.shape[2]
        self._grid = blocks(n_rows)
        # each row's draws of a colour: (L2 + 1) // 2 sites, two uniforms a draw
        self._bits = cuda.device_array((n_rows, ((L2 + 1) // 2 + 1) // 2), np.uint64)

    def sweep(self, p4, p8):
        words, streams = self.dev
        g, tpb = self._grid
        for color in (0, 1):
            multispin[g, tpb](words, color, np.float32(p4), np.float32(p8), streams, self._bits)


class SplitLattice(_OnDevice):
    """The split-layout chains held on the device across sweeps.

    ``A``, ``B`` (int8, (n_chains, L1, L2 / 2)) and the streams go to the device once;
    :meth:`sweep` sends only the (n_chains, 10) table and two (n_chains,) arrays; :meth:`sync`
    brings the spins and the advanced streams back into the given host arrays."""

    def __init__(self, A, B, streams):
        super().__init__(A, B, streams)
        self._grid = blocks(A.shape[0] * A.shape[1])

    def sweep(self, table, e4, e8, mode):
        kern = checkerboard_split
        A, B, streams = self.dev
        t, a4, a8 = (cuda.to_device(np.ascontiguousarray(x)) for x in (table, e4, e8))
        g, tpb = self._grid
        for color in (0, 1):
            kern[g, tpb](A, B, color, t, a4, a8, mode, streams)
