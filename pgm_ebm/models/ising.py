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
        """The field at every site, as an array of the lattice's shape.

        Returns
        -------
        ndarray of shape ``shape``
            A read-only zero-stride view when the field is uniform (no N-sized copy).

        Examples
        --------
        >>> from pgm_ebm import IsingLattice
        >>> IsingLattice((2, 3), h=0.5).field_grid().tolist()
        [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
        """
        return np.broadcast_to(np.asarray(self.h, np.float64), self.shape)

    def field_flat(self):
        """The field at every site, flat (site ``i`` is ``np.unravel_index(i, shape)``).

        Returns
        -------
        ndarray of float64, shape (n_sites,)
            A new array.

        Examples
        --------
        >>> from pgm_ebm import IsingLattice
        >>> IsingLattice(3, h=[0.1, 0.0, -0.1]).field_flat().tolist()
        [0.1, 0.0, -0.1]
        """
        return np.broadcast_to(np.asarray(self.h, dtype=np.float64), self.shape).ravel().copy()

    def bonds(self) -> np.ndarray:
        """The nearest-neighbour bonds, each once, as pairs of flat site indices.

        Returns
        -------
        ndarray of int64, shape (n_bonds, 2)
            ``d * N`` bonds on a torus of ``N`` sites in ``d`` dimensions (sides of 1 or 2
            excepted), fewer with open boundaries.

        Examples
        --------
        >>> from pgm_ebm import IsingLattice
        >>> lat = IsingLattice((3, 4), boundary="open")
        >>> len(lat.bonds()), lat.bonds()[:2].tolist()  # 3 * 3 + 2 * 4
        (17, [[0, 4], [1, 5]])
        """
        if "bonds" not in self._cache:
            self._cache["bonds"] = ising_exact.lattice_bonds(self.shape, self.boundary).astype(
                np.int64
            )
        return self._cache["bonds"]

    def neighbours(self) -> np.ndarray:
        """The neighbour table of every site.

        Returns
        -------
        ndarray of int64, shape (n_sites, 2 * d)
            The flat indices of each site's neighbours, axis by axis (+1 then -1 shift); -1
            where an open boundary has no neighbour.

        Examples
        --------
        >>> from pgm_ebm import IsingLattice
        >>> IsingLattice((3, 4), boundary="open").neighbours()[0].tolist()
        [-1, 4, -1, 1]
        """
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
        """The two checkerboard colours: sites of even and of odd coordinate sum.

        No two neighbours share a colour on an open lattice or a torus of even sides, so a
        colour's spins can be updated in parallel.

        Returns
        -------
        even : ndarray of int
            Flat indices of the sites with an even coordinate sum.
        odd : ndarray of int
            Flat indices of the others.

        Examples
        --------
        >>> from pgm_ebm import IsingLattice
        >>> even, odd = IsingLattice((2, 2)).colors()
        >>> even.tolist(), odd.tolist()
        ([0, 3], [1, 2])
        """
        coords = np.indices(self.shape).reshape(len(self.shape), -1)
        parity = coords.sum(axis=0) % 2
        return np.flatnonzero(parity == 0), np.flatnonzero(parity == 1)

    # ------------------------------------------------------------------ energies
    def energy_magnetization(self, spins, out_e, out_m):
        """Energies and magnetizations of a batch of configurations, written into given arrays.

        The allocation-free form of :meth:`energy` and :meth:`magnetization` that the samplers
        call once per measurement.

        Parameters
        ----------
        spins : ndarray of int8, shape ``(n, *shape)``
            Configurations of +-1 spins.
        out_e : ndarray of float64, shape (n,)
            Receives the energies.
        out_m : ndarray of float64, shape (n,)
            Receives the magnetizations (sums of the spins).

        Raises
        ------
        ValueError
            If ``spins`` is not int8 of shape ``(n, *shape)`` or an output is not a writeable
            float64 array of length n (they go to a compiled kernel, which does not check
            bounds).

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import IsingLattice
        >>> lat = IsingLattice((4, 4))
        >>> e, m = np.empty(2), np.empty(2)
        >>> lat.energy_magnetization(np.ones((2, 4, 4), dtype=np.int8), e, m)
        >>> e.tolist(), m.tolist()  # 32 bonds, all satisfied
        ([-32.0, -32.0], [16.0, 16.0])
        """
        spins = np.ascontiguousarray(spins)
        if spins.dtype != np.int8 or spins.shape[1:] != self.shape:
            raise ValueError(
                f"spins must be int8 of shape (n, {', '.join(map(str, self.shape))}), got "
                f"{spins.dtype} {spins.shape}"
            )
        for name, out in (("out_e", out_e), ("out_m", out_m)):
            if not (
                isinstance(out, np.ndarray) and out.dtype == np.float64
                and out.shape == (len(spins),) and out.flags.writeable
            ):  # fmt: skip
                raise ValueError(
                    f"{name} must be a writeable float64 array of shape ({len(spins)},)"
                )
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
        """Energy ``E(s) = -J sum_<ij> s_i s_j - sum_i h_i s_i`` of one configuration or a batch.

        Parameters
        ----------
        spins : array_like of +-1, shape ``shape`` or ``(n, *shape)``
            One configuration or a batch.

        Returns
        -------
        float or ndarray of shape (n,)
            The energy (at temperature 1: ``beta`` does not enter).

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import IsingLattice
        >>> lat = IsingLattice((3, 4), h=0.1, boundary="open")
        >>> lat.energy(np.ones((3, 4)))  # -17 bonds - 0.1 * 12 sites
        -18.2
        """
        s = check_spins(spins, self.shape)
        batch = s.reshape(-1, *self.shape)
        e = np.empty(len(batch))
        m = np.empty(len(batch))
        self.energy_magnetization(batch, e, m)
        return float(e[0]) if s.ndim == len(self.shape) else e

    def magnetization(self, spins):
        """The sum of the spins of one configuration or of each of a batch.

        Parameters
        ----------
        spins : array_like of +-1, shape ``shape`` or ``(n, *shape)``
            One configuration or a batch.

        Returns
        -------
        int or ndarray of int64, shape (n,)
            The magnetization (not per spin).

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import IsingLattice
        >>> IsingLattice((2, 2)).magnetization([[1, 1], [1, -1]])
        2
        """
        s = check_spins(spins, self.shape)
        m = s.reshape(-1, self.n_sites).sum(axis=1, dtype=np.int64)
        return int(m[0]) if s.ndim == len(self.shape) else m

    def local_field(self, spins):
        """The field each spin feels, ``J * (sum of its neighbours) + h``, at every site.

        Parameters
        ----------
        spins : array_like of +-1, shape ``shape`` or ``(n, *shape)``
            One configuration or a batch.

        Returns
        -------
        ndarray of float64, the shape of ``spins``
            The local fields; a spin flip changes the energy by ``2 s_i f_i``.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import IsingLattice
        >>> IsingLattice((3, 4), h=0.1, boundary="open").local_field(np.ones((3, 4)))[0].tolist()
        [2.1, 3.1, 3.1, 2.1]
        """
        s = check_spins(spins, self.shape).reshape(-1, self.n_sites).astype(np.float64)
        nbr = self.neighbours()
        padded = np.concatenate([s, np.zeros((len(s), 1))], axis=1)  # index -1 -> 0
        out = self.J * padded[:, nbr].sum(axis=2) + self.field_flat()
        return out.reshape(np.shape(spins)).astype(np.float64)

    # ------------------------------------------------------------------ exact
    def as_boltzmann_machine(self):
        """The same distribution as a sparse spin :class:`~pgm_ebm.BoltzmannMachine`.

        Couplings ``beta * J`` on the bonds and fields ``beta * h``, at temperature 1: the
        general model's samplers, enumeration and estimators then apply to the lattice.

        Returns
        -------
        BoltzmannMachine
            ``n_sites`` spin units with CSR couplings.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import IsingLattice
        >>> lat = IsingLattice((3, 4), h=0.1, beta=0.4, boundary="open")
        >>> bm = lat.as_boltzmann_machine()
        >>> bool(np.isclose(bm.log_partition().log_z, lat.log_partition().log_z))
        True
        """
        import scipy.sparse as sp

        from pgm_ebm.models.boltzmann import BoltzmannMachine

        bonds = self.bonds()
        w = np.full(len(bonds), self.beta * self.J)
        A = sp.coo_matrix((w, (bonds[:, 0], bonds[:, 1])), shape=(self.n_sites, self.n_sites))
        return BoltzmannMachine((A + A.T).tocsr(), self.beta * self.field_flat(), "spin")

    def log_partition(self, method: str = "auto") -> LogZResult:
        """Exact log Z of the lattice at its ``beta``.

        The estimates (``"ais"``, ``"thermodynamic-integration"``, ``"mean-field"``,
        ``"bethe"``) are :func:`pgm_ebm.partition.log_partition`'s: a model does not depend on
        the estimators built on it.

        Parameters
        ----------
        method : str
            ``"exact-enumeration"`` (N <= 24), ``"exact-kaufman"`` (2D torus, no field, J > 0),
            ``"exact-transfer-matrix"`` (2D strips of width <= 12, uniform field), or
            ``"exact"`` / ``"auto"``: enumeration up to 20 sites, else the first of the other
            two that applies.

        Returns
        -------
        LogZResult
            ``log_z``, the ``method`` used (exact: ``std_err`` 0) and its settings.

        Raises
        ------
        ValueError
            If ``method`` is not an exact method, or the method does not apply to this lattice.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import IsingLattice
        >>> res = IsingLattice((16, 16), beta=0.4).log_partition()
        >>> res.method, round(res.log_z / 256, 4)
        ('exact-kaufman', 0.8798)
        """
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
        """Chains ready to be stepped by :meth:`step` and measured by :meth:`measure`.

        The registry's ``init`` (:func:`pgm_ebm.samplers.get_sampler`): configurations from
        ``init``, one random stream per chain and lattice row, and the ``sampler``'s sweep.
        AIS, tempering and annealing loops drive them.

        Parameters
        ----------
        n_chains : int
            Number of chains.
        sampler : {"metropolis", "heatbath", "wolff", "swendsen-wang"}
            The move (``"multispin"`` has a packed layout of its own and runs only in
            :meth:`sample`).
        init : "random", "up", "down" or array_like of +-1
            Starting configurations: uniformly random, all +1, all -1, or given spins (one
            configuration or ``n_chains``; copied).
        random_state : None, int or numpy.random.Generator
            Seed of the configurations and streams.

        Returns
        -------
        ChainState
            The chains' ``spins`` ``(n_chains, *shape)``, streams and sweep.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import IsingLattice
        >>> lat = IsingLattice((4, 4))
        >>> state = lat.init_chains(3, sampler="heatbath", init="up", random_state=0)
        >>> lat.measure(state)[1].tolist()
        [16.0, 16.0, 16.0]
        """
        move = get_sampler(sampler, self)
        return move.init(self, n_chains, init=init, random_state=random_state)

    def step(self, state: ChainState, betas) -> ChainState:
        """One sweep of every chain of ``state``, in place, chain ``c`` at inverse temperature
        ``betas[c]``.

        Parameters
        ----------
        state : ChainState
            From :meth:`init_chains`.
        betas : array_like of shape (n_chains,)
            Inverse temperatures (the model's own ``beta`` is not used).

        Returns
        -------
        ChainState
            ``state``, advanced.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import IsingLattice
        >>> lat = IsingLattice((8, 8))
        >>> state = lat.init_chains(2, init="up", random_state=0)
        >>> for _ in range(100):
        ...     state = lat.step(state, [0.05, 1.0])  # one hot chain, one cold
        >>> e, m = lat.measure(state)
        >>> bool(abs(m[0]) < 40), m[1] == 64
        (True, np.True_)
        """
        return get_sampler(state.sampler, self).step(self, state, betas)

    def measure(self, state: ChainState):
        """The energies and magnetizations of the chains of ``state``.

        Parameters
        ----------
        state : ChainState
            From :meth:`init_chains`.

        Returns
        -------
        energies : ndarray of shape (n_chains,)
            Each chain's energy (at temperature 1).
        magnetizations : ndarray of shape (n_chains,)
            Each chain's sum of spins.

        Examples
        --------
        >>> from pgm_ebm import IsingLattice
        >>> lat = IsingLattice((4, 4))
        >>> energies, mags = lat.measure(lat.init_chains(2, init="down", random_state=0))
        >>> energies.tolist(), mags.tolist()
        ([-32.0, -32.0], [-16.0, -16.0])
        """
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
            The move (see :func:`pgm_ebm.samplers.available_samplers`): Wolff and
            Swendsen-Wang need ``h = 0`` and ``J > 0``, multispin a 2D torus as well.
        random_state : None, int or numpy.random.Generator
            Seed of the configurations and of the chains' streams.
        device : {"cpu", "cuda", "auto"}
            ``"cuda"`` runs "metropolis" and "heatbath" on periodic 2D lattices with a
            uniform field, and "multispin", on the GPU (:mod:`pgm_ebm.cuda`, the ``cuda``
            extra), chains kept on the device between sweeps, with the CPU's bits for the
            same seed; other samplers and lattices raise ValueError.  ``"auto"`` takes the
            GPU when one is usable there and the CPU otherwise.
        init : "random", "up", "down" or array_like of +-1
            Starting configurations: uniformly random, all +1, all -1, or given spins
            (one configuration or ``n_chains``; copied).
        burn_in : int
            Sweeps run before measuring.
        measure_every : int
            Record energy and magnetization every this many sweeps.
        return_trace : bool
            Measure energies and magnetizations: the result's ``trace`` (else None).
        beta_schedule : array_like of length ``burn_in + n_sweeps``, optional
            Inverse temperature per sweep (simulated annealing); default ``self.beta``.
        progress : bool
            Show a progress bar.

        Returns
        -------
        SampleResult
            ``spins`` ``(n_chains, *shape)`` int8, ``trace`` (with ``return_trace``), the
            ``sampler`` and ``info``: what every sampler of the library returns.

        Raises
        ------
        ValueError
            If a setting is out of range, the sampler does not apply to this lattice, or
            ``device="cuda"`` for a sampler or lattice without a GPU path.

        Examples
        --------
        The magnetization per spin of a 32 x 32 torus below T_c, with its standard error:

        >>> import numpy as np
        >>> from pgm_ebm import IsingLattice
        >>> lat = IsingLattice((32, 32), beta=0.5)
        >>> res = lat.sample(500, n_chains=4, sampler="wolff", burn_in=100,
        ...                  return_trace=True, random_state=0)
        >>> value, err = res.trace.observables()["abs_m"]
        >>> bool(abs(value - 0.911) < 5 * err + 0.01)  # Yang: 0.9113 for L -> infinity
        True

        Simulated annealing from random spins towards the ground state (-2 per spin; a
        quench may leave domain walls):

        >>> res = lat.sample(300, n_chains=2, beta_schedule=np.linspace(0.1, 2.0, 300),
        ...                  random_state=0)
        >>> (lat.energy(res.spins) / lat.n_sites).round(2).tolist()
        [-1.86, -2.0]
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

        Parameters
        ----------
        betas : array_like of shape (n_temperatures,)
            Increasing or decreasing inverse temperatures, >= 0 (the model's own ``beta`` is
            not used).
        n_sweeps : int
            Measured sweeps, after ``burn_in``.
        sampler : {"metropolis", "heatbath", "wolff", "swendsen-wang"}
            The move within each replica.
        random_state : None, int or numpy.random.Generator
            Seed of the replicas and the swap decisions.
        burn_in : int
            Sweeps before measuring.
        swap_every : int
            Sweeps between rounds of swaps (even and odd pairs alternating).
        progress : bool
            Show a progress bar.
        device : {"cpu", "cuda", "auto"}
            As for :meth:`sample`: on the GPU the sweeps run there and the energies measured
            for the swaps come back after every sweep.

        Returns
        -------
        SampleResult
            ``spins`` ordered by ``betas``; ``trace`` with each temperature's energies and
            magnetizations; ``info["swap_acceptance"]`` (one rate per neighbouring pair) and
            ``info["betas"]``.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import IsingLattice
        >>> lat = IsingLattice((8, 8))
        >>> res = lat.parallel_tempering(np.linspace(0.3, 0.6, 6), 200, burn_in=50,
        ...                              random_state=0)
        >>> res.spins.shape, res.trace.energy.shape, bool(np.all(res.info["swap_acceptance"] > 0))
        ((6, 8, 8), (6, 200), True)
        """
        return _lattice.parallel_tempering(
            self, betas, n_sweeps, sampler, random_state, burn_in, swap_every, progress, device
        )
