"""Heat bath for the denoising posterior, registered as ``"heatbath"`` of the
``"grid-posterior"`` kind (:class:`pgm_ebm.denoise.GridPosterior`): an Ising model on a pixel
grid with free boundaries, a per-pixel field ``u`` and the 4- or 8-neighbourhood, swept
colour by colour (2 colours for 4 neighbours, 4 for 8), rows of a colour in parallel.

The chains live in the kernels' padded layout (n_chains, H + 2, W + 2) with a zero frame;
``state.work`` keeps each chain's energy (``"energy"``) and the sum of its states over the
sweeps after burn-in (``"acc"``: the posterior marginals' numerator).  :func:`run` runs a
whole ``beta_schedule`` in a few kernel calls (``step`` is one sweep: the same kernel).
"""

from __future__ import annotations

import numpy as np

from pgm_ebm._rng import check_random_state, seed_streams
from pgm_ebm._validation import (
    as_real_array,
    check_memory,
    check_positive_int,
    check_spins,
    check_streams,
)
from pgm_ebm.kernels.denoise import _energies, _gibbs_sweeps
from pgm_ebm.samplers.registry import Sampler, register
from pgm_ebm.samplers.result import ChainState

KIND = "grid-posterior"
_CHUNK = 50  # sweeps per kernel call (progress bar granularity)


def init_chains(model, n_chains, *, init="random", random_state=None):
    """``n_chains`` chains from ``init``: "random" or one image of spins (H, W)."""
    n_chains = check_positive_int(n_chains, "n_chains")
    up = model.padded_field()
    H, W = up.shape[0] - 2, up.shape[1] - 2
    check_memory(
        n_chains * ((H + 2) * (W + 2) * 5.0 + 16.0 * H), f"{n_chains} Gibbs chains", "n_chains"
    )
    rng = check_random_state(random_state)
    X = np.zeros((n_chains, H + 2, W + 2), np.int8)
    if isinstance(init, str) and init == "random":
        X[:, 1:-1, 1:-1] = 2 * rng.integers(0, 2, size=(n_chains, H, W), dtype=np.int8) - 1
    else:
        X[:, 1:-1, 1:-1] = check_spins(init, (H, W), name="init")
    streams = seed_streams(rng, n_chains * H)
    e = np.empty(n_chains)
    _energies(X, up, model.beta, model.diag, e)
    acc = np.zeros((n_chains, H + 2, W + 2), np.int32)

    def advance(betas):
        beta = float(betas[0])
        if np.any(np.asarray(betas) != beta):
            raise ValueError("the grid heat bath sweeps all chains at one beta")
        run(model, state, np.array([beta]))

    state = ChainState(
        spins=X, streams=streams, sampler="heatbath", advance=advance,
        work={"energy": e, "acc": acc},
    )  # fmt: skip
    return state


def step(model, state, betas):
    state.advance(np.asarray(betas, dtype=np.float64).reshape(-1))
    return state


def _check_state(state, padded):
    """Raise ValueError unless ``state`` is a grid heat-bath state for a field of padded
    shape ``padded``: its arrays go to compiled kernels, which do not check bounds."""
    if not isinstance(state, ChainState) or state.sampler != "heatbath":
        raise ValueError("state must be the ChainState of the grid heat bath's init_chains")
    X, work = state.spins, state.work
    C = len(X) if isinstance(X, np.ndarray) else 0
    ok = (
        isinstance(X, np.ndarray) and X.dtype == np.int8 and X.shape[1:] == padded
        and X.flags.c_contiguous and C >= 1
        and isinstance(work.get("acc"), np.ndarray) and work["acc"].dtype == np.int32
        and work["acc"].shape == X.shape
        and isinstance(work.get("energy"), np.ndarray) and work["energy"].dtype == np.float64
        and work["energy"].shape == (C,)
    )  # fmt: skip
    if not ok:
        raise ValueError(
            f"state does not fit this model: its chains must be int8 (n_chains, "
            f"{padded[0]}, {padded[1]}) with their streams, energies and sums"
        )
    check_streams(state.streams, C * (padded[0] - 2), "state.streams")


def run(model, state, beta_schedule, *, burn_in=0, track=True, progress=False,
        desc="heatbath sweeps"):  # fmt: skip
    """Sweep the grid heat-bath chains ``state`` along ``beta_schedule`` in a few kernel calls.

    Each entry of the schedule is one sweep of every chain at that inverse temperature,
    multiplying the whole energy (couplings and field). Sweeps ``k >= burn_in`` add each
    chain's states to ``state.work["acc"]``: the numerator of the posterior marginals.

    Parameters
    ----------
    model : GridPosterior
        The posterior.
    state : ChainState
        From the ``"heatbath"`` sampler's ``init`` for this model; swept in place.
    beta_schedule : array_like of shape (n_sweeps,)
        Inverse temperatures, finite and >= 0 (all ones: sampling; increasing: annealing).
    burn_in : int
        Sweeps not added to ``state.work["acc"]``.
    track : bool
        Record each chain's energy after each sweep.
    progress : bool
        Show a progress bar.
    desc : str
        The progress bar's label.

    Returns
    -------
    ndarray of shape (n_sweeps, n_chains)
        The chains' energies (at temperature 1) after each sweep; NaN unless ``track``.

    Raises
    ------
    ValueError
        If ``model`` is not a GridPosterior, ``state`` is not a grid heat-bath state of its
        shape, ``beta_schedule`` has a negative or non-finite value, or ``burn_in`` is
        negative.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm.denoise import GridPosterior
    >>> from pgm_ebm.samplers import get_sampler, grid
    >>> post = GridPosterior(np.full((6, 6), 0.5), beta=0.3)
    >>> state = get_sampler("heatbath", post).init(post, 2, random_state=0)
    >>> energies = grid.run(post, state, np.linspace(0.1, 3.0, 100))  # an anneal
    >>> energies.shape, bool((state.spins[:, 1:-1, 1:-1] == 1).all())  # the ground state
    ((100, 2), True)
    """
    from tqdm.auto import tqdm

    if getattr(type(model), "sampler_kind", None) != KIND:
        raise ValueError(f"model must be a GridPosterior, got {type(model).__name__}")
    up = model.padded_field()
    _check_state(state, up.shape)
    sched = as_real_array(beta_schedule, "beta_schedule", ndim=1)
    if np.any(sched < 0):
        raise ValueError("beta_schedule must hold values >= 0")
    burn_in = check_positive_int(burn_in, "burn_in", minimum=0)
    n = len(sched)
    trace = np.full((n, len(state.spins)), np.nan)
    with tqdm(total=n, disable=not progress, desc=desc, unit="sweep") as bar:
        for k0 in range(0, n, _CHUNK):
            k1 = min(n, k0 + _CHUNK)
            _gibbs_sweeps(
                state.spins, up, model.beta, model.diag, sched[k0:k1], max(0, burn_in - k0),
                state.streams, state.work["acc"], track, state.work["energy"], trace[k0:k1],
            )  # fmt: skip
            bar.update(k1 - k0)
    return trace


register(Sampler("heatbath", KIND, "heat bath on the pixel grid (colour by colour)",
                 init_chains, step))  # fmt: skip
