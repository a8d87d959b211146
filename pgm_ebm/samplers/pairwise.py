"""Metropolis and heat-bath sweeps at any inverse temperature for pairwise binary models:
fixed beta, simulated annealing along an absolute ``beta_schedule``, parallel tempering,
registered under the ``"pairwise"`` kind (:class:`~pgm_ebm.BoltzmannMachine` and anything
declaring ``sampler_kind = "pairwise"`` with ``J``, ``b``, ``n``, ``spin``, ``values``,
``couplings_csr``, ``check_states`` and ``coloring``), and the loops of
``BoltzmannMachine.sample`` and ``parallel_tempering``.

The model is given as arrays (:func:`model_arrays`), computed once per model and cached on
it, so that repeated calls (one per temperature, one per read) pay neither a graph
conversion nor a colouring; the chains' streams are seeded once per call (one per chain).
"""

from __future__ import annotations

import math
import weakref

import numpy as np
import scipy.sparse as sp

from pgm_ebm._device import resolve_device
from pgm_ebm._rng import check_random_state, seed_streams
from pgm_ebm._validation import check_choice, check_memory, check_positive_int, check_streams
from pgm_ebm.kernels.anneal import _sweeps_dense, _sweeps_sparse, _sweeps_sparse_int
from pgm_ebm.kernels.gibbs import (
    _colored_sweeps,
    _gibbs_dense,
    _gibbs_random_scan,
    _gibbs_sequential,
)
from pgm_ebm.samplers.exchange import swap_neighbours
from pgm_ebm.samplers.registry import Sampler, get_sampler, register
from pgm_ebm.samplers.result import ChainState, SampleResult, Trace

KIND = "pairwise"
SCANS = ("sequential", "random", "colored")

#: The samplers of :func:`run_sweeps` (the names IsingLattice uses for the same moves).
PAIRWISE_SAMPLERS = ("metropolis", "heatbath")
#: Above this mean degree (as a fraction of n) a dense J is swept densely (row updates).
DENSE_DEGREE_FRACTION = 0.25
_CHUNK = 50  # sweeps per kernel call (progress bar granularity)


#: Largest energy change the integer kernel tabulates (thresholds per sweep).
MAX_INT_DELTA = 4096


def model_arrays(J_dense, J_csr, b, spin):
    """The couplings as the kernels take them: ``("int", indptr, indices, data, b, dmax)``
    when every coupling and bias is an integer and the energy changes stay below
    ``MAX_INT_DELTA`` (spin glasses, QUBOs with integer weights: no ``exp`` per proposal),
    else ``("dense", J, b)`` when J was given dense and is dense enough to pay for row
    updates, else ``("sparse", indptr, indices, data, b)``."""
    n = len(b)
    data = J_csr.data
    if np.all(data == np.round(data)) and np.all(b == np.round(b)) and n:
        reach = np.abs(b) + np.bincount(
            np.repeat(np.arange(n), np.diff(J_csr.indptr)), weights=np.abs(data), minlength=n
        )
        dmax = int(reach.max()) * (2 if spin else 1)
        if dmax <= MAX_INT_DELTA:
            return (
                "int",
                J_csr.indptr.astype(np.int64),
                J_csr.indices.astype(np.int64),
                data.astype(np.int64),
                b.astype(np.int64),
                dmax,
            )
    if J_dense is not None and J_csr.nnz >= DENSE_DEGREE_FRACTION * n * n:
        return ("dense", np.ascontiguousarray(J_dense, dtype=np.float64), b)
    return (
        "sparse",
        J_csr.indptr.astype(np.int64),
        J_csr.indices.astype(np.int64),
        np.ascontiguousarray(J_csr.data, dtype=np.float64),
        b,
    )


