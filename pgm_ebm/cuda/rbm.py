"""CUDA twin of :meth:`BernoulliRBM._update <pgm_ebm.BernoulliRBM>`: CD-k / PCD-k training with
momentum, weight decay, centering and the DBM pretraining's layer scales, on the device.

:class:`RBMTrainer` uploads the data, the parameters, the velocities, the persistent chains,
the offsets and the random streams once per fit; every batch then runs on the device (the
batch's row indices, a few hundred bytes, are the only upload) and :meth:`RBMTrainer.sync`
writes the state back into the estimator's own host arrays after each epoch, for the epoch's
metrics, the snapshot that divergence and Ctrl-C fall back to, and the checkpoint.

Matrix products go through cuBLAS (``cupy.cublas.gemm`` on the same device memory, shared
through the CUDA array interface) when CuPy is installed and a real GPU is in use; otherwise
(Numba's CUDA simulator, or a GPU without CuPy) through :func:`gemm`'s plain numba.cuda kernel,
which is correct but slow on a GPU (install the ``cuda`` extra). The Bernoulli draws are
:mod:`pgm_ebm.cuda.block_gibbs`'s, which give the CPU kernel's bits for the same
pre-activations; the products sum in another order than OpenBLAS, so a run agrees with the
CPU's to rounding (float64: about 1e-15 relative per product) and draws the same states unless
a uniform falls within that rounding of its probability.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from pgm_ebm import _device
from pgm_ebm.cuda import biases_at_beta, blocks, threads_per_block
from pgm_ebm.cuda.block_gibbs import sample_bernoulli, sig32, sig64

_CUPY = []  # [module or None], filled on first use


def _cupy():
    """CuPy when it can run cuBLAS on this process's GPU, else None (the simulator never)."""
    if not _CUPY:
        cp = None
        if not _device.simulator():
            try:  # pragma: no cover - needs a real GPU
                import cupy

                cupy.cuda.runtime.getDeviceCount()
                cp = cupy
            except Exception:  # not installed, or built for another CUDA
                cp = None
        _CUPY.append(cp)
    return _CUPY[0]


