"""The xoroshiro128+ step and uniform conversions of :mod:`pgm_ebm._rng`, compiled as CUDA
device functions from the same plain-Python definitions the CPU kernels compile: every
twin draws the CPU's bits.

Also the arithmetic that must round as the CPU does: numba-cuda lets NVVM fuse ``a * b + c``
into one fused multiply-add (one rounding instead of two) and offers no switch against it,
so the twins write such expressions as :func:`madd32` / :func:`madd64`, made of libdevice's
round-to-nearest multiply and add, which are never fused.  The simulator runs them as plain
NumPy arithmetic, which is what the CPU does.
"""

from numba import cuda

from pgm_ebm import _device, _rng

device = cuda.jit(device=True)
step = device(_rng.step_py)
to_u32 = device(_rng.to_uniform32_py)
to_u32_low = device(_rng.to_uniform32_low_py)
to_u64 = device(_rng.to_uniform64_py)

if _device.simulator():  # no libdevice there: NumPy scalars round each operation

    @device
    def madd32(a, b, c):
        return a * b + c

    madd64 = madd32
else:  # pragma: no cover - needs a real GPU
    from numba.cuda import libdevice

    @device
    def madd32(a, b, c):
        """float32 ``a * b + c``, product and sum each rounded (never an FMA)."""
        return libdevice.fadd_rn(libdevice.fmul_rn(a, b), c)

    @device
    def madd64(a, b, c):
        """float64 ``a * b + c``, product and sum each rounded (never an FMA)."""
        return libdevice.dadd_rn(libdevice.dmul_rn(a, b), c)
