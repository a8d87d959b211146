"""Numba's on-disk cache must never hand back broken machine code.

A cached jitted function that calls a ``parallel=True`` kernel segfaults when it is loaded
from the cache, if the process that compiled it had itself loaded that kernel from the cache
(numba/numba#8578).  So no jitted function of pgm_ebm calls a parallel kernel: the static test
checks every one, the subprocess test replays the sequence that crashed forward AIS."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys

import pytest
from numba.core.registry import CPUDispatcher

import pgm_ebm


def _dispatchers():
    for info in pkgutil.walk_packages(pgm_ebm.__path__, "pgm_ebm."):
        if "cuda" in info.name:
            continue
        mod = importlib.import_module(info.name)
        for name, obj in vars(mod).items():
            if isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == mod.__name__:
                yield f"{mod.__name__}.{name}", obj


def test_no_jitted_function_calls_a_parallel_kernel():
    found = dict(_dispatchers())
    assert len(found) > 50  # the walk sees the kernels
    bad = []
    for name, d in found.items():
        refs = d.py_func.__globals__
        for ref in d.py_func.__code__.co_names:
            callee = refs.get(ref)
            if isinstance(callee, CPUDispatcher) and callee.targetoptions.get("parallel"):
                bad.append(f"{name} calls {ref}")
    assert not bad, bad


_STEP = """
import sys
import numpy as np
from pgm_ebm._rng import seed_streams
from pgm_ebm.kernels.block_gibbs import _ais_visible_step, _sample_bernoulli
V = np.zeros((100, 11), np.float32)
streams = seed_streams(np.random.default_rng(0), 100)
if sys.argv[1] == "kernel":  # the parallel kernel alone, compiled and cached
    _sample_bernoulli(np.zeros_like(V), np.zeros(11, np.float32), streams, V, 1.0)
else:  # its caller: the first time with the kernel from the cache, then all from it
    _ais_visible_step(np.zeros_like(V), 0.0, np.zeros(11), np.zeros(11), streams, V)
print(int(V.sum()))
"""


def test_a_caller_of_a_parallel_kernel_survives_the_cache(tmp_path):
    env = {**os.environ, "PGM_EBM_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("NUMBA_CACHE_DIR", None)
    outs = []
    for step in ("kernel", "caller", "caller"):
        r = subprocess.run([sys.executable, "-c", _STEP, step], env=env, capture_output=True,
                           text=True, timeout=300)  # fmt: skip
        assert r.returncode == 0, (step, r.returncode, r.stderr[-2000:])
        outs.append(r.stdout.strip())
    assert outs[0] == outs[1] == outs[2], outs


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
