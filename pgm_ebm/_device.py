"""``device="cpu" | "cuda" | "auto"``: which backend runs a call.

Nothing here imports :mod:`numba.cuda` until a caller asks for ``"cuda"`` or ``"auto"``,
so importing pgm_ebm never loads it (a test checks).  ``"auto"`` takes the GPU only when a
real one is usable; it never picks Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``),
which runs kernels as Python threads, orders of magnitude slower than the CPU kernels.
``"cuda"`` under the simulator runs there: that is how CI tests the CUDA kernels.
"""

from __future__ import annotations

import os

from pgm_ebm._validation import check_choice

DEVICES = ("cpu", "cuda", "auto")
INSTALL_HINT = 'pip install "pgm_ebm[cuda]" (numba-cuda and CuPy for CUDA 12)'


class CUDAUnavailableError(RuntimeError):
    """``device="cuda"`` was asked for and no usable CUDA device (or simulator) is present.

    The message says what is missing (numba's CUDA target, a driver, a device) and how to
    install the CUDA extra; ``device="auto"`` never raises it (it falls back to the CPU).

    Examples
    --------
    >>> from pgm_ebm import CUDAUnavailableError, IsingLattice
    >>> issubclass(CUDAUnavailableError, RuntimeError)
    True
    >>> IsingLattice((8, 8)).sample(1, device="cuda")  # doctest: +SKIP
    Traceback (most recent call last):
    ...
    CUDAUnavailableError: device='cuda' for IsingLattice.sample(sampler='metropolis'): numba.cuda
    finds no usable GPU (no NVIDIA driver or device on this machine). Install the GPU path with
    pip install "pgm_ebm[cuda]" ...
    """


def simulator() -> bool:
    """True when Numba's CUDA simulator is switched on."""
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")


def cuda_status() -> tuple[bool, str]:
    """``(usable, why not)``: whether numba.cuda imports and sees a device (or the simulator)."""
    try:
        from numba import cuda
    except Exception as e:  # numba without its CUDA target, or a broken install
        return False, f"numba.cuda cannot be imported ({type(e).__name__}: {e})"
    try:
        if cuda.is_available():
            return True, ""
    except Exception as e:  # a driver that fails to initialise
        return False, f"the CUDA driver failed to initialise ({type(e).__name__}: {e})"
    return False, "numba.cuda finds no usable GPU (no NVIDIA driver or device on this machine)"


def resolve_device(device, where: str, supported: bool = True, why: str = "") -> str:
    """``"cpu"`` or ``"cuda"`` for a call of ``where``.

    ``supported``: whether ``where`` has a CUDA path for these arguments (``why`` says what
    would have one).  ``"auto"`` falls back to the CPU quietly; ``"cuda"`` raises
    :class:`CUDAUnavailableError` (no GPU) or ValueError (no CUDA path for these arguments).
    """
    check_choice(device, "device", DEVICES)
    if device == "cpu":
        return "cpu"
    if device == "auto":
        if not supported or simulator():
            return "cpu"
        return "cuda" if cuda_status()[0] else "cpu"
    if not supported:
        raise ValueError(f"device='cuda' is not available for {where}: {why}")
    ok, reason = cuda_status()
    if not ok:
        raise CUDAUnavailableError(
            f"device='cuda' for {where}: {reason}. Install the GPU path with {INSTALL_HINT} "
            "on a machine with an NVIDIA GPU and driver, or use device='auto' to fall back "
            "to the CPU."
        )
    return "cuda"