def check_betas(beta, beta_schedule, n_sweeps):
    """The (n_sweeps,) inverse temperatures of a run: ``beta`` throughout, or the absolute
    ``beta_schedule`` (one value per sweep; give one or the other)."""
    if beta_schedule is None:
        if isinstance(beta, bool) or not isinstance(beta, (int, float, np.number)):
            raise ValueError(f"beta must be a finite number >= 0, got {beta!r}")
        if not (math.isfinite(beta) and beta >= 0):
            raise ValueError(f"beta must be a finite number >= 0, got {beta!r}")
        return np.full(n_sweeps, float(beta))
    if beta is not None:
        raise ValueError("give beta or beta_schedule, not both")
    sched = np.asarray(beta_schedule)
    if sched.dtype.kind not in "iuf" or sched.shape != (n_sweeps,):
        raise ValueError(
            f"beta_schedule must hold n_sweeps={n_sweeps} real values, got shape {sched.shape} "
            f"and dtype {sched.dtype}"
        )
    sched = sched.astype(np.float64)
    if not np.all(np.isfinite(sched)) or np.any(sched < 0):
        raise ValueError("beta_schedule must hold finite values >= 0")
    return sched


#: what the GPU path of the pairwise models covers (the error of device="cuda" says so)
CUDA_PAIRWISE_WHY = (
    "the GPU runs scan='colored' sweeps of any model (real or integer couplings, dense or "
    "sparse; 'metropolis' or 'heatbath', any beta or beta_schedule), and scan='sequential' "
    "sweeps and parallel tempering of models with integer couplings and biases (+-J spin "
    "glasses, integer QUBOs) with sampler, beta, beta_schedule or return_trace; "
    "scan='random', sequential sweeps of real-valued couplings and samplers of your own run "
    "on the CPU"
)


def check_sweep_inputs(arrays, spin, X, betas, streams):
    """Raise ValueError unless the arguments of :func:`run_sweeps` fit each other: they go
    to compiled kernels, which do not check bounds."""
    if not isinstance(arrays, tuple) or not arrays or arrays[0] not in ("int", "dense", "sparse"):
        raise ValueError("arrays must be the tuple of model_arrays (or arrays_of(model))")
    lengths = {"int": 6, "dense": 3, "sparse": 5}
    if len(arrays) != lengths[arrays[0]]:
        raise ValueError(f"arrays of kind {arrays[0]!r} must hold {lengths[arrays[0]]} items")
    b = np.asarray(arrays[4] if arrays[0] != "dense" else arrays[2])
    n = len(b)
    if arrays[0] == "dense":
        J = arrays[1]
        if not (isinstance(J, np.ndarray) and J.dtype == np.float64 and J.shape == (n, n)
                and J.flags.c_contiguous):  # fmt: skip
            raise ValueError(f"arrays: the dense J must be C-contiguous float64 ({n}, {n})")
    else:
        indptr, indices, data = arrays[1:4]
        ok = (
            all(isinstance(a, np.ndarray) and a.ndim == 1 for a in (indptr, indices, data))
            and indptr.dtype == np.int64 and indices.dtype == np.int64
            and len(indptr) == n + 1 and len(indices) == len(data)
            and indptr[0] == 0 and indptr[-1] == len(indices) and np.all(np.diff(indptr) >= 0)
            and (len(indices) == 0 or (indices.min() >= 0 and indices.max() < n))
        )  # fmt: skip
        if not ok:
            raise ValueError(f"arrays: the CSR couplings do not describe {n} units")
        if arrays[0] == "int":
            if data.dtype != np.int64 or b.dtype != np.int64:
                raise ValueError("arrays: the integer kind needs int64 couplings and biases")
            reach = np.abs(b) + np.bincount(
                np.repeat(np.arange(n), np.diff(indptr)), weights=np.abs(data), minlength=n
            )
            need = int(reach.max()) * (2 if spin else 1) if n else 0
            dmax = arrays[5]
            if not isinstance(dmax, (int, np.integer)) or not need <= dmax <= MAX_INT_DELTA:
                raise ValueError(
                    f"arrays: dmax must be an integer from the largest energy change ({need}) "
                    f"to {MAX_INT_DELTA}, got {dmax!r}"
                )
        elif data.dtype != np.float64:
            raise ValueError("arrays: the sparse kind needs float64 couplings")
    if arrays[0] != "int" and (b.dtype != np.float64 or b.ndim != 1):
        raise ValueError("arrays: the biases must be a float64 vector")
    lo, hi = (-1, 1) if spin else (0, 1)
    if not (isinstance(X, np.ndarray) and X.dtype == np.int8 and X.ndim == 2
            and X.shape[1] == n and X.flags.c_contiguous and X.flags.writeable):  # fmt: skip
        raise ValueError(f"X must be a writeable C-contiguous int8 array (n_chains, {n})")
    if not np.all((X == lo) | (X == hi)):
        raise ValueError(f"X must hold units in {{{lo}, {hi}}} (spin={bool(spin)})")
    C = len(X)
    if not (isinstance(betas, np.ndarray) and betas.ndim == 2 and betas.shape[1] == C):
        raise ValueError(f"betas must be a float array (n_sweeps, n_chains={C})")
    if betas.dtype != np.float64 or not np.all(np.isfinite(betas)) or np.any(betas < 0):
        raise ValueError("betas must be float64, finite and >= 0")
    check_streams(streams, C)


