"""CUDA twin of ``DBM._update``: joint training of a deep Boltzmann machine on the device
(mean-field data statistics, persistent block-Gibbs model statistics, momentum, weight decay
and centering), for ``DBM(device="cuda").fit`` and ``partial_fit``.

:class:`DBMTrainer` uploads the data, the weights, biases, offsets, velocities, persistent
chains and streams once per fit; each batch runs on the device (its row indices are the only
upload, the mean field's largest change per row the only download, once per layer update for
the convergence test) and :meth:`DBMTrainer.sync` writes the state back into the estimator's
host arrays after each epoch. Products go through :func:`pgm_ebm.cuda.rbm.gemm` (cuBLAS when
CuPy runs). The steps are the CPU's, in its order, with the same sigmoids and draws, so a run
draws the CPU's chain states and ends with its parameters to rounding (the products and the
bias corrections sum in another order).

The mean-field and update kernels run one thread per row or per entry; they are written for
correctness first and have not been timed on a GPU.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from pgm_ebm.cuda import biases_at_beta, blocks
from pgm_ebm.cuda.block_gibbs import sample_bernoulli, sig32, sig64
from pgm_ebm.cuda.rbm import (
    _apply_velocity,
    _colmean,
    _gather,
    _matvec,
    _offset_step,
    _shift_scale,
    _weighted_colsum,
    blocks2d,
    gemm,
)


def _mf_kernel(sig):
    @cuda.jit
    def mean_field_rows(pre, extra, has_extra, bias, mu, keep, take, worst):
        """``kernels.dbm._mean_field_update`` for row ``i = thread``: ``mu <- keep mu + take
        sigmoid(pre + bias [+ extra])``; ``worst[i]`` gets the row's largest ``|change|``."""
        i = cuda.grid(1)
        n, m = mu.shape
        if i >= n:
            return
        w = 0.0
        for j in range(m):
            x = pre[i, j] + bias[j]
            if has_extra:
                x += extra[i, j]
            new = keep * mu[i, j] + take * sig(x)
            d = new - mu[i, j]
            mu[i, j] = new
            if abs(d) > w:
                w = abs(d)
        worst[i] = w

    return mean_field_rows


_mf32 = _mf_kernel(sig32)
_mf64 = _mf_kernel(sig64)


@cuda.jit
def _double(A):
    r, j = cuda.grid(2)
    if r < A.shape[0] and j < A.shape[1]:
        A[r, j] = 2.0 * A[r, j]


@cuda.jit
def _fill(A, x):
    r, j = cuda.grid(2)
    if r < A.shape[0] and j < A.shape[1]:
        A[r, j] = x


@cuda.jit
def _centered_rows(A, o, out, r0):
    """``out[r0 + r] = A[r] - o``: data and chain rows stacked for one product."""
    r, j = cuda.grid(2)
    if r < A.shape[0] and j < A.shape[1]:
        out[r0 + r, j] = A[r, j] - o[j]


@cuda.jit
def _momentum(vel, g, m):
    j = cuda.grid(1)
    if j < vel.shape[0]:
        vel[j] = vel[j] * m + g[j]


@cuda.jit
def _bias_follow(b, v, d_row, d_col, has_row, has_col):
    """``b += v - d_row - d_col`` (each only where the layer has that neighbour)."""
    j = cuda.grid(1)
    if j < b.shape[0]:
        x = v[j]
        if has_row:
            x -= d_row[j]
        if has_col:
            x -= d_col[j]
        b[j] += x


def gibbs_step(W, b, xs, streams, pre, beta):
    """``DBM.gibbs_step`` on device arrays: the odd layers given the even ones, then the even
    given the odd (``pre``: one (n, n_l) scratch array per layer)."""
    top = len(xs) - 1
    for parity in (1, 0):
        for i in range(parity, top + 1, 2):
            if i > 0:
                gemm(xs[i - 1], W[i - 1], pre[i])
                if i < top:
                    gemm(xs[i + 1], W[i], pre[i], trans_b=True, beta=1.0)
            else:
                gemm(xs[1], W[0], pre[0], trans_b=True)
            sample_bernoulli(pre[i], b[i], streams, xs[i], beta)


