"""CUDA twin of the RBM's AIS sweeps (:func:`pgm_ebm.partition.ais.rbm_ais` and
:func:`~pgm_ebm.partition.ais.rbm_reverse_ais` with ``device="cuda"``).

Each temperature is one product ``V @ [W; b - b_A].T`` (cuBLAS through CuPy, or
:func:`pgm_ebm.cuda.rbm.gemm`'s kernel), the hidden step (one thread per chain: the
log-weight increment, the sigmoids and the draws, as ``_ais_hidden_rows`` does them on the
CPU: the same Taylor series or exact float64 softplus differences, summed in the same order),
one product ``H @ W`` and the visible draw of :func:`pgm_ebm.cuda.block_gibbs.sample_bernoulli`.
The chains, their streams and log-weights stay on the device for the whole schedule. The
collapsed hidden sweeps of the CPU path (``collapse_every``) are not on the GPU.

On the simulator a run draws the CPU's states and its log-weights agree to rounding (the
products sum in another order than OpenBLAS); on a GPU the compiler may also fuse the float32
series' multiply-adds, which moves a log-weight by about 1e-7 relative: same statistics.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from pgm_ebm.cuda import blocks
from pgm_ebm.cuda._streams import device as _dev
from pgm_ebm.cuda._streams import madd64
from pgm_ebm.cuda.block_gibbs import _draw_row, sample_bernoulli, sig32
from pgm_ebm.cuda.rbm import gemm
from pgm_ebm.kernels import _math
from pgm_ebm.kernels import block_gibbs as _bg
from pgm_ebm.kernels.block_gibbs import SERIES_LIMIT

softplus64 = _dev(_math.softplus.py_func)
# the CPU kernel's fifth-order series, compiled from the same plain-Python definition
_softplus_step = _dev(_bg._softplus_step.py_func)


@cuda.jit
def _hidden_step(pre, c32, beta, beta_prev, reverse, exact, streams, samples, logw):
    """``kernels.block_gibbs._ais_hidden_rows`` for chain ``i = thread``: ``pre`` (n, m + 1)
    becomes the probabilities, ``samples`` the draws, ``logw[i]`` gains the increment.

    The probabilities wait in the chain's ``samples`` row (overwritten by the draws at the
    end) so that the exact differences can read the activations ``pre + c`` again, as the
    CPU reads the float32 activations it kept."""
    i = cuda.grid(1)
    n, m = samples.shape
    if i >= n:
        return
    db = beta - beta_prev
    t32 = np.float32(beta_prev if reverse else beta)
    x32 = np.float32(-db if reverse else db)
    sign = -1.0 if reverse else 1.0
    limit = np.float32(SERIES_LIMIT)
    part = cuda.local.array(8, np.float64)  # _sum64's eight interleaved partial sums
    for q in range(8):
        part[q] = 0.0
    too_long = 0
    for j in range(m):
        a = pre[i, j] + c32[j]
        x = x32 * a
        if abs(x) >= limit:
            too_long += 1
        p = sig32(t32 * a)
        part[j % 8] += np.float64(_softplus_step(p, x))
        samples[i, j] = p
    acc = 0.0
    if exact or too_long:  # float64 softplus differences
        for j in range(m):
            a64 = np.float64(pre[i, j] + c32[j])
            acc += softplus64(beta * a64) - softplus64(beta_prev * a64)
    else:  # the series gives softplus(t a) - softplus(t a - x); reverse: x < 0
        for q in range(8):
            acc += part[q]
        acc = sign * acc
    logw[i] += sign * (acc + db * np.float64(pre[i, m]))
    for j in range(m):
        pre[i, j] = samples[i, j]
    _draw_row(pre, samples, streams, i, m)


@cuda.jit
def _mix(beta, base_bias, bias, out):
    """``out = float32((1 - beta) base_bias + beta bias)``, rounded as NumPy does on the host."""
    j = cuda.grid(1)
    if j < out.shape[0]:
        out[j] = np.float32(madd64(beta, bias[j], (1.0 - beta) * base_bias[j]))


def rbm_ais_run(W32, b, c, bA, betas, V, ks, reverse, exact, streams, progress):
    """The device twin of ``partition.ais._rbm_ais_run`` without collapsed sweeps: runs the
    temperatures ``ks`` from the visible states ``V`` (float32, updated in place) with the
    chains' ``streams`` (updated in place) and returns the float64 log-weights."""
    from tqdm.auto import tqdm

    n, n_v = V.shape
    n_h = W32.shape[0]
    WA = np.empty((n_h + 1, n_v), np.float32)
    WA[:n_h] = W32
    WA[n_h] = b - bA
    dWA = cuda.to_device(WA)
    dW = dWA[:n_h]
    dV = cuda.to_device(np.ascontiguousarray(V))
    dS = cuda.to_device(np.ascontiguousarray(streams))
    dH = cuda.device_array((n, n_h), np.float32)
    pre_h = cuda.device_array((n, n_h + 1), np.float32)
    pre_v = cuda.device_array((n, n_v), np.float32)
    c32 = cuda.to_device(np.asarray(c, np.float64).astype(np.float32))
    d_bA = cuda.to_device(np.asarray(bA, np.float64))
    d_b = cuda.to_device(np.asarray(b, np.float64))
    mix = cuda.device_array(n_v, np.float32)
    logw = cuda.to_device(np.zeros(n))
    g = blocks(n)
    gv = blocks(n_v)
    ex = bool(exact)
    chunk = 50
    with tqdm(total=len(ks), disable=not progress, desc="AIS (cuda)", unit="T") as bar:
        for i0 in range(0, len(ks), chunk):
            part = ks[i0 : i0 + chunk]
            for k in part:
                gemm(dV, dWA, pre_h, trans_b=True)
                bk, bp = float(betas[k]), float(betas[k - 1])
                _hidden_step[g](pre_h, c32, bk, bp, bool(reverse), ex, dS, dH, logw)
                beta = bp if reverse else bk
                gemm(dH, dW, pre_v)
                _mix[gv](beta, d_bA, d_b, mix)
                sample_bernoulli(pre_v, mix, dS, dV, beta)
            bar.update(len(part))
    dV.copy_to_host(V)
    dS.copy_to_host(streams)
    return logw.copy_to_host()
