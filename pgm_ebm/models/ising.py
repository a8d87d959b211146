"""Ising models on 1D, 2D square and 3D cubic lattices.

Energy ``E(s) = -J sum_<ij> s_i s_j - sum_i h_i s_i`` with int8 spins ``s_i = +-1``
and ``p(s) proportional to exp(-beta E(s))``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from pgm_ebm._rng import check_random_state, seed_streams
from pgm_ebm._threads import numba_threads
from pgm_ebm._validation import as_real_array, check_memory, check_positive_int
from pgm_ebm.kernels.metropolis import (
    _checkerboard_2d,
    _checkerboard_generic,
    _checkerboard_split,
    _energy_magnetization,
    _energy_magnetization_2d,
    _multispin_2d,
    _swendsen_wang,
    _wolff,
)
from pgm_ebm.partition import ising_exact
from pgm_ebm.partition.result import LogZResult
from pgm_ebm.samplers.exchange import swap_neighbours
from pgm_ebm.samplers.result import ChainState, SampleResult, Trace

SAMPLERS = ("metropolis", "heatbath", "wolff", "swendsen-wang", "multispin")
EXACT_METHODS = ("exact-enumeration", "exact-kaufman", "exact-transfer-matrix")
_CHECKERBOARD = ("metropolis", "heatbath", "multispin")
_CLUSTER = ("wolff", "swendsen-wang")


def _check_spins(spins, shape, name="spins"):
    a = np.asarray(spins)
    if a.shape[-len(shape) :] != tuple(shape):
        raise ValueError(f"{name} must have trailing shape {tuple(shape)}, got {a.shape}")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be real numbers with values +-1, got dtype {a.dtype}")
    if not np.all((a == 1) | (a == -1)):
        bad = a[(a != 1) & (a != -1)].ravel()[0]
        raise ValueError(f"{name} must hold spins -1 or +1; found {bad!r}")
    return a.astype(np.int8)


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
        return np.ndim(self.h) == 0

    @property
    def zero_field(self) -> bool:
        return bool(np.all(np.asarray(self.h) == 0))

    def _field_2d(self):
        """The field as a (L1, L2) array; a zero-stride view when uniform (no N-sized copy)."""
        return np.broadcast_to(np.asarray(self.h, np.float64), self.shape)

    def _field_flat(self):
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

    def _colors(self):
        coords = np.indices(self.shape).reshape(len(self.shape), -1)
        parity = coords.sum(axis=0) % 2
        return np.flatnonzero(parity == 0), np.flatnonzero(parity == 1)

    # ------------------------------------------------------------------ energies
    def _measure(self, spins, out_e, out_m):
        """Energies and magnetizations of int8 spins (n, *shape) into out_e, out_m."""
        spins = np.ascontiguousarray(spins)
        if len(self.shape) == 2:
            _energy_magnetization_2d(
                spins, self._field_2d(), self.J, self.boundary == "periodic", out_e, out_m
            )
        else:
            _energy_magnetization(
                spins.reshape(len(spins), -1),
                self.bonds(),
                self._field_flat(),
                self.J,
                out_e,
                out_m,
            )

    def energy(self, spins):
        """Energy of one configuration (``shape``) or of each of a batch (``(n, *shape)``)."""
        s = _check_spins(spins, self.shape)
        batch = s.reshape(-1, *self.shape)
        e = np.empty(len(batch))
        m = np.empty(len(batch))
        self._measure(batch, e, m)
        return float(e[0]) if s.ndim == len(self.shape) else e

    def magnetization(self, spins):
        """Sum of the spins (per configuration)."""
        s = _check_spins(spins, self.shape)
        m = s.reshape(-1, self.n_sites).sum(axis=1, dtype=np.int64)
        return int(m[0]) if s.ndim == len(self.shape) else m

    def local_field(self, spins):
        """``J * sum of neighbours + h`` at every site (the field each spin feels)."""
        s = _check_spins(spins, self.shape).reshape(-1, self.n_sites).astype(np.float64)
        nbr = self.neighbours()
        padded = np.concatenate([s, np.zeros((len(s), 1))], axis=1)  # index -1 -> 0
        out = self.J * padded[:, nbr].sum(axis=2) + self._field_flat()
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
        return BoltzmannMachine((A + A.T).tocsr(), self.beta * self._field_flat(), "spin")

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

    # ------------------------------------------------------------------ sampling
    def _bytes_needed(self, sampler, n_chains):
        """An upper estimate of what a run allocates: spins and the half-lattice copies,
        streams, and the per-chain work arrays and neighbour table of the cluster moves."""
        N = float(self.n_sites)
        per_site = {"multispin": 24.0, "wolff": 20.0, "swendsen-wang": 40.0}.get(sampler, 3.0)
        shared = 16.0 * len(self.shape) * N if sampler in ("wolff", "swendsen-wang") else 0.0
        return n_chains * (per_site * N + 16.0 * self.shape[0]) + shared

    def _initial(self, init, n_chains, rng):
        if isinstance(init, str):
            if init == "random":
                s = rng.integers(0, 2, size=(n_chains, *self.shape), dtype=np.int8)
                s *= 2  # in place: no temporaries on large lattices
                s -= 1
                return s
            if init in ("up", "down"):
                return np.full((n_chains, *self.shape), 1 if init == "up" else -1, dtype=np.int8)
            raise ValueError(f"init must be 'random', 'up', 'down' or an array, got {init!r}")
        s = _check_spins(init, self.shape, name="init")
        s = np.broadcast_to(s, (n_chains, *self.shape)) if s.ndim == len(self.shape) else s
        if s.shape[0] != n_chains:
            raise ValueError(f"init must hold n_chains={n_chains} configurations, got {s.shape[0]}")
        return np.array(s, dtype=np.int8)  # a copy: the caller's array is never modified

    # ------------------------------------------------------------------ chains: init / step
    def init_chains(
        self, n_chains: int, *, sampler: str = "metropolis", init="random", random_state=None
    ) -> ChainState:
        """Chains ready to be stepped: configurations from ``init`` ("random", "up",
        "down" or spins), one stream per chain and lattice row, and the ``sampler``'s sweep.
        AIS, tempering and annealing loops drive them with :meth:`step` and
        :meth:`measure` (the single-layout samplers: metropolis, heatbath, wolff,
        swendsen-wang)."""
        n_chains = check_positive_int(n_chains, "n_chains")
        self._check_sampler(sampler)
        if sampler == "multispin":
            raise ValueError("init_chains runs one chain per configuration: not 'multispin'")
        rng = check_random_state(random_state)
        streams = seed_streams(rng, n_chains * self.shape[0])
        spins = self._initial(init, n_chains, rng)
        run = self._runner(sampler, spins, n_chains, streams)
        return ChainState(
            spins=spins,
            streams=streams,
            sampler=sampler,
            advance=run,
            sync=getattr(run, "sync", lambda: None),
        )

    def step(self, state: ChainState, betas) -> ChainState:
        """One sweep of every chain of ``state`` (in place), chain ``c`` at ``betas[c]``."""
        state.advance(np.asarray(betas, dtype=np.float64))
        return state

    def measure(self, state: ChainState):
        """``(energies, magnetizations)`` of the chains of ``state``, each (n_chains,)."""
        state.sync()
        n = len(state.spins)
        e, m = np.empty(n), np.empty(n)
        self._measure(state.spins, e, m)
        return e, m

    def _check_sampler(self, sampler):
        if sampler not in SAMPLERS:
            raise ValueError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
        if sampler in _CLUSTER and (not self.zero_field or self.J <= 0):
            raise ValueError(
                f"sampler={sampler!r} needs h=0 and J>0; use 'metropolis' or 'heatbath'"
            )
        if sampler in _CHECKERBOARD and self.boundary == "periodic":
            odd = [L for L in self.shape if L > 1 and L % 2]
            if odd:
                raise ValueError(
                    f"the checkerboard sampler {sampler!r} needs even sizes on a periodic lattice, "
                    f"got shape {self.shape}; use an even size, boundary='open', or "
                    "sampler='wolff' / 'swendsen-wang' (no field)"
                )
        if sampler == "multispin" and (
            len(self.shape) != 2
            or self.boundary != "periodic"
            or not self.zero_field
            or self.J <= 0
        ):
            raise ValueError("sampler='multispin' needs a 2D periodic lattice with h=0 and J>0")

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
        device : {"cpu", "auto"}
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
        from tqdm.auto import tqdm

        for name, v, lo in (
            ("n_sweeps", n_sweeps, 0),
            ("n_chains", n_chains, 1),
            ("burn_in", burn_in, 0),
            ("measure_every", measure_every, 1),
        ):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < lo:
                raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
        if device not in ("cpu", "auto"):
            raise ValueError(
                f"device must be 'cpu' or 'auto' for IsingLattice, got {device!r}"
                + (" (no CUDA path for lattices yet)" if device == "cuda" else "")
            )
        self._check_sampler(sampler)
        check_memory(
            self._bytes_needed(sampler, n_chains),
            f"{n_chains} chain(s) of the {' x '.join(map(str, self.shape))} lattice ({sampler})",
            "the lattice or n_chains",
        )
        total = burn_in + n_sweeps
        if beta_schedule is not None:
            sched = np.asarray(beta_schedule, dtype=np.float64)
            if sched.shape != (total,) or not np.all(np.isfinite(sched)) or np.any(sched < 0):
                raise ValueError(
                    f"beta_schedule must hold {total} finite values >= 0, got shape {sched.shape}"
                )
        else:
            sched = np.full(total, self.beta)
        rng = check_random_state(random_state)
        rows = self.shape[0]
        streams = seed_streams(rng, n_chains * rows)
        multispin = sampler == "multispin"
        if multispin:
            if isinstance(init, str) and init == "random":  # random bits are random spins
                state = rng.integers(
                    0, 2**64, size=(n_chains, *self.shape), dtype=np.uint64, endpoint=False
                )
            else:
                state = _pack(self._initial(init, 64 * n_chains, rng))
        else:
            state = self._initial(init, n_chains, rng)
        runner = self._runner(sampler, state, n_chains, streams)
        betas = np.empty(n_chains)
        energies, mags, sweeps = [], [], []
        bar = tqdm(total=total, disable=not progress, desc=f"{sampler} sweeps", unit="sweep")
        clusters = getattr(runner, "clusters", None)
        sync = getattr(runner, "sync", lambda: None)  # split layouts write back into state
        for t in range(total):
            if clusters is not None and t == burn_in:
                clusters["adapt"] = False  # fixed number of Wolff clusters per sweep from here
            betas[:] = sched[t]
            runner(betas)
            bar.update(1)
            if return_trace and t >= burn_in and (t - burn_in) % measure_every == 0:
                sync()
                spins = _unpack(state) if multispin else state
                e = np.empty(len(spins))
                m = np.empty(len(spins))
                self._measure(spins, e, m)
                energies.append(e)
                mags.append(m)
                sweeps.append(t)
        bar.close()
        sync()
        spins = _unpack(state) if multispin else state
        info = {"wolff_clusters_per_sweep": clusters["n"]} if clusters is not None else {}
        if not return_trace:
            return SampleResult(spins=spins, trace=None, sampler=sampler, info=info)
        trace = Trace(
            energy=np.array(energies).T if energies else np.zeros((len(spins), 0)),
            magnetization=np.array(mags).T if mags else np.zeros((len(spins), 0)),
            n_sites=self.n_sites,
            beta=sched[burn_in:] if beta_schedule is not None else self.beta,
            sweep_numbers=np.array(sweeps, dtype=np.int64),
        )
        return SampleResult(spins=spins, trace=trace, sampler=sampler, info=info)

    def _runner(self, sampler, state, n_chains, streams):
        """A function ``run(betas)`` doing one sweep of ``sampler`` on ``state`` in place,
        chain ``c`` at inverse temperature ``betas[c]``."""
        rows = self.shape[0]
        J = self.J
        if sampler in ("metropolis", "heatbath") and len(self.shape) == 2:
            heat = sampler == "heatbath"
            periodic = self.boundary == "periodic"
            if not (self.field_uniform and periodic):  # open boundaries or a site field
                field2d = self._field_2d()

                def run(betas):
                    for color in (0, 1):
                        _checkerboard_2d(state, color, field2d, betas, J, periodic, heat, streams)

                return run
            # periodic with a uniform field: the checkerboard-split layout (same bits)
            A, B = _split_colors(state)
            table = np.zeros((n_chains, 10), dtype=np.float32)
            e4 = np.zeros(n_chains, dtype=np.float32)
            e8 = np.zeros(n_chains, dtype=np.float32)
            h = float(self.h)
            mode = 1 if heat else (2 if h == 0.0 and J > 0 else 0)
            nb = np.arange(-4, 5, 2, dtype=np.float64)
            small = state.size < SMALL_LATTICE

            def run(betas):
                bb = betas[:, None]
                if mode == 1:
                    table[:, :5] = 1 / (1 + np.exp(-2 * bb * (J * nb + h)))
                elif mode == 0:
                    for si, sp in enumerate((-1.0, 1.0)):
                        table[:, 5 * si : 5 * si + 5] = np.minimum(
                            1.0, np.exp(-bb * 2 * sp * (J * nb + h))
                        )
                else:
                    e4[:] = np.exp(-4 * betas * J)
                    e8[:] = np.exp(-8 * betas * J)
                with numba_threads(1 if small else None):
                    for color in (0, 1):
                        _checkerboard_split(A, B, color, table, e4, e8, mode, streams)

            run.sync = lambda: _merge_colors(A, B, state)
            return run
        if sampler == "multispin":

            def run(betas):
                beta = float(betas[0])
                p4, p8 = np.float32(math.exp(-4 * beta * J)), np.float32(math.exp(-8 * beta * J))
                for color in (0, 1):
                    _multispin_2d(state, color, p4, p8, streams)

            return run
        flat = state.reshape(n_chains, -1)
        if sampler in ("metropolis", "heatbath"):
            s0, s1 = self._colors()
            nbr, hflat, heat = self.neighbours(), self._field_flat(), sampler == "heatbath"

            def run(betas):
                _checkerboard_generic(flat, s0, s1, nbr, hflat, betas, J, heat, streams, rows)

            return run
        if sampler == "wolff":
            nbr = self.neighbours()
            flipped = np.zeros(n_chains, dtype=np.int64)
            clusters = {"n": 1, "adapt": True}

            def run(betas):
                # clusters per sweep: N / mean cluster size, re-estimated only while
                # adapt is on (burn-in); fixed afterwards, so the chain is a fixed
                # composition of Wolff steps and samples the Boltzmann distribution
                _wolff(flat, nbr, 1 - np.exp(-2 * betas * J), clusters["n"], streams, rows, flipped)
                if clusters["adapt"]:
                    mean_size = flipped.mean() / clusters["n"]
                    clusters["n"] = max(1, int(round(self.n_sites / mean_size)))

            run.clusters = clusters
            return run
        bonds = self.bonds()

        def run(betas):  # swendsen-wang
            _swendsen_wang(flat, bonds, 1 - np.exp(-2 * betas * J), streams, rows)

        return run

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
    ):
        """Replica exchange: one chain per inverse temperature, neighbours swapped by Metropolis.

        Returns a :class:`SampleResult` whose ``spins`` are ordered by ``betas``, whose trace
        holds each temperature's energies and magnetizations, and whose ``info`` holds
        ``swap_acceptance`` (one rate per neighbouring pair) and the ``betas``.
        """
        from tqdm.auto import tqdm

        b = np.asarray(betas, dtype=np.float64)
        if b.ndim != 1 or len(b) < 2 or not np.all(np.isfinite(b)) or np.any(b < 0):
            raise ValueError(f"betas must be >= 2 finite values >= 0, got {betas!r}")
        if sampler not in ("metropolis", "heatbath", "wolff", "swendsen-wang"):
            raise ValueError(f"sampler must be a single-chain sampler, got {sampler!r}")
        n_sweeps = check_positive_int(n_sweeps, "n_sweeps")
        burn_in = check_positive_int(burn_in, "burn_in", minimum=0)
        swap_every = check_positive_int(swap_every, "swap_every")
        self._check_sampler(sampler)
        rng = check_random_state(random_state)
        R = len(b)
        check_memory(self._bytes_needed(sampler, R), "parallel tempering", "the lattice or betas")
        rows = self.shape[0]
        streams = seed_streams(rng, R * rows)
        state = self._initial("random", R, rng)
        runner = self._runner(sampler, state, R, streams)
        where = np.arange(R)  # where[k] = replica currently at temperature k
        accepted = np.zeros(R - 1)
        tried = np.zeros(R - 1)
        E, M = [], []
        e = np.empty(R)
        m = np.empty(R)
        total = burn_in + n_sweeps
        for t in tqdm(range(total), disable=not progress, desc="parallel tempering"):
            runner(b[np.argsort(where)])  # replica r runs at the temperature it holds
            getattr(runner, "sync", lambda: None)()
            self._measure(state, e, m)
            if (t + 1) % swap_every == 0:  # even / odd pairs alternate
                swap_neighbours(b, e, where, t % 2, accepted, tried, rng)
            if t >= burn_in:
                E.append(e[where].copy())
                M.append(m[where].copy())
        trace = Trace(
            energy=np.array(E).T, magnetization=np.array(M).T, n_sites=self.n_sites, beta=b
        )
        info = {"betas": b, "swap_acceptance": accepted / np.maximum(tried, 1)}
        return SampleResult(spins=state[where].copy(), trace=trace, sampler=sampler, info=info)


#: Lattices (all chains) below this many sites run their sweeps on one thread: waking the
#: others costs more than a sweep of a few thousand sites.
SMALL_LATTICE = 1 << 16


def _split_colors(spins):
    """int8 (n, L1, L2), L2 even -> (A, B): A[c, i, k] = s[c, i, 2k + i%2], B the other colour."""
    A = np.empty((spins.shape[0], spins.shape[1], spins.shape[2] // 2), dtype=np.int8)
    B = np.empty_like(A)
    A[:, 0::2] = spins[:, 0::2, 0::2]
    A[:, 1::2] = spins[:, 1::2, 1::2]
    B[:, 0::2] = spins[:, 0::2, 1::2]
    B[:, 1::2] = spins[:, 1::2, 0::2]
    return A, B


def _merge_colors(A, B, out):
    """Inverse of :func:`_split_colors`, written into ``out``."""
    out[:, 0::2, 0::2] = A[:, 0::2]
    out[:, 1::2, 1::2] = A[:, 1::2]
    out[:, 0::2, 1::2] = B[:, 0::2]
    out[:, 1::2, 0::2] = B[:, 1::2]
    return out


def _pack(spins):
    """int8 spins (64 n, L1, L2) -> uint64 words (n, L1, L2), replica r of word c = spins[64 c + r].

    One replica at a time, so temporaries stay the size of one lattice."""
    n = spins.shape[0] // 64
    words = np.zeros((n, *spins.shape[1:]), dtype=np.uint64)
    for c in range(n):
        for r in range(64):
            words[c] |= (spins[64 * c + r] > 0).astype(np.uint64) << np.uint64(r)
    return words


def _unpack(words):
    """uint64 words (n, L1, L2) -> int8 spins (64 n, L1, L2), one replica at a time."""
    out = np.empty((64 * words.shape[0], *words.shape[1:]), dtype=np.int8)
    for c in range(words.shape[0]):
        for r in range(64):
            bit = ((words[c] >> np.uint64(r)) & np.uint64(1)).astype(np.int8)
            np.multiply(bit, 2, out=out[64 * c + r])
            out[64 * c + r] -= 1
    return out
