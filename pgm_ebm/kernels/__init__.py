"""Numba kernels: arrays in, results written in place; no classes, no defaults.

Kernels never draw from NumPy's global generators: they take per-chain stream arrays from
:mod:`pgm_ebm._rng`.
"""
