"""Deep Boltzmann machines: binary layers ``x_0`` (visible), ``x_1``, ..., ``x_L`` with

    E(x) = - sum_l x_l . W_l x_{l+1} - sum_l b_l . x_l,

``W_l`` of shape (n_l, n_{l+1}) (Salakhutdinov & Hinton 2009).  Training: greedy pretraining
by stacked RBMs with the Salakhutdinov-Hinton corrections (:func:`pgm_ebm.expfam.stack_rbms`),
then joint training by stochastic approximation: damped mean-field fixed points for the
data-dependent statistics, persistent chains of alternating odd/even block Gibbs for the
model's, momentum, weight decay, a learning-rate schedule, and optionally centering
(Melchior, Fischer & Wiskott 2016): the gradient is taken in the coordinates where every layer's
states have the running mean of its data activity subtracted.  The parameters kept are always
the plain (uncentered) ones, so the model, its log Z and its likelihoods do not depend on the
offsets.

A DBM is bipartite (even layers against odd layers), so it *is* an RBM whose visible units are
the even layers and whose hidden units are the odd layers, with a block-structured weight matrix
(:meth:`DBM.bipartite`).  Its log Z is that RBM's: exact by enumerating the smaller side,
or by AIS with the odd layers summed out analytically (:func:`pgm_ebm.partition.ais.rbm_ais`).
"""

from __future__ import annotations

import json
import math
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from pgm_ebm._blas import gemm
from pgm_ebm._device import resolve_device
from pgm_ebm._rng import check_random_state, seed_streams
from pgm_ebm._scratch import Scratch
from pgm_ebm._threads import numba_threads
from pgm_ebm._validation import (
    as_real_array,
    check_choice,
    check_memory,
    check_positive_int,
    check_real,
    check_streams,
    check_unit_interval,
)
from pgm_ebm.io import (
    ModelFileError,
    meta_int,
    params_from_meta,
    read_model_meta,
    read_npz,
    require_array,
    rng_from_meta,
    write_npz_atomic,
)
from pgm_ebm.kernels.block_gibbs import _sample_bernoulli
from pgm_ebm.kernels.dbm import _centred_rows, _mean_field_update, _velocity_step
from pgm_ebm.partition.result import LogZResult

FORMAT_VERSION = 1
_SCHEDULES = ("constant", "linear", "inverse")
#: Below this many (row x unit) entries per batch the training kernels run on one thread.
#: Between two multi-threaded GEMMs, OpenBLAS's workers still spin on the other core when a
#: Numba kernel starts; a second Numba thread then shares that core.  On 2 cores, 784-500-1000
#: with batch 100: 500 chains (1.4M entries) train 7-9% faster on one thread, 2,000 chains
#: (4.8M) equally fast either way (benchmarks/bench_dbm.py, measured 2026-12-07).
SMALL_BATCH_WORK = 1 << 22
#: Largest side of the bipartite form enumerated by ``log_partition("exact-enumeration")``.
MAX_ENUMERATED = 25


class TrainingStopped(UserWarning):
    """Joint training stopped early (interrupted, diverged); the last good parameters were kept."""


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _entropy(p):
    """Sum over units of the Bernoulli entropy of each row of p (rows: samples)."""
    q = np.clip(p, 1e-300, 1.0)
    r = np.clip(1.0 - p, 1e-300, 1.0)
    return -(p * np.log(q) + (1.0 - p) * np.log(r)).sum(axis=1)


def uncentered(weights, biases, offsets):
    """The plain biases of a centered DBM (the weights are the same).

    The centered energy ``E_c(x) = -sum_l (x_l - o_l).W_l(x_{l+1} - o_{l+1}) -
    sum_l b_l.(x_l - o_l)`` equals ``-sum_l x_l.W_l x_{l+1} - sum_l b'_l.x_l`` plus a
    constant, with ``b'_l = b_l - W_l o_{l+1} - W_{l-1}^T o_{l-1}``.

    Parameters
    ----------
    weights : list of array_like
        ``W_l`` of shape ``(n_l, n_{l+1})``.
    biases : list of array_like
        The centered biases ``b_l``, one per layer (not modified).
    offsets : list of array_like
        The offsets ``o_l``, one per layer.

    Returns
    -------
    list of numpy.ndarray of float64
        The plain biases ``b'_l``.

    Examples
    --------
    >>> import numpy as np
    >>> W = [np.array([[1.0, 2.0]])]  # a 1-2 DBM
    >>> b = [np.array([0.5]), np.array([0.0, 0.0])]
    >>> o = [np.array([0.5]), np.array([0.25, 0.5])]
    >>> [p.tolist() for p in uncentered(W, b, o)]  # 0.5 - (0.25 + 1.0); -(0.5, 1.0)
    [[-0.75], [-0.5, -1.0]]
    """
    out = []
    for i, b in enumerate(biases):
        bp = np.array(b, dtype=np.float64)
        if i < len(weights):
            bp -= np.asarray(weights[i], np.float64) @ np.asarray(offsets[i + 1], np.float64)
        if i > 0:
            bp -= np.asarray(weights[i - 1], np.float64).T @ np.asarray(offsets[i - 1], np.float64)
        out.append(bp)
    return out


