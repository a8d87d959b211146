"""The lattice's Markov kernels: checkerboard Metropolis and heat bath, Wolff and
Swendsen-Wang clusters, multispin coding, registered under the ``"lattice"`` kind, and the
loops that run them (``IsingLattice.sample`` and ``parallel_tempering`` call
:func:`sample` and :func:`parallel_tempering`).

Wolff's state keeps ``work["clusters"]``: the clusters flipped per sweep ``"n"``,
re-estimated after each sweep (N / the mean cluster size of the later half of the sweeps so
far) while ``"adapt"`` is True; ``sample``
and ``parallel_tempering`` freeze it after ``burn_in``, so that every measured sweep is one
fixed composition of Wolff steps.

The model gives its geometry and energies through public methods (``shape``, ``J``,
``field_grid``, ``neighbours``, ``bonds``, ``colors``, ``energy_magnetization``); nothing here
imports the model class.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy.special import expit

from pgm_ebm._device import resolve_device
from pgm_ebm._rng import check_random_state, seed_streams
from pgm_ebm._threads import numba_threads
from pgm_ebm._validation import (
    check_choice,
    check_memory,
    check_positive_int,
    check_spins,
    check_streams,
)
from pgm_ebm.kernels.metropolis import (
    _checkerboard_2d,
    _checkerboard_generic,
    _checkerboard_split,
    _multispin_2d,
    _swendsen_wang,
    _wolff,
)
from pgm_ebm.samplers.exchange import swap_neighbours
from pgm_ebm.samplers.registry import Sampler, get_sampler, register
from pgm_ebm.samplers.result import ChainState, SampleResult, Trace

KIND = "lattice"
_CHECKERBOARD = ("metropolis", "heatbath", "multispin")
_CLUSTER = ("wolff", "swendsen-wang")


def bytes_needed(model, sampler, n_chains):
    """An upper estimate of what a run allocates: spins and the half-lattice copies,
    streams, and the per-chain work arrays and neighbour table of the cluster moves."""
    N = float(model.n_sites)
    per_site = {"multispin": 24.0, "wolff": 20.0, "swendsen-wang": 40.0}.get(sampler, 3.0)
    shared = 16.0 * len(model.shape) * N if sampler in _CLUSTER else 0.0
    return n_chains * (per_site * N + 16.0 * model.shape[0]) + shared


def initial_spins(model, init, n_chains, random_state):
    """int8 (n_chains, *shape) starting spins: "random", "up", "down" or given spins
    (copied: the caller's array is never modified)."""
    rng = check_random_state(random_state)
    if isinstance(init, str):
        if init == "random":
            s = rng.integers(0, 2, size=(n_chains, *model.shape), dtype=np.int8)
            s *= 2  # in place: no temporaries on large lattices
            s -= 1
            return s
        if init in ("up", "down"):
            return np.full((n_chains, *model.shape), 1 if init == "up" else -1, dtype=np.int8)
        raise ValueError(f"init must be 'random', 'up', 'down' or an array, got {init!r}")
    s = check_spins(init, model.shape, name="init")
    s = np.broadcast_to(s, (n_chains, *model.shape)) if s.ndim == len(model.shape) else s
    if s.shape[0] != n_chains:
        raise ValueError(f"init must hold n_chains={n_chains} configurations, got {s.shape[0]}")
    return np.array(s, dtype=np.int8)


def _check_cluster(name):
    def check(model):
        if not model.zero_field or model.J <= 0:
            raise ValueError(f"sampler={name!r} needs h=0 and J>0; use 'metropolis' or 'heatbath'")

    return check


def _check_checkerboard(name):
    def check(model):
        if model.boundary == "periodic":
            odd = [L for L in model.shape if L > 1 and L % 2]
            if odd:
                raise ValueError(
                    f"the checkerboard sampler {name!r} needs even sizes on a periodic lattice, "
                    f"got shape {model.shape}; use an even size, boundary='open', or "
                    "sampler='wolff' / 'swendsen-wang' (no field)"
                )

    return check


def _check_multispin(model):
    _check_checkerboard("multispin")(model)
    if (
        len(model.shape) != 2
        or model.boundary != "periodic"
        or not model.zero_field
        or model.J <= 0
    ):
        raise ValueError("sampler='multispin' needs a 2D periodic lattice with h=0 and J>0")


def _init(name):
    def init_chains(model, n_chains, *, init="random", random_state=None, device="cpu"):
        n_chains = check_positive_int(n_chains, "n_chains")
        device = resolve_device(
            device, f"sampler {name!r}", cuda_supported(model, name), CUDA_LATTICE_WHY
        )
        rng = check_random_state(random_state)
        streams = seed_streams(rng, n_chains * model.shape[0])
        spins = initial_spins(model, init, n_chains, rng)
        return chain_state(model, name, spins, streams, device)

    return init_chains


def chain_state(model, name, spins, streams, device="cpu"):
    """The :class:`ChainState` of chains with these ``spins`` (int8, (n_chains, *shape)) and
    ``streams`` (one per lattice row of each chain, chain-major), used in place: the chains
    ``lo:hi`` of a larger run are ``spins[lo:hi]`` with ``streams[lo * L1 : hi * L1]``, and
    sweep exactly as they do there (each row draws from its own stream only)."""
    n_chains = len(spins)
    run = _runner(model, name, spins, n_chains, streams, device=device)
    clusters = getattr(run, "clusters", None)
    return ChainState(
        spins=spins,
        streams=streams,
        sampler=name,
        advance=run,
        sync=getattr(run, "sync", lambda: None),
        work={} if clusters is None else {"clusters": clusters},
    )


def _step(model, state, betas):
    state.advance(np.asarray(betas, dtype=np.float64))
    return state


def measure(model, state):
    """``(energies, magnetizations)`` of the chains of ``state``, each (n_chains,)."""
    state.sync()
    n = len(state.spins)
    e, m = np.empty(n), np.empty(n)
    model.energy_magnetization(state.spins, e, m)
    return e, m


for _name, _desc, _check in (
    ("metropolis", "checkerboard single-spin Metropolis", _check_checkerboard("metropolis")),
    ("heatbath", "checkerboard single-spin heat bath (Gibbs)", _check_checkerboard("heatbath")),
    ("wolff", "Wolff single-cluster flips (h = 0, J > 0)", _check_cluster("wolff")),
    (
        "swendsen-wang",
        "Swendsen-Wang cluster update (h = 0, J > 0)",
        _check_cluster("swendsen-wang"),
    ),
):
    register(Sampler(_name, KIND, _desc, _init(_name), _step, _check))


def _no_init(model, n_chains, *, init="random", random_state=None):
    raise ValueError("init_chains runs one chain per configuration: not 'multispin'")


register(
    Sampler(
        "multispin",
        KIND,
        "multispin-coded Metropolis: 64 replicas per word (2D torus, h = 0, J > 0)",
        _no_init,
        _step,
        _check_multispin,
        steppable=False,
    )
)


def sample(model, n_sweeps, n_chains, sampler, random_state, device, init, burn_in,
           measure_every, return_trace, beta_schedule, progress):  # fmt: skip
    """The loop of :meth:`IsingLattice.sample` (see there)."""
    from tqdm.auto import tqdm

    for name, v, lo in (
        ("n_sweeps", n_sweeps, 0),
        ("n_chains", n_chains, 1),
        ("burn_in", burn_in, 0),
        ("measure_every", measure_every, 1),
    ):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    on_gpu = cuda_supported(model, sampler)
    device = resolve_device(
        device, f"IsingLattice.sample(sampler={sampler!r})", on_gpu, CUDA_LATTICE_WHY
    )
    move = get_sampler(sampler, model)
    check_memory(
        bytes_needed(model, sampler, n_chains),
        f"{n_chains} chain(s) of the {' x '.join(map(str, model.shape))} lattice ({sampler})",
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
        sched = np.full(total, model.beta)
    rng = check_random_state(random_state)
    multispin = sampler == "multispin"
    if multispin:  # 64 replicas per word: its own layout, not init / step
        streams = seed_streams(rng, n_chains * model.shape[0])
        if isinstance(init, str) and init == "random":  # random bits are random spins
            state = rng.integers(
                0, 2**64, size=(n_chains, *model.shape), dtype=np.uint64, endpoint=False
            )
        else:
            state = pack(initial_spins(model, init, 64 * n_chains, rng))
        runner = _runner(model, sampler, state, n_chains, streams, device)
    else:  # any steppable sampler of the registry, the user's included
        gpu = {"device": "cuda"} if device == "cuda" else {}  # only built-ins take it
        chains = move.init(model, n_chains, init=init, random_state=rng, **gpu)
        state = chains.spins

        def runner(betas):
            move.step(model, chains, betas)

        runner.sync = chains.sync
        runner.clusters = chains.work.get("clusters")
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
            spins = unpack(state) if multispin else state
            e = np.empty(len(spins))
            m = np.empty(len(spins))
            model.energy_magnetization(spins, e, m)
            energies.append(e)
            mags.append(m)
            sweeps.append(t)
    bar.close()
    sync()
    spins = unpack(state) if multispin else state
    info = {"wolff_clusters_per_sweep": clusters["n"]} if clusters is not None else {}
    if not return_trace:
        return SampleResult(spins=spins, trace=None, sampler=sampler, info=info)
    trace = Trace(
        energy=np.array(energies).T if energies else np.zeros((len(spins), 0)),
        magnetization=np.array(mags).T if mags else np.zeros((len(spins), 0)),
        n_sites=model.n_sites,
        beta=sched[burn_in:] if beta_schedule is not None else model.beta,
        sweep_numbers=np.array(sweeps, dtype=np.int64),
    )
    return SampleResult(spins=spins, trace=trace, sampler=sampler, info=info)


def parallel_tempering(model, betas, n_sweeps, sampler, random_state, burn_in, swap_every,
                       progress, device="cpu"):  # fmt: skip
    """The loop of :meth:`IsingLattice.parallel_tempering` (see there)."""
    from tqdm.auto import tqdm

    b = np.asarray(betas, dtype=np.float64)
    if b.ndim != 1 or len(b) < 2 or not np.all(np.isfinite(b)) or np.any(b < 0):
        raise ValueError(f"betas must be >= 2 finite values >= 0, got {betas!r}")
    n_sweeps = check_positive_int(n_sweeps, "n_sweeps")
    burn_in = check_positive_int(burn_in, "burn_in", minimum=0)
    swap_every = check_positive_int(swap_every, "swap_every")
    move = get_sampler(sampler, model, steppable=True)
    device = resolve_device(
        device, "parallel tempering", cuda_supported(model, sampler), CUDA_LATTICE_WHY
    )
    rng = check_random_state(random_state)
    R = len(b)
    check_memory(bytes_needed(model, sampler, R), "parallel tempering", "the lattice or betas")
    gpu = {"device": "cuda"} if device == "cuda" else {}  # only built-ins take it
    state = move.init(model, R, random_state=rng, **gpu)
    where = np.arange(R)  # where[k] = replica currently at temperature k
    accepted = np.zeros(R - 1)
    tried = np.zeros(R - 1)
    E, M = [], []
    total = burn_in + n_sweeps
    clusters = state.work.get("clusters")
    for t in tqdm(range(total), disable=not progress, desc="parallel tempering"):
        if clusters is not None and t == burn_in:
            clusters["adapt"] = False  # as in sample: a fixed Wolff step from here
        move.step(model, state, b[np.argsort(where)])  # replica r runs at its temperature
        e, m = measure(model, state)
        if (t + 1) % swap_every == 0:  # even / odd pairs alternate
            swap_neighbours(b, e, where, t % 2, accepted, tried, rng)
        if t >= burn_in:
            E.append(e[where].copy())
            M.append(m[where].copy())
    trace = Trace(energy=np.array(E).T, magnetization=np.array(M).T, n_sites=model.n_sites, beta=b)
    info = {"betas": b, "swap_acceptance": accepted / np.maximum(tried, 1)}
    return SampleResult(spins=state.spins[where].copy(), trace=trace, sampler=sampler, info=info)


#: what the CUDA path of the lattices covers (the error of device="cuda" elsewhere says so)
CUDA_LATTICE_WHY = (
    "the GPU runs 'metropolis' and 'heatbath' on periodic 2D lattices with a uniform field and "
    "an even second side, and 'multispin'; open boundaries, site fields, 3D, 'wolff' and "
    "'swendsen-wang' run on the CPU"
)


def cuda_supported(model, sampler) -> bool:
    """Whether :func:`sweep_runner` has a CUDA path for ``model`` and ``sampler``."""
    if sampler == "multispin":  # its own checks (2D, periodic, h = 0, J > 0) apply
        return True
    return (
        sampler in ("metropolis", "heatbath")
        and len(model.shape) == 2
        and model.boundary == "periodic"
        and model.field_uniform
        and model.shape[1] % 2 == 0
    )


def sweep_runner(model, sampler, state, n_chains, streams, device="cpu"):
    """A function ``run(betas)`` doing one sweep of ``sampler`` on the lattice chains ``state``
    in place, chain ``c`` at inverse temperature ``betas[c]``.

    The lowest level of the lattice's samplers, under ``IsingLattice.sample``, its
    ``init_chains`` / ``step`` and parallel tempering: the chains ``lo:hi`` of a larger run
    are ``state[lo:hi]`` with ``streams[lo * L1 : hi * L1]`` and sweep exactly as they do
    there (each row draws from its own stream only).

    Parameters
    ----------
    model : IsingLattice
        The lattice.
    sampler : str
        A lattice sampler (see ``available_samplers("lattice")``).
    state : ndarray
        The chains, swept in place: writeable C-contiguous int8 spins of shape
        ``(n_chains, *model.shape)``, or for ``"multispin"`` its packed uint64 words of that
        shape.
    n_chains : int
        Number of chains in ``state``.
    streams : ndarray of uint64
        One stream per lattice row of each chain, chain-major, shape
        (n_chains * model.shape[0], 2) (see ``seed_streams``); advanced in place.
    device : {"cpu", "cuda"}
        With ``"cuda"`` (where the sampler has a GPU path) the chains live on the GPU
        between sweeps and ``run.sync()`` brings spins and streams back.

    Returns
    -------
    callable
        ``run(betas)`` with ``betas`` a float64 array (n_chains,); ``run.sync()``, where
        present, writes a working layout back into ``state``.

    Raises
    ------
    ValueError
        If ``model`` is not a lattice, ``sampler`` not one of its samplers, or
        ``state`` and ``streams`` do not have the shapes and types above (they go to
        compiled kernels, which do not check bounds).

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import IsingLattice
    >>> from pgm_ebm._rng import seed_streams
    >>> from pgm_ebm.samplers.lattice import sweep_runner
    >>> lat = IsingLattice((8, 8))
    >>> spins = np.ones((2, 8, 8), dtype=np.int8)
    >>> run = sweep_runner(lat, "heatbath", spins, 2, seed_streams(0, 2 * 8))
    >>> for _ in range(200):
    ...     run(np.array([0.1, 0.1]))  # hot: the order melts
    >>> _ = getattr(run, "sync", lambda: None)()
    >>> bool(abs(spins.mean()) < 0.5)
    True
    """
    if getattr(type(model), "sampler_kind", None) != KIND:
        raise ValueError(f"model must be a lattice (an IsingLattice), got {type(model).__name__}")
    get_sampler(sampler, model)
    n_chains = check_positive_int(n_chains, "n_chains")
    device = check_choice(device, "device", ("cpu", "cuda"))
    if device == "cuda" and not cuda_supported(model, sampler):
        raise ValueError(f"device='cuda': {CUDA_LATTICE_WHY}")
    if sampler == "multispin":
        dtype, shape, what = np.uint64, (n_chains, *model.shape), "packed uint64 words"
    else:
        dtype, shape, what = np.int8, (n_chains, *model.shape), "int8 spins"
    if not (isinstance(state, np.ndarray) and state.dtype == dtype and state.shape == shape
            and state.flags.c_contiguous and state.flags.writeable):  # fmt: skip
        raise ValueError(f"state must be writeable C-contiguous {what} of shape {shape}")
    if dtype == np.int8 and not np.all((state == 1) | (state == -1)):
        raise ValueError("state must hold spins -1 or +1")
    rows = n_chains * model.shape[0]
    check_streams(streams, rows)
    return _runner(model, sampler, state, n_chains, streams, device)


def _runner(model, sampler, state, n_chains, streams, device="cpu"):
    """:func:`sweep_runner` on arguments known to fit (from this module)."""
    rows = model.shape[0]
    J = model.J
    if sampler in ("metropolis", "heatbath") and len(model.shape) == 2:
        heat = sampler == "heatbath"
        periodic = model.boundary == "periodic"
        if not (model.field_uniform and periodic):  # open boundaries or a site field
            field2d = model.field_grid()

            def run(betas):
                for color in (0, 1):
                    _checkerboard_2d(state, color, field2d, betas, J, periodic, heat, streams)

            return run
        # periodic with a uniform field: the checkerboard-split layout (same bits)
        A, B = _split_colors(state)
        table = np.zeros((n_chains, 10), dtype=np.float32)
        e4 = np.zeros(n_chains, dtype=np.float32)
        e8 = np.zeros(n_chains, dtype=np.float32)
        h = float(model.h)
        mode = 1 if heat else (2 if h == 0.0 and J > 0 else 0)
        nb = np.arange(-4, 5, 2, dtype=np.float64)
        small = state.size < SMALL_LATTICE

        def run(betas):
            bb = betas[:, None]
            if mode == 1:
                table[:, :5] = expit(2 * bb * (J * nb + h))
            elif mode == 0:
                for si, sp in enumerate((-1.0, 1.0)):
                    with np.errstate(over="ignore"):  # inf: always accepted, as min(1, inf)
                        table[:, 5 * si : 5 * si + 5] = np.minimum(
                            1.0, np.exp(-bb * 2 * sp * (J * nb + h))
                        )
            else:
                with np.errstate(over="ignore"):  # J < 0 never reaches here (mode 2: J > 0)
                    e4[:] = np.exp(-4 * betas * J)
                    e8[:] = np.exp(-8 * betas * J)
            if gpu is not None:
                gpu.sweep(table, e4, e8, mode)
                return
            with numba_threads(1 if small else None):
                for color in (0, 1):
                    _checkerboard_split(A, B, color, table, e4, e8, mode, streams)

        gpu = None
        if device == "cuda":
            from pgm_ebm.cuda.lattice import SplitLattice

            gpu = SplitLattice(A, B, streams)

            def sync():
                gpu.sync()
                _merge_colors(A, B, state)

            run.sync = sync
        else:
            run.sync = lambda: _merge_colors(A, B, state)
        return run
    if sampler == "multispin":
        gpu = None
        if device == "cuda":
            from pgm_ebm.cuda.lattice import MultispinLattice

            gpu = MultispinLattice(state, streams)

        def run(betas):
            beta = float(betas[0])
            p4, p8 = np.float32(math.exp(-4 * beta * J)), np.float32(math.exp(-8 * beta * J))
            if gpu is not None:
                gpu.sweep(p4, p8)
                return
            for color in (0, 1):
                _multispin_2d(state, color, p4, p8, streams)

        run.sync = gpu.sync if gpu is not None else lambda: None
        return run
    flat = state.reshape(n_chains, -1)
    if sampler in ("metropolis", "heatbath"):
        s0, s1 = model.colors()
        nbr, hflat, heat = model.neighbours(), model.field_flat(), sampler == "heatbath"

        def run(betas):
            _checkerboard_generic(flat, s0, s1, nbr, hflat, betas, J, heat, streams, rows)

        return run
    if sampler == "wolff":
        nbr = model.neighbours()
        flipped = np.zeros(n_chains, dtype=np.int64)
        clusters = {"n": 1, "adapt": True, "history": []}

        def run(betas):
            # clusters per sweep: N / mean cluster size, re-estimated only while
            # adapt is on (burn-in); fixed afterwards, so the chain is a fixed
            # composition of Wolff steps and samples the Boltzmann distribution.  The mean
            # is over the later half of the sweeps so far, not the last sweep alone: near
            # T_c cluster sizes spread over orders of magnitude, and one sweep of small
            # clusters froze ~N clusters per sweep in (measured: L = 256 at T = 2.27 ran
            # 70x slower after burn-in)
            _wolff(flat, nbr, 1 - np.exp(-2 * betas * J), clusters["n"], streams, rows, flipped)
            if clusters["adapt"]:
                hist = clusters["history"]
                hist.append((float(flipped.sum()), float(clusters["n"] * len(flipped))))
                late = hist[len(hist) // 2 :]
                mean_size = sum(f for f, _ in late) / sum(m for _, m in late)
                clusters["n"] = max(1, int(round(model.n_sites / mean_size)))

        run.clusters = clusters
        return run
    bonds = model.bonds()

    def run(betas):  # swendsen-wang
        _swendsen_wang(flat, bonds, 1 - np.exp(-2 * betas * J), streams, rows)

    return run


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


def pack(spins):
    """int8 spins (64 n, L1, L2) -> uint64 words (n, L1, L2), replica r of word c = spins[64 c + r].

    One replica at a time, so temporaries stay the size of one lattice."""
    n = spins.shape[0] // 64
    words = np.zeros((n, *spins.shape[1:]), dtype=np.uint64)
    for c in range(n):
        for r in range(64):
            words[c] |= (spins[64 * c + r] > 0).astype(np.uint64) << np.uint64(r)
    return words


def unpack(words):
    """uint64 words (n, L1, L2) -> int8 spins (64 n, L1, L2), one replica at a time."""
    out = np.empty((64 * words.shape[0], *words.shape[1:]), dtype=np.int8)
    for c in range(words.shape[0]):
        for r in range(64):
            bit = ((words[c] >> np.uint64(r)) & np.uint64(1)).astype(np.int8)
            np.multiply(bit, 2, out=out[64 * c + r])
            out[64 * c + r] -= 1
    return out
