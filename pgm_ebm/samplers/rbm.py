"""Block Gibbs for restricted Boltzmann machines, registered under the ``"rbm"`` kind:
``v -> h -> v'``, every unit of a layer drawn at once from its conditional, many chains in
parallel (one stream per chain).  ``BernoulliRBM.sample`` runs it; the model gives its fitted
``components_``, ``intercept_visible_`` and ``intercept_hidden_`` (scikit-learn's names).

At inverse temperature ``beta`` the step samples ``p_beta(v, h) ~ exp(-beta E(v, h))``; the
chains of one step share one ``beta`` (AIS for RBMs runs its own fused kernel:
:mod:`pgm_ebm.partition.ais`).
"""

from __future__ import annotations

import numpy as np

from pgm_ebm._device import resolve_device
from pgm_ebm._rng import check_random_state, seed_streams
from pgm_ebm._validation import (
    as_real_array,
    check_memory,
    check_positive_int,
    check_unit_interval,
)
from pgm_ebm.kernels.block_gibbs import _sample_bernoulli
from pgm_ebm.samplers.registry import Sampler, register
from pgm_ebm.samplers.result import ChainState

KIND = "rbm"


def _fitted(model):
    W = getattr(model, "components_", None)
    if W is None:
        raise ValueError(f"this {type(model).__name__} is not fitted yet: call fit first")
    return W, model.intercept_visible_, model.intercept_hidden_


def init_chains(model, n_chains, *, init="random", random_state=None, device="cpu"):
    """Chains of visible states: ``init`` "random" (independent Bernoulli draws with the
    visible biases' probabilities, through the chains' streams) or binary states
    (n_chains, n_features), copied.  ``device="cuda"``: the chains, their streams and the
    weights stay on the GPU between steps (:func:`pgm_ebm.cuda.rbm.block_gibbs_chains`);
    the state's ``sync()`` brings the states, ``work["Vp"]`` and the streams back."""
    W, b, c = _fitted(model)
    n_chains = check_positive_int(n_chains, "n_chains")
    device = resolve_device(device, "the RBM's block Gibbs")
    check_memory(
        n_chains * (16 + 2 * W.itemsize * (W.shape[0] + W.shape[1]) + W.shape[1]),
        f"sampling {n_chains} chains",
        "n_chains",
    )
    streams = seed_streams(check_random_state(random_state), n_chains)
    Vp = np.empty((n_chains, W.shape[1]), dtype=W.dtype)
    Vs = np.empty_like(Vp)
    if isinstance(init, str) and init == "random":
        Vp[:] = 0.0
        _sample_bernoulli(Vp, b, streams, Vs)
    else:
        V = as_real_array(init, "init", copy=False)
        if V.shape != Vs.shape:
            raise ValueError(f"init must have shape {Vs.shape}, got {V.shape}")
        check_unit_interval(V, "init")
        Vs[:] = V
    if device == "cuda":
        from pgm_ebm.cuda.rbm import block_gibbs_chains

        advance, sync = block_gibbs_chains(W, b, c, Vs, Vp, streams)
        return ChainState(spins=Vs, streams=streams, sampler="block-gibbs", advance=advance,
                          sync=sync, work={"Vp": Vp})  # fmt: skip
    H = np.empty((n_chains, W.shape[0]), dtype=W.dtype)
    Hs = np.empty_like(H)

    def advance(betas):
        beta = float(betas[0])
        if np.any(np.asarray(betas) != beta):
            raise ValueError("block Gibbs steps all chains of an RBM at one beta")
        np.matmul(Vs, W.T, out=H)
        _sample_bernoulli(H, c if beta == 1 else beta * c, streams, Hs, beta)
        np.matmul(Hs, W, out=Vp)
        _sample_bernoulli(Vp, b if beta == 1 else beta * b, streams, Vs, beta)

    return ChainState(
        spins=Vs, streams=streams, sampler="block-gibbs", advance=advance, work={"Vp": Vp}
    )


def step(model, state, betas):
    state.advance(np.asarray(betas, dtype=np.float64).reshape(-1))
    return state


register(Sampler("block-gibbs", KIND, "block Gibbs v -> h -> v' (all units of a layer at once)",
                 init_chains, step))  # fmt: skip
