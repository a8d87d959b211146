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
from pgm_ebm._validation import check_memory, check_positive_int, check_spins
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


def run(model, state, beta_schedule, *, burn_in=0, track=True, progress=False,
        desc="heatbath sweeps"):  # fmt: skip
    """Sweep ``state`` along ``beta_schedule`` (one inverse temperature per sweep,
    multiplying the whole energy); sweeps ``k >= burn_in`` add to ``state.work["acc"]``.
    With ``track``, returns the chains' energies (at temperature 1) after each sweep,
    (n_sweeps, n_chains) (else NaN)."""
    from tqdm.auto import tqdm

    sched = np.ascontiguousarray(beta_schedule, dtype=np.float64)
    n = len(sched)
    trace = np.full((n, len(state.spins)), np.nan)
    up = model.padded_field()
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