def blocks2d(rows: int, cols: int):
    """``(grid, block)`` of a 2D launch over a ``rows x cols`` array."""
    t = threads_per_block()
    tx = max(1, int(math.isqrt(t)))
    ty = max(1, t // tx)
    return ((rows + tx - 1) // tx or 1, (cols + ty - 1) // ty or 1), (tx, ty)


# ---------------------------------------------------------------------- kernels
@cuda.jit
def _gemm_kernel(A, B, C, ta, tb, alpha, beta):
    """``C = alpha op(A) op(B) + beta C``, one thread per entry, float64 sums."""
    i, j = cuda.grid(2)
    m, n = C.shape
    if i >= m or j >= n:
        return
    depth = A.shape[0] if ta else A.shape[1]
    acc = 0.0
    for p in range(depth):
        a = A[p, i] if ta else A[i, p]
        b = B[j, p] if tb else B[p, j]
        acc += a * b
    if beta == 0:
        C[i, j] = alpha * acc
    else:
        C[i, j] = alpha * acc + beta * C[i, j]


@cuda.jit
def _gather(X, rows, out):
    r, j = cuda.grid(2)
    if r < out.shape[0] and j < out.shape[1]:
        out[r, j] = X[rows[r], j]


@cuda.jit
def _scale(A, s):
    r, j = cuda.grid(2)
    if r < A.shape[0] and j < A.shape[1]:
        A[r, j] *= s


def _bias_sigmoid_kernel(sig):
    @cuda.jit
    def bias_sigmoid(A, bias):
        r, j = cuda.grid(2)
        if r < A.shape[0] and j < A.shape[1]:
            A[r, j] = sig(A[r, j] + bias[j])

    return bias_sigmoid


_bias_sigmoid32 = _bias_sigmoid_kernel(sig32)
_bias_sigmoid64 = _bias_sigmoid_kernel(sig64)


@cuda.jit
def _weighted_colsum(A, w, out):
    """``out = w @ A`` (float64 sums)."""
    j = cuda.grid(1)
    if j >= A.shape[1]:
        return
    acc = 0.0
    for r in range(A.shape[0]):
        acc += w[r] * A[r, j]
    out[j] = acc


@cuda.jit
def _matvec(A, x, out):
    """``out = A @ x`` (float64 sums)."""
    i = cuda.grid(1)
    if i >= A.shape[0]:
        return
    acc = 0.0
    for j in range(A.shape[1]):
        acc += A[i, j] * x[j]
    out[i] = acc


@cuda.jit
def _colmean(A, out):
    j = cuda.grid(1)
    if j >= A.shape[1]:
        return
    acc = 0.0
    for r in range(A.shape[0]):
        acc += A[r, j]
    out[j] = acc / A.shape[0]


@cuda.jit
def _shift_scale(A, o, w, shift, weigh):
    """``A = (A - o) * w[:, None]``, each part only where asked."""
    r, j = cuda.grid(2)
    if r < A.shape[0] and j < A.shape[1]:
        x = A[r, j]
        if shift:
            x -= o[j]
        if weigh:
            x *= w[r]
        A[r, j] = x


@cuda.jit
def _apply_velocity(WT, vel, decay):
    """``vel -= decay * WT; WT += vel`` (after ``vel = momentum * vel + G``)."""
    r, j = cuda.grid(2)
    if r < WT.shape[0] and j < WT.shape[1]:
        v = vel[r, j] - decay * WT[r, j]
        vel[r, j] = v
        WT[r, j] += v


@cuda.jit
def _bias_step(p, g, vel, mom):
    """``vel = mom vel + g; p += vel`` (``mom`` 0: ``p += g``)."""
    j = cuda.grid(1)
    if j >= p.shape[0]:
        return
    if mom != 0:
        v = vel[j] * mom + g[j]
        vel[j] = v
        p[j] += v
    else:
        p[j] += g[j]


@cuda.jit
def _follow(b, new, old):
    """``b -= new - old``: a plain bias following the weights' step at fixed offsets."""
    j = cuda.grid(1)
    if j < b.shape[0]:
        b[j] -= new[j] - old[j]


@cuda.jit
def _offset_step(o, mean, rate):
    j = cuda.grid(1)
    if j < o.shape[0]:
        o[j] += rate * (mean[j] - o[j])


def gemm(A, B, C, trans_a=False, trans_b=False, alpha=1.0, beta=0.0):
    """``C = alpha op(A) op(B) + beta C`` on device arrays: cuBLAS through CuPy where it
    runs, else a plain numba.cuda kernel (the simulator, or a GPU without CuPy)."""
    cp = _cupy()
    if cp is not None:  # pragma: no cover - needs a real GPU
        cp.cublas.gemm("T" if trans_a else "N", "T" if trans_b else "N", cp.asarray(A),
                       cp.asarray(B), out=cp.asarray(C), alpha=alpha, beta=beta)  # fmt: skip
        return
    g, t = blocks2d(*C.shape)
    dt = C.dtype.type
    _gemm_kernel[g, t](A, B, C, bool(trans_a), bool(trans_b), dt(alpha), dt(beta))


# ---------------------------------------------------------------------- the trainer
class RBMTrainer:
    """The device state of one :meth:`BernoulliRBM.fit` (or one ``partial_fit`` call).

    Parameters
    ----------
    state : dict
        The estimator's host arrays, written back in place by :meth:`sync`:
        ``components`` (n_hidden, n_visible), ``visible_bias``, ``hidden_bias``,
        ``velocity`` (the weights' in the (n_visible, n_hidden) layout, then the two biases'),
        ``chains`` (the persistent hidden states), ``streams`` (uint64 (n, 2)), ``offsets``
        (``()`` or the visible and hidden centering offsets) and ``scales`` (the bottom-up and
        top-down input multipliers).
    X : ndarray of shape (n_samples, n_features)
        The training data, validated; uploaded once in the model's precision.
    """

    on_device = True

    def __init__(self, state, X):
        self.host = state
        self.dt = np.dtype(state["components"].dtype)
        up = cuda.to_device
        self.WT = up(np.ascontiguousarray(state["components"].T))
        self.b = up(state["visible_bias"])
        self.c = up(state["hidden_bias"])
        self.vel = [up(np.ascontiguousarray(v)) for v in state["velocity"]]
        self.H = up(state["chains"])
        self.streams = up(np.ascontiguousarray(state["streams"]))
        self.centering = len(state["offsets"]) == 2
        if self.centering:
            self.ov, self.oh = (
                up(np.ascontiguousarray(o, dtype=self.dt)) for o in state["offsets"]
            )
        self.up, self.down = (float(x) for x in state["scales"])
        self.X = up(np.ascontiguousarray(X, dtype=self.dt))
        self._bufs = {}
        self._weights_key = None

    def _buf(self, name, *shape):
        a = self._bufs.get(name)
        if a is None or a.shape[0] < shape[0]:
            a = self._bufs[name] = cuda.device_array(shape, dtype=self.dt)
        return a[: shape[0]]

    def _row_weights(self, n, m, pos, neg):
        key = (n, m, pos, neg)
        if key != self._weights_key:
            w = np.empty(n + m, self.dt)
            w[:n], w[n:] = pos, neg
            self._w = cuda.to_device(w)
            self._weights_key = key
        return self._w

    def _bias_sigmoid(self, A, bias):
        g, t = blocks2d(*A.shape)
        (_bias_sigmoid32 if self.dt == np.float32 else _bias_sigmoid64)[g, t](A, bias)

    def update(self, model, lr, rows=None):
        """One CD-k / PCD-k update on the batch ``X[rows]`` (all of X if rows is None): the
        steps of the CPU's ``_update``, in the same order, on the device."""
        dt = self.dt.type
        WT, b, c, streams = self.WT, self.b, self.c, self.streams
        n_vis, n_hid = WT.shape
        n = len(self.X) if rows is None else len(rows)
        cd = model.method == "cd"
        m = n if cd else self.H.shape[0]
        Vcat, Hcat = self._buf("V", n + m, n_vis), self._buf("H", n + m, n_hid)
        V0b, Vs, H0, Hp = Vcat[:n], Vcat[n:], Hcat[:n], Hcat[n:]
        if rows is None:
            V0b.copy_to_device(self.X)
        else:
            d_rows = cuda.to_device(np.ascontiguousarray(rows, dtype=np.int64))
            g, t = blocks2d(n, n_vis)
            _gather[g, t](self.X, d_rows, V0b)
        up, down = self.up, self.down
        gemm(V0b, WT, H0)
        if up != 1.0:
            _scale[blocks2d(*H0.shape)](H0, dt(up))
        if cd:
            Hs = self._buf("Hs", n, n_hid)
            sample_bernoulli(H0, c, streams, Hs)
        else:
            self._bias_sigmoid(H0, c)
            Hs = self.H
        Vp = self._buf("Vp", m, n_vis)
        for step in range(model.k):
            gemm(Hs, WT, Vp, trans_b=True)
            if down != 1.0:
                _scale[blocks2d(*Vp.shape)](Vp, dt(down))
            sample_bernoulli(Vp, b, streams, Vs)
            gemm(Vs, WT, Hp)
            if up != 1.0:
                _scale[blocks2d(*Hp.shape)](Hp, dt(up))
            if not cd or step < model.k - 1:
                sample_bernoulli(Hp, c, streams, Hs)
            else:
                self._bias_sigmoid(Hp, c)
        w = self._row_weights(n, m, dt(lr / n), dt(-lr / m))
        gb, gc = self._buf("gb", n_vis), self._buf("gc", n_hid)
        _weighted_colsum[blocks(n_vis)](Vcat, w, gb)
        _weighted_colsum[blocks(n_hid)](Hcat, w, gc)
        if self.centering:
            ov, oh = self.ov, self.oh
            h_mean = self._buf("hmean", n_hid)
            _colmean[blocks(n_hid)](H0, h_mean)
            _shift_scale[blocks2d(*Vcat.shape)](Vcat, ov, w, True, False)
            _shift_scale[blocks2d(*Hcat.shape)](Hcat, oh, w, True, True)
            W_oh, WT_ov = self._buf("Woh", n_vis), self._buf("WTov", n_hid)
            _matvec[blocks(n_vis)](WT, oh, W_oh)  # the plain biases' share, before the step
            _weighted_colsum[blocks(n_hid)](WT, ov, WT_ov)
        else:
            _shift_scale[blocks2d(*Hcat.shape)](Hcat, w, w, False, True)
        mom, decay = dt(model.momentum), dt(lr * model.weight_decay)
        if mom or decay:
            gemm(Vcat, Hcat, self.vel[0], trans_a=True, alpha=1.0, beta=float(mom))
            _apply_velocity[blocks2d(n_vis, n_hid)](WT, self.vel[0], decay)
        else:
            gemm(Vcat, Hcat, WT, trans_a=True, alpha=1.0, beta=1.0)
        _bias_step[blocks(n_vis)](b, gb, self.vel[1], mom)
        _bias_step[blocks(n_hid)](c, gc, self.vel[2], mom)
        if self.centering:
            new_v, new_h = self._buf("newv", n_vis), self._buf("newh", n_hid)
            _matvec[blocks(n_vis)](WT, oh, new_v)
            _follow[blocks(n_vis)](b, new_v, W_oh)
            _weighted_colsum[blocks(n_hid)](WT, ov, new_h)
            _follow[blocks(n_hid)](c, new_h, WT_ov)
            _offset_step[blocks(n_hid)](oh, h_mean, dt(model.offset_rate))

    def sync(self, model=None):
        """Write the device state into the estimator's host arrays (in place)."""
        h = self.host
        h["components"][...] = self.WT.copy_to_host().T
        self.b.copy_to_host(h["visible_bias"])
        self.c.copy_to_host(h["hidden_bias"])
        for d, a in zip(self.vel, h["velocity"], strict=True):
            d.copy_to_host(a)
        self.H.copy_to_host(h["chains"])
        self.streams.copy_to_host(h["streams"])
        if self.centering:
            h["offsets"][1][...] = self.oh.copy_to_host()


def block_gibbs_chains(W, b, c, Vs, Vp, streams):
    """``(advance, sync)`` of RBM block-Gibbs chains on the device: ``W`` (n_hidden,
    n_visible) and the biases are uploaded once, the visible states ``Vs``, the last visible
    probabilities ``Vp`` and the ``streams`` stay there between steps; ``sync()`` writes them
    into these host arrays.  ``advance(betas)`` is one step ``v -> h -> v'`` of every chain at
    one inverse temperature, as ``samplers.rbm``'s CPU step draws it."""
    n, n_v = Vs.shape
    dt = W.dtype
    dW = cuda.to_device(np.ascontiguousarray(W))
    db, dc = cuda.to_device(b), cuda.to_device(c)
    dVs, dVp = cuda.to_device(Vs), cuda.device_array((n, n_v), dt)
    dS = cuda.to_device(np.ascontiguousarray(streams))
    H = cuda.device_array((n, W.shape[0]), dt)
    Hs = cuda.device_array((n, W.shape[0]), dt)
    scaled = {}  # beta -> the biases times beta, as the CPU step computes them

    def advance(betas):
        beta, (bb, cc) = biases_at_beta(betas, (b, c), (db, dc), scaled, "an RBM")
        gemm(dVs, dW, H, trans_b=True)
        sample_bernoulli(H, cc, dS, Hs, beta)
        gemm(Hs, dW, dVp)
        sample_bernoulli(dVp, bb, dS, dVs, beta)

    def sync():
        dVs.copy_to_host(Vs)
        dVp.copy_to_host(Vp)
        dS.copy_to_host(streams)

    return advance, sync
