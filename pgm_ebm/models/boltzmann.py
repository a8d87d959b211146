"""General Boltzmann machines: pairwise binary models on any graph.

``E(x) = -1/2 x.J.x - b.x`` with ``J`` symmetric with a zero diagonal (each pair
counted once), units in {0, 1} (``units="binary"``) or {-1, +1} (``units="spin"``).
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from pgm_ebm._rng import check_random_state
from pgm_ebm._validation import as_real_array, check_choice, check_positive_int, check_real
from pgm_ebm.kernels.enumerate import _pairwise_logz_chunks
from pgm_ebm.kernels.gibbs import greedy_coloring
from pgm_ebm.partition.result import LogZResult
from pgm_ebm.samplers import pairwise as _pairwise

#: Largest model enumerated by ``log_partition(method="exact")``.
MAX_ENUMERATED = 30
#: Largest model whose full state table (probabilities, moments) is built.
MAX_TABLE = 20


def _check_J_b(J, b):
    if sp.issparse(J):
        if J.dtype.kind not in "biuf":
            raise ValueError(f"J must be real, got dtype {J.dtype}")
        Js = sp.csr_matrix(J, dtype=np.float64)
        n = Js.shape[0]
        if Js.shape != (n, n):
            raise ValueError(f"J must be square, got shape {Js.shape}")
        if not np.all(np.isfinite(Js.data)):
            raise ValueError("J must be finite")
        if abs(Js - Js.T).max() > 1e-12 * max(1.0, abs(Js).max()):
            raise ValueError("J must be symmetric (J == J.T)")
        if np.any(Js.diagonal() != 0):
            raise ValueError(
                "J must have a zero diagonal (self-couplings are biases: put them in b)"
            )
        Js.eliminate_zeros()
        Jd = None
    else:
        Jd = as_real_array(J, "J", finite=False)  # a copy: the caller's array is never kept
        if Jd.ndim != 2 or Jd.shape[0] != Jd.shape[1]:
            raise ValueError(f"J must be a square matrix, got shape {Jd.shape}")
        if not np.all(np.isfinite(Jd)):
            raise ValueError("J must be finite")
        if not np.allclose(Jd, Jd.T, rtol=0, atol=1e-12 * max(1.0, np.abs(Jd).max())):
            raise ValueError("J must be symmetric (J == J.T)")
        if np.any(np.diag(Jd) != 0):
            raise ValueError(
                "J must have a zero diagonal (self-couplings are biases: put them in b)"
            )
        n = Jd.shape[0]
        Js = sp.csr_matrix(Jd)
    bv = as_real_array(b, "b", finite=False)
    if bv.shape != (n,):
        raise ValueError(f"b must have shape ({n},) to match J, got {bv.shape}")
    if not np.all(np.isfinite(bv)):
        raise ValueError("b must be finite")
    return Jd, Js, bv


class BoltzmannMachine:
    """A pairwise binary model ``p(x) = exp(1/2 x.J.x + b.x) / Z``.

    Parameters
    ----------
    J : array or scipy.sparse matrix of shape (n, n)
        Symmetric couplings with a zero diagonal.
    b : array of shape (n,)
        Biases (fields).
    units : {"binary", "spin"}
        {0, 1} or {-1, +1} units.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import BoltzmannMachine
    >>> bm = BoltzmannMachine(np.array([[0, 1.0], [1.0, 0]]), np.zeros(2), units="spin")
    >>> bool(round(bm.log_partition().log_z, 6) == round(np.log(2 * np.e + 2 / np.e), 6))
    True
    """

    #: the samplers of the registry that move it (:mod:`pgm_ebm.samplers`)
    sampler_kind = "pairwise"

    def __init__(self, J, b, units: str = "binary"):
        if units not in ("binary", "spin"):
            raise ValueError(f"units must be 'binary' or 'spin', got {units!r}")
        self._J_dense, self._J_csr, self.b = _check_J_b(J, b)
        self.units = units
        self.n = len(self.b)

    @property
    def J(self):
        """The couplings (dense array, or CSR when given sparse)."""
        return self._J_dense if self._J_dense is not None else self._J_csr

    @property
    def spin(self) -> bool:
        """Whether the units are -1/+1 (``units="spin"``) rather than 0/1."""
        return self.units == "spin"

    @property
    def values(self):
        """The two unit values: ``(-1, 1)`` for spins, ``(0, 1)`` for binary units."""
        return (-1, 1) if self.spin else (0, 1)

    @property
    def couplings_csr(self):
        """The couplings as a ``scipy.sparse`` CSR matrix (whichever form J was given in)."""
        return self._J_csr

    def couplings_dense(self):
        """The couplings as a dense (n, n) array.

        Returns
        -------
        ndarray of shape (n, n)
            Symmetric with a zero diagonal; a new array when J was given sparse.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BoltzmannMachine
        >>> bm = BoltzmannMachine(np.array([[0, 1.0], [1.0, 0]]), np.array([0.5, -0.5]))
        >>> bm.couplings_dense().tolist()
        [[0.0, 1.0], [1.0, 0.0]]
        """
        return self._J_dense if self._J_dense is not None else self._J_csr.toarray()

    def check_states(self, X, name="X"):
        """Validate states in the model's unit convention.

        Parameters
        ----------
        X : array_like of shape (n_samples, n) or (n,)
            States; a single state becomes one row.
        name : str
            The argument's name in the error message.

        Returns
        -------
        ndarray of float64, shape (n_samples, n)
            A new array.

        Raises
        ------
        ValueError
            If ``X`` has the wrong number of units, is not real, or holds values other than
            the two unit values.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BoltzmannMachine
        >>> bm = BoltzmannMachine(np.array([[0, 1.0], [1.0, 0]]), np.array([0.5, -0.5]))
        >>> bm.check_states([1, 0]).tolist()
        [[1.0, 0.0]]
        >>> bm.check_states([[1, -1]])
        Traceback (most recent call last):
        ...
        ValueError: X must hold units in {0, 1} (units='binary')
        """
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n:
            raise ValueError(f"{name} must have shape (n_samples, {self.n}), got {X.shape}")
        if X.dtype.kind not in "biuf":
            raise ValueError(f"{name} must be real numbers, got dtype {X.dtype}")
        lo, hi = self.values
        if not np.all((X == lo) | (X == hi)):
            raise ValueError(f"{name} must hold units in {{{lo}, {hi}}} (units={self.units!r})")
        return X.astype(np.float64)

    # ------------------------------------------------------------------ energies
    def energy(self, X):
        """The energy ``E(x) = -1/2 x.J.x - b.x`` of each row.

        Parameters
        ----------
        X : array_like of shape (n_samples, n) or (n,)
            States in the model's unit convention.

        Returns
        -------
        ndarray of shape (n_samples,)
            The energies.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BoltzmannMachine
        >>> bm = BoltzmannMachine(np.array([[0, 1.0], [1.0, 0]]), np.array([0.5, -0.5]))
        >>> bm.energy([[1, 1], [0, 1]]).tolist()  # -1 - 0.5 + 0.5, then 0.5
        [-1.0, 0.5]
        """
        Xf = self.check_states(X)
        return -0.5 * np.einsum("ij,ij->i", Xf, (self._J_csr @ Xf.T).T) - Xf @ self.b

    def local_fields(self, X):
        """The field each unit feels, ``b + J x``, for each row.

        Parameters
        ----------
        X : array_like of shape (n_samples, n) or (n,)
            States in the model's unit convention.

        Returns
        -------
        ndarray of shape (n_samples, n)
            ``f_i = b_i + sum_j J_ij x_j``.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BoltzmannMachine
        >>> bm = BoltzmannMachine(np.array([[0, 1.0], [1.0, 0]]), np.array([0.5, -0.5]))
        >>> bm.local_fields([[1, 0]]).tolist()
        [[0.5, 0.5]]
        """
        Xf = self.check_states(X)
        return (self._J_csr @ Xf.T).T + self.b

    def conditional_probabilities(self, X):
        """The probability of each unit being up given all the others, for each row.

        ``sigmoid(f_i)`` for binary units and ``sigmoid(2 f_i)`` for spins, ``f`` the local
        fields: what a heat-bath (Gibbs) update draws from.

        Parameters
        ----------
        X : array_like of shape (n_samples, n) or (n,)
            States in the model's unit convention.

        Returns
        -------
        ndarray of shape (n_samples, n)
            ``p(x_i = up | x_-i)`` (up = 1).

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BoltzmannMachine
        >>> bm = BoltzmannMachine(np.array([[0, 1.0], [1.0, 0]]), np.array([0.5, -0.5]))
        >>> bm.conditional_probabilities([[0, 0]]).round(4).tolist()  # sigmoid(0.5), sigmoid(-0.5)
        [[0.6225, 0.3775]]
        """
        f = self.local_fields(X)
        return expit(2.0 * f if self.spin else f)

    # ------------------------------------------------------------------ exact
    def _check_enumerable(self, limit, what):
        if self.n > limit:
            seconds = 2.0**self.n * self.n * 1e-9
            raise ValueError(
                f"{what} enumerates 2**{self.n} states (about {2.0**self.n * self.n:.1e} "
                f"operations, ~{seconds:.0e} s) and is limited to {limit} units; use MCMC "
                "(sample) or an approximate estimator instead"
            )

    def log_partition(self, method: str = "exact", **options) -> LogZResult:
        """Exact log Z by Gray-code enumeration (chunked, parallel, float64, n <= 30).

        The approximations (``"mean-field"``, ``"bethe"``, AIS) are
        :func:`pgm_ebm.partition.log_partition`'s: a model does not depend on the estimators
        built on it.

        Parameters
        ----------
        method : {"exact", "auto", "exact-enumeration"}
            All three enumerate.
        **options
            None are accepted (kept for the signature shared with the estimators).

        Returns
        -------
        LogZResult
            ``log_z``, ``method="exact-enumeration"``, the number of states and the time taken.

        Raises
        ------
        ValueError
            If ``method`` is not exact, options are given, or ``n > 30`` (the message gives
            the cost of enumerating).

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BoltzmannMachine
        >>> bm = BoltzmannMachine(np.array([[0, 1.0], [1.0, 0]]), np.array([0.5, -0.5]))
        >>> z = 1 + np.exp(-0.5) + np.exp(0.5) + np.exp(1.0)  # states 00, 01, 10, 11
        >>> bool(np.isclose(bm.log_partition().log_z, np.log(z)))
        True
        """
        if method not in ("exact", "auto", "exact-enumeration"):
            raise ValueError(
                "BoltzmannMachine.log_partition is exact ('auto', 'exact', "
                f"'exact-enumeration'), got {method!r}; for '{method}' use "
                "pgm_ebm.partition.log_partition(model, method)"
            )
        if options:
            raise ValueError(f"exact enumeration takes no options, got {sorted(options)}")
        self._check_enumerable(MAX_ENUMERATED, "exact log Z")
        t0 = time.perf_counter()
        chunk_bits = min(self.n, 12)
        n_chunks = 1 << (self.n - chunk_bits)
        mx, sm = np.empty(n_chunks), np.empty(n_chunks)
        _pairwise_logz_chunks(self.couplings_dense(), self.b, self.spin, chunk_bits, mx, sm)
        top = mx.max()
        return LogZResult(
            log_z=float(top + math.log(np.sum(sm * np.exp(mx - top)))),
            method="exact-enumeration",
            settings={"n_units": self.n, "units": self.units, "n_states": 2**self.n},
            n_energy_evals=2**self.n,
            wall_time=time.perf_counter() - t0,
        )

    def all_states(self):
        """All ``2**n`` states (n <= 20), in binary counting order (unit 0 most significant).

        Returns
        -------
        ndarray of int8, shape (2**n, n)
            The states in the model's unit convention.

        Raises
        ------
        ValueError
            If ``n > 20``.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BoltzmannMachine
        >>> bm = BoltzmannMachine(np.array([[0, 1.0], [1.0, 0]]), np.array([0.5, -0.5]))
        >>> bm.all_states().tolist()
        [[0, 0], [0, 1], [1, 0], [1, 1]]
        """
        self._check_enumerable(MAX_TABLE, "the state table")
        k = np.arange(2**self.n)
        bits = (k[:, None] >> np.arange(self.n - 1, -1, -1)) & 1
        lo, hi = self.values
        return np.where(bits == 1, hi, lo).astype(np.int8)

    def probabilities(self):
        """The exact probability of every state (n <= 20).

        Returns
        -------
        states : ndarray of int8, shape (2**n, n)
            :meth:`all_states`.
        p : ndarray of shape (2**n,)
            Their probabilities, summing to 1.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BoltzmannMachine
        >>> bm = BoltzmannMachine(np.array([[0, 1.0], [1.0, 0]]), np.array([0.5, -0.5]))
        >>> states, p = bm.probabilities()
        >>> p.round(4).tolist()
        [0.1674, 0.1015, 0.276, 0.4551]
        """
        S = self.all_states()
        neg_e = -self.energy(S)
        w = np.exp(neg_e - neg_e.max())
        return S, w / w.sum()

    def moments(self):
        """The exact first and second moments (n <= 20): what moment matching compares the data
        with.

        Returns
        -------
        mean : ndarray of shape (n,)
            ``E[x]``.
        second : ndarray of shape (n, n)
            ``E[x x^T]`` (its diagonal is ``E[x]`` for binary units, 1 for spins).

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BoltzmannMachine
        >>> bm = BoltzmannMachine(np.array([[0, 1.0], [1.0, 0]]), np.array([0.5, -0.5]))
        >>> mean, second = bm.moments()
        >>> mean.round(4).tolist(), round(float(second[0, 1]), 4)
        ([0.7311, 0.5566], 0.4551)
        """
        S, p = self.probabilities()
        Sf = S.astype(np.float64)
        return p @ Sf, (Sf * p[:, None]).T @ Sf

    # ------------------------------------------------------------------ sampling
    def sample(
        self,
        n_sweeps: int,
        n_chains: int = 1,
        scan: str = "sequential",
        random_state=None,
        init=None,
        device: str = "cpu",
        *,
        sampler: str = "heatbath",
        beta=None,
        beta_schedule=None,
        return_trace: bool = False,
        progress: bool = False,
    ):
        """Run ``n_chains`` chains for ``n_sweeps`` sweeps.

        Parameters
        ----------
        n_sweeps : int
            Sweeps per chain.
        n_chains : int
            Independent chains.
        scan : {"sequential", "random", "colored"}
            Order of the single-unit updates: units in order, ``n`` uniformly chosen units
            per sweep, or by greedy graph colouring (units of a colour in parallel, one
            stream per chain and unit; the colouring is computed once per model).
            ``"random"`` is for heat-bath sampling at ``beta = 1``; ``"colored"`` takes every
            sampler, ``beta``, ``beta_schedule`` and ``return_trace``.
        random_state : None, int or numpy.random.Generator
            Seed of the starting states and of the chains' streams.
        init : array of shape (n,) or (n_chains, n), optional
            Starting states; default: uniformly random.
        device : {"cpu", "cuda", "auto"}
            ``"cuda"`` (the ``cuda`` extra): ``scan="colored"`` sweeps of any model run on
            the GPU (:mod:`pgm_ebm.cuda.gibbs`: real or integer couplings, dense or sparse,
            every sampler and schedule), and sequential sweeps of models with integer
            couplings and biases (+-J spin glasses, integer QUBOs) with ``sampler``,
            ``beta``, ``beta_schedule`` or ``return_trace`` (:mod:`pgm_ebm.cuda.anneal`),
            with the CPU's draws for the same seed; other cases raise ValueError.
            ``"auto"``: the GPU when it is usable there, else the CPU.
        sampler : {"heatbath", "metropolis"}
            Heat bath (Gibbs) or Metropolis single-unit moves.
        beta : float >= 0, default 1
            Inverse temperature: samples ``p_beta(x) ~ exp(-beta E(x))``.
        beta_schedule : array of shape (n_sweeps,), optional
            The inverse temperature of each sweep (absolute values, not fractions):
            simulated annealing, e.g. ``np.geomspace(0.1, 3, n_sweeps)``.  Instead of
            ``beta``.
        return_trace : bool
            Record each chain's energy and sum of units after every sweep in the result's
            ``trace`` (not with ``scan="random"``).
        progress : bool
            Show a progress bar.

        Returns
        -------
        SampleResult
            ``spins`` the int8 states (n_chains, n), ``trace`` (with ``return_trace``,
            else None), ``sampler`` and ``info``.

        Examples
        --------
        Simulated annealing of a +-J spin glass on a 16 x 16 torus:

        >>> import numpy as np
        >>> from pgm_ebm.models.boltzmann import spin_glass
        >>> glass = spin_glass((16, 16), random_state=0)
        >>> res = glass.sample(500, n_chains=4, sampler="metropolis",
        ...                    beta_schedule=np.geomspace(0.1, 3.0, 500), random_state=0)
        >>> bool(np.all(glass.energy(res.spins) / 256 < -1.3))
        True
        """
        return _pairwise.sample(
            self, n_sweeps, n_chains, scan, random_state, init, device, sampler, beta,
            beta_schedule, return_trace, progress,
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
        init=None,
        progress: bool = False,
        device: str = "cpu",
    ):
        """Replica exchange: one chain per inverse temperature, neighbours swapped by Metropolis.

        Parameters
        ----------
        betas : array_like of shape (n_temperatures,)
            Increasing or decreasing inverse temperatures, >= 0.
        n_sweeps : int
            Measured sweeps, after ``burn_in``.
        sampler : {"metropolis", "heatbath"}
            The move within each replica (or a sampler of the user's, see
            :func:`pgm_ebm.samplers.register`).
        random_state : None, int or numpy.random.Generator
            Seed of the replicas and of the swap decisions.
        burn_in : int
            Sweeps before measuring.
        swap_every : int
            Sweeps between rounds of swaps (even and odd pairs alternating).
        init : array_like of shape (n,) or (n_temperatures, n), optional
            Starting states; default uniformly random.
        progress : bool
            Show a progress bar.
        device : {"cpu", "cuda", "auto"}
            As in :meth:`sample`: ``"cuda"`` for integer couplings; the replicas stay on the
            GPU, with the CPU's bits.

        Returns
        -------
        SampleResult
            ``spins`` ordered by ``betas``; ``trace`` with each temperature's energies and sums
            of units after ``burn_in``; ``info["swap_acceptance"]`` (one rate per neighbouring
            pair) and ``info["betas"]``.

        Examples
        --------
        Tempering finds the ground state of a small spin glass:

        >>> import numpy as np
        >>> from pgm_ebm.models.boltzmann import spin_glass
        >>> glass = spin_glass((4, 4), random_state=1)
        >>> res = glass.parallel_tempering(np.geomspace(0.2, 3.0, 8), 500, random_state=0)
        >>> states, p = glass.probabilities()
        >>> bool(glass.energy(res.spins[-1:])[0] == glass.energy(states).min())
        True
        """
        return _pairwise.parallel_tempering(
            self,
            betas,
            n_sweeps,
            sampler,
            random_state,
            burn_in,
            swap_every,
            init,
            progress,
            device,
        )

    def coloring(self):
        """A greedy colouring of the interaction graph, computed once per model.

        No two coupled units share a colour, so the units of a colour can be updated in
        parallel (the ``"colored"`` scan of :meth:`sample`).

        Returns
        -------
        ptr : ndarray of int
            The units of colour ``k`` are ``units[ptr[k]:ptr[k + 1]]``.
        units : ndarray of int
            The units, grouped by colour.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BoltzmannMachine
        >>> bm = BoltzmannMachine(np.array([[0, 1.0], [1.0, 0]]), np.array([0.5, -0.5]))
        >>> ptr, units = bm.coloring()
        >>> [units[ptr[k]:ptr[k + 1]].tolist() for k in range(len(ptr) - 1)]
        [[0], [1]]
        """
        if "_colors" not in self.__dict__:
            A = self._J_csr
            self._colors = greedy_coloring(A.indptr, A.indices, self.n)
        return self._colors

    @property
    def n_colors(self) -> int:
        """Number of colours of the greedy colouring of the interaction graph."""
        return len(self.coloring()[0]) - 1


def spin_glass(shape, random_state=None, boundary: str = "periodic", field: float = 0.0):
    """An Edwards-Anderson +-J spin glass as a :class:`BoltzmannMachine` with sparse couplings.

    ``E(s) = -sum_<ij> J_ij s_i s_j - field sum_i s_i`` with spins {-1, +1}, each
    nearest-neighbour bond ``J_ij`` +1 or -1 with probability 1/2.  The ground-state
    energy of the 2D model is about -1.40 per spin for large lattices.

    Parameters
    ----------
    shape : tuple of int
        The lattice, 1 to 3 dimensions, each length >= 1 (spins numbered in C order).
    random_state : None, int or numpy.random.Generator, optional
        Seed of the bonds.
    boundary : {"periodic", "open"}, default "periodic"
        Periodic (a torus; with length 2 the wrap bond doubles the direct one) or free.
    field : float, default 0.0
        A uniform field.

    Returns
    -------
    BoltzmannMachine
        ``units="spin"``, sparse ``J``, ``b = field``.

    Raises
    ------
    ValueError
        If ``shape`` is not 1 to 3 positive integers, ``boundary`` is unknown or ``field``
        is not a finite number.

    Examples
    --------
    >>> glass = spin_glass((4, 4), random_state=0)
    >>> glass.n, glass.units
    (16, 'spin')
    >>> sorted(set(glass.J.data.tolist()))  # 32 bonds of a 4 x 4 torus, each +1 or -1
    [-1.0, 1.0]
    """
    from pgm_ebm.partition.ising_exact import lattice_bonds

    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or not 1 <= len(shape) <= 3:
        raise ValueError(f"shape must be a tuple of 1 to 3 lattice lengths, got {shape!r}")
    shape = tuple(check_positive_int(s, "shape") for s in shape)
    field = check_real(field, "field")
    check_choice(boundary, "boundary", ("periodic", "open"))
    bonds = lattice_bonds(shape, boundary)
    n = int(np.prod(shape))
    w = check_random_state(random_state).choice([-1.0, 1.0], size=len(bonds))
    J = sp.coo_matrix(
        (np.r_[w, w], (np.r_[bonds[:, 0], bonds[:, 1]], np.r_[bonds[:, 1], bonds[:, 0]])),
        shape=(n, n),
    ).tocsr()
    J.sum_duplicates()
    return BoltzmannMachine(J, np.full(n, float(field)), units="spin")
