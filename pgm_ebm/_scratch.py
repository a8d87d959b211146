"""Named scratch arrays that a training run keeps across its batches.

A fresh temporary of a few hundred kilobytes per matrix product is memory the caches do not
hold and, until glibc has raised its threshold for mapping blocks of that size, a fresh
mapping whose pages fault in one by one (3,600 page faults a batch for a 784-500-1000 DBM
update with 500 chains in ``benchmarks/bench_dbm.py``'s process, measured).  The RBM and DBM
training loops therefore write every product into arrays from one :class:`Scratch`.
"""

from __future__ import annotations

import numpy as np


class Scratch:
    """Arrays by name, reused while they fit.

    :meth:`get` returns the first ``shape[0]`` rows of the array kept under ``key`` when it
    has at least that many rows and the same trailing shape and dtype; otherwise it keeps a
    new one.  A short last batch is thus a view of the full-size array, not a reallocation.
    The contents are whatever the last user left: callers write before they read.
    """

    def __init__(self):
        self._arrays: dict = {}

    def get(self, key, shape, dtype) -> np.ndarray:
        """The scratch array under ``key`` with ``shape`` and ``dtype`` (C-contiguous)."""
        shape, dtype = tuple(shape), np.dtype(dtype)
        a = self._arrays.get(key)
        if a is None or a.shape[0] < shape[0] or a.shape[1:] != shape[1:] or a.dtype != dtype:
            a = self._arrays[key] = np.empty(shape, dtype)
        return a[: shape[0]]

    def __len__(self) -> int:
        return len(self._arrays)

    def fill(self, value) -> None:
        """Overwrite every kept array with ``value`` (tests: nothing is read before written)."""
        for a in self._arrays.values():
            a.fill(value)
