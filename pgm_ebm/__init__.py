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

from pgm_ebm.models.boltzmann import BoltzmannMachine
from pgm_ebm.models.ising import IsingLattice
from pgm_ebm.models.rbm import BernoulliRBM
from pgm_ebm.partition.result import LogZResult

__all__ = ["BernoulliRBM", "BoltzmannMachine", "IsingLattice", "LogZResult", "__version__"]
