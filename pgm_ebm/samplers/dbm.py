"""Block Gibbs for deep Boltzmann machines, registered as ``"block-gibbs"`` of the ``"dbm"``
kind: the odd layers given the even ones, then the even layers given the odd (each group is
conditionally independent), through the model's conditionals (``DBM.gibbs_step``).

The state's ``spins`` are the visible layer; ``work["layers"]`` holds every layer's states.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from pgm_ebm._device import resolve_device
from pgm_ebm._rng import check_random_state, seed_streams
from pgm_ebm._validation import check_memory, check_positive_int
from pgm_ebm.samplers.registry import Sampler, register
from pgm_ebm.samplers.result import ChainState

KIND = "dbm"


def init_chains(model, n_chains, *, init="random", random_state=None, device="cpu"):
    """Chains whose layers start as independent draws with the base rates of the data
    (``base_rate_logit_``), or from ``init``: a list of one binary array per layer.
    ``device="cuda"``: the layers and streams stay on the GPU between steps
    (:func:`pgm_ebm.cuda.dbm.dbm_block_gibbs_chains`); ``sync()`` brings them back."""
    n_chains = check_positive_int(n_chains, "n_chains")
    device = resolve_device(device, "the DBM's block Gibbs")
    sizes = model.sizes
    check_memory(
        n_chains * (16.0 + 8.0 * sum(sizes)), f"sampling {n_chains} DBM chains", "n_chains"
    )
    rng = check_random_state(random_state)
    dt = model.weights_[0].dtype
    if isinstance(init, str) and init == "random":
        layers = [
            (rng.random((n_chains, s)) < expit(lg)).astype(dt)
            for s, lg in zip(sizes, model.base_rate_logit_, strict=True)
        ]
    else:
        if len(init) != len(sizes):
            raise ValueError(f"init must hold one array per layer ({len(sizes)}), got {len(init)}")
        layers = []
        for i, (a, s) in enumerate(zip(init, sizes, strict=True)):
            a = np.asarray(a, dtype=dt)
            if a.shape != (n_chains, s) or not np.all((a == 0) | (a == 1)):
                raise ValueError(f"init[{i}] must be binary of shape ({n_chains}, {s})")
            layers.append(a.copy())
    streams = seed_streams(rng, n_chains)
    if device == "cuda":
        from pgm_ebm.cuda.dbm import dbm_block_gibbs_chains

        advance, sync = dbm_block_gibbs_chains(model.weights_, model.biases_, layers, streams)
        return ChainState(spins=layers[0], streams=streams, sampler="block-gibbs",
                          advance=advance, sync=sync, work={"layers": layers})  # fmt: skip

    def advance(betas):
        beta = float(betas[0])
        if np.any(np.asarray(betas) != beta):
            raise ValueError("block Gibbs steps all chains of a DBM at one beta")
        model.gibbs_step(layers, streams, beta)

    return ChainState(
        spins=layers[0], streams=streams, sampler="block-gibbs", advance=advance,
        work={"layers": layers},
    )  # fmt: skip


def step(model, state, betas):
    state.advance(np.asarray(betas, dtype=np.float64).reshape(-1))
    return state


register(Sampler("block-gibbs", KIND, "odd layers | even, then even | odd", init_chains, step))
