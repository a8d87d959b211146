"""Exact log partition functions."""

from __future__ import annotations

import time

import numpy as np

from pgm_ebm._validation import as_real_array, check_positive_int
from pgm_ebm.kernels.enumerate import _rbm_logz_chunks, _rbm_logz_chunks_mult
from pgm_ebm.partition.result import LogZResult

#: Largest layer we agree to enumerate (2**30 states, minutes on 2 cores for 784 visibles).
MAX_ENUMERATED_UNITS = 30


def rbm_log_partition_exact(
    W: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray, *, max_units: int = 25
) -> LogZResult:
    """Exact log Z of a Bernoulli RBM with energy ``-v.W.T.h - b.v - c.h``.

    The smaller layer is enumerated (Gray-code order, parallel chunks) and the
    larger one summed out analytically, in float64.

    Parameters
    ----------
    W : array of shape (n_hidden, n_visible)
        Couplings (scikit-learn's ``components_`` layout).
    visible_bias : array of shape (n_visible,)
        Visible biases ``b``.
    hidden_bias : array of shape (n_hidden,)
        Hidden biases ``c``.
    max_units : int, default 25
        Refuse to enumerate a layer larger than this (2**max_units states).

    Returns
    -------
    LogZResult
        With ``method="exact-enumeration"`` and the enumerated layer in
        ``settings``.

    Raises
    ------
    ValueError
        If the arrays are not finite or their shapes do not match, ``max_units`` is not a
        positive integer, or the smaller layer has more than ``max_units`` units.

    Examples
    --------
    >>> import numpy as np
    >>> r = rbm_log_partition_exact(np.zeros((2, 3)), np.zeros(3), np.zeros(2))
    >>> float(round(r.log_z / np.log(2), 6))  # 2**5 states of energy 0
    5.0
    """
    W = as_real_array(W, "W", ndim=2)
    b = as_real_array(visible_bias, "visible_bias", ndim=1)
    c = as_real_array(hidden_bias, "hidden_bias", ndim=1)
    n_hidden, n_visible = W.shape
    if b.shape != (n_visible,) or c.shape != (n_hidden,):
        raise ValueError(
            f"bias shapes must be ({n_visible},) and ({n_hidden},) for W of shape {W.shape}, "
            f"got {b.shape} and {c.shape}"
        )
    max_units = min(check_positive_int(max_units, "max_units"), MAX_ENUMERATED_UNITS)
    if n_hidden <= n_visible:
        layer, Wm, b_enum, b_sum = "hidden", W, c, b
    else:
        layer, Wm, b_enum, b_sum = "visible", W.T, b, c
    n_enum = Wm.shape[0]
    if n_enum > max_units:
        raise ValueError(
            f"exact log Z enumerates the smaller layer, which has {n_enum} units: "
            f"more than max_units={max_units} (2**{n_enum} states)"
        )
    t0 = time.perf_counter()
    chunk_bits = min(n_enum, 12)
    n_chunks = 1 << (n_enum - chunk_bits)
    mx = np.empty(n_chunks)
    sm = np.empty(n_chunks)
    Wc = np.ascontiguousarray(Wm)
    # a bound on every activation of the summed layer over all states
    amax = float(np.max(np.abs(b_sum) + np.abs(Wc).sum(axis=0))) if Wc.size else 0.0
    if amax < 600.0:  # e^a stays finite: the exp-free incremental kernel
        per_factor = max(np.logaddexp(0.0, amax), 1e-300)
        group = int(max(1, min(64, 700.0 // per_factor)))
        _rbm_logz_chunks_mult(
            Wc, b_enum.copy(), b_sum.copy(), chunk_bits, group, np.exp(Wc), np.exp(-Wc), mx, sm
        )
    else:
        _rbm_logz_chunks(Wc, b_enum.copy(), b_sum.copy(), chunk_bits, mx, sm)
    top = mx.max()
    log_z = float(top + np.log(np.sum(sm * np.exp(mx - top))))
    return LogZResult(
        log_z=log_z,
        method="exact-enumeration",
        uncertainty="exact",
        settings={"enumerated_layer": layer, "n_states": 2**n_enum},
        n_energy_evals=2**n_enum,
        wall_time=time.perf_counter() - t0,
    )
