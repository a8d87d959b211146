"""Single-pass input checks (no temporaries)."""

from numba import njit, prange


@njit(parallel=True, cache=True, error_model="numpy")
def _count_outside(flat, binary):
    """Number of entries of the 1-D ``flat`` outside [0, 1] (or, with
    ``binary``, outside {0, 1}); NaN counts as outside.  Branch-free so that it
    vectorises."""
    n_bad = 0
    if binary:
        for k in prange(flat.size):
            v = flat[k]
            n_bad += (v != 0.0) & (v != 1.0)
    else:
        for k in prange(flat.size):
            v = flat[k]
            n_bad += not ((v >= 0.0) & (v <= 1.0))
    return n_bad
