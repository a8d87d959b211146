"""The samplers layer, below the models and the estimators: one registry of Markov kernels
found by name (:func:`get_sampler`), each an ``init`` / ``step`` pair over an explicit
:class:`ChainState`, and what every sampler returns (:class:`SampleResult`).

Importing this package registers the library's kernels: the lattice's (``"lattice"``:
metropolis, heatbath, wolff, swendsen-wang, multispin), the pairwise models'
(``"pairwise"``: metropolis, heatbath), the RBM's (``"rbm"``: block-gibbs), the continuous
densities' (``"continuous"``: mala, ula, random-walk-metropolis) and the
denoising posterior's (``"grid-posterior"``: heatbath).
"""

from pgm_ebm.samplers import continuous, dbm, grid, lattice, pairwise, rbm  # noqa: F401  (they register)
from pgm_ebm.samplers.registry import (
    Sampler,
    available_samplers,
    get_sampler,
    register,
    sampler_kind,
    unregister,
)
from pgm_ebm.samplers.result import ChainState, SampleResult, Trace

__all__ = [
    "ChainState",
    "SampleResult",
    "Sampler",
    "Trace",
    "available_samplers",
    "get_sampler",
    "register",
    "sampler_kind",
    "unregister",
]