def run_sweeps(arrays, spin, X, betas, sampler, streams, progress=False, desc="sweeps",
               device="cpu", on_device=None):  # fmt: skip
    """Sweep int8 chains of a pairwise model in place, at a temperature per sweep and chain.

    The lowest level of the pairwise samplers, under ``BoltzmannMachine.sample``,
    annealing and tempering: Metropolis or heat-bath sweeps over the units in order.

    Parameters
    ----------
    arrays : tuple
        The couplings as the kernels take them: :func:`arrays_of` ``(model)`` (or
        :func:`model_arrays`).
    spin : bool
        Units are -1/+1 (True) or 0/1 (False).
    X : ndarray of int8, shape (n_chains, n)
        The chains, writeable and C-contiguous; swept in place.
    betas : ndarray of float64, shape (n_sweeps, n_chains)
        ``betas[t, c]``: the inverse temperature of chain ``c`` in sweep ``t`` (>= 0).
    sampler : {"metropolis", "heatbath"}
        The move.
    streams : ndarray of uint64, shape (n_chains, 2)
        One stream per chain (see ``seed_streams``); advanced in place.
    progress : bool
        Show a progress bar.
    desc : str
        The progress bar's label.
    device : {"cpu", "cuda"}
        ``"cuda"`` (integer models only): the chains sweep on the GPU
        (:mod:`pgm_ebm.cuda.anneal`), with the CPU's bits, and come back at the end.
    on_device : IntegerChains, optional
        Chains already on the device, swept there and left there (the caller syncs).

    Returns
    -------
    energies : ndarray of shape (n_chains, n_sweeps)
        Each chain's energy after each sweep.
    unit_sums : ndarray of int64, shape (n_chains, n_sweeps)
        Each chain's sum of units after each sweep.

    Raises
    ------
    ValueError
        If ``sampler`` is unknown, or ``arrays``, ``X``, ``betas`` and ``streams`` do not fit
        each other (they go to compiled kernels, which do not check bounds), or
        ``device="cuda"`` for a model without integer couplings.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import BoltzmannMachine
    >>> from pgm_ebm._rng import seed_streams
    >>> from pgm_ebm.samplers.pairwise import arrays_of, run_sweeps
    >>> model = BoltzmannMachine(np.ones((4, 4)) - np.eye(4), np.zeros(4), units="spin")
    >>> X = np.ones((3, 4), dtype=np.int8)
    >>> betas = np.full((100, 3), 2.0)  # cold: the ferromagnet stays ordered
    >>> E, M = run_sweeps(arrays_of(model), True, X, betas, "metropolis", seed_streams(0, 3))
    >>> E.shape, bool(np.all(np.abs(M[:, -1]) == 4))
    ((3, 100), True)
    """
    check_choice(sampler, "sampler", PAIRWISE_SAMPLERS)
    check_sweep_inputs(arrays, spin, X, betas, streams)
    return _sweeps(arrays, spin, X, betas, sampler, streams, progress, desc, device, on_device)


