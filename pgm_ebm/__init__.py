"""pgm_ebm: classical energy-based models on Numba kernels.

Public names only; the CUDA path (``pgm_ebm.cuda``) is imported lazily by the
code that needs it.
"""

__version__ = "0.1.0"

import os as _os

# Numba's OpenMP workers and OpenBLAS's threads both spin-wait by default; on a
# machine with few cores the two pools then steal each other's cores after
# every BLAS call and a 0.1 ms kernel takes 8 ms.  Passive waiting fixes that.
# setdefault: a value the user chose is kept.  Must run before Numba starts
# its thread pool (at the first parallel kernel call).
_os.environ.setdefault("OMP_WAIT_POLICY", "passive")
# Purely passive waiting makes each parallel region cost ~70 us of thread wake-up on
# such machines, which dominates kernels launched a few times per sweep (the denoising
# Gibbs sampler: 0.61 -> 0.36 ms per 512 x 512 sweep).  A short spin (libgomp's
# GOMP_SPINCOUNT overrides the policy's default of 0) keeps back-to-back regions at
# ~2 us.  It must stay short: at 10,000 spins AIS, which alternates OpenBLAS GEMMs with
# Numba kernels, slowed from 1.8 to 2.6 s (784 x 500, 1,450 temperatures); at 1,000 it is
# within noise of no spinning (benchmarks/RESULTS.md).
_os.environ.setdefault("GOMP_SPINCOUNT", "1000")

# Before any kernel module is imported: Numba picks a function's cache folder when the
# function is decorated (see _numba_cache for why not the package folder).
from pgm_ebm import _numba_cache

_numba_cache.install()

from pgm_ebm._device import CUDAUnavailableError  # noqa: E402
from pgm_ebm.models.boltzmann import BoltzmannMachine  # noqa: E402
from pgm_ebm.models.dbm import DBM  # noqa: E402
from pgm_ebm.models.ising import IsingLattice  # noqa: E402
from pgm_ebm.models.rbm import BernoulliRBM  # noqa: E402
from pgm_ebm.partition.result import LogZResult  # noqa: E402

__all__ = [
    "DBM",
    "BernoulliRBM",
    "BoltzmannMachine",
    "CUDAUnavailableError",
    "IsingLattice",
    "LogZResult",
    "__version__",
]
