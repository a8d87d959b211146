"""Input checks shared by the public entry points.

Every check returns new arrays or read-only views; nothing the user passed in
is modified.
"""

from __future__ import annotations

import numbers

import numpy as np


def check_dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return dt


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_real(value, name: str, low=None, high=None, low_open=False, high_open=False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    v = float(value)
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value!r}")
    return v


def check_choice(value, name: str, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_unit_interval(X: np.ndarray, name: str = "X", binary: bool = False) -> None:
    """Raise ValueError unless every entry of X is in [0, 1] (or in {0, 1})."""
    if X.size == 0:
        return
    from pgm_ebm.kernels.checks import _count_outside

    if X.ndim != 2 or X.dtype.kind != "f":
        X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    if _count_outside(np.ascontiguousarray(X).ravel(), binary) == 0:
        return
    if binary:
        bad = (X != 0) & (X != 1)
        what = "binary values {0, 1}"
    else:
        bad = (X < 0) | (X > 1)
        what = "values in [0, 1] (binary data or probabilities)"
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        neg = " (Negative values in data)" if (X < 0).any() else ""
        raise ValueError(
            f"{name} must hold {what}; {int(bad.sum())} entries do not{neg}, "
            f"the first at index {idx} is {float(X[idx])!r}"
        )