class DBMTrainer:
    """The device state of one ``DBM.fit`` (or one ``partial_fit`` call).

    Parameters
    ----------
    state : dict
        The estimator's host arrays, written back in place by :meth:`sync`: ``weights``,
        ``biases``, ``offsets``, ``velocity`` (the weights' then the biases'), ``chains``
        (one (n_chains, n_l) array per layer) and ``streams``.
    X : ndarray of shape (n_samples, n_visible)
        The training data, validated; uploaded once in the model's precision.
    """

    on_device = True

    def __init__(self, state, X):
        self.host = state
        up = cuda.to_device
        self.dt = np.dtype(state["weights"][0].dtype)
        self.W = [up(np.ascontiguousarray(w)) for w in state["weights"]]
        self.b = [up(x) for x in state["biases"]]
        self.o = [up(np.asarray(x, self.dt)) for x in state["offsets"]]
        self.vel = [up(np.ascontiguousarray(v)) for v in state["velocity"]]
        self.chains = [up(np.ascontiguousarray(c)) for c in state["chains"]]
        self.streams = up(np.ascontiguousarray(state["streams"]))
        self.X = up(np.ascontiguousarray(X, dtype=self.dt))
        self.sizes = [len(x) for x in state["biases"]]
        self._bufs = {}

    def _buf(self, name, *shape):
        a = self._bufs.get(name)
        if a is None or a.shape != shape:
            a = self._bufs[name] = cuda.device_array(shape, dtype=self.dt)
        return a

    def _mf_update(self, pre, extra, bias, mu, damping):
        n = mu.shape[0]
        worst = self._buf("worst", n)
        kern = _mf32 if self.dt == np.float32 else _mf64
        has = extra is not None
        dt = self.dt.type
        kern[blocks(n)](pre, extra if has else pre, has, bias, mu, dt(damping),
                        dt(1.0 - damping), worst)  # fmt: skip
        return float(worst.copy_to_host().max()) if n else 0.0

    def mean_field(self, V, max_iter, tol, damping):
        """The CPU's ``DBM._mean_field`` on the device batch V: (means, iterations, change)."""
        W, b = self.W, self.b
        L = len(W)
        n = V.shape[0]
        bottom = self._buf("bottom", n, self.sizes[1])
        gemm(V, W[0], bottom)
        xs = [V]
        for i in range(1, L + 1):  # bottom-up, doubled where a layer above will also speak
            if i == 1:
                pre = self._buf("pre1", n, self.sizes[1])
                pre.copy_to_device(bottom)
            else:
                pre = self._buf(f"pre{i}", n, self.sizes[i])
                gemm(xs[-1], W[i - 1], pre)
            if i < L:
                _double[blocks2d(*pre.shape)](pre)
            mu = self._buf(f"mu{i}", n, self.sizes[i])
            _fill[blocks2d(*mu.shape)](mu, 0.0)
            self._mf_update(pre, None, b[i], mu, 0.0)
            xs.append(mu)
        change, it = np.inf, 0
        if L > 1:
            while it < max_iter:
                it += 1
                change = 0.0
                for parity in (1, 0):
                    for i in range(2 - parity, L + 1, 2):
                        pre, extra = self._buf(f"pre{i}", n, self.sizes[i]), None
                        if i == 1:
                            extra = bottom
                        else:
                            gemm(xs[i - 1], W[i - 1], pre)
                        if i < L:
                            if i == 1:
                                gemm(xs[i + 1], W[i], pre, trans_b=True)
                            else:
                                extra = self._buf(f"extra{i}", n, self.sizes[i])
                                gemm(xs[i + 1], W[i], extra, trans_b=True)
                        c = self._mf_update(pre, extra, b[i], xs[i], damping)
                        change = max(change, c)
                if change <= tol:
                    break
        else:
            change, it = 0.0, 1
        return xs[1:], it, change

    def gibbs(self):
        """``DBM.gibbs_step`` of the persistent chains on the device (beta 1)."""
        n = self.chains[0].shape[0]
        pre = [self._buf(f"gpre{i}", n, s) for i, s in enumerate(self.sizes)]
        gibbs_step(self.W, self.b, self.chains, self.streams, pre, 1.0)

    def update(self, settings, lr, rows=None):
        """One joint-training update on the batch ``X[rows]`` (all of X if rows is None):
        mean field, ``k`` Gibbs steps, then the CPU's step with momentum, decay and centering.
        Returns ``(mean-field iterations, converged)``."""
        dt = self.dt.type
        W, bs, o, vel = self.W, self.b, self.o, self.vel
        L = len(W)
        n = len(self.X) if rows is None else len(rows)
        V = self._buf("V", n, self.sizes[0])
        if rows is None:
            V.copy_to_device(self.X)
        else:
            d_rows = cuda.to_device(np.ascontiguousarray(rows, dtype=np.int64))
            _gather[blocks2d(n, self.sizes[0])](self.X, d_rows, V)
        mu, it, change = self.mean_field(V, settings["max_iter"], settings["tol"],
                                         settings["damping"])  # fmt: skip
        for _ in range(settings["k"]):
            self.gibbs()
        data, model = [V] + mu, self.chains
        nb, nc = n, model[0].shape[0]
        m = dt(settings["momentum"])
        rows_c = []
        for i in range(L + 1):
            r = self._buf(f"rows{i}", nb + nc, self.sizes[i])
            _centered_rows[blocks2d(nb, self.sizes[i])](data[i], o[i], r, 0)
            _centered_rows[blocks2d(nc, self.sizes[i])](model[i], o[i], r, nb)
            rows_c.append(r)
        key = (nb, nc, lr)
        if self._bufs.get("w_key") != key:  # uploaded once per epoch, not per batch
            w_host = np.empty(nb + nc, self.dt)
            w_host[:nb], w_host[nb:] = lr / nb, -lr / nc
            self._bufs["w"], self._bufs["w_key"] = cuda.to_device(w_host), key
        w = self._bufs["w"]
        for i in range(L + 1):  # bias steps: lr * (data mean - model mean)
            g = self._buf(f"g{i}", self.sizes[i])
            _weighted_colsum[blocks(self.sizes[i])](rows_c[i], w, g)
            _momentum[blocks(self.sizes[i])](vel[L + i], g, m)
        decay = dt(lr * settings["weight_decay"])
        d_row = [self._buf(f"drow{i}", s) for i, s in enumerate(self.sizes)]
        d_col = [self._buf(f"dcol{i}", s) for i, s in enumerate(self.sizes)]
        for i in range(L):
            right = self._buf(f"right{i}", nb + nc, self.sizes[i + 1])
            right.copy_to_device(rows_c[i + 1])
            _shift_scale[blocks2d(*right.shape)](right, w, w, False, True)
            gemm(rows_c[i], right, vel[i], trans_a=True, alpha=1.0, beta=float(m))
            _apply_velocity[blocks2d(*W[i].shape)](W[i], vel[i], decay)
            _matvec[blocks(self.sizes[i])](vel[i], o[i + 1], d_row[i])
            _weighted_colsum[blocks(self.sizes[i + 1])](vel[i], o[i], d_col[i + 1])
        for i in range(L + 1):  # the plain biases follow the centered step
            _bias_follow[blocks(self.sizes[i])](bs[i], vel[L + i], d_row[i], d_col[i], i < L,
                                                i > 0)  # fmt: skip
        if settings["centering"]:
            nu = dt(settings["offset_rate"])
            for i in range(L + 1):
                mean = self._buf(f"mean{i}", self.sizes[i])
                _colmean[blocks(self.sizes[i])](data[i], mean)
                _offset_step[blocks(self.sizes[i])](o[i], mean, nu)
        return it, change <= settings["tol"]

    def sync(self, model=None):
        """Write the device state into the estimator's host arrays (in place)."""
        h = self.host
        for group, dev in (("weights", self.W), ("biases", self.b), ("offsets", self.o),
                           ("velocity", self.vel), ("chains", self.chains)):  # fmt: skip
            for d, a in zip(dev, h[group], strict=True):
                a[...] = d.copy_to_host()
        self.streams.copy_to_host(h["streams"])