def _sweeps(arrays, spin, X, betas, sampler, streams, progress=False, desc="sweeps",
            device="cpu", on_device=None):  # fmt: skip
    """:func:`run_sweeps` on arguments known to fit (from this module)."""
    from tqdm.auto import tqdm

    heatbath = sampler == "heatbath"
    T, C = betas.shape
    E = np.empty((T, C))
    M = np.empty((T, C), np.int64)
    gpu = on_device
    if device == "cuda" and gpu is None:
        if arrays[0] != "int":
            raise ValueError(f"device='cuda': {CUDA_PAIRWISE_WHY}")
        from pgm_ebm.cuda.anneal import IntegerChains

        gpu = IntegerChains(X, streams, *arrays[1:])
    with tqdm(total=T, disable=not progress, desc=desc, unit="sweep") as bar:
        for t0 in range(0, T, _CHUNK):
            t1 = min(T, t0 + _CHUNK)
            bt = np.ascontiguousarray(betas[t0:t1])
            if gpu is not None:
                gpu.sweeps(bt, spin, heatbath, E[t0:t1], M[t0:t1])
            elif arrays[0] == "int":
                _, indptr, indices, data, b, dmax = arrays
                _sweeps_sparse_int(
                    X, indptr, indices, data, b, spin, heatbath, bt, streams, E[t0:t1],
                    M[t0:t1], dmax,
                )  # fmt: skip
            elif arrays[0] == "dense":
                _, J, b = arrays
                _sweeps_dense(X, J, b, spin, heatbath, bt, streams, E[t0:t1], M[t0:t1])
            else:
                _, indptr, indices, data, b = arrays
                _sweeps_sparse(
                    X, indptr, indices, data, b, spin, heatbath, bt, streams, E[t0:t1], M[t0:t1]
                )
            bar.update(t1 - t0)
    if gpu is not None and on_device is None:
        gpu.sync()
    return E.T.copy(), M.T.copy()


