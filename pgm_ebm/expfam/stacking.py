"""Greedy layer-wise training of stacked RBMs and the deep Boltzmann machine parameters
composed from them (Salakhutdinov & Hinton 2009)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgm_ebm._rng import check_random_state


@dataclass
class StackedRBMs:
    """Greedily trained RBMs and the deep Boltzmann machine parameters composed from them.

    ``weights[l]`` has shape (n_{l+1}, n_l) (layer 0 is the visible layer), ``biases[l]``
    shape (n_l,).
    """

    rbms: list
    weights: list
    biases: list


def stack_rbms(X, layer_sizes, *, dbm: bool = True, random_state=None, **rbm_params):
    """Greedy layer-wise training of a stack of Bernoulli RBMs.

    With ``dbm=True`` it follows Salakhutdinov & Hinton (2009) for deep Boltzmann machines.
    A DBM's middle layers receive input from above and below, so the bottom RBM counts its
    visible input twice on the way up (``p(h|v) = sigmoid(2 W v + c)``), the top RBM counts its
    hidden layer twice on the way down, and the weights of intermediate RBMs are halved when
    composed. Each layer's data is the previous layer's mean activation, doubled-up as in
    training. Hidden biases shared between two RBMs are averaged. With ``dbm=False`` it is the
    plain deep-belief-net stack.

    Parameters
    ----------
    X : array (n_samples, n_visible), values in [0, 1]
    layer_sizes : sequence of int
        Hidden layer sizes, bottom to top.
    rbm_params : keyword arguments for :class:`~pgm_ebm.BernoulliRBM` (not n_components).
    """
    from pgm_ebm.models.rbm import BernoulliRBM

    sizes = [int(s) for s in layer_sizes]
    if not sizes or min(sizes) < 1:
        raise ValueError(f"layer_sizes must be positive integers, got {layer_sizes!r}")
    rng = check_random_state(random_state)
    data = np.asarray(X, dtype=np.float64)
    rbms, L = [], len(sizes)
    for k, n_hidden in enumerate(sizes):
        rbm = BernoulliRBM(
            n_components=n_hidden, random_state=int(rng.integers(2**31)), **rbm_params
        )
        up = 2.0 if dbm and k == 0 and L > 1 else 1.0
        down = 2.0 if dbm and k == L - 1 and L > 1 else 1.0
        rbm.fit(data, layer_scales=(up, down))
        rbms.append(rbm)
        pre = up * (data @ rbm.components_.T.astype(np.float64)) + rbm.intercept_hidden_
        data = 1 / (1 + np.exp(-pre))
    weights, biases = [], [rbms[0].intercept_visible_.astype(np.float64)]
    for k, rbm in enumerate(rbms):
        halve = dbm and 0 < k < L - 1
        weights.append(rbm.components_.astype(np.float64) / (2.0 if halve else 1.0))
        c = rbm.intercept_hidden_.astype(np.float64)
        if k + 1 < L:
            c = (c + rbms[k + 1].intercept_visible_) / 2 if dbm else c
        biases.append(c)
    return StackedRBMs(rbms, weights, biases)