def dbm_block_gibbs_chains(weights, biases, layers, streams):
    """``(advance, sync)`` of DBM block-Gibbs chains on the device (the twin of
    ``DBM.gibbs_step``): the weights and biases are uploaded once, every layer's states and
    the streams stay there between steps; ``sync()`` writes them into ``layers`` and
    ``streams``.  ``advance(betas)``: the odd layers given the even ones, then the even
    given the odd, at one inverse temperature."""
    n = len(layers[0])
    dt = weights[0].dtype
    dW = [cuda.to_device(np.ascontiguousarray(w)) for w in weights]
    db = [cuda.to_device(x) for x in biases]
    dx = [cuda.to_device(np.ascontiguousarray(x)) for x in layers]
    dS = cuda.to_device(np.ascontiguousarray(streams))
    pre = [cuda.device_array((n, x.shape[1]), dt) for x in layers]
    scaled = {}  # beta -> the biases times beta, as the CPU step computes them

    def advance(betas):
        beta, bias = biases_at_beta(betas, biases, db, scaled, "a DBM")
        gibbs_step(dW, bias, dx, dS, pre, beta)

    def sync():
        for d, h in zip(dx, layers, strict=True):
            d.copy_to_host(h)
        dS.copy_to_host(streams)

    return advance, sync
