"""The xoroshiro128+ step and uniform conversions of :mod:`pgm_ebm._rng`, compiled as CUDA
device functions from the same plain-Python definitions the CPU kernels compile: every
twin draws the CPU's bits."""

from numba import cuda

from pgm_ebm import _rng

device = cuda.jit(device=True)
step = device(_rng.step_py)
to_u32 = device(_rng.to_uniform32_py)
to_u32_low = device(_rng.to_uniform32_low_py)