class DBM(TransformerMixin, BaseEstimator):
    """Deep Boltzmann machine with binary layers, trained by pretraining and joint PCD.

    Parameters
    ----------
    layer_sizes : sequence of int, default (784, 500, 1000)
        Units per layer, the visible layer first (at least two layers).
    learning_rate : float, default 0.005
        Joint-training learning rate (times ``lr_schedule``'s factor).
    n_iter : int, default 10
        Joint-training epochs.
    batch_size : int, default 100
        Examples per joint-training update.
    n_chains : int, default 100
        Persistent chains of the model statistics.
    k : int, default 1
        Block-Gibbs steps (one odd and one even half-step each) per update.
    momentum : float in [0, 1), default 0.5
        Classical momentum on the parameter updates.
    weight_decay : float >= 0, default 0.0
        L2 penalty on the weights.
    lr_schedule : {"constant", "linear", "inverse"}, default "linear"
        Factor on the learning rate at epoch ``t`` of ``n_iter``: 1, ``1 - t / n_iter`` or
        ``1 / (1 + t)``.
    pretrain_iter : int, default 20
        Epochs of each RBM of the greedy pretraining; 0: no pretraining (small random weights).
    pretrain_learning_rate : float, default 0.05
        Learning rate of the pretraining RBMs.
    centering : bool, default True
        Take the gradient in centered coordinates (offsets: running means of the data's
        layer activities, rate ``offset_rate``).
    offset_rate : float in (0, 1], default 0.01
        Step of the offsets' running means.
    max_iter : int, default 30
        Most mean-field iterations per batch.
    tol : float, default 1e-5
        Mean field stops when no mean changes by more than ``tol``.
    damping : float in [0, 1), default 0.0
        Weight of the old value in each mean-field update.
    dtype : {"float32", "float64"}, default "float32"
        Precision of training.
    random_state : None, int or numpy.random.Generator
        Seeds pretraining, initialisation, the chains' streams and AIS.
    progress : bool, default False
        Progress bars.
    transform_layers : {"top", "all"}, default "top"
        What :meth:`transform` returns: the top layer's mean-field means, or every hidden
        layer's side by side.
    device : {"cpu", "cuda", "auto"}, default "cpu"
        Where the joint training of :meth:`fit` and :meth:`partial_fit` runs: ``"cuda"`` on
        an NVIDIA GPU (:mod:`pgm_ebm.cuda.dbm`: data, parameters and chains stay on the
        device; the CPU's draws, its parameters to rounding), raising
        :class:`~pgm_ebm.CUDAUnavailableError` without one; ``"auto"``: a usable GPU, else
        the CPU. The greedy pretraining runs on the same device (each RBM through
        ``BernoulliRBM(device="cuda")``, in float32 as on the CPU); inference and evaluation
        run on the CPU.

    Attributes
    ----------
    weights_ : list of arrays (n_l, n_{l+1})
    biases_ : list of arrays (n_l,)
    offsets_ : list of arrays (n_l,)
        The centering offsets at the end of training (zeros without centering).
    history_ : list of dict
        Per epoch: learning rate, mean-field iterations (mean, max), the reconstruction-free
        monitor ``pseudo_ll`` is not defined for DBMs; ``mf_converged`` (fraction of batches
        whose mean field met ``tol``), ``weight_norm``, ``seconds``.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import DBM
    >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
    >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
    >>> [w.shape for w in dbm.weights_]
    [(12, 6), (6, 4)]
    >>> dbm.log_partition("exact-enumeration").method
    'exact-enumeration'
    """

    #: the samplers of the registry that move it (:mod:`pgm_ebm.samplers`)
    sampler_kind = "dbm"

    def __init__(
        self,
        layer_sizes=(784, 500, 1000),
        *,
        learning_rate: float = 0.005,
        n_iter: int = 10,
        batch_size: int = 100,
        n_chains: int = 100,
        k: int = 1,
        momentum: float = 0.5,
        weight_decay: float = 0.0,
        lr_schedule: str = "linear",
        pretrain_iter: int = 20,
        pretrain_learning_rate: float = 0.05,
        centering: bool = True,
        offset_rate: float = 0.01,
        max_iter: int = 30,
        tol: float = 1e-5,
        damping: float = 0.0,
        dtype: str = "float32",
        random_state=None,
        progress: bool = False,
        transform_layers: str = "top",
        device: str = "cpu",
    ):
        self.layer_sizes = layer_sizes
        self.learning_rate = learning_rate
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.n_chains = n_chains
        self.k = k
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.pretrain_iter = pretrain_iter
        self.pretrain_learning_rate = pretrain_learning_rate
        self.centering = centering
        self.offset_rate = offset_rate
        self.max_iter = max_iter
        self.tol = tol
        self.damping = damping
        self.dtype = dtype
        self.random_state = random_state
        self.progress = progress
        self.transform_layers = transform_layers
        self.device = device

    @classmethod
    def from_parameters(cls, weights, biases, *, n_chains: int = 100, random_state=None,
                        **params):  # fmt: skip
        """A fitted DBM with the given plain (uncentered) parameters.

        Offsets 0, base rates 1/2, persistent chains drawn uniformly: for exact checks on tiny
        models and for parameters trained elsewhere.

        Parameters
        ----------
        weights : sequence of array_like
            ``weights[l]`` of shape (n_l, n_{l+1}), the visible layer first.
        biases : sequence of array_like
            ``biases[l]`` of shape (n_l,), one per layer.
        n_chains : int
            Persistent chains.
        random_state : None, int or numpy.random.Generator
            Seed of the chains (and the estimator's ``random_state``).
        **params
            Further estimator parameters (``dtype``, ``learning_rate``, ...).

        Returns
        -------
        DBM
            The fitted model.

        Raises
        ------
        ValueError
            If the weights do not chain, a bias does not match its layer, or a value is not
            finite and real.

        Examples
        --------
        A DBM with zero weights is a product of fair coins over 3 + 2 units:

        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> dbm = DBM.from_parameters([np.zeros((3, 2))], [np.zeros(3), np.zeros(2)])
        >>> bool(np.isclose(dbm.log_partition("exact-enumeration").log_z, 5 * np.log(2)))
        True
        """
        W = [as_real_array(w, f"weights[{i}]", ndim=2) for i, w in enumerate(weights)]
        sizes = [w.shape[0] for w in W] + [W[-1].shape[1]] if W else []
        for i in range(len(W) - 1):
            if W[i].shape[1] != W[i + 1].shape[0]:
                raise ValueError(f"weights[{i}] and weights[{i + 1}] do not chain: "
                                 f"{W[i].shape} then {W[i + 1].shape}")  # fmt: skip
        if len(biases) != len(sizes):
            raise ValueError(f"biases must hold {len(sizes)} arrays, got {len(biases)}")
        b = [as_real_array(x, f"biases[{i}]", ndim=1) for i, x in enumerate(biases)]
        for i, (x, n) in enumerate(zip(b, sizes, strict=True)):
            if x.shape != (n,):
                raise ValueError(f"biases[{i}] must have shape ({n},), got {x.shape}")
        model = cls(sizes, n_chains=n_chains, random_state=random_state, **params)
        dt = model._check_params()
        model.weights_ = [w.astype(dt) for w in W]
        model.biases_ = [x.astype(dt) for x in b]
        model.offsets_ = [np.zeros(n, dt) for n in sizes]
        model.base_rate_logit_ = [np.zeros(n) for n in sizes]
        rng = check_random_state(random_state)
        model._rng = rng
        model._streams = seed_streams(rng, n_chains)
        model.chains_ = [(rng.random((n_chains, n)) < 0.5).astype(dt) for n in sizes]
        model._velocity = [np.zeros_like(w) for w in model.weights_] + [
            np.zeros_like(x) for x in model.biases_
        ]
        model.n_features_in_ = sizes[0]
        model.n_iter_, model.history_, model.stop_reason_ = 0, [], None
        return model

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        sizes = self.layer_sizes
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
            raise ValueError(f"layer_sizes must list at least two layer sizes, got {sizes!r}")
        for s in sizes:
            check_positive_int(s, "layer_sizes[i]")
        check_real(self.learning_rate, "learning_rate", low=0.0, low_open=True)
        check_positive_int(self.n_iter, "n_iter", minimum=0)
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.n_chains, "n_chains")
        check_positive_int(self.k, "k")
        check_real(self.momentum, "momentum", low=0.0, high=1.0, high_open=True)
        check_real(self.weight_decay, "weight_decay", low=0.0)
        check_choice(self.lr_schedule, "lr_schedule", _SCHEDULES)
        check_positive_int(self.pretrain_iter, "pretrain_iter", minimum=0)
        check_real(self.pretrain_learning_rate, "pretrain_learning_rate", 0.0, low_open=True)
        if not isinstance(self.centering, (bool, np.bool_)):
            raise ValueError(f"centering must be True or False, got {self.centering!r}")
        check_real(self.offset_rate, "offset_rate", 0.0, 1.0, low_open=True)
        check_positive_int(self.max_iter, "max_iter")
        check_real(self.tol, "tol", 0.0, low_open=True)
        check_real(self.damping, "damping", 0.0, 1.0, high_open=True)
        check_choice(self.dtype, "dtype", ("float32", "float64"))
        check_choice(self.transform_layers, "transform_layers", ("top", "all"))
        if not isinstance(self.progress, (bool, np.bool_)):
            raise ValueError(f"progress must be True or False, got {self.progress!r}")
        self._train_device = resolve_device(self.device, "DBM.fit")
        return np.dtype(self.dtype)

    @property
    def sizes(self) -> list:
        """The layer sizes as a list of ints, the visible layer first."""
        return [int(s) for s in self.layer_sizes]

    def _validate(self, X, name="X"):
        A = as_real_array(X, name, ndim=2)
        if A.shape[1] != self.sizes[0]:
            raise ValueError(
                f"{name} has {A.shape[1]} features, the visible layer has {self.sizes[0]} units"
            )
        check_unit_interval(A, name)
        return A

    # ------------------------------------------------------------------ inference
    def _fields(self, xs, layer, weights=None, biases=None):
        """Input of ``layer`` from its neighbours' states ``xs`` (one entry per layer)."""
        W = self.weights_ if weights is None else weights
        b = self.biases_ if biases is None else biases
        a = np.broadcast_to(b[layer], (len(xs[0]), len(b[layer]))).copy()
        if layer > 0:
            a += xs[layer - 1] @ W[layer - 1]
        if layer + 1 < len(xs):
            a += xs[layer + 1] @ W[layer].T
        return a

    def mean_field(self, X, *, max_iter=None, tol=None, damping=None, return_info=False):
        """Mean-field posteriors ``q(x_l = 1 | v)`` of every hidden layer for the rows of X.

        Starts from a bottom-up pass with doubled input to the middle layers (they get input
        from above too), then updates the odd layers and the even layers in turn (a damped
        fixed-point iteration) until no mean changes by more than ``tol`` or after
        ``max_iter`` iterations. With one hidden layer the first pass is the exact posterior.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_visible)
            Data in [0, 1].
        max_iter : int, optional
            Most iterations; default the estimator's.
        tol : float, optional
            Convergence threshold on the largest change of a mean; default the estimator's.
        damping : float in [0, 1], optional
            Weight of the old value in each update; default the estimator's.
        return_info : bool
            Also return how the iteration ended.

        Returns
        -------
        means : list of ndarray
            One (n_samples, n_l) array per hidden layer.
        info : dict
            ``{"n_iter", "max_change", "converged"}``; only with ``return_info=True``.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> means, info = dbm.mean_field(X[:3], return_info=True)
        >>> [m.shape for m in means], info["converged"]
        ([(3, 6), (3, 4)], True)
        """
        check_is_fitted(self)
        V = self._validate(X).astype(self.weights_[0].dtype)
        return self._mean_field(V, max_iter, tol, damping, return_info)

    def _mean_field(self, V, max_iter=None, tol=None, damping=None, return_info=False,
                    params=None, work=None):  # fmt: skip
        """``params``: (weights, biases) to use instead of the fitted ones (e.g. float64
        copies); the iteration runs in their dtype.  ``work``: a :class:`Scratch` kept across
        calls; the means returned are among its arrays, so they live until the next call
        with the same one."""
        max_iter = self.max_iter if max_iter is None else check_positive_int(max_iter, "max_iter")
        tol = self.tol if tol is None else check_real(tol, "tol", 0.0, low_open=True)
        damping = self.damping if damping is None else check_real(damping, "damping", 0.0, 1.0)
        W, b = (self.weights_, self.biases_) if params is None else params
        L = len(W)
        dt = W[0].dtype
        V = np.ascontiguousarray(V, dtype=dt)
        n, work = len(V), Scratch() if work is None else work

        def buf(name, i):
            return work.get((name, i), (n, len(b[i])), dt)

        bottom = np.matmul(V, W[0], out=buf("mf-bottom", 1))  # layer 1's input from the data
        none = np.empty((0, 0), dt)
        xs = [V]
        for i in range(1, L + 1):  # bottom-up, doubled where a layer above will also speak
            pre = bottom
            if i > 1:
                pre = np.matmul(xs[-1], W[i - 1], out=buf("mf-pre", i))
            if i < L:
                pre = np.multiply(pre, 2.0, out=buf("mf-pre", i))
            mu = buf("mf-mu", i)
            mu.fill(0.0)
            _mean_field_update(pre, none, b[i], mu, 0.0, buf("mf-change", i))
            xs.append(mu)
        change, it = np.inf, 0
        if L > 1:
            while it < max_iter:
                it += 1
                change = 0.0
                for parity in (1, 0):
                    for i in range(2 - parity, L + 1, 2):
                        pre, extra = buf("mf-pre", i), none
                        if i == 1:
                            extra = bottom
                        else:
                            np.matmul(xs[i - 1], W[i - 1], out=pre)
                        if i < L:
                            if i == 1:
                                np.matmul(xs[i + 1], W[i].T, out=pre)
                            else:
                                extra = np.matmul(xs[i + 1], W[i].T, out=buf("mf-extra", i))
                        c = _mean_field_update(pre, extra, b[i], xs[i], damping,
                                               buf("mf-change", i))  # fmt: skip
                        change = max(change, float(c))
                if change <= tol:
                    break
        else:  # one hidden layer: the posterior is exact after the first pass
            change, it = 0.0, 1
        mu = xs[1:]
        if return_info:
            return mu, {"n_iter": it, "max_change": change, "converged": change <= tol}
        return mu

    def transform(self, X):
        """The mean-field posterior means of the top layer, or of every hidden layer.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_visible)
            Data in [0, 1].

        Returns
        -------
        ndarray
            (n_samples, n_top); with ``transform_layers="all"``, every hidden layer side by side
            (n_samples, n_1 + ... + n_L).

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> dbm.transform(X[:3]).shape
        (3, 4)
        >>> dbm.set_params(transform_layers="all").transform(X[:3]).shape
        (3, 10)
        """
        mu = self.mean_field(X)
        return mu[-1] if self.transform_layers == "top" else np.hstack(mu)

    # ------------------------------------------------------------------ energies
    def bipartite(self):
        """The DBM as an RBM: the even layers (0, 2, ...) as visible units, the odd layers as
        hidden units.

        A DBM's even layers are conditionally independent given the odd ones and vice versa,
        so it is an RBM with structured weights: AIS, reverse AIS and exact enumeration run on
        this form with the odd layers summed out analytically.

        Returns
        -------
        W : ndarray of shape (n_odd, n_even)
            Weights in scikit-learn's ``components_`` layout, float64.
        visible_bias : ndarray of shape (n_even,)
            The even layers' biases.
        hidden_bias : ndarray of shape (n_odd,)
            The odd layers' biases.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> W, b_even, b_odd = dbm.bipartite()
        >>> W.shape, b_even.shape, b_odd.shape  # even: 12 + 4 units, odd: 6
        ((6, 16), (16,), (6,))
        """
        check_is_fitted(self)
        sizes = self.sizes
        even = [i for i in range(len(sizes)) if i % 2 == 0]
        odd = [i for i in range(len(sizes)) if i % 2 == 1]
        off_e = np.concatenate([[0], np.cumsum([sizes[i] for i in even])])
        off_o = np.concatenate([[0], np.cumsum([sizes[i] for i in odd])])
        Wb = np.zeros((off_o[-1], off_e[-1]))
        for oi, l in enumerate(odd):
            rows = slice(off_o[oi], off_o[oi + 1])
            below = even.index(l - 1)
            Wb[rows, off_e[below] : off_e[below + 1]] = np.asarray(self.weights_[l - 1]).T
            if l + 1 < len(sizes):
                above = even.index(l + 1)
                Wb[rows, off_e[above] : off_e[above + 1]] = np.asarray(self.weights_[l])
        be = np.concatenate([np.asarray(self.biases_[i], np.float64) for i in even])
        bo = np.concatenate([np.asarray(self.biases_[i], np.float64) for i in odd])
        return Wb, be, bo

    def energy(self, xs):
        """The energy ``E(x) = -sum_l b_l.x_l - sum_l x_l W_l x_(l+1)`` of full configurations.

        Bilinear in each layer, so at mean-field means it is the expected energy under the
        factorised ``q``.

        Parameters
        ----------
        xs : list of array_like
            One (n, n_l) array per layer, values in [0, 1] (states or means).

        Returns
        -------
        ndarray of shape (n,)
            The energies, float64.

        Raises
        ------
        ValueError
            If ``xs`` does not hold one array per layer of matching shapes and values.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> zeros = [np.zeros((2, 6)), np.zeros((2, 4))]
        >>> bool(np.allclose(dbm.energy([X[:2]] + zeros), -X[:2] @ dbm.biases_[0]))
        True
        """
        check_is_fitted(self)
        xs = [np.asarray(x, np.float64) for x in self._check_layers(xs, "xs")]
        e = -sum(xs[i] @ np.asarray(b, np.float64) for i, b in enumerate(self.biases_))
        for i, W in enumerate(self.weights_):
            # (x W) . y row by row: one GEMM (a three-operand einsum loops in C, 17x slower)
            e = e - ((xs[i] @ np.asarray(W, np.float64)) * xs[i + 1]).sum(axis=1)
        return e

    def _check_layers(self, xs, name):
        """``xs`` as a list of one real (n, n_l) array per layer, the same n for all, values
        in [0, 1] (states or means), or a ValueError naming ``name``."""
        if isinstance(xs, np.ndarray) or not isinstance(xs, (list, tuple)):
            raise ValueError(f"{name} must be a list of {len(self.sizes)} per-layer arrays")
        if len(xs) != len(self.sizes):
            raise ValueError(f"{name} must hold {len(self.sizes)} layers, got {len(xs)}")
        out = []
        for i, (x, size) in enumerate(zip(xs, self.sizes, strict=True)):
            a = as_real_array(x, f"{name}[{i}]", ndim=2, copy=False)
            if a.shape[1] != size or (out and len(a) != len(out[0])):
                raise ValueError(
                    f"{name}[{i}] must have shape (n, {size}) with the n of {name}[0], "
                    f"got {a.shape}"
                )
            check_unit_interval(a, f"{name}[{i}]")
            out.append(a)
        return out

    def free_energy_bound(self, X, *, max_iter=None, tol=None, return_info: bool = False):
        """The mean-field free energy ``F_q(v) = E_q[E(v, h)] - H(q)`` of each row: an upper
        bound on ``-log p*(v)``, so ``log p(v) >= -F_q(v) - log Z``.

        The mean field runs in float64 on float64 copies of the parameters.  Without damping
        each of its half-steps maximises the bound over one set of conditionally independent
        layers, so more iterations never loosen it: evaluation
        (:func:`~pgm_ebm.experiments.evaluate_dbm`) runs it to convergence rather than for
        the few iterations a training batch gets.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_visible)
            Data in [0, 1].
        max_iter : int, optional
            Most mean-field iterations; default the estimator's.
        tol : float, optional
            Stop when no mean changes by more than this; default the estimator's.
        return_info : bool
            Also return how the mean field ended.

        Returns
        -------
        ndarray of shape (n_samples,)
            ``F_q(v)``, float64.
        info : dict
            ``{"n_iter", "max_change", "converged"}``; only with ``return_info=True``.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> bound = -dbm.free_energy_bound(X[:3]) - dbm.log_partition("exact-enumeration").log_z
        >>> bool(np.all(bound <= dbm.log_likelihood_exact(X[:3]) + 1e-9))
        True
        >>> F, info = dbm.free_energy_bound(X[:3], max_iter=200, tol=1e-10, return_info=True)
        >>> info["converged"], bool(np.all(F <= dbm.free_energy_bound(X[:3], max_iter=1)))
        (True, True)
        """
        check_is_fitted(self)
        V = self._validate(X).astype(np.float64)
        params = ([np.asarray(w, np.float64) for w in self.weights_],
                  [np.asarray(c, np.float64) for c in self.biases_])  # fmt: skip
        mu, info = self._mean_field(V, max_iter, tol, None, True, params=params)
        e = self.energy([V] + mu)  # bilinear: E at the means is E_q[E] for a factorised q
        F = e - sum(_entropy(m) for m in mu)
        return (F, info) if return_info else F

    # ------------------------------------------------------------------ log Z
    def log_partition(
        self, method: str = "ais", *, n_chains: int = 100, schedule=None, random_state=None,
        init=None, progress: bool = False, n_steps: int = 1000, client=None,
        scheduler: str | None = None, device: str = "cpu",
    ) -> LogZResult:  # fmt: skip
        """log Z through the bipartite form (:meth:`bipartite`), exact or estimated.

        Parameters
        ----------
        method : {"ais", "reverse-ais", "exact-enumeration", "found-states"}
            ``"exact-enumeration"``: enumerate the smaller side (at most 25 units).
            ``"ais"``: forward AIS with the odd layers summed out analytically, from the
            base model with the even layers' biases ``base_rate_logit_`` (the data's
            log-odds for the visible layer, the mean-field means' for the others): a
            stochastic lower bound on log Z. ``"reverse-ais"``: the same path backwards
            from ``init``, by default the persistent chains' even layers: a stochastic upper
            bound when the starting states are exact samples. ``"found-states"``: a certain
            lower bound, ``log Z >= log sum_x p*(x)`` over the distinct even-layer states
            ``x`` that ``n_steps`` block-Gibbs steps of the persistent chains (or of
            ``init``) visit, ``p*`` with the odd layers summed out; it needs no mixing to
            be valid, so an AIS estimate below it is certainly too low (the check that
            catches AIS missing modes on large, strongly coupled models).
        n_chains : int
            Forward AIS chains.
        schedule : array_like, optional
            AIS inverse temperatures from 0 to 1; default the Salakhutdinov-Murray
            schedule of 14,500 temperatures.
        random_state : None, int or numpy.random.Generator
            Seed; default the estimator's ``random_state``.
        init : array_like of shape (n, n_even), optional
            Even-layer states where reverse AIS or the found-states walk start.
        progress : bool
            Show a progress bar.
        n_steps : int
            Block-Gibbs steps of ``"found-states"``.
        client : distributed.Client, optional
            Forward and reverse AIS run their chains as tasks on a Dask cluster
            (:mod:`pgm_ebm.distributed`): the same estimate bit for bit.
        scheduler : str, optional
            Instead of ``client``: ``"local[:N]"`` or ``"tcp://HOST:PORT"``.
        device : {"cpu", "cuda", "auto"}, default "cpu"
            Where forward and reverse AIS run (:func:`pgm_ebm.partition.ais.rbm_ais` on the
            bipartite form; on the GPU without collapsed sweeps); the other methods run on
            the CPU.

        Returns
        -------
        LogZResult
            ``log_z``, the method and its settings; for estimates the 95% interval and
            effective sample size, for ``"found-states"`` a one-sided interval.

        Raises
        ------
        ValueError
            If ``method`` is unknown, the model is too large to enumerate, or a setting
            is invalid.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> exact = dbm.log_partition("exact-enumeration").log_z
        >>> ais = dbm.log_partition("ais", n_chains=100, random_state=0)
        >>> floor = dbm.log_partition("found-states", n_steps=50)
        >>> bool(abs(ais.log_z - exact) < 0.05), bool(floor.log_z <= exact)
        (True, True)
        """
        from pgm_ebm.partition.ais import rbm_ais, rbm_reverse_ais
        from pgm_ebm.partition.exact import rbm_log_partition_exact

        check_is_fitted(self)
        check_choice(method, "method", ("exact-enumeration", "ais", "reverse-ais", "found-states"))
        if random_state is None:
            random_state = self.random_state
        Wb, be, bo = self.bipartite()
        if method == "exact-enumeration":
            try:
                return rbm_log_partition_exact(Wb, be, bo, max_units=MAX_ENUMERATED)
            except ValueError as exc:
                raise ValueError(f"{exc}; use method='ais'") from None
        if method == "found-states":
            return self._found_states_floor(init, n_steps, random_state, progress)
        base = np.concatenate([self.base_rate_logit_[i] for i in range(0, len(self.sizes), 2)])
        if method == "ais":
            return rbm_ais(Wb, be, bo, n_chains=n_chains, schedule=schedule, base_bias=base,
                           random_state=random_state, progress=progress, client=client,
                           scheduler=scheduler, device=device)  # fmt: skip
        V0 = self.even_states_of_chains() if init is None else init
        return rbm_reverse_ais(Wb, be, bo, V0, schedule=schedule, base_bias=base,
                               random_state=random_state, progress=progress, client=client,
                               scheduler=scheduler, device=device)  # fmt: skip

    def _found_states_floor(self, init, n_steps, random_state, progress):
        """``log_partition("found-states")``: see :meth:`log_partition`."""
        from scipy.special import logsumexp
        from tqdm.auto import tqdm

        t0 = time.perf_counter()
        n_steps = check_positive_int(n_steps, "n_steps")
        Wb, be, bo = self.bipartite()
        sizes, dt = self.sizes, self.weights_[0].dtype
        even = list(range(0, len(sizes), 2))
        if init is None:
            xs = [np.array(c, dtype=dt, order="C") for c in self.chains_]
        else:
            E = as_real_array(init, "init", ndim=2)
            n_even = sum(sizes[i] for i in even)
            if E.shape[1] != n_even or len(E) < 1 or not np.all((E == 0) | (E == 1)):
                raise ValueError(f"init must be binary with shape (n, {n_even}), got {E.shape}")
            cuts = np.cumsum([sizes[i] for i in even])[:-1]
            parts = np.split(E, cuts, axis=1)
            xs = [None] * len(sizes)
            for i, part in zip(even, parts, strict=True):
                xs[i] = np.ascontiguousarray(part, dtype=dt)
            for i in range(1, len(sizes), 2):
                xs[i] = np.zeros((len(E), sizes[i]), dt)
        streams = seed_streams(check_random_state(random_state), len(xs[0]))
        found: dict[bytes, float] = {}

        def visit():
            E = np.concatenate([xs[i] for i in even], axis=1).astype(np.float64)
            lp = E @ be + np.logaddexp(0.0, E @ Wb.T + bo).sum(axis=1)
            for row, v in zip(np.packbits(E.astype(np.uint8), axis=1), lp, strict=True):
                found[row.tobytes()] = float(v)

        visit()
        work = Scratch()  # the pre-activations, kept across the steps
        for _ in tqdm(range(n_steps), disable=not progress, desc="found states", unit="step"):
            self._gibbs(xs, streams, 1.0, work)
            visit()
        vals = np.fromiter(found.values(), float, len(found))
        floor = float(logsumexp(vals))
        return LogZResult(
            log_z=floor, method="found-states", uncertainty="lower-bound",
            interval=(floor, math.inf),
            settings={"n_chains": len(xs[0]), "n_steps": n_steps,
                      "start": "persistent chains" if init is None else "init"},
            n_energy_evals=len(xs[0]) * (n_steps + 1), wall_time=time.perf_counter() - t0,
            diagnostics={"n_distinct_states": len(found), "max_log_p_star": float(vals.max())},
        )  # fmt: skip

    def even_states_of_chains(self):
        """The persistent chains' even layers, concatenated: samples of the model, where reverse
        AIS starts.

        Returns
        -------
        ndarray of shape (n_chains, n_even)
            float64, in the order of :meth:`bipartite`'s even units.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> dbm.even_states_of_chains().shape
        (100, 16)
        """
        check_is_fitted(self)
        return np.concatenate(
            [self.chains_[i] for i in range(0, len(self.sizes), 2)], axis=1
        ).astype(np.float64)

    def score_samples(self, X, *, log_partition: LogZResult | None = None, max_iter=None,
                      tol=None):  # fmt: skip
        """The variational lower bound on ``log p(v)`` of each row, in nats.

        ``-F_q(v) - log Z``: a lower bound when ``log Z`` is exact, an estimate of one when it
        is estimated (forward AIS, itself a stochastic lower bound on ``log Z``, biases the
        bound upward by its error: see its interval).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_visible)
            Data in [0, 1].
        log_partition : LogZResult, optional
            The ``log Z`` to use; default the cached :meth:`log_partition` (exact when the
            bipartite form has a side of at most 25 units, else ``"ais"``).
        max_iter, tol : optional
            The mean field's (:meth:`free_energy_bound`); default the estimator's. More
            iterations never loosen the bound without damping.

        Returns
        -------
        ndarray of shape (n_samples,)
            The bounds.

        Raises
        ------
        ValueError
            If ``log_partition`` is not a LogZResult.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> bool(np.all(dbm.score_samples(X[:3]) <= dbm.log_likelihood_exact(X[:3]) + 1e-9))
        True
        """
        if log_partition is not None and not isinstance(log_partition, LogZResult):
            raise ValueError(
                f"log_partition must be a LogZResult, got {type(log_partition).__name__}"
            )
        logz = self._default_log_partition() if log_partition is None else log_partition
        return -self.free_energy_bound(X, max_iter=max_iter, tol=tol) - logz.log_z

    def log_likelihood_exact(self, X, *, max_units: int = 20):
        """The exact ``log p(v)`` of each row, for tiny DBMs.

        The even hidden layers are enumerated, the odd layers summed out analytically and
        ``log Z`` computed exactly.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_visible)
            Data in [0, 1].
        max_units : int
            Refuse to enumerate more even hidden units than this.

        Returns
        -------
        ndarray of shape (n_samples,)
            ``log p(v)`` in nats.

        Raises
        ------
        ValueError
            If the even hidden layers have more than ``max_units`` units.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> dbm.log_likelihood_exact(X[:3]).shape
        (3,)
        """
        check_is_fitted(self)
        V = self._validate(X)
        max_units = check_positive_int(max_units, "max_units")
        sizes = self.sizes
        n_even_hidden = sum(sizes[2::2])
        if n_even_hidden > max_units:
            raise ValueError(
                f"exact log p(v) enumerates the even hidden layers: {n_even_hidden} units, "
                f"more than max_units={max_units}"
            )
        Wb, be, bo = self.bipartite()
        n0 = sizes[0]
        H = ((np.arange(2**n_even_hidden)[:, None] >> np.arange(n_even_hidden)[::-1]) & 1).astype(
            np.float64
        )
        a_h = H @ Wb[:, n0:].T + bo  # odd layers' input from the even hidden layers
        log_u = np.empty((len(V), len(H)))
        for r, v in enumerate(V):
            a = a_h + Wb[:, :n0] @ v
            log_u[r] = v @ be[:n0] + H @ be[n0:] + np.logaddexp(0.0, a).sum(axis=1)
        top = log_u.max(axis=1, keepdims=True)
        log_pstar = (top + np.log(np.exp(log_u - top).sum(axis=1, keepdims=True)))[:, 0]
        return log_pstar - self.log_partition("exact-enumeration").log_z

    def score(self, X, y=None) -> float:
        """The mean variational lower bound on the log-likelihood of X, in nats (see
        :meth:`score_samples`).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_visible)
            Data in [0, 1].
        y : None
            Ignored (scikit-learn's signature).

        Returns
        -------
        float
            The mean of :meth:`score_samples`.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> bool(np.isclose(dbm.score(X), dbm.score_samples(X).mean()))
        True
        """
        return float(np.mean(self.score_samples(X)))

    def _default_log_partition(self):
        key = hash(tuple(np.asarray(w).tobytes() for w in self.weights_ + self.biases_))
        cache = self.__dict__.setdefault("_logz_cache", {})
        if key not in cache:
            small = min(sum(self.sizes[0::2]), sum(self.sizes[1::2])) <= MAX_ENUMERATED
            cache.clear()
            cache[key] = self.log_partition("exact-enumeration" if small else "ais")
        return cache[key]

    # ------------------------------------------------------------------ sampling
    def sample(self, n_samples: int = 100, n_steps: int = 1000, *, random_state=None,
               device: str = "cpu"):  # fmt: skip
        """Visible samples of fresh block-Gibbs chains (the registry's ``"block-gibbs"`` sampler
        of the ``"dbm"`` kind).

        Parameters
        ----------
        n_samples : int
            Independent chains, one sample each.
        n_steps : int
            Block-Gibbs steps per chain.
        random_state : None, int or numpy.random.Generator
            Seed; default the estimator's stream.
        device : {"cpu", "cuda", "auto"}, default "cpu"
            ``"cuda"``: the chains run on the GPU (the same draws as the CPU's), only the
            result comes back.

        Returns
        -------
        ndarray of uint8, shape (n_samples, n_visible)
            The chains' last visible states.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> dbm.sample(5, n_steps=100, random_state=0).shape
        (5, 12)
        """
        from pgm_ebm.samplers.registry import get_sampler

        check_is_fitted(self)
        n_samples = check_positive_int(n_samples, "n_samples")
        n_steps = check_positive_int(n_steps, "n_steps")
        move = get_sampler("block-gibbs", self)
        gpu = {} if device == "cpu" else {"device": device}  # only the built-in takes it
        state = move.init(self, n_samples, random_state=self._rng_for(random_state), **gpu)
        ones = np.ones(n_samples)
        for _ in range(n_steps):
            move.step(self, state, ones)
        state.sync()
        return state.spins.astype(np.uint8)

    def _rng_for(self, random_state):
        if random_state is not None:
            return random_state
        rng = self.__dict__.get("_rng")
        if rng is None:
            rng = self._rng = check_random_state(self.random_state)
        return rng

    # ------------------------------------------------------------------ training
    def _lr_at(self, epoch):
        s = self.lr_schedule
        f = 1.0 - epoch / max(self.n_iter, 1) if s == "linear" else 1.0
        if s == "inverse":
            f = 1.0 / (1.0 + epoch)
        return self.learning_rate * f

    def _initialize(self, X, dt, rng):
        sizes = self.sizes
        p = np.clip(X.mean(axis=0), 1e-3, 1 - 1e-3)
        t0 = time.perf_counter()
        if self.pretrain_iter > 0:
            from pgm_ebm.expfam.stacking import stack_rbms

            st = stack_rbms(
                X, sizes[1:], dbm=True, random_state=int(rng.integers(2**31)),
                n_iter=self.pretrain_iter, learning_rate=self.pretrain_learning_rate,
                batch_size=self.batch_size, verbose=int(self.progress),
                device=self._train_device,
            )  # fmt: skip
            self.weights_ = [np.ascontiguousarray(w.T, dtype=dt) for w in st.weights]
            self.biases_ = [np.asarray(b, dtype=dt) for b in st.biases]
        else:
            self.weights_ = [
                (0.01 * rng.standard_normal((sizes[i], sizes[i + 1]))).astype(dt)
                for i in range(len(sizes) - 1)
            ]
            self.biases_ = [np.log(p / (1 - p)).astype(dt)] + [np.zeros(s, dt) for s in sizes[1:]]
        self.pretrain_seconds_ = time.perf_counter() - t0
        mu = self._mean_field(X[: min(len(X), 1000)].astype(dt))
        means = [p] + [m.mean(axis=0) for m in mu]
        self.offsets_ = [(m if self.centering else np.zeros_like(m)).astype(dt) for m in means]
        self._set_base_rates([X.mean(axis=0)] + [m.mean(axis=0) for m in mu])
        self._velocity = [np.zeros_like(w) for w in self.weights_] + [
            np.zeros_like(b) for b in self.biases_
        ]
        n = self.n_chains
        self._streams = seed_streams(rng, n)
        self.chains_ = [
            (rng.random((n, s)) < np.clip(m, 0.01, 0.99)).astype(dt)
            for s, m in zip(sizes, means, strict=True)
        ]
        self.history_ = []
        self.n_iter_ = 0

    def _set_base_rates(self, means):
        self.base_rate_logit_ = [
            np.log(np.clip(m, 1e-3, 1 - 1e-3) / (1 - np.clip(m, 1e-3, 1 - 1e-3))).astype(np.float64)
            for m in means
        ]

    def gibbs_step(self, xs, streams, beta: float = 1.0):
        """One block-Gibbs step of chains: the odd layers given the even ones, then the even
        layers given the odd ones.

        Parameters
        ----------
        xs : list of ndarray
            One writeable C-contiguous (n_chains, n_l) array per layer, of the model's dtype;
            updated in place.
        streams : ndarray of uint64, shape (n_chains, 2)
            One stream per chain (see ``seed_streams``); advanced in place.
        beta : float
            Inverse temperature, >= 0.

        Returns
        -------
        list of ndarray
            ``xs``.

        Raises
        ------
        ValueError
            If ``xs`` or ``streams`` do not have the shapes and types above (they go to a
            compiled kernel, which does not check bounds).

        Examples
        --------
        >>> from pgm_ebm._rng import seed_streams
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> xs = [np.zeros((3, n), dtype=np.float32) for n in dbm.sizes]
        >>> xs = dbm.gibbs_step(xs, seed_streams(0, 3))
        >>> [x.shape for x in xs]
        [(3, 12), (3, 6), (3, 4)]
        """
        check_is_fitted(self)
        dt = self.weights_[0].dtype
        if not isinstance(xs, (list, tuple)) or len(xs) != len(self.sizes):
            raise ValueError(f"xs must be a list of {len(self.sizes)} layer arrays")
        n = len(xs[0]) if isinstance(xs[0], np.ndarray) else -1
        for i, (x, size) in enumerate(zip(xs, self.sizes, strict=True)):
            if not (isinstance(x, np.ndarray) and x.dtype == dt and x.shape == (n, size)
                    and x.flags.c_contiguous and x.flags.writeable):  # fmt: skip
                raise ValueError(
                    f"xs[{i}] must be a writeable C-contiguous {dt} array of shape "
                    f"(n_chains, {size}), the same n_chains for every layer"
                )
        check_streams(streams, n, at_least=True)
        beta = check_real(beta, "beta", low=0.0)
        return self._gibbs(xs, streams, beta)

    def _gibbs(self, xs, streams, beta=1.0, work=None):
        """:meth:`gibbs_step` on checked arguments; ``work``: a :class:`Scratch` kept across
        calls, for the pre-activations."""
        W, b = self.weights_, self.biases_
        n, dt = len(xs[0]), W[0].dtype
        work = Scratch() if work is None else work
        for parity in (1, 0):
            for i in range(parity, len(xs), 2):
                pre = work.get(("gibbs-pre", i), (n, len(b[i])), dt)
                if i > 0:
                    np.matmul(xs[i - 1], W[i - 1], out=pre)
                    if i + 1 < len(xs):
                        extra = work.get(("gibbs-extra", i), pre.shape, dt)
                        pre += np.matmul(xs[i + 1], W[i].T, out=extra)
                else:
                    np.matmul(xs[1], W[0].T, out=pre)
                bias = b[i] if beta == 1.0 else (beta * b[i]).astype(b[i].dtype)
                _sample_bernoulli(pre, bias, streams, xs[i], beta)
        return xs

    def gradients(self, data, model, model_weights=None):
        """The joint-training gradient in the current offsets' coordinates.

        For each weight matrix ``<(x_l - o_l)(x_(l+1) - o_(l+1))^T>_data - <...>_model`` (minus
        weight decay) and for each bias ``<x_l>_data - <x_l>_model``. Without centering (offsets
        0) this is the gradient of the mean variational bound ``mean(-F_q(v)) - log Z`` at the
        mean-field fixed point.

        Parameters
        ----------
        data : list of array_like
            Per-layer arrays (rows: samples): the data and its mean-field means.
        model : list of array_like
            Per-layer arrays of model samples (the persistent chains), or every state of a tiny
            model with ``model_weights``.
        model_weights : array_like of shape (n_model_rows,), optional
            Probabilities of the model rows (exact expectations over enumerated states); else a
            plain mean.

        Returns
        -------
        grads_w : list of ndarray
            One (n_l, n_(l+1)) array per weight matrix.
        grads_b : list of ndarray
            One (n_l,) array per layer.

        Raises
        ------
        ValueError
            If ``data`` or ``model`` is not one array per layer of matching shapes and values
            in [0, 1], or ``model_weights`` does not match the model rows.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> data = [X[:5]] + dbm.mean_field(X[:5])
        >>> grads_w, grads_b = dbm.gradients(data, dbm.chains_)
        >>> [g.shape for g in grads_w], [g.shape for g in grads_b]
        ([(12, 6), (6, 4)], [(12,), (6,), (4,)])
        """
        check_is_fitted(self)
        data = self._check_layers(data, "data")
        model = self._check_layers(model, "model")
        o = self.offsets_
        L = len(self.weights_)
        wm = None
        if model_weights is not None:
            wm = as_real_array(model_weights, "model_weights", ndim=1)
            if len(wm) != len(model[0]) or np.any(wm < 0):
                raise ValueError(
                    f"model_weights must hold {len(model[0])} probabilities (one per model "
                    f"row), got shape {wm.shape}"
                )
            wm = wm[:, None]
        grads_w, grads_b = [], []
        for i in range(L):
            gd = (data[i] - o[i]).T @ (data[i + 1] - o[i + 1]) / len(data[0])
            if wm is None:
                gm = (model[i] - o[i]).T @ (model[i + 1] - o[i + 1]) / len(model[0])
            else:
                gm = ((model[i] - o[i]) * wm).T @ (model[i + 1] - o[i + 1])
            g = gd - gm
            if self.weight_decay:
                g -= self.weight_decay * self.weights_[i]
            grads_w.append(g)
        for i in range(L + 1):
            mm = model[i].mean(axis=0) if wm is None else (model[i] * wm).sum(axis=0)
            grads_b.append(data[i].mean(axis=0) - mm)
        return grads_w, grads_b

    def _update(self, V, lr, stats, work=None):
        """One joint-training update on the batch V: mean field, ``k`` Gibbs steps, then the
        step of :meth:`gradients` with momentum and decay, taken in centered coordinates and
        written on the plain parameters.  Data and chain rows go through one GEMM per weight
        matrix (row weights ``lr / n_data`` and ``-lr / n_chains``), accumulated straight
        into the velocity.  ``work``: the training loop's :class:`Scratch`, kept across its
        batches; every product writes into one of its arrays."""
        work = Scratch() if work is None else work
        L = len(self.weights_)
        W, bs, o, vel = self.weights_, self.biases_, self.offsets_, self._velocity
        dt = W[0].dtype.type
        # ~100 rows a kernel: waking a second Numba thread costs more than it saves, and
        # the BLAS threads would be handed over between the two pools at every product
        small = (len(V) + len(self.chains_[0])) * sum(self.sizes) < SMALL_BATCH_WORK
        with numba_threads(1 if small else None):
            mu, info = self._mean_field(V, return_info=True, work=work)
            for _ in range(self.k):
                self._gibbs(self.chains_, self._streams, 1.0, work)
        stats["mf_iter"].append(info["n_iter"])
        stats["mf_converged"].append(info["converged"])
        data, model = [V] + mu, self.chains_
        nb, nc = len(V), len(model[0])
        m = dt(self.momentum)
        f = W[0].dtype
        w = work.get("row-weights", (nb + nc,), f)
        w[:nb], w[nb:] = lr / nb, -lr / nc
        rows, right = [], []  # centred data then chain rows; the same rows times w
        for i in range(L + 1):
            shape = (nb + nc, len(bs[i]))
            rows.append(work.get(("rows", i), shape, f))
            right.append(work.get(("right", i), shape, f) if i else rows[0])  # 0: unused
            _centred_rows(data[i], model[i], o[i], w, rows[i], right[i], i > 0)
        for i in range(L + 1):  # bias steps: lr * (data mean - model mean)
            g = w @ rows[i]
            vel[L + i] *= m
            vel[L + i] += g
        d_row = [np.empty(len(x), W[0].dtype) for x in bs]
        d_col = [np.empty(len(x), W[0].dtype) for x in bs]
        decay = dt(lr * self.weight_decay)
        for i in range(L):
            gemm(rows[i], right[i + 1], vel[i], 1.0, float(m), trans_a=True)  # vel = m vel + lr G
            # W += vel - decay W, with vel @ o_{i+1} and o_i @ vel in the same pass
            _velocity_step(W[i], vel[i], decay, o[i], o[i + 1], d_row[i], d_col[i + 1])
        # the plain biases follow: b'_l = b_l - W_l o_{l+1} - W_{l-1}^T o_{l-1}
        for i in range(L + 1):
            db = vel[L + i].copy()
            if i < L:
                db -= d_row[i]
            if i > 0:
                db -= d_col[i]
            bs[i] += db
        if self.centering:
            nu = dt(self.offset_rate)
            for i in range(L + 1):
                o[i] += nu * (data[i].mean(axis=0) - o[i])

    def fit(self, X, y=None, *, checkpoint=None, resume: bool = False):
        """Pretrain (unless ``pretrain_iter=0``) and train jointly for ``n_iter`` epochs.

        Ctrl-C or a divergence (non-finite parameters) stops training with the last good
        parameters and a :class:`TrainingStopped` warning (``stop_reason_`` says which).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_visible)
            Data in [0, 1]; never modified.
        y : None
            Ignored (scikit-learn's signature).
        checkpoint : str or pathlib.Path, optional
            A file written atomically after pretraining and after every epoch.
        resume : bool
            Continue from ``checkpoint`` exactly where it stopped (parameters, velocities,
            chains, offsets, the random streams and generator): the result equals that of an
            uninterrupted run.

        Returns
        -------
        DBM
            ``self``, fitted.

        Raises
        ------
        ValueError
            If a parameter or ``X`` is invalid (the message names it), ``resume`` has no
            ``checkpoint``, or the checkpoint was written with other parameters.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> ckpt = os.path.join(tempfile.mkdtemp(), "dbm.npz")
        >>> params = dict(pretrain_iter=2, lr_schedule="constant", random_state=0)
        >>> _ = DBM([12, 6, 4], n_iter=2, **params).fit(X, checkpoint=ckpt)  # 2 epochs
        >>> resumed = DBM([12, 6, 4], n_iter=4, **params)  # 2 more
        >>> _ = resumed.fit(X, checkpoint=ckpt, resume=True)
        >>> whole = DBM([12, 6, 4], n_iter=4, **params).fit(X)
        >>> resumed.n_iter_, bool(np.array_equal(resumed.weights_[0], whole.weights_[0]))
        (4, True)
        """
        dt = self._check_params()
        X = self._validate(X)
        if resume:
            if checkpoint is None:
                raise ValueError("resume=True needs checkpoint=PATH")
            self._load_checkpoint(checkpoint, X.shape[1])
        else:
            self._rng = check_random_state(self.random_state)
            self._initialize(X, dt, self._rng)
            if checkpoint is not None:  # the pretrained stack is not lost to an interruption
                self._save_checkpoint(checkpoint)
        self.n_features_in_ = X.shape[1]
        self.stop_reason_ = None
        return self._train(X, dt, checkpoint)

    def partial_fit(self, X, y=None):
        """One joint-training update on the batch X (the first call initialises the model
        without pretraining).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_visible)
            Data in [0, 1].
        y : None
            Ignored (scikit-learn's signature).

        Returns
        -------
        DBM
            ``self``.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_chains=20, random_state=0)
        >>> for batch in np.array_split(X, 4):
        ...     _ = dbm.partial_fit(batch)
        >>> [w.shape for w in dbm.weights_]
        [(12, 6), (6, 4)]
        """
        dt = self._check_params()
        X = self._validate(X)
        if not hasattr(self, "weights_"):
            self._rng = check_random_state(self.random_state)
            pre, self.pretrain_iter = self.pretrain_iter, 0
            try:
                self._initialize(X, dt, self._rng)
            finally:
                self.pretrain_iter = pre
            self.n_features_in_ = X.shape[1]
        stats = {"mf_iter": [], "mf_converged": []}
        trainer = self._trainer(X)
        if trainer is None:
            self._update(X.astype(dt), self.learning_rate, stats)
        else:
            trainer.update(self._settings(), self.learning_rate)
            trainer.sync()
        return self

    def _snapshot(self):
        return (
            [w.copy() for w in self.weights_],
            [b.copy() for b in self.biases_],
            [o.copy() for o in self.offsets_],
            [v.copy() for v in self._velocity],
            [c.copy() for c in self.chains_],
            self._streams.copy(),
        )

    def _restore(self, snap):
        self.weights_, self.biases_, self.offsets_, self._velocity, self.chains_, s = snap
        self._streams = s

    def _settings(self):
        names = ("k", "momentum", "weight_decay", "centering", "offset_rate", "max_iter",
                 "tol", "damping")  # fmt: skip
        return {k: getattr(self, k) for k in names}

    def _trainer(self, X):
        """The device trainer (:class:`pgm_ebm.cuda.dbm.DBMTrainer`) when training runs on
        the GPU, else None."""
        if self.__dict__.get("_train_device", "cpu") != "cuda":
            return None
        from pgm_ebm.cuda.dbm import DBMTrainer

        state = {
            "weights": self.weights_,
            "biases": self.biases_,
            "offsets": self.offsets_,
            "velocity": self._velocity,
            "chains": self.chains_,
            "streams": self._streams,
        }
        return DBMTrainer(state, X)

    def _train(self, X, dt, checkpoint):
        from tqdm.auto import tqdm

        n = len(X)
        check_memory(32.0 * self.batch_size * sum(self.sizes), "joint training", "batch_size")
        Xd = X.astype(dt)
        trainer = self._trainer(Xd) if self.n_iter_ < self.n_iter else None
        settings = self._settings()
        bar = tqdm(total=self.n_iter, initial=self.n_iter_, disable=not self.progress, desc="DBM")
        work = Scratch()  # kept across the batches
        try:
            while self.n_iter_ < self.n_iter:
                epoch = self.n_iter_
                snap = self._snapshot()
                t0 = time.perf_counter()
                lr = self._lr_at(epoch)
                order = self._rng.permutation(n)
                stats = {"mf_iter": [], "mf_converged": []}
                try:  # overflow is caught below as a divergence, not warned batch by batch
                    with np.errstate(over="ignore", invalid="ignore"):
                        for s in range(0, n, self.batch_size):
                            if trainer is None:
                                idx = order[s : s + self.batch_size]
                                V = work.get("batch", (len(idx), Xd.shape[1]), Xd.dtype)
                                # a permutation's rows are in range; "clip" spares the
                                # buffered copy that take makes into `out` by default
                                np.take(Xd, idx, axis=0, out=V, mode="clip")
                                self._update(V, lr, stats, work)
                                continue
                            it, ok = trainer.update(settings, lr, order[s : s + self.batch_size])
                            stats["mf_iter"].append(it)
                            stats["mf_converged"].append(ok)
                        if trainer is not None:
                            trainer.sync()
                except KeyboardInterrupt:
                    self._restore(snap)
                    self.stop_reason_ = "interrupted"
                    warnings.warn(
                        f"training interrupted in epoch {epoch + 1}; kept the parameters of "
                        f"epoch {epoch}", TrainingStopped, stacklevel=2,
                    )  # fmt: skip
                    break
                if not all(np.all(np.isfinite(a)) for a in self.weights_ + self.biases_):
                    self._restore(snap)
                    self.stop_reason_ = "diverged"
                    warnings.warn(
                        f"training diverged in epoch {epoch + 1} (non-finite parameters); "
                        f"kept the parameters of epoch {epoch}; lower learning_rate",
                        TrainingStopped, stacklevel=2,
                    )  # fmt: skip
                    break
                self.n_iter_ += 1
                self.history_.append(
                    {
                        "epoch": self.n_iter_,
                        "learning_rate": lr,
                        "mf_iter_mean": float(np.mean(stats["mf_iter"])),
                        "mf_iter_max": int(np.max(stats["mf_iter"])),
                        "mf_converged": float(np.mean(stats["mf_converged"])),
                        "weight_norm": float(
                            math.sqrt(
                                sum(float((w.astype(np.float64) ** 2).sum()) for w in self.weights_)
                            )
                        ),  # fmt: skip
                        "seconds": time.perf_counter() - t0,
                    }
                )
                bar.update(1)
                if checkpoint is not None:
                    self._save_checkpoint(checkpoint)
        finally:
            bar.close()
        mu = self._mean_field(Xd[: min(n, 2000)])
        self._set_base_rates([X.mean(axis=0)] + [m.mean(axis=0) for m in mu])
        return self

    # ------------------------------------------------------------------ persistence
    def _state_arrays(self):
        out = {}
        for name in ("weights_", "biases_", "offsets_", "chains_", "base_rate_logit_"):
            for i, a in enumerate(getattr(self, name)):
                out[f"{name}{i}"] = a
        return out

    def _meta(self):
        params = self.get_params()
        params["layer_sizes"] = self.sizes
        if not isinstance(params["random_state"], (int, type(None))):
            params["random_state"] = None
        return {
            "format_version": FORMAT_VERSION,
            "class": type(self).__name__,
            "params": params,
            "n_iter_": int(getattr(self, "n_iter_", 0)),
            "history_": getattr(self, "history_", []),
        }

    def save(self, path) -> Path:
        """Save the fitted model to ``.npz``: arrays and JSON metadata, no pickle, written
        atomically (an interrupted save leaves the previous file intact).

        Parameters
        ----------
        path : str or pathlib.Path
            Where to write; a missing ``.npz`` suffix is appended.

        Returns
        -------
        pathlib.Path
            The path written.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> path = dbm.save(os.path.join(tempfile.mkdtemp(), "dbm"))
        >>> path.name
        'dbm.npz'
        """
        check_is_fitted(self)
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(path.suffix + ".npz")
        write_npz_atomic(path, meta=np.array(json.dumps(self._meta())), **self._state_arrays())
        return path

    @classmethod
    def load(cls, path) -> DBM:
        """Load a model written by :meth:`save`; every entry is checked before use and nothing
        in the file is executed.

        Parameters
        ----------
        path : str or pathlib.Path
            A file written by :meth:`save` (or a training checkpoint).

        Returns
        -------
        DBM
            The fitted model.

        Raises
        ------
        pgm_ebm.io.ModelFileError
            (a ``ValueError``) naming the file and what is wrong with it.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
        >>> dbm = DBM([12, 6, 4], n_iter=3, pretrain_iter=2, random_state=0).fit(X)
        >>> path = dbm.save(os.path.join(tempfile.mkdtemp(), "dbm.npz"))
        >>> loaded = DBM.load(path)
        >>> loaded.sizes, bool(np.array_equal(loaded.weights_[1], dbm.weights_[1]))
        ([12, 6, 4], True)
        """
        path = Path(path)
        arrays = read_npz(path)
        meta = read_model_meta(path, arrays, cls.__name__, FORMAT_VERSION)
        model = cls(**params_from_meta(path, meta, cls, _check))
        model._set_state(path, arrays, meta)
        return model

    def _set_state(self, path, arrays, meta, n_chains=None):
        dt = np.dtype(self.dtype)
        sizes = self.sizes
        L = len(sizes) - 1
        st = {
            "weights_": [
                require_array(path, arrays, f"weights_{i}", (sizes[i], sizes[i + 1]), dt)
                for i in range(L)
            ],
            "biases_": [
                require_array(path, arrays, f"biases_{i}", (s,), dt) for i, s in enumerate(sizes)
            ],  # fmt: skip
            "offsets_": [
                require_array(path, arrays, f"offsets_{i}", (s,), dt, values=(0.0, 1.0))
                for i, s in enumerate(sizes)
            ],
            "chains_": [
                require_array(path, arrays, f"chains_{i}", (n_chains, s), dt, values=(0.0, 1.0))
                for i, s in enumerate(sizes)
            ],
            "base_rate_logit_": [
                require_array(path, arrays, f"base_rate_logit_{i}", (s,), np.float64)
                for i, s in enumerate(sizes)
            ],
        }
        n = {len(c) for c in st["chains_"]}
        if len(n) != 1 or 0 in n:
            raise ModelFileError(f"{path}: the chains' layers hold different numbers of chains")
        history = meta.get("history_", [])
        if not isinstance(history, list) or not all(
            isinstance(h, dict)
            and all(isinstance(v, (int, float, str, type(None))) for v in h.values())
            for h in history
        ):
            raise ModelFileError(f"{path}: history_ must be a list of metric dicts")
        n_iter_ = meta_int(path, meta, "n_iter_", 0)
        for k, v in st.items():
            setattr(self, k, v)
        self.history_ = history
        self.n_iter_ = n_iter_
        self.n_features_in_ = sizes[0]
        self.stop_reason_ = None

    def _save_checkpoint(self, path):
        extra = {f"velocity_{i}": v for i, v in enumerate(self._velocity)}
        extra["streams"] = self._streams
        meta = self._meta()
        meta["rng_state"] = self._rng.bit_generator.state
        meta["rng_class"] = type(self._rng.bit_generator).__name__
        write_npz_atomic(path, meta=np.array(json.dumps(meta)), **self._state_arrays(), **extra)

    @classmethod
    def checkpoint_params(cls, path) -> dict:
        """The estimator parameters a checkpoint (or saved model) was written with, checked like
        :meth:`load`: to rebuild the estimator that resumes it.

        Parameters
        ----------
        path : str or pathlib.Path
            A checkpoint written by :meth:`fit` (or a file written by :meth:`save`).

        Returns
        -------
        dict
            ``get_params()`` of the estimator that wrote it.

        Raises
        ------
        pgm_ebm.io.ModelFileError
            (a ``ValueError``) if the file is not a valid model file.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from pgm_ebm import DBM
        >>> X = (np.random.default_rng(0).random((100, 12)) < 0.3).astype(float)
        >>> ckpt = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
        >>> dbm = DBM([12, 6, 4], n_iter=1, pretrain_iter=1, k=2, random_state=0)
        >>> _ = dbm.fit(X, checkpoint=ckpt)
        >>> params = DBM.checkpoint_params(ckpt)
        >>> params["layer_sizes"], params["k"]
        ([12, 6, 4], 2)
        """
        path = Path(path)
        meta = read_model_meta(path, read_npz(path), cls.__name__, FORMAT_VERSION)
        return params_from_meta(path, meta, cls, _check)

    def _load_checkpoint(self, path, n_features):
        path = Path(path)
        arrays = read_npz(path)
        meta = read_model_meta(path, arrays, type(self).__name__, FORMAT_VERSION)
        saved = params_from_meta(path, meta, type(self), _check)
        mine = self._meta()["params"]
        same = ("progress", "n_iter", "device")  # where a run continues is not the model
        diff = {k for k in mine if k not in same and saved.get(k) != mine[k]}
        if diff:
            raise ValueError(
                f"{path}: checkpoint was written with other parameters: "
                + ", ".join(f"{k}={saved.get(k)!r} (now {mine[k]!r})" for k in sorted(diff))
            )
        if n_features != self.sizes[0]:
            raise ValueError(f"{path}: X has {n_features} features, the model {self.sizes[0]}")
        dt = np.dtype(self.dtype)
        L = len(self.sizes) - 1
        shapes = [w.shape for w in (np.empty((self.sizes[i], self.sizes[i + 1]))
                                    for i in range(L))] + [(s,) for s in self.sizes]  # fmt: skip
        velocity = [
            require_array(path, arrays, f"velocity_{i}", shp, dt) for i, shp in enumerate(shapes)
        ]
        streams = require_array(path, arrays, "streams", (self.n_chains, 2), np.uint64,
                                finite=False)  # fmt: skip
        rng = rng_from_meta(path, meta)
        self._set_state(path, arrays, meta, n_chains=self.n_chains)
        if self.n_iter_ > self.n_iter:
            raise ModelFileError(
                f"{path}: n_iter_={self.n_iter_} epochs done exceeds n_iter={self.n_iter}"
            )
        self._velocity = velocity
        self._streams = np.ascontiguousarray(streams)
        self._rng = rng


def _check(model):
    model._check_params()
