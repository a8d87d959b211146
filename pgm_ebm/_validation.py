"""Input checks shared by the public entry points.

Every check returns new arrays or read-only views; nothing the user passed in
is modified.
"""

from __future__ import annotations

import numbers
import os

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


def as_real_array(value, name: str, *, dtype=np.float64, finite: bool = True, ndim=None, copy=True):
    """``value`` as a new real ``dtype`` array, or a ValueError that names ``name``.

    Refused: complex numbers (NumPy would drop the imaginary part silently), strings
    (NumPy would parse numeric ones), objects, and (``finite``) NaN or infinities.
    Booleans and integers are fine.
    """
    try:
        a = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a real numeric array ({exc})") from None
    if a.dtype.kind == "c":
        raise ValueError(f"{name} must be real, got complex values (dtype {a.dtype})")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a real numeric array, got dtype {a.dtype}")
    if ndim is not None and a.ndim not in np.atleast_1d(ndim):
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {a.shape}")
    out = np.array(a, dtype=dtype, copy=True) if copy else np.asarray(a, dtype=dtype)
    if finite and out.dtype.kind == "f" and not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    return out


def physical_memory() -> int | None:
    """Bytes of physical memory of this machine, or None where the OS does not say."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def _human(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def check_memory(nbytes: float, what: str, change: str) -> None:
    """Refuse, before allocating, a request for more memory than the machine has.

    ``what`` says what needs the memory, ``change`` which argument to make smaller.
    """
    total = physical_memory()
    if total is not None and nbytes > total:
        raise ValueError(
            f"{what} needs about {_human(nbytes)}, more than this machine's "
            f"{_human(total)} of memory; make {change} smaller"
        )


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


def check_streams(streams, n: int, name: str = "streams", at_least: bool = False) -> None:
    """Raise ValueError unless ``streams`` is the C-contiguous uint64 (n, 2) array of
    ``seed_streams`` (``at_least``: n or more rows): compiled kernels index it unchecked."""
    ok = (
        isinstance(streams, np.ndarray)
        and streams.dtype == np.uint64
        and streams.ndim == 2
        and streams.shape[1] == 2
        and streams.flags.c_contiguous
        and (len(streams) >= n if at_least else len(streams) == n)
    )
    if not ok:
        rows = f"at least {n}" if at_least else str(n)
        raise ValueError(f"{name} must be a C-contiguous uint64 array of {rows} rows of 2 words "
                         f"(seed_streams), got {getattr(streams, 'dtype', type(streams).__name__)} "
                         f"{getattr(streams, 'shape', '')}")  # fmt: skip


def check_spins(spins, shape, name: str = "spins") -> np.ndarray:
    """``spins`` as int8 +-1 with trailing shape ``shape`` (a new array), or ValueError."""
    a = np.asarray(spins)
    if a.shape[-len(shape) :] != tuple(shape):
        raise ValueError(f"{name} must have trailing shape {tuple(shape)}, got {a.shape}")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be real numbers with values +-1, got dtype {a.dtype}")
    if not np.all((a == 1) | (a == -1)):
        bad = a[(a != 1) & (a != -1)].ravel()[0]
        raise ValueError(f"{name} must hold spins -1 or +1; found {bad!r}")
    return a.astype(np.int8)
