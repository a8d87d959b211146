"""``C = alpha * op(A) @ B + beta * C`` through NumPy's own BLAS.

NumPy's ``matmul`` cannot accumulate into its output (no ``beta``), which costs
an RBM update a whole extra pass over the weights.  NumPy wheels ship
OpenBLAS with its CBLAS interface exported; calling that same library (so the
same thread pool: a second BLAS, such as SciPy's own copy, would fight NumPy's
threads for the cores) through ctypes gives the accumulating GEMM.

If that library or symbol cannot be found, or a one-time self-check against
``numpy.matmul`` fails, :func:`gemm` falls back to ``matmul`` plus an
in-place update, with the same result up to rounding.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import logging
import os

import numpy as np

logger = logging.getLogger(__name__)

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
# (symbol, integer type) pairs of the CBLAS entry points we know the ABI of
_SYMBOLS = {
    np.dtype(np.float32): [
        ("scipy_cblas_sgemm64_", ctypes.c_int64),
        ("cblas_sgemm64_", ctypes.c_int64),
        ("scipy_cblas_sgemm", ctypes.c_int),
        ("cblas_sgemm", ctypes.c_int),
    ],
    np.dtype(np.float64): [
        ("scipy_cblas_dgemm64_", ctypes.c_int64),
        ("cblas_dgemm64_", ctypes.c_int64),
        ("scipy_cblas_dgemm", ctypes.c_int),
        ("cblas_dgemm", ctypes.c_int),
    ],
}


def _numpy_blas_libraries():
    base = os.path.dirname(np.__file__)
    return sorted(glob.glob(os.path.join(base, os.pardir, "numpy.libs", "*openblas*")))


def _load(dtype):
    for path in _numpy_blas_libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name, int_t in _SYMBOLS[dtype]:
            fn = getattr(lib, name, None)
            if fn is None:
                continue
            real = ctypes.c_float if dtype == np.float32 else ctypes.c_double
            ptr = ctypes.c_void_p
            fn.restype = None
            fn.argtypes = [
                ctypes.c_int,
                ctypes.c_int,
                ctypes.c_int,
                int_t,
                int_t,
                int_t,
                real,
                ptr,
                int_t,
                ptr,
                int_t,
                real,
                ptr,
                int_t,
            ]
            if _self_check(fn, dtype):
                return fn
            logger.warning("%s in %s failed its self-check; using numpy.matmul", name, path)
    return None


def _ld(x) -> int:
    """BLAS leading dimension of a row-major matrix: the row stride in elements, or the row
    length where there is a single row (NumPy's stride of a length-1 axis is arbitrary:
    a (1, n) array can carry a stride of one element, and BLAS rejects ``ld < n``)."""
    rows, cols = x.shape
    if rows <= 1:
        return max(1, cols)
    return x.strides[0] // x.itemsize


def _blas_layout(x) -> bool:
    """Whether ``x`` can go to BLAS as a row-major matrix: unit stride along rows (or a
    single column), a positive row stride that is a whole number of elements, rows not
    overlapping."""
    rows, cols = x.shape
    if cols > 1 and x.strides[1] != x.itemsize:
        return False
    if rows > 1 and (x.strides[0] <= 0 or x.strides[0] % x.itemsize):
        return False
    return _ld(x) >= max(1, cols)


def _call(fn, A, B, C, alpha, beta, trans_a):
    K = A.shape[0] if trans_a else A.shape[1]
    M, N = C.shape
    fn(
        _ROW_MAJOR,
        _TRANS if trans_a else _NO_TRANS,
        _NO_TRANS,
        M,
        N,
        K,
        alpha,
        A.ctypes.data,
        _ld(A),
        B.ctypes.data,
        _ld(B),
        beta,
        C.ctypes.data,
        _ld(C),
    )


def _self_check(fn, dtype) -> bool:
    rng = np.random.default_rng(0)
    A, B, C = (rng.standard_normal(s).astype(dtype) for s in ((7, 5), (7, 3), (5, 3)))
    expected = 0.5 * (A.T @ B) + 2.0 * C
    _call(fn, A, B, C, 0.5, 2.0, True)
    return bool(np.allclose(C, expected, rtol=1e-4, atol=1e-5))


_FUNCS: dict = {}


def _get(dtype):
    dtype = np.dtype(dtype)
    if dtype not in _FUNCS:
        _FUNCS[dtype] = _load(dtype)
    return _FUNCS[dtype]


def has_accumulating_gemm(dtype) -> bool:
    """Whether :func:`gemm` runs as one BLAS call for this dtype."""
    return _get(dtype) is not None


def gemm(A, B, C, alpha=1.0, beta=1.0, trans_a=False):
    """``C <- alpha * op(A) @ B + beta * C`` in place; ``op(A) = A.T`` if ``trans_a``.

    Arrays that BLAS cannot take as they are (another dtype, strided rows, an empty
    dimension) go through ``numpy.matmul`` instead; every shape, one row, one column and
    a batch of one included, is valid.
    """
    fn = _get(C.dtype)
    ok = (
        fn is not None
        and A.dtype == B.dtype == C.dtype
        and all(x.ndim == 2 and _blas_layout(x) for x in (A, B, C))
        and min(C.shape) > 0
        and (A.shape[0] if trans_a else A.shape[1]) > 0
    )
    if ok:
        _call(fn, A, B, C, alpha, beta, trans_a)
        return C
    prod = (A.T if trans_a else A) @ B
    if beta != 1.0:
        C *= C.dtype.type(beta)
    C += C.dtype.type(alpha) * prod if alpha != 1.0 else prod
    return C


_THREAD_SYMBOLS = [
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
]
_THREADS: list = []


def _thread_control():
    """(get, set) of the OpenBLAS thread count in the library :func:`gemm` uses, or None."""
    if not _THREADS:
        found = None
        for path in _numpy_blas_libraries() if _get(np.float32) is not None else []:
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for get_name, set_name in _THREAD_SYMBOLS:
                get, put = getattr(lib, get_name, None), getattr(lib, set_name, None)
                if get is not None and put is not None:
                    get.restype, get.argtypes = ctypes.c_int, []
                    put.restype, put.argtypes = None, [ctypes.c_int]
                    found = (get, put)
                    break
            if found:
                break
        _THREADS.append(found)
    return _THREADS[0]


def sgemm_for_kernels():
    """The float32 CBLAS GEMM as a ctypes function that Numba kernels can call (each call
    then runs in the calling thread under :func:`single_threaded`), or None."""
    return _get(np.float32) if _thread_control() is not None else None


@contextlib.contextmanager
def single_threaded():
    """OpenBLAS on one thread inside the block (kernels then call the GEMM from their
    own worker threads); the previous thread count is restored on exit."""
    ctl = _thread_control()
    if ctl is None:
        yield
        return
    get, put = ctl
    before = get()
    put(1)
    try:
        yield
    finally:
        put(before)
