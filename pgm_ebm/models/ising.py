"""Ising models on 1D, 2D square and 3D cubic lattices.

Energy ``E(s) = -J sum_<ij> s_i s_j - sum_i h_i s_i`` with int8 spins ``s_i = +-1``
and ``p(s) proportional to exp(-beta E(s))``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from pgm_ebm._validation import as_real_array, check_spins
from pgm_ebm.kernels.metropolis import _energy_magnetization, _energy_magnetization_2d
from pgm_ebm.partition import ising_exact
from pgm_ebm.partition.result import LogZResult
from pgm_ebm.samplers import lattice as _lattice
from pgm_ebm.samplers.registry import get_sampler
from pgm_ebm.samplers.result import ChainState

EXACT_METHODS = ("exact-enumeration", "exact-kaufman", "exact-transfer-matrix")


class IsingLattice:
    """An Ising model on a 1D, 2D square or 3D cubic lattice.

    Parameters
    ----------
    shape : int or tuple of 1 to 3 ints
        Lattice sizes, each >= 1.
    J : float, default 1.0
        Coupling (> 0 ferromagnetic).
    h : float or array of ``shape``, default 0.0
        External field, uniform or per site.
    beta : float >= 0, default 1.0
        Inverse temperature.
    boundary : {"periodic", "open"}, default "periodic"

    Examples
    --------
    >>> from pgm_ebm import IsingLattice
    >>> model = IsingLattice((16, 16), beta=0.3)
    >>> res = model.sample(200, n_chains=4, random_state=0, return_trace=True)
    >>> res.spins.shape
    (4, 16, 16)
    """

    #: the samplers of the registry that move it (:mod:`pgm_ebm.samplers`)
    sampler_kind = "lattice"

    def __init__(self, shape, J: float = 1.0, h=0.0, beta: float = 1.0, boundary: str = "periodic"):
        if isinstance(shape, numbers.Integral):
            shape = (int(shape),)
        shape = tuple(shape)
        if not 1 <= len(shape) <= 3 or any(
            isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in shape
        ):
            raise ValueError(f"shape must be 1 to 3 positive integers, got {shape!r}")
        self.shape = tuple(int(s) for s in shape)
        if isinstance(J, bool) or not isinstance(J, numbers.Real) or not math.isfinite(J):
            raise ValueError(f"J must be a finite real number, got {J!r}")
        self.J = float(J)
        h_arr = as_real_array(h, "h", finite=False)  # a copy: the caller's is never kept
        if h_arr.ndim != 0 and h_arr.shape != self.shape:
            raise ValueError(
                f"h must be a scalar or an array of shape {self.shape}, got {h_arr.shape}"
            )
        if not np.all(np.isfinite(h_arr)):
            raise ValueError("h must be finite")
        self.h = float(h_arr) if h_arr.ndim == 0 else h_arr
        self.beta = self._check_beta(beta)
        if boundary not in ("periodic", "open"):
            raise ValueError(f"boundary must be 'periodic' or 'open', got {boundary!r}")
        self.boundary = boundary
        self.n_sites = int(np.prod(self.shape))
        self._cache = {}

    @staticmethod
    def _check_beta(beta, name="beta"):
        if (
            isinstance(beta, bool)
            or not isinstance(beta, numbers.Real)
            or not math.isfinite(beta)
            or beta < 0
        ):
            raise ValueError(f"{name} must be a finite number >= 0, got {beta!r}")
        return float(beta)

    def __repr__(self):
        h = self.h if np.ndim(self.h) == 0 else "array"
        return (
            f"IsingLattice(shape={self.shape}, J={self.J}, h={h}, beta={self.beta}, "
            f"boundary={self.boundary!r})"
        )

    # ------------------------------------------------------------------ geometry
    @property
    def field_uniform(self) -> bool:
        """Whether the field ``h`` is one number for every site."""
        return np.ndim(self.h) == 0

    @property
    def zero_field(self) -> bool:
        """Whether the field ``h`` is zero at every site."""
        return bool(np.all(np.asarray(self.h) == 0))

    def field_grid(self):
        """The field as a (L1, L2) array; a zero-stride view when uniform (no N-sized copy)."""
        return np.broadcast_to(np.asarray(self.h, np.float64), self.shape)

    def field_flat(self):
        """The field as a flat (N,) float64 array (a copy)."""
        return np.broadcast_to(np.asarray(self.h, dtype=np.float64), self.shape).ravel().copy()

    def bonds(self) -> np.ndarray:
        """Nearest-neighbour bonds (flat site indices), each once."""
        if "bonds" not in self._cache:
            self._cache["bonds"] = ising_exact.lattice_bonds(self.shape, self.boundary).astype(
                np.int64
            )
        return self._cache["bonds"]

    def neighbours(self) -> np.ndarray:
        """``int64[N, 2 d]`` neighbour table; -1 where an open boundary has no neighbour."""
        if "nbr" not in self._cache:
            idx = np.arange(self.n_sites).reshape(self.shape)
            cols = []
            for ax, L in enumerate(self.shape):
                for shift in (1, -1):
                    nb = np.roll(idx, shift, axis=ax).copy()
                    if self.boundary == "open" or L == 1:
                        sl = [slice(None)] * len(self.shape)
                        sl[ax] = 0 if shift == 1 else L - 1
                        nb[tuple(sl)] = -1
                    cols.append(nb.ravel())
            self._cache["nbr"] = np.stack(cols, axis=1).astype(np.int64)
        return self._cache["nbr"]

    def colors(self):
        """The flat site indices of the two checkerboard colours (even, odd coordinate sum)."""
        coords = np.indices(self.shape).reshape(len(self.shape), -1)
        parity = coords.sum(axis=0) % 2
        return np.flatnonzero(parity == 0), np.flatnonzero(parity == 1)

    # ------------------------------------------------------------------ energies
    def energy_magnetization(self, spins, out_e, out_m):
        """Energies and magnetizations of int8 spins ``(n, *shape)`` into ``out_e``, ``out_m``."""
        spins = np.ascontiguousarray(spins)
        if len(self.shape) == 2:
            _energy_magnetization_2d(
                spins, self.field_grid(), self.J, self.boundary == "periodic", out_e, out_m
            )
        else:
            _energy_magnetization(
                spins.reshape(len(spins), -1),
                self.bonds(),
                self.field_flat(),
                self.J,
                out_e,
                out_m,
            )

    def energy(self, spins):
        """Energy of one configuration (``shape``) or of each of a batch (``(n, *shape)``)."""
        s = check_spins(spins, self.shape)
        batch = s.reshape(-1, *self.shape)
        e = np.empty(len(batch))
        m = np.empty(len(batch))
        self.energy_magnetization(batch, e, m)
        return float(e[0]) if s.ndim == len(self.shape) else e

    def magnetization(self, spins):
        """Sum of the spins (per configuration)."""
        s = check_spins(spins, self.shape)
        m = s.reshape(-1, self.n_sites).sum(axis=1, dtype=np.int64)
        return int(m[0]) if s.ndim == len(self.shape) else m

    def local_field(self, spins):
        """``J * sum of neighbours + h`` at every site (the field each spin feels)."""
        s = check_spins(spins, self.shape).reshape(-1, self.n_sites).astype(np.float64)
        nbr = self.neighbours()
        padded = np.concatenate([s, np.zeros((len(s), 1))], axis=1)  # index -1 -> 0
        out = self.J * padded[:, nbr].sum(axis=2) + self.field_flat()
        return out.reshape(np.shape(spins)).astype(np.float64)

    # ------------------------------------------------------------------ exact
    def as_boltzmann_machine(self):
        """The same distribution as a sparse spin :class:`~pgm_ebm.BoltzmannMachine`
        (couplings beta J on the bonds, fields beta h)."""
        import scipy.sparse as sp

        from pgm_ebm.models.boltzmann import BoltzmannMachine

        bonds = self.bonds()
        w = np.full(len(bonds), self.beta * self.J)
        A = sp.coo_matrix((w, (bonds[:, 0], bonds[:, 1])), shape=(self.n_sites, self.n_sites))
        return BoltzmannMachine((A + A.T).tocsr(), self.beta * self.field_flat(), "spin")

    def log_partition(self, method: str = "auto") -> LogZResult:
        """Exact log Z: ``"exact-enumeration"`` (N <= 24), ``"exact-kaufman"`` (2D torus, no
        field), ``"exact-transfer-matrix"`` (2D strips of width <= 12, uniform field), or
        ``"exact"``/``"auto"`` (the first of these that applies; the result says which).
        The estimates (``"ais"``, ``"thermodynamic-integration"``, ``"mean-field"``,
        ``"bethe"``) are :func:`pgm_ebm.partition.log_partition`'s: a model does not depend
        on the estimators built on it."""
        if method not in ("auto", "exact", *EXACT_METHODS):
            raise ValueError(
                f"IsingLattice.log_partition is exact {('auto', 'exact', *EXACT_METHODS)}, got "
                f"{method!r}; for estimates use pgm_ebm.partition.log_partition(model, method)"
            )
        two_d = len(self.shape) == 2
        if method in ("auto", "exact"):
            if self.n_sites <= 20:
                method = "exact-enumeration"
            elif two_d and self.boundary == "periodic" and self.zero_field and self.J > 0:
                method = "exact-kaufman"
            elif two_d and self.field_uniform and min(self.shape) <= 12:
                method = "exact-transfer-matrix"
            else:
                raise ValueError(
                    "no exact method applies to this lattice (enumeration needs "
                    "N <= 24, Kaufman a 2D torus without field, the transfer "
                    "matrix a 2D strip of width <= 12)"
                )
        if method == "exact-enumeration":
            return ising_exact.ising_log_partition_enumerate(
                self.shape, self.beta, self.J, self.h, self.boundary
            )
        if not two_d:
            raise ValueError(f"method {method!r} needs a 2D lattice, got shape {self.shape}")
        if method == "exact-kaufman":
            if self.boundary != "periodic" or not self.zero_field:
                raise ValueError("Kaufman's formula needs boundary='periodic' and h=0")
            return ising_exact.kaufman_log_partition(self.shape, self.beta, self.J)
        L1, L2 = self.shape
        shape = (L1, L2) if L2 <= L1 else (L2, L1)
        return ising_exact.transfer_matrix_log_partition(
            shape, self.beta, self.J, self.h, self.boundary
        )

    # ------------------------------------------------------------------ chains: init / step
    def init_chains(
        self, n_chains: int, *, sampler: str = "metropolis", init="random", random_state=None
    ) -> ChainState:
        """Chains ready to be stepped: configurations from ``init`` ("random", "up",
        "down" or spins), one stream per chain and lattice row, and the ``sampler``'s sweep
        (the registry's ``init``: :func:`pgm_ebm.samplers.get_sampler`).  AIS, tempering and
        annealing loops drive them with :meth:`step` and :meth:`measure` (the
        single-layout samplers: metropolis, heatbath, wolff, swendsen-wang)."""
        move = get_sampler(sampler, self)
        return move.init(self, n_chains, init=init, random_state=random_state)

    def step(self, state: ChainState, betas) -> ChainState:
        """One sweep of every chain of ``state`` (in place), chain ``c`` at ``betas[c]``."""
        return get_sampler(state.sampler, self).step(self, state, betas)

    def measure(self, state: ChainState):
        """``(energies, magnetizations)`` of the chains of ``state``, each (n_chains,)."""
        return _lattice.measure(self, state)

    def sample(
        self,
        n_sweeps: int,
        n_chains: int = 1,
        sampler: str = "metropolis",
        random_state=None,
        device: str = "cpu",
        *,
        init="random",
        burn_in: int = 0,
        measure_every: int = 1,
        return_trace: bool = False,
        beta_schedule=None,
        progress: bool = False,
    ):
        """Run ``n_chains`` independent chains for ``n_sweeps`` sweeps.

        Parameters
        ----------
        n_sweeps : int
            Sweeps after ``burn_in``.  A sweep is one checkerboard pass over every site
            (Metropolis, heat bath, multispin), one Swendsen-Wang update, or a fixed
            number of Wolff clusters: N / (mean cluster size), estimated during burn-in
            and then frozen (one cluster per sweep when ``burn_in=0``).
        n_chains : int
            Independent chains (for ``"multispin"``: words of 64 replicas each, so the
            result holds ``64 * n_chains`` configurations).
        sampler : {"metropolis", "heatbath", "wolff", "swendsen-wang", "multispin"}
        random_state : None, int or numpy.random.Generator
        device : {"cpu", "cuda", "auto"}
            ``"cuda"`` runs "metropolis" and "heatbath" on periodic 2D lattices with a
            uniform field, and "multispin", on the GPU (:mod:`pgm_ebm.cuda`, the ``cuda``
            extra), chains kept on the device between sweeps, with the CPU's bits for the
            same seed; other samplers and lattices raise ValueError.  ``"auto"`` takes the
            GPU when one is usable there and the CPU otherwise.
        init : "random", "up", "down" or array of spins
        burn_in : int
            Sweeps run before measuring.
        measure_every : int
            Record energy and magnetization every this many sweeps.
        return_trace : bool
            Measure energies and magnetizations: the result's ``trace`` (else None).

        Returns
        -------
        SampleResult
            ``spins`` (n_chains, *shape) int8, ``trace`` (with ``return_trace``), the
            ``sampler`` and ``info``: what every sampler of the library returns.
        beta_schedule : array of length ``burn_in + n_sweeps``, optional
            Inverse temperature per sweep (simulated annealing); default ``self.beta``.
        progress : bool
            Show a progress bar.
        """
        return _lattice.sample(
            self, n_sweeps, n_chains, sampler, random_state, device, init, burn_in,
            measure_every, return_trace, beta_schedule, progress,
        )  # fmt: skip

    def parallel_tempering(
        self,
        betas,
        n_sweeps: int,
        *,
        sampler: str = "metropolis",
        random_state=None,
        burn_in: int = 0,
        swap_every: int = 1,
        progress: bool = False,
        device: str = "cpu",
    ):
        """Replica exchange: one chain per inverse temperature, neighbours swapped by Metropolis.

        Returns a :class:`SampleResult` whose ``spins`` are ordered by ``betas``, whose trace
        holds each temperature's energies and magnetizations, and whose ``info`` holds
        ``swap_acceptance`` (one rate per neighbouring pair) and the ``betas``.  ``device``:
        as for :meth:`sample` (on the GPU the sweeps run there; the energies measured for the
        swaps come back after every sweep).
        """
        return _lattice.parallel_tempering(
            self, betas, n_sweeps, sampler, random_state, burn_in, swap_every, progress, device
        )