def tempering(arrays, spin, X, betas, n_sweeps, burn_in, swap_every, sampler, streams,
              random_state, progress=False, device="cpu"):  # fmt: skip
    """Replica exchange (parallel tempering) over int8 replicas of a pairwise model.

    One replica per inverse temperature: sweeps, then Metropolis swaps of neighbouring
    temperatures every ``swap_every`` sweeps (even and odd pairs alternating, see
    :func:`~pgm_ebm.samplers.exchange.swap_neighbours`). ``BoltzmannMachine.parallel_tempering``
    runs it.

    Parameters
    ----------
    arrays : tuple
        :func:`arrays_of` ``(model)``.
    spin : bool
        Units are -1/+1 (True) or 0/1 (False).
    X : ndarray of int8, shape (n_temperatures, n)
        The replicas, one per entry of ``betas``; swept in place.
    betas : array_like of shape (n_temperatures,)
        Increasing or decreasing inverse temperatures, >= 0.
    n_sweeps : int
        Measured sweeps.
    burn_in : int
        Sweeps before measuring.
    swap_every : int
        Sweeps between swap rounds.
    sampler : {"metropolis", "heatbath"}
        The move within each replica.
    streams : ndarray of uint64, shape (n_temperatures, 2)
        One stream per replica.
    random_state : None, int or numpy.random.Generator
        Seed of the swap decisions.
    progress : bool
        Show a progress bar.
    device : {"cpu", "cuda"}
        ``"cuda"`` (integer models): the replicas stay on the GPU between swaps (only their
        energies come back for the swap decisions).

    Returns
    -------
    states : ndarray of int8, shape (n_temperatures, n)
        The final states, ordered by ``betas``.
    energies : ndarray of shape (n_temperatures, n_sweeps)
        The energy at each temperature after each measured sweep.
    unit_sums : ndarray of shape (n_temperatures, n_sweeps)
        The sum of units at each temperature after each measured sweep.
    swap_rate : ndarray of shape (n_temperatures - 1,)
        The acceptance rate of swaps between temperatures ``j`` and ``j + 1``.

    Raises
    ------
    ValueError
        If a setting is out of range or the arrays do not fit each other (see
        :func:`run_sweeps`).

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import BoltzmannMachine
    >>> from pgm_ebm._rng import seed_streams
    >>> from pgm_ebm.samplers.pairwise import arrays_of, tempering
    >>> model = BoltzmannMachine(np.ones((6, 6)) - np.eye(6), np.zeros(6), units="spin")
    >>> betas = np.linspace(0.05, 1.0, 4)
    >>> X = np.ones((4, 6), dtype=np.int8)
    >>> states, E, M, rate = tempering(arrays_of(model), True, X, betas, 200, 50, 1,
    ...                               "metropolis", seed_streams(0, 4), 0)
    >>> E.shape, rate.shape, bool(np.all(rate > 0))
    ((4, 200), (3,), True)
    """
    from tqdm.auto import tqdm

    from pgm_ebm._rng import check_random_state

    rng = check_random_state(random_state)  # the swaps' decisions
    n_sweeps = check_positive_int(n_sweeps, "n_sweeps")
    burn_in = check_positive_int(burn_in, "burn_in", minimum=0)
    swap_every = check_positive_int(swap_every, "swap_every")
    check_choice(sampler, "sampler", PAIRWISE_SAMPLERS)
    betas = np.asarray(betas)
    if betas.ndim != 1 or len(betas) < 1:
        raise ValueError(f"betas must be 1-D, one per replica, got shape {betas.shape}")
    check_sweep_inputs(arrays, spin, X, np.asarray(betas, dtype=np.float64)[None, :], streams)
    betas = betas.astype(np.float64)
    R = len(betas)
    where = np.arange(R)  # where[k] = replica at temperature k
    accepted, tried = np.zeros(R - 1), np.zeros(R - 1)
    total = burn_in + n_sweeps
    E_out, M_out = [], []
    t = 0
    gpu = None
    if device == "cuda":
        if arrays[0] != "int":
            raise ValueError(f"device='cuda': {CUDA_PAIRWISE_WHY}")
        from pgm_ebm.cuda.anneal import IntegerChains

        gpu = IntegerChains(X, streams, *arrays[1:])
    with tqdm(total=total, disable=not progress, desc="parallel tempering") as bar:
        while t < total:
            k = min(swap_every - t % swap_every, total - t)
            temp_of = np.empty(R)
            temp_of[where] = betas  # replica where[j] runs at betas[j]
            E, M = _sweeps(arrays, spin, X, np.tile(temp_of, (k, 1)), sampler, streams,
                           on_device=gpu)  # fmt: skip
            for s in range(k):
                if t + s >= burn_in:
                    E_out.append(E[where, s])
                    M_out.append(M[where, s])
            t += k
            bar.update(k)
            if t % swap_every == 0:
                first = (t // swap_every) % 2
                swap_neighbours(betas, E[:, -1], where, first, accepted, tried, rng)
    if gpu is not None:
        gpu.sync()
    rate = np.divide(accepted, tried, out=np.zeros(R - 1), where=tried > 0)
    return X[where].copy(), np.array(E_out).T, np.array(M_out).T, rate


# ---------------------------------------------------------------------------- per-model arrays
#: the kernels' arrays of each live model, built once (a model's couplings never change)
_ARRAYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def arrays_of(model):
    """:func:`model_arrays` of ``model``, computed on first use and kept while it lives."""
    got = _ARRAYS.get(model)
    if got is None:
        J = model.J
        got = _ARRAYS[model] = model_arrays(
            None if sp.issparse(J) else J, model.couplings_csr, model.b, model.spin
        )
    return got


_DENSE32: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _dense32(model):
    """The float32 dense couplings of the dense Gibbs kernel, built once per model."""
    got = _DENSE32.get(model)
    if got is None:
        got = _DENSE32[model] = np.asarray(model.J, dtype=np.float32)
    return got


def initial_states(model, init, n_chains, random_state):
    """int8 (n_chains, n) starting states: uniformly random (``init`` None or "random"),
    or the given states (one, broadcast, or ``n_chains``; copied)."""
    rng = check_random_state(random_state)
    lo, hi = model.values
    if init is None or (isinstance(init, str) and init == "random"):
        return np.where(rng.random((n_chains, model.n)) < 0.5, hi, lo).astype(np.int8)
    X = model.check_states(init, "init").astype(np.int8)
    X = np.array(np.broadcast_to(X, (n_chains, model.n)) if len(X) == 1 else X)
    if len(X) != n_chains:
        raise ValueError(f"init must hold 1 or n_chains={n_chains} states, got {len(X)}")
    return X


# ---------------------------------------------------------------------------- the registry
def _init(name):
    def init_chains(model, n_chains, *, init="random", random_state=None, device="cpu"):
        n_chains = check_positive_int(n_chains, "n_chains")
        arrays = arrays_of(model)
        device = resolve_device(device, f"sampler {name!r}", arrays[0] == "int", CUDA_PAIRWISE_WHY)
        rng = check_random_state(random_state)
        X = initial_states(model, init, n_chains, rng)
        streams = seed_streams(rng, n_chains)
        gpu = None
        if device == "cuda":  # the chains stay on the device between steps, until sync
            from pgm_ebm.cuda.anneal import IntegerChains

            gpu = IntegerChains(X, streams, *arrays[1:])

        def advance(betas):
            _sweeps(arrays, model.spin, X, np.asarray(betas, np.float64)[None, :], name,
                    streams, on_device=gpu)  # fmt: skip

        return ChainState(spins=X, streams=streams, sampler=name, advance=advance,
                          sync=gpu.sync if gpu is not None else (lambda: None))  # fmt: skip

    return init_chains


def _step(model, state, betas):
    state.advance(betas)
    return state


#: the library's own samplers of this kind (``sample`` runs them on the fused kernels)
_BUILTIN: dict = {}
for _name, _desc in (
    ("metropolis", "single-unit Metropolis sweeps"),
    ("heatbath", "single-unit heat-bath (Gibbs) sweeps"),
):
    _BUILTIN[_name] = register(Sampler(_name, KIND, _desc, _init(_name), _step))


def _sample_by_steps(model, move, n_chains, init, rng, betas, return_trace, progress):
    """``sample`` through a registered sampler's init / step, one sweep at a time."""
    from tqdm.auto import tqdm

    state = move.init(model, n_chains, init="random" if init is None else init, random_state=rng)
    E = np.empty((n_chains, len(betas)))
    M = np.empty((n_chains, len(betas)))
    for t in tqdm(range(len(betas)), disable=not progress, desc=f"{move.name} sweeps"):
        move.step(model, state, np.full(n_chains, betas[t]))
        if return_trace:
            state.sync()
            X = state.spins.astype(np.float64)
            E[:, t] = model.energy(X)
            M[:, t] = X.sum(axis=1)
    state.sync()
    trace = Trace(energy=E, magnetization=M, n_sites=model.n, beta=betas) if return_trace else None
    return SampleResult(
        spins=state.spins, trace=trace, sampler=move.name, info={"beta_schedule": betas}
    )


# ---------------------------------------------------------------------------- the loops
def sample(model, n_sweeps, n_chains, scan, random_state, init, device, sampler, beta,
           beta_schedule, return_trace, progress):  # fmt: skip
    """The loop of :meth:`BoltzmannMachine.sample` (see there)."""
    for name, v, lo in (("n_sweeps", n_sweeps, 0), ("n_chains", n_chains, 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    if scan not in SCANS:
        raise ValueError(f"scan must be one of {SCANS}, got {scan!r}")
    move = get_sampler(sampler, model)
    betas = check_betas(
        1.0 if beta is None and beta_schedule is None else beta, beta_schedule, n_sweeps
    )
    legacy = (
        sampler == "heatbath"
        and beta_schedule is None
        and (beta is None or beta == 1)
        and not return_trace
    )
    if not legacy and scan == "random":
        raise ValueError(
            "scan='random' runs heat-bath sampling at beta = 1 only; use scan='sequential' "
            "or 'colored' with sampler, beta, beta_schedule or return_trace"
        )
    builtin = move is _BUILTIN.get(sampler)
    gpu_ok = builtin and (
        scan == "colored" or (scan == "sequential" and not legacy and arrays_of(model)[0] == "int")
    )
    device = resolve_device(device, "BoltzmannMachine.sample", gpu_ok, CUDA_PAIRWISE_WHY)
    per_chain = model.n * (27.0 if scan == "colored" else 10.0) + 16  # coloured: a stream a unit
    check_memory(n_chains * per_chain, f"{n_chains} chains", "n_chains")
    rng = check_random_state(random_state)
    if not builtin:  # a sampler of the user's: its init / step
        return _sample_by_steps(model, move, n_chains, init, rng, betas, return_trace, progress)
    X = initial_states(model, init, n_chains, rng)
    if scan == "colored":
        streams = seed_streams(rng, n_chains * model.n)
        E, M = colored_sweeps(model, X, betas, sampler, streams, return_trace, progress, device)
        trace = None
        if return_trace:
            trace = Trace(energy=E, magnetization=M, n_sites=model.n, beta=betas)
        info = {"scan": scan} if legacy else {"scan": scan, "beta_schedule": betas}
        return SampleResult(spins=X, trace=trace, sampler=sampler, info=info)
    if not legacy:
        streams = seed_streams(rng, n_chains)
        E, M = _sweeps(
            arrays_of(model),
            model.spin,
            X,
            np.repeat(betas[:, None], n_chains, axis=1),
            sampler,
            streams,
            progress,
            desc=f"{sampler} sweeps",
            device=device,
        )
        trace = Trace(energy=E, magnetization=M, n_sites=model.n, beta=betas)
        return SampleResult(
            spins=X,
            trace=trace if return_trace else None,
            sampler=sampler,
            info={"beta_schedule": betas},
        )
    A = model.couplings_csr
    args = (A.indptr.astype(np.int64), A.indices.astype(np.int64), A.data, model.b, model.spin)
    if not sp.issparse(model.J):  # dense: incrementally kept local fields
        streams = seed_streams(rng, n_chains)
        _gibbs_dense(
            X,
            _dense32(model),
            model.b.astype(np.float32),
            model.spin,
            n_sweeps,
            scan == "random",
            streams,
        )
    else:
        streams = seed_streams(rng, n_chains)
        kernel = _gibbs_sequential if scan == "sequential" else _gibbs_random_scan
        kernel(X, *args, n_sweeps, streams)
    return SampleResult(spins=X, trace=None, sampler=sampler, info={"scan": scan})


def colored_sweeps(model, X, betas, sampler, streams, record=False, progress=False,
                   device="cpu"):  # fmt: skip
    """Graph-coloured sweeps of the int8 chains ``X`` of ``model`` in place, one inverse
    temperature ``betas[t]`` per sweep, on the CPU or the GPU (the same update compiled for
    both, :mod:`pgm_ebm.kernels.gibbs` and :mod:`pgm_ebm.cuda.gibbs`).

    ``streams`` (uint64, (n_chains * n, 2)): one per (chain, unit), advanced in place.
    Returns ``(energies, unit_sums)`` of shape (n_chains, n_sweeps) after each sweep when
    ``record``, else two empty arrays.
    """
    from tqdm.auto import tqdm

    C, n = X.shape
    T = len(betas)
    heatbath = sampler == "heatbath"
    E = np.zeros((T, C) if record else (1, 1))
    M = np.zeros((T, C) if record else (1, 1), np.int64)
    ptr, units = model.coloring()
    A = model.couplings_csr
    csr = (A.indptr.astype(np.int64), A.indices.astype(np.int64),
           np.ascontiguousarray(A.data, dtype=np.float64))  # fmt: skip
    b = np.ascontiguousarray(model.b, dtype=np.float64)
    gpu = None
    if device == "cuda":
        from pgm_ebm.cuda.gibbs import ColoredChains

        arrays = arrays_of(model)  # a dense J dense enough: read as rows, not CSR
        gpu = ColoredChains(X, streams, arrays[1] if arrays[0] == "dense" else csr, b, ptr,
                            units)  # fmt: skip
    with tqdm(total=T, disable=not progress, desc=f"coloured {sampler} sweeps",
              unit="sweep") as bar:  # fmt: skip
        for t0 in range(0, T, _CHUNK):
            t1 = min(T, t0 + _CHUNK)
            bt = np.ascontiguousarray(betas[t0:t1], dtype=np.float64)
            tr, mt = (E[t0:t1], M[t0:t1]) if record else (E, M)
            if gpu is not None:
                gpu.sweeps(bt, model.spin, heatbath, tr, mt, record)
            else:
                _colored_sweeps(X, *csr, b, model.spin, heatbath, bt, ptr, units, streams, tr,
                                mt, record)  # fmt: skip
            bar.update(t1 - t0)
    if gpu is not None:
        gpu.sync()
    return (E.T.copy(), M.T.copy()) if record else (np.empty((C, 0)), np.empty((C, 0), np.int64))


def parallel_tempering(model, betas, n_sweeps, sampler, random_state, burn_in, swap_every,
                       init, progress, device="cpu"):  # fmt: skip
    """The loop of :meth:`BoltzmannMachine.parallel_tempering` (see there)."""
    b = np.asarray(betas)
    if b.dtype.kind not in "iuf" or b.ndim != 1 or len(b) < 2:
        raise ValueError(f"betas must be >= 2 finite values >= 0, got {betas!r}")
    b = b.astype(np.float64)
    if not np.all(np.isfinite(b)) or np.any(b < 0):
        raise ValueError(f"betas must be >= 2 finite values >= 0, got {betas!r}")
    if get_sampler(sampler, model, steppable=True) is not _BUILTIN.get(sampler):
        raise ValueError(
            f"parallel_tempering of a pairwise model runs the library's own samplers "
            f"{tuple(_BUILTIN)}, got {sampler!r}"
        )
    device = resolve_device(device, "BoltzmannMachine.parallel_tempering",
                            arrays_of(model)[0] == "int", CUDA_PAIRWISE_WHY)  # fmt: skip
    check_memory(len(b) * (model.n * 10.0 + 16), "parallel tempering", "betas")
    rng = check_random_state(random_state)
    X = initial_states(model, init, len(b), rng)
    streams = seed_streams(rng, len(b))
    states, E, M, rate = tempering(
        arrays_of(model), model.spin, X, b, n_sweeps, burn_in, swap_every, sampler, streams,
        rng, progress, device,
    )  # fmt: skip
    return SampleResult(
        spins=states,
        trace=Trace(energy=E, magnetization=M, n_sites=model.n, beta=b),
        sampler=f"parallel-tempering/{sampler}",
        info={"swap_acceptance": rate, "betas": b},
    )
