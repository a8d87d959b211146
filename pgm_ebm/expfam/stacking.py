"""Greedy layer-wise training of stacked RBMs and the deep Boltzmann machine parameters
composed from them (Salakhutdinov & Hinton 2009)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from pgm_ebm._rng import check_random_state
from pgm_ebm._validation import check_positive_int


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
    visible input twice on the way up (``p(h|v) = sigmoid(2 W v + c)``), the top RBM counts
    its hidden layer twice on the way down, and the weights of intermediate RBMs are halved
    when composed. Each layer's data is the previous layer's mean activation, doubled-up as
    in training. Hidden biases shared between two RBMs are averaged. With ``dbm=False`` it
    is the plain deep-belief-net stack. :class:`pgm_ebm.DBM` pretrains through it.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_visible)
        Training data, values in [0, 1].
    layer_sizes : sequence of int
        Hidden layer sizes, bottom to top.
    dbm : bool
        Apply the deep-Boltzmann-machine corrections (default) or stack plainly.
    random_state : None, int or numpy.random.Generator
        Seed; each RBM gets its own seed drawn from it.
    **rbm_params
        Further arguments of :class:`~pgm_ebm.BernoulliRBM` (``n_iter``,
        ``learning_rate``, ...), all but ``n_components``.

    Returns
    -------
    StackedRBMs
        ``rbms`` (the trained RBMs), ``weights`` (``weights[l]`` of shape
        ``(n_{l+1}, n_l)``, layer 0 visible) and ``biases`` (``biases[l]`` of shape
        ``(n_l,)``).

    Raises
    ------
    ValueError
        If ``layer_sizes`` is not a non-empty sequence of positive integers or
        ``n_components`` is passed.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm.expfam import stack_rbms
    >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
    >>> stack = stack_rbms(X, [6, 4], n_iter=3, random_state=0)
    >>> [w.shape for w in stack.weights], [b.shape for b in stack.biases]
    ([(6, 12), (4, 6)], [(12,), (6,), (4,)])
    """
    from pgm_ebm.models.rbm import BernoulliRBM

    if isinstance(layer_sizes, (str, bytes)) or np.ndim(layer_sizes) != 1 or not len(layer_sizes):
        raise ValueError(
            f"layer_sizes must be a sequence of positive integers, got {layer_sizes!r}"
        )
    sizes = [check_positive_int(s, "layer_sizes[i]") for s in layer_sizes]
    if "n_components" in rbm_params:
        raise ValueError("n_components is set by layer_sizes; do not pass it to stack_rbms")
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
        data = expit(pre)
    weights, biases = [], [rbms[0].intercept_visible_.astype(np.float64)]
    for k, rbm in enumerate(rbms):
        halve = dbm and 0 < k < L - 1
        weights.append(rbm.components_.astype(np.float64) / (2.0 if halve else 1.0))
        c = rbm.intercept_hidden_.astype(np.float64)
        if k + 1 < L:
            c = (c + rbms[k + 1].intercept_visible_) / 2 if dbm else c
        biases.append(c)
    return StackedRBMs(rbms, weights, biases)
