"""Bernoulli-Bernoulli restricted Boltzmann machine.

Energy ``E(v, h) = -h.W.v - b.v - c.h`` with ``W = components_`` of shape
``(n_components, n_features)``, ``b = intercept_visible_`` and
``c = intercept_hidden_``.  The free energy of a visible vector is
``F(v) = -b.v - sum_i softplus(c_i + W_i.v)`` and ``p(v) = exp(-F(v)) / Z``.

Training uses contrastive divergence (CD-k) or persistent CD (PCD-k) on the
block-Gibbs kernels of :mod:`pgm_ebm.kernels.block_gibbs`: the matrix
products go through BLAS, the sigmoid and Bernoulli draws are fused in a
parallel Numba loop with one random stream per chain.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from pgm_ebm._blas import gemm
from pgm_ebm._device import resolve_device
from pgm_ebm._rng import check_random_state, seed_streams
from pgm_ebm._scratch import Scratch
from pgm_ebm._threads import numba_threads
from pgm_ebm._validation import (
    check_choice,
    check_dtype,
    check_memory,
    check_positive_int,
    check_real,
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
from pgm_ebm.kernels.block_gibbs import _add_bias_sigmoid, _apply_velocity, _sample_bernoulli
from pgm_ebm.kernels.checks import _count_outside
from pgm_ebm.kernels.enumerate import _rbm_pseudo_loglik
from pgm_ebm.partition.exact import rbm_log_partition_exact
from pgm_ebm.partition.result import LogZResult
from pgm_ebm.samplers.registry import get_sampler

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
_SCHEDULES = ("constant", "linear", "inverse")


class TrainingStopped(UserWarning):
    """Training stopped early (interrupted, diverged); the last good parameters were kept."""


def _softplus(x):
    return np.logaddexp(0.0, x)


class BernoulliRBM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Bernoulli restricted Boltzmann machine trained by CD-k or PCD-k.

    A drop-in replacement for :class:`sklearn.neural_network.BernoulliRBM`
    (same parameter, attribute and method names where they mean the same),
    with compiled block-Gibbs kernels and what its users asked for: CD-k and
    PCD-k, momentum, weight decay, a learning-rate schedule, visible biases
    initialised from the data's base rates, shuffled mini-batches, sampling,
    free energies, exact pseudo-log-likelihoods, exact log-likelihoods for
    small models, checkpoints and resumable training.

    Parameters
    ----------
    n_components : int, default 256
        Number of hidden units.
    learning_rate : float, default 0.1
        Step size of the gradient ascent on the log-likelihood.
    batch_size : int, default 10
        Examples per mini-batch.
    n_iter : int, default 10
        Number of epochs (passes over the training data).
    verbose : int, default 0
        0: silent.  1: a progress bar per epoch (batch, reconstruction error,
        ETA) and one log line per epoch.
    random_state : None, int or numpy.random.Generator
        Seeds initialisation, shuffling and every chain's stream.  ``fit``
        reseeds; ``partial_fit``, ``gibbs`` and ``sample`` continue the stream.
    method : {"pcd", "cd"}, default "pcd"
        Persistent contrastive divergence (scikit-learn's algorithm) or CD.
    k : int, default 1
        Gibbs steps per update.
    n_chains : int or None, default None
        Persistent chains for PCD; ``None`` means ``batch_size`` (at most the number of
        samples).
    momentum : float in [0, 1), default 0.0
        Classical momentum on the parameter updates.
    weight_decay : float >= 0, default 0.0
        L2 penalty on the weights (not the biases).
    lr_schedule : {"constant", "linear", "inverse"} or callable, default "constant"
        ``"linear"`` decays to 0 over ``n_iter`` epochs, ``"inverse"`` is
        ``lr / (1 + epoch)``; a callable gets ``(epoch, n_iter)`` and returns
        the factor applied to ``learning_rate``.
    visible_init : {"base_rate", "zero"}, default "base_rate"
        ``"base_rate"`` sets ``b_j = log(p_j / (1 - p_j))`` from the training
        data (Hinton's practical guide); ``"zero"`` is scikit-learn's choice.
    shuffle : bool, default True
        Shuffle the examples at each epoch.
    dtype : {"float32", "float64"}, default "float32"
        Precision of the parameters and of the training loop.
    device : {"cpu", "cuda", "auto"}, default "cpu"
        Where :meth:`fit` and :meth:`partial_fit` run: ``"cuda"`` trains on an NVIDIA GPU
        (:mod:`pgm_ebm.cuda.rbm`: the data, parameters and chains stay on the device, the
        products go through cuBLAS when CuPy is installed; the same draws as the CPU and the
        same parameters to rounding), raising :class:`~pgm_ebm.CUDAUnavailableError` without
        one; ``"auto"`` takes a usable GPU and otherwise the CPU. Sampling, AIS and scoring
        run on the CPU.
    centering : bool, default False
        Train the centered RBM (Melchior, Fischer & Wiskott 2016): each layer's states
        enter the energy minus an offset tracked as a running mean (``offset_visible_``,
        ``offset_hidden_``). The fitted ``components_`` and intercepts are always those
        of the equivalent uncentered model, so every other method works on them.
    offset_rate : float in (0, 1], default 0.01
        Step of the offsets' running means (with ``centering``).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
    intercept_hidden_ : ndarray of shape (n_components,)
    intercept_visible_ : ndarray of shape (n_features,)
    h_samples_ : ndarray of shape (n_chains, n_components)
        Hidden states of the persistent chains.
    n_features_in_ : int
    n_iter_ : int
        Epochs completed.
    history_ : list of dict
        Per-epoch metrics (epoch, reconstruction_error, learning_rate, seconds).
    stop_reason_ : str or None
        ``None`` when all epochs ran; else ``"interrupted"``, ``"diverged"``
        or ``"callback"``.

    Notes
    -----
    Unlike scikit-learn's, :meth:`score_samples` returns the log-likelihood
    ``log p(x)`` (with log Z computed exactly when the smaller layer has at
    most 25 units), not a pseudo-likelihood; the pseudo-log-likelihood is
    :meth:`pseudo_log_likelihood`.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import BernoulliRBM
    >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
    >>> rbm = BernoulliRBM(n_components=4, n_iter=2, random_state=0).fit(X)
    >>> rbm.transform(X).shape
    (100, 4)
    """

    #: the samplers of the registry that move it (:mod:`pgm_ebm.samplers`)
    sampler_kind = "rbm"

    def __init__(
        self,
        n_components: int = 256,
        *,
        learning_rate: float = 0.1,
        batch_size: int = 10,
        n_iter: int = 10,
        verbose: int = 0,
        random_state=None,
        method: str = "pcd",
        k: int = 1,
        n_chains: int | None = None,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        lr_schedule: str | Callable = "constant",
        visible_init: str = "base_rate",
        shuffle: bool = True,
        dtype: str = "float32",
        device: str = "cpu",
        centering: bool = False,
        offset_rate: float = 0.01,
    ):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.verbose = verbose
        self.random_state = random_state
        self.method = method
        self.k = k
        self.n_chains = n_chains
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.visible_init = visible_init
        self.shuffle = shuffle
        self.dtype = dtype
        self.device = device
        self.centering = centering
        self.offset_rate = offset_rate

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        check_positive_int(self.n_components, "n_components")
        check_real(self.learning_rate, "learning_rate", low=0.0, low_open=True)
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.n_iter, "n_iter", minimum=0)
        check_choice(self.method, "method", ("pcd", "cd"))
        check_positive_int(self.k, "k")
        if self.n_chains is not None:
            check_positive_int(self.n_chains, "n_chains")
        check_real(self.momentum, "momentum", low=0.0, high=1.0, high_open=True)
        check_real(self.weight_decay, "weight_decay", low=0.0)
        if not callable(self.lr_schedule):
            check_choice(self.lr_schedule, "lr_schedule", _SCHEDULES)
        check_choice(self.visible_init, "visible_init", ("base_rate", "zero"))
        check_choice(self.device, "device", ("cpu", "cuda", "auto"))
        if not isinstance(self.centering, (bool, np.bool_)):
            raise ValueError(f"centering must be True or False, got {self.centering!r}")
        check_real(self.offset_rate, "offset_rate", 0.0, 1.0, low_open=True)
        self._train_device = resolve_device(self.device, "BernoulliRBM.fit")
        return check_dtype(self.dtype)

    def _validate(
        self, X, *, reset: bool, binary: bool = False, name: str = "X", input_dtype=False
    ):
        """Validate X (never modified) and return it as a C-contiguous float array (and,
        with ``input_dtype``, X's float dtype: float64 for integer input)."""
        dt = check_dtype(self.dtype)
        X = validate_data(
            self,
            X,
            reset=reset,
            accept_sparse=("csr", "csc", "coo"),
            dtype=(np.float64, np.float32),
        )
        if hasattr(X, "toarray"):
            X = X.toarray()
        in_dtype = X.dtype
        X = self._check_range(X, name, binary)
        X = np.ascontiguousarray(X, dtype=dt)
        return (X, in_dtype) if input_dtype else X

    def _check_range(self, X, name, binary):
        check_unit_interval(X, name=name, binary=binary)
        return X

    # ------------------------------------------------------------------ basics
    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def _params(self):
        return self.components_, self.intercept_visible_, self.intercept_hidden_

    def _conditional(self, A, up):
        """``p(h = 1 | v)`` (``up``) or ``p(v = 1 | h)`` of the rows of A (one row if 1-D),
        computed in the model's dtype and returned in A's float dtype (float64 for other
        input), as scikit-learn's private helpers do."""
        A = np.asarray(A)
        out_dtype = A.dtype if A.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        W, b, c = self._params()
        A2 = np.ascontiguousarray(np.atleast_2d(A), dtype=W.dtype)
        P = A2 @ W.T if up else A2 @ W
        _add_bias_sigmoid(P, c if up else b)
        P = P.reshape(A.shape[:-1] + P.shape[-1:]) if A.ndim == 1 else P
        return P.astype(out_dtype, copy=False)

    def _mean_hiddens(self, V):
        """``p(h = 1 | v)`` (scikit-learn's name)."""
        return self._conditional(V, True)

    def _mean_visibles(self, H):
        """``p(v = 1 | h)`` (scikit-learn's name)."""
        return self._conditional(H, False)

    def persistent_chain_probabilities(self):
        """``p(v = 1 | h)`` of each persistent chain's hidden state (``h_samples_``): what the PCD
        chains currently look like, as images.

        Returns
        -------
        ndarray of shape (n_chains, n_features)
            In the model's ``dtype``.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> rbm = BernoulliRBM(n_components=4, n_iter=5, random_state=0).fit(X)
        >>> rbm.persistent_chain_probabilities().shape  # n_chains defaults to batch_size
        (10, 16)
        """
        check_is_fitted(self)
        return self._mean_visibles(self.h_samples_.astype(self.components_.dtype))

    def _sample_hiddens(self, v, rng):
        """Bernoulli draws of h given v with a NumPy generator (scikit-learn's helper; the
        training and sampling loops use the compiled per-chain streams instead)."""
        p = self._mean_hiddens(v)
        return rng.uniform(size=p.shape) < p

    def _sample_visibles(self, h, rng):
        """Bernoulli draws of v given h with a NumPy generator (scikit-learn's helper)."""
        p = self._mean_visibles(h)
        return rng.uniform(size=p.shape) < p

    def _free_energy(self, v):
        """scikit-learn's name for :meth:`free_energy`."""
        return self.free_energy(np.atleast_2d(v))

    def transform(self, X):
        """Hidden-unit activation probabilities ``p(h = 1 | v)``: the RBM's features.

        Computed in the model's ``dtype`` and returned in X's float dtype (float64 for integer
        input), as scikit-learn's ``BernoulliRBM`` does.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Binary data or probabilities in [0, 1].

        Returns
        -------
        ndarray of shape (n_samples, n_components)
            ``sigmoid(X @ components_.T + intercept_hidden_)``.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> rbm = BernoulliRBM(n_components=4, n_iter=5, random_state=0).fit(X)
        >>> H = rbm.transform(X)
        >>> H.shape, H.dtype, bool(((H > 0) & (H < 1)).all())
        ((100, 4), dtype('float64'), True)
        """
        check_is_fitted(self)
        V, in_dtype = self._validate(X, reset=False, input_dtype=True)
        return self._mean_hiddens(V).astype(in_dtype, copy=False)

    def free_energy(self, X) -> np.ndarray:
        """Free energy ``F(v) = -b.v - sum_i softplus(c_i + W_i.v)`` of each row, in float64.

        ``p(v) = exp(-F(v)) / Z``: the hidden units summed out.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Binary data or probabilities in [0, 1].

        Returns
        -------
        ndarray of shape (n_samples,)
            The free energies.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> rbm = BernoulliRBM(n_components=4, n_iter=5, random_state=0).fit(X)
        >>> F = rbm.free_energy(X[:2])
        >>> bool(np.allclose(-F - rbm.log_partition().log_z, rbm.score_samples(X[:2])))
        True
        """
        check_is_fitted(self)
        V = self._validate(X, reset=False).astype(np.float64)
        W, b, c = (a.astype(np.float64) for a in self._params())
        return -(V @ b) - _softplus(V @ W.T + c).sum(axis=1)

    def reconstruction_error(self, X) -> float:
        """Mean squared error per pixel of the mean-field reconstruction ``E[v | E[h | x]]``.

        A cheap training monitor, not a likelihood: it can fall while the likelihood gets worse.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Binary data or probabilities in [0, 1].

        Returns
        -------
        float
            The mean over rows and pixels.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> rbm = BernoulliRBM(n_components=4, n_iter=5, random_state=0).fit(X)
        >>> bool(0 < rbm.reconstruction_error(X) < 0.25)
        True
        """
        check_is_fitted(self)
        V = self._validate(X, reset=False)
        R = self._mean_visibles(self._mean_hiddens(V))
        return float(np.mean((V.astype(np.float64) - R) ** 2))

    def pseudo_log_likelihood(self, X) -> np.ndarray:
        """Exact pseudo-log-likelihood ``sum_j log p(x_j | x_-j)`` of each row.

        Summed over all sites (not scikit-learn's one random site), so it is on the scale of a
        per-sample log-likelihood in nats, which it is not: it is never a likelihood and can be
        far from log p(x) either way.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Binary data.

        Returns
        -------
        ndarray of shape (n_samples,)
            The pseudo-log-likelihoods, in nats.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> rbm = BernoulliRBM(n_components=4, n_iter=5, random_state=0).fit(X)
        >>> rbm.pseudo_log_likelihood(X[:2]).shape
        (2,)
        """
        check_is_fitted(self)
        V = self._validate(X, reset=False, binary=True).astype(np.float64)
        W, b, c = (a.astype(np.float64) for a in self._params())
        pre = V @ W.T + c
        out = np.empty(len(V))
        _rbm_pseudo_loglik(V, pre, np.ascontiguousarray(W.T), b, out)
        return out

    # ------------------------------------------------------------------ log Z
    def _param_key(self) -> str:
        h = hashlib.blake2b(digest_size=16)
        for a in self._params():
            h.update(np.ascontiguousarray(a).tobytes())
            h.update(str(a.shape).encode())
        return h.hexdigest()

    def log_partition(
        self,
        method: str = "auto",
        *,
        n_chains: int = 100,
        schedule=None,
        random_state=None,
        client=None,
        scheduler: str | None = None,
        device: str = "cpu",
    ) -> LogZResult:
        """log Z of the current parameters, with how it was obtained.

        Parameters
        ----------
        method : {"auto", "exact", "exact-enumeration", "ais"}
            ``"exact"`` (or ``"exact-enumeration"``, the name results report) enumerates
            the smaller layer (at most 25 units) and sums the other analytically; ``"ais"``
            runs annealed importance sampling (:func:`pgm_ebm.partition.ais.rbm_ais`) from
            the data's base-rate model (``base_rate_logit_``) with ``n_chains`` chains and
            the Salakhutdinov-Murray schedule of 14,500 temperatures unless ``schedule`` is
            given, and collapsed sweeps over the hidden units at every 5th temperature when
            there are at most 64 of them (on the 784 x 20 MNIST recipe model: within 0.1
            nats of exact for each of 30 seeds, about 6 s); ``"auto"`` is exact when it can
            be, else AIS.
        random_state : None, int or numpy.random.Generator
            Seed of the AIS chains; None: the estimator's ``random_state`` (as scikit-learn
            estimators do), so a model fitted with a seed gets the same AIS estimate in
            every run.  Within a process repeated calls return the cached result.
        n_chains : int
            AIS chains (importance weights).
        schedule : array_like, optional
            AIS inverse temperatures from 0 to 1; default the Salakhutdinov-Murray
            schedule.
        client : distributed.Client, optional
            Run the AIS chains as tasks on a Dask cluster (see :mod:`pgm_ebm.distributed`):
            the same estimate bit for bit, so it shares the cache with the single-process
            one.
        scheduler : str, optional
            Instead of ``client``: ``"local[:N]"`` or ``"tcp://HOST:PORT"``.
        device : {"cpu", "cuda", "auto"}, default "cpu"
            Where AIS runs (see :func:`pgm_ebm.partition.ais.rbm_ais`: on the GPU without
            the collapsed sweeps); exact enumeration runs on the CPU.

        Returns
        -------
        LogZResult
            Exact, or an estimate with its 95% interval and effective sample size.

        Raises
        ------
        ValueError
            If ``method`` is unknown, ``"exact"`` is asked of a model whose layers both
            exceed 25 units, or an AIS setting is invalid.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> rbm = BernoulliRBM(n_components=4, n_iter=5, random_state=0).fit(X)
        >>> exact = rbm.log_partition("exact")
        >>> est = rbm.log_partition("ais", n_chains=100, schedule=np.linspace(0, 1, 2000))
        >>> exact.method, est.method, bool(abs(est.log_z - exact.log_z) < 0.05)
        ('exact-enumeration', 'ais', True)

        Notes
        -----
        Results are cached on a hash of the parameters and the settings, so assigning new
        values to ``components_`` or the intercepts never returns a stale log Z.
        """
        check_is_fitted(self)
        check_choice(method, "method", ("auto", "exact", "exact-enumeration", "ais"))
        if random_state is None:
            random_state = self.random_state
        if method == "auto":
            method = "exact" if min(self.components_.shape) <= 25 else "ais"
        if method == "exact-enumeration":
            method = "exact"
        key = (
            self._param_key(),
            method,
            n_chains,
            None
            if schedule is None
            else hashlib.blake2b(np.asarray(schedule, np.float64).tobytes()).hexdigest(),
            random_state if isinstance(random_state, (int, type(None))) else id(random_state),
            device,
        )
        cache = self.__dict__.setdefault("_logz_cache", {})
        if key not in cache:
            W, b, c = self._params()
            if method == "exact":
                try:
                    res = rbm_log_partition_exact(W, b, c, max_units=25)
                except ValueError as exc:
                    raise ValueError(f"{exc}; use method='ais'") from None
            else:
                from pgm_ebm.partition.ais import rbm_ais

                base = getattr(self, "base_rate_logit_", None)
                res = rbm_ais(
                    W,
                    b,
                    c,
                    n_chains=n_chains,
                    schedule=schedule,
                    base_bias=base,
                    random_state=random_state,
                    progress=bool(self.verbose),
                    client=client,
                    scheduler=scheduler,
                    device=device,
                )
            cache.clear()
            cache[key] = res
        return cache[key]

    def score_samples(self, X, *, return_log_partition: bool = False):
        """Log-likelihood ``log p(x) = -F(x) - log Z`` of each row of binary X.

        log Z is exact (enumeration) when the smaller layer has at most 25
        units, and estimated by annealed importance sampling otherwise (then the
        log-likelihood carries the estimate's error: see its interval).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Binary data.
        return_log_partition : bool
            Also return the :class:`LogZResult` used, so the number says how it was
            obtained.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
            ``log p(x)`` in nats.
        log_partition : LogZResult
            Only with ``return_log_partition=True``.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> rbm = BernoulliRBM(n_components=4, n_iter=5, random_state=0).fit(X)
        >>> ll, logz = rbm.score_samples(X[:3], return_log_partition=True)
        >>> ll.shape, logz.method
        ((3,), 'exact-enumeration')
        """
        check_is_fitted(self)
        self._validate(X, reset=False, binary=True)
        logz = self.log_partition("auto")
        logger.info("score_samples: %s", logz)
        ll = -self.free_energy(X) - logz.log_z
        return (ll, logz) if return_log_partition else ll

    def log_likelihood_gradient(self, X, *, max_units: int = 20) -> dict:
        """The exact gradient of the mean log-likelihood of the rows of binary X.

        The data moments minus the model moments, ``<v h>_data - <v h>_model`` and the same
        for each layer's mean, with the model moments computed exactly by enumerating the
        smaller layer (the other summed out analytically), in float64: the reference that
        CD-k and PCD estimate (tutorial 3 plots their bias and variance against it).

        Parameters
        ----------
        X : array of shape (n_samples, n_features)
            Binary data.
        max_units : int, default 20
            Refuse to enumerate a layer larger than this (``2**max_units`` states).

        Returns
        -------
        dict
            ``"components_"`` (n_components, n_features), ``"intercept_visible_"``
            (n_features,) and ``"intercept_hidden_"`` (n_components,): the gradient with
            respect to each fitted attribute of that name.

        Raises
        ------
        ValueError
            When both layers have more than ``max_units`` units.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((50, 6)) < 0.5).astype(float)
        >>> rbm = BernoulliRBM(n_components=3, n_iter=2, random_state=0).fit(X)
        >>> g = rbm.log_likelihood_gradient(X)
        >>> g["components_"].shape, g["intercept_visible_"].shape
        ((3, 6), (6,))
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False, binary=True)
        max_units = check_positive_int(max_units, "max_units")
        W, b, c = (np.asarray(a, np.float64) for a in self._params())
        n_h, n_v = W.shape
        if min(n_h, n_v) > max_units:
            raise ValueError(f"the exact gradient enumerates the smaller layer: 2**{min(n_h, n_v)}"
                             f" states, more than max_units={max_units} allows")  # fmt: skip
        from scipy.special import expit

        Xf = np.asarray(X, np.float64)
        ph = expit(Xf @ W.T + c)
        data_W, data_b, data_c = ph.T @ Xf / len(Xf), Xf.mean(0), ph.mean(0)
        hidden_side = n_h <= n_v  # enumerate the hidden layer, sum the visible one out
        n_enum = n_h if hidden_side else n_v
        n_states, chunk = 1 << n_enum, 1 << min(n_enum, 12)
        shifts = np.arange(n_enum - 1, -1, -1)
        # one pass over the states in chunks, the moments weighted by exp(log p*(s) - top)
        # with the running maximum ``top`` (the sums rescaled when it grows)
        top, total = -np.inf, 0.0
        mW, mb, mc = np.zeros_like(W), np.zeros(n_v), np.zeros(n_h)
        for start in range(0, n_states, chunk):
            k = np.arange(start, min(start + chunk, n_states))
            S = ((k[:, None] >> shifts) & 1).astype(np.float64)
            if hidden_side:  # log p*(h) = c.h + sum_i softplus(b_i + (h W)_i)
                A = S @ W + b
                logs = S @ c + _softplus(A).sum(1)
            else:
                A = S @ W.T + c
                logs = S @ b + _softplus(A).sum(1)
            new_top = max(top, logs.max())
            scale = np.exp(top - new_top)
            top = new_top
            w = np.exp(logs - top)
            total = total * scale + w.sum()
            mW *= scale
            mb *= scale
            mc *= scale
            cond = expit(A)  # E[v | h] or E[h | v]
            if hidden_side:
                mW += (S * w[:, None]).T @ cond
                mb += w @ cond
                mc += w @ S
            else:
                mW += (cond * w[:, None]).T @ S
                mb += w @ S
                mc += w @ cond
        mW, mb, mc = mW / total, mb / total, mc / total
        return {
            "components_": data_W - mW,
            "intercept_visible_": data_b - mb,
            "intercept_hidden_": data_c - mc,
        }

    def score(self, X, y=None) -> float:
        """Mean log-likelihood of binary X in nats (see :meth:`score_samples` for how log Z is
        obtained).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Binary data.
        y : None
            Ignored (scikit-learn's signature).

        Returns
        -------
        float
            ``mean log p(x)``.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> rbm = BernoulliRBM(n_components=4, n_iter=5, random_state=0).fit(X)
        >>> bool(np.isclose(rbm.score(X), rbm.score_samples(X).mean()))
        True
        """
        return float(np.mean(self.score_samples(X)))

    # ------------------------------------------------------------------ sampling
    def _stream_rng(self):
        """The estimator's own generator (from ``random_state``), kept across calls."""
        rng = self.__dict__.get("_rng")
        if rng is None:
            rng = self._rng = check_random_state(self.random_state)
        return rng

    def _streams_for(self, n):
        return seed_streams(self._stream_rng(), n)

    def gibbs(self, v):
        """One block-Gibbs step ``v -> h -> v'`` of each row (continues the estimator's stream).

        Parameters
        ----------
        v : array_like of shape (n_samples, n_features)
            Visible states (binary or probabilities in [0, 1]).

        Returns
        -------
        ndarray of bool, shape (n_samples, n_features)
            The new visible states.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> rbm = BernoulliRBM(n_components=4, n_iter=5, random_state=0).fit(X)
        >>> rbm.gibbs(X[:2]).shape
        (2, 16)
        """
        check_is_fitted(self)
        V = self._validate(v, reset=False)
        W, b, c = self._params()
        streams = self._streams_for(len(V))
        H = V @ W.T
        Hs = np.empty_like(H)
        _sample_bernoulli(H, c, streams, Hs)
        Vn = Hs @ W
        Vs = np.empty_like(Vn)
        _sample_bernoulli(Vn, b, streams, Vs)
        return Vs.astype(bool)

    def sample(
        self,
        n_samples: int = 100,
        n_steps: int = 1000,
        *,
        init=None,
        return_probabilities: bool = False,
        random_state=None,
        device: str = "cpu",
    ):
        """Draw visible samples by running independent block-Gibbs chains.

        Parameters
        ----------
        n_samples : int
            Number of independent chains (one sample each).
        n_steps : int
            Block-Gibbs steps per chain.
        init : array of shape (n_samples, n_features), optional
            Starting visible states; default: independent Bernoulli draws with
            the visible biases' probabilities.
        return_probabilities : bool
            Also return ``p(v = 1 | h)`` of the last step (nicer to look at).
        random_state : None, int or numpy.random.Generator
            Overrides the estimator's stream for this call.
        device : {"cpu", "cuda", "auto"}, default "cpu"
            ``"cuda"``: the chains run on the GPU (the same draws as the CPU's; the
            products round differently in the last bits), only the result comes back.

        Returns
        -------
        samples : ndarray of uint8, shape (n_samples, n_features)
            The chains' last visible states.
        probabilities : ndarray of shape (n_samples, n_features)
            ``p(v = 1 | h)`` of the last step; only with ``return_probabilities=True``.

        Raises
        ------
        ValueError
            If ``n_samples`` or ``n_steps`` is not a positive integer, ``init`` has the
            wrong shape or values, or the chains would not fit in memory.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> rbm = BernoulliRBM(n_components=4, n_iter=5, random_state=0).fit(X)
        >>> samples, probs = rbm.sample(5, n_steps=100, return_probabilities=True,
        ...                             random_state=0)
        >>> samples.shape, samples.dtype, probs.shape
        ((5, 16), dtype('uint8'), (5, 16))
        """
        check_is_fitted(self)
        n_samples = check_positive_int(n_samples, "n_samples")
        n_steps = check_positive_int(n_steps, "n_steps")
        if init is None:
            init = "random"
        else:
            init = self._validate(init, reset=False, name="init")
            if len(init) != n_samples:
                raise ValueError(f"init must have n_samples={n_samples} rows, got {len(init)}")
        W = self.components_
        check_memory(
            n_samples * (16 + 2 * W.itemsize * (W.shape[0] + W.shape[1]) + W.shape[1]),
            f"sampling {n_samples} chains",
            "n_samples",
        )
        move = get_sampler("block-gibbs", self)
        if random_state is None:  # the estimator's own stream
            random_state = self._stream_rng()
        gpu = {} if device == "cpu" else {"device": device}  # only the built-in takes it
        state = move.init(self, n_samples, init=init, random_state=random_state, **gpu)
        ones = np.ones(n_samples)
        from tqdm.auto import trange

        for _ in trange(n_steps, desc="sampling", disable=not self.verbose, leave=False):
            move.step(self, state, ones)
        state.sync()
        out = state.spins.astype(np.uint8)
        return (out, state.work["Vp"].copy()) if return_probabilities else out

    # ------------------------------------------------------------------ training
    def _n_chains(self, n_samples):
        """Persistent chains: ``n_chains``, by default the batch size (a batch larger than
        the data set being the data set)."""
        return self.n_chains or min(self.batch_size, n_samples)

    def _n_streams(self, n_samples):
        """One stream per chain row a batch can use: data rows and chain rows."""
        return max(self._n_chains(n_samples), min(self.batch_size, n_samples))

    def _initialize(self, X, rng, dt):
        n_features = X.shape[1]
        n_chains = self._n_chains(len(X))
        bs = min(self.batch_size, len(X))
        width = n_features + self.n_components
        check_memory(
            dt.itemsize * (n_features * self.n_components * 3 + (bs + n_chains) * width * 3)
            + 16 * self._n_streams(len(X)),
            f"training ({self.n_components} hidden units, batches of {bs}, {n_chains} chains)",
            "n_components, batch_size or n_chains",
        )
        self.components_ = np.asarray(
            rng.normal(0.0, 0.01, size=(self.n_components, n_features)), dtype=dt
        )
        self.intercept_hidden_ = np.zeros(self.n_components, dtype=dt)
        p = np.clip(X.mean(axis=0, dtype=np.float64), 1e-3, 1 - 1e-3)
        self.base_rate_logit_ = np.log(p / (1 - p))  # the AIS base model (Salakhutdinov-Murray)
        if self.visible_init == "base_rate":
            self.intercept_visible_ = self.base_rate_logit_.astype(dt)
        else:
            self.intercept_visible_ = np.zeros(n_features, dtype=dt)
        self.h_samples_ = np.zeros((n_chains, self.n_components), dtype=dt)
        self._velocity = _zero_velocity(self)
        self._streams = seed_streams(rng, self._n_streams(len(X)))
        # centering offsets (Melchior et al. 2016): the data's mean visible activity and a
        # running mean of the hidden units' data-driven activity (0.5 at the start)
        self.offset_visible_ = (p if self.centering else np.zeros_like(p)).astype(dt)
        self.offset_hidden_ = np.full(self.n_components, 0.5 if self.centering else 0.0, dt)
        self.n_iter_ = 0
        self.history_ = []
        self.stop_reason_ = None

    def _lr_at(self, epoch: int) -> float:
        s = self.lr_schedule
        if callable(s):
            f = s(epoch, self.n_iter)
            if isinstance(f, bool) or not isinstance(f, (int, float, np.number)):
                raise ValueError(f"lr_schedule returned {f!r} at epoch {epoch}; expected a number")
            f = float(f)
            if not (math.isfinite(f) and f >= 0):
                raise ValueError(
                    f"lr_schedule returned the factor {f!r} at epoch {epoch}; it must be a "
                    "finite number >= 0 (the learning rate is learning_rate * factor)"
                )
        elif s == "linear":
            f = 1.0 - epoch / max(self.n_iter, 1)
        elif s == "inverse":
            f = 1.0 / (1.0 + epoch)
        else:
            f = 1.0
        return self.learning_rate * f

    def _update(self, X, lr, rows=None):
        """One CD-k / PCD-k update on the mini-batch ``X[rows]`` (all of X if rows is None).

        Four matrix products per batch for k = 1: three for the Gibbs chain and
        one of twice the depth that accumulates the weight gradient straight
        into the weights (or the velocity); everything else is fused.
        Works on the workspace's ``WT`` (the weights as (n_visible, n_hidden));
        ``components_`` is brought up to date by ``_Workspace.sync``.
        """
        ws = self._ws
        if ws.on_device:
            return ws.update(self, lr, rows)
        WT, b, c = ws.WT, self.intercept_visible_, self.intercept_hidden_
        n_vis, n_hid = WT.shape
        n = len(X) if rows is None else len(rows)
        cd = self.method == "cd"
        m = n if cd else len(self.h_samples_)
        streams = self._streams
        # data rows then chain rows, so that one GEMM gives the whole gradient
        Vcat, Hcat = ws.buffer("V", n + m, n_vis), ws.buffer("H", n + m, n_hid)
        V0b, Vs, H0, Hp = Vcat[:n], Vcat[n:], Hcat[:n], Hcat[n:]
        if rows is None:
            V0b[...] = X
        else:
            np.take(X, rows, axis=0, out=V0b)  # gathered straight into the buffer
        np.matmul(V0b, WT, out=H0)
        up, down = self.__dict__.get("_up_scale", 1.0), self.__dict__.get("_down_scale", 1.0)
        if up != 1.0:  # DBM pre-training: the input counted twice (see expfam.stack_rbms)
            H0 *= WT.dtype.type(up)
        if cd:
            Hs = ws.buffer("Hs", n, n_hid)
            _sample_bernoulli(H0, c, streams, Hs)
        else:
            _add_bias_sigmoid(H0, c)
            Hs = self.h_samples_
        Vp = ws.buffer("Vp", m, n_vis)
        for step in range(self.k):
            np.matmul(Hs, WT.T, out=Vp)
            if down != 1.0:
                Vp *= WT.dtype.type(down)
            _sample_bernoulli(Vp, b, streams, Vs)
            np.matmul(Vs, WT, out=Hp)
            if up != 1.0:
                Hp *= WT.dtype.type(up)
            if not cd or step < self.k - 1:
                _sample_bernoulli(Hp, c, streams, Hs)
            else:
                _add_bias_sigmoid(Hp, c)
        # data moments minus model moments, scaled by the learning rate:
        # row weights lr/n for the data rows and -lr/m for the chain rows
        dt = WT.dtype.type
        w = ws.row_weights(n, m, dt(lr / n), dt(-lr / m))
        gb = w @ Vcat
        gc = w @ Hcat
        centered = self.centering
        if centered:
            # the gradient in centered coordinates: the row weights sum to 0, so
            # sum_r w_r (v_r - o_v)(h_r - o_h)^T needs only the states shifted in place
            ov, oh = self.offset_visible_, self.offset_hidden_
            h_data_mean = H0.mean(axis=0)
            Vcat -= ov
            Hcat -= oh
            W_oh, WT_ov = WT @ oh, ov @ WT  # the plain biases' share, before the step
        Hcat *= w[:, None]
        mom, decay = dt(self.momentum), dt(lr * self.weight_decay)
        if mom or decay:
            vel = self._velocity[0]
            gemm(Vcat, Hcat, vel, 1.0, float(mom), trans_a=True)  # vel = mom vel + G
            _apply_velocity(WT, vel, decay)
        else:
            gemm(Vcat, Hcat, WT, 1.0, 1.0, trans_a=True)  # WT += G, no extra pass
        for p, g, vel in ((b, gb, self._velocity[1]), (c, gc, self._velocity[2])):
            if mom:
                vel *= mom
                vel += g
                p += vel
            else:
                p += g
        if centered:
            # b' = b_c - W o_h and c' = c_c - W^T o_v: the plain biases follow the step
            # of W at fixed offsets; then the hidden offset moves towards the data's mean
            b -= WT @ oh - W_oh
            c -= ov @ WT - WT_ov
            oh += dt(self.offset_rate) * (h_data_mean - oh)

    def partial_fit(self, X, y=None):
        """One parameter update on X taken as a single mini-batch (continues the stream).

        The first call initialises the model from X; later calls must have the same number
        of features.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Binary data or probabilities in [0, 1].
        y : None
            Ignored (scikit-learn's signature).

        Returns
        -------
        BernoulliRBM
            ``self``.

        Examples
        --------
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> rbm = BernoulliRBM(n_components=4, random_state=0)
        >>> for batch in np.array_split(X, 10):
        ...     _ = rbm.partial_fit(batch)
        >>> rbm.components_.shape
        (4, 16)
        """
        first = not hasattr(self, "components_")
        dt = self._check_params()
        X = self._validate(X, reset=first)
        if first:
            self._rng = check_random_state(self.random_state)
            self._initialize(X, self._rng, dt)
        elif len(self._streams) < len(X):
            self._streams = np.concatenate(
                [self._streams, self._streams_for(len(X) - len(self._streams))]
            )
        self._ws = self._workspace(X)
        try:
            self._update(X, self.learning_rate)
        finally:
            self._ws.sync(self)
            del self._ws
        return self

    def fit(
        self,
        X,
        y=None,
        *,
        callbacks: Sequence[Callable] | None = None,
        checkpoint: str | Path | None = None,
        resume: bool = False,
        monitor=None,
        layer_scales: tuple[float, float] = (1.0, 1.0),
    ):
        """Fit the model to X (reseeds from ``random_state``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary data or probabilities in [0, 1].  Never modified.
        callbacks : sequence of callables, optional
            Each is called after every epoch as ``cb(model, metrics)`` with the
            epoch's metrics dict; a callback returning True stops training.
        checkpoint : path, optional
            Write the complete training state (``.npz``) after every epoch.
        resume : bool, default False
            Continue from ``checkpoint`` if it exists: the result equals that
            of an uninterrupted run with the same seed.
        monitor : array-like, optional
            Held-out binary data; its mean pseudo-log-likelihood is added to
            the per-epoch metrics.
        layer_scales : (float, float), default (1, 1)
            Multipliers of the bottom-up input ``W v`` and the top-down input ``W^T h`` in
            the training chains: the greedy pretraining of a deep Boltzmann machine counts
            the input of its first layer and the top-down input of its last twice
            (Salakhutdinov & Hinton 2009; :func:`pgm_ebm.expfam.stack_rbms`).

        y : None
            Ignored (scikit-learn's signature).

        Returns
        -------
        BernoulliRBM
            ``self``, fitted; ``stop_reason_`` says whether all epochs ran.

        Raises
        ------
        ValueError
            If a parameter or ``X`` is invalid (the message names it), ``X`` is empty, or
            a ``resume`` checkpoint was written with other parameters or data shape.

        Examples
        --------
        Training with a checkpoint; a second call with ``resume=True`` continues where
        the first stopped and ends with the parameters of one uninterrupted run:

        >>> import os, tempfile
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((200, 16)) < 0.3).astype(np.uint8)
        >>> ckpt = os.path.join(tempfile.mkdtemp(), "rbm.npz")
        >>> first = BernoulliRBM(n_components=8, n_iter=2, random_state=0)
        >>> _ = first.fit(X, checkpoint=ckpt)
        >>> resumed = BernoulliRBM(n_components=8, n_iter=4, random_state=0)
        >>> _ = resumed.fit(X, checkpoint=ckpt, resume=True)
        >>> whole = BernoulliRBM(n_components=8, n_iter=4, random_state=0).fit(X)
        >>> resumed.n_iter_, bool(np.array_equal(resumed.components_, whole.components_))
        (4, True)
        """
        dt = self._check_params()
        if (
            isinstance(layer_scales, (str, bytes))
            or np.ndim(layer_scales) != 1
            or len(layer_scales) != 2
        ):
            raise ValueError(f"layer_scales must be (up, down), got {layer_scales!r}")
        self._up_scale = check_real(layer_scales[0], "layer_scales[0]", low=0.0, low_open=True)
        self._down_scale = check_real(layer_scales[1], "layer_scales[1]", low=0.0, low_open=True)
        X = self._validate(X, reset=True)
        if len(X) < 1:
            raise ValueError("X must hold at least one sample")
        if monitor is not None:
            monitor = self._validate(monitor, reset=False, binary=True, name="monitor")
        start = 0
        if resume and checkpoint is not None and Path(checkpoint).exists():
            self._load_checkpoint(checkpoint, *X.shape)
            start = self.n_iter_
            logger.info("resuming from %s at epoch %d", checkpoint, start)
        else:
            self._rng = check_random_state(self.random_state)
            self._initialize(X, self._rng, dt)
        self.stop_reason_ = None
        return self._train(X, start, callbacks or (), checkpoint, monitor)

    def _workspace(self, X):
        """Where the updates run: the CPU's buffers, or the device state of
        :class:`pgm_ebm.cuda.rbm.RBMTrainer` (data, parameters and chains uploaded once)."""
        if self.__dict__.get("_train_device", "cpu") == "cuda":
            from pgm_ebm.cuda.rbm import RBMTrainer

            state = {
                "components": self.components_,
                "visible_bias": self.intercept_visible_,
                "hidden_bias": self.intercept_hidden_,
                "velocity": self._velocity,
                "chains": self.h_samples_,
                "streams": self._streams,
                "offsets": self._offsets() if self.centering else (),
                "scales": (
                    self.__dict__.get("_up_scale", 1.0),
                    self.__dict__.get("_down_scale", 1.0),
                ),
            }
            return RBMTrainer(state, X)
        return _Workspace(self)

    def _train(self, X, start, callbacks, checkpoint, monitor):
        self._ws = self._workspace(X)
        try:
            return self._epochs(X, start, callbacks, checkpoint, monitor)
        finally:
            del self._ws

    def _offsets(self):
        """The centering offsets (visible, hidden), or none for a model without them."""
        if "offset_visible_" not in self.__dict__:
            return ()
        return (self.offset_visible_, self.offset_hidden_)

    def _snapshot(self):
        """Everything an epoch changes, for going back to the last finished epoch."""
        return {
            "params": [a.copy() for a in (*self._params(), self.h_samples_, *self._offsets())],
            "velocity": [v.copy() for v in self._velocity],
            "streams": self._streams.copy(),
            "rng": self._rng.bit_generator.state,
            "n_iter_": self.n_iter_,
            "history_": list(self.history_),
        }

    def _epochs(self, X, start, callbacks, checkpoint, monitor):
        from tqdm.auto import tqdm

        # Per-batch kernels on ~100 chains take ~0.1 ms: waking a second thread
        # right after a multithreaded BLAS call costs more than it saves, so
        # small batches run the kernels on one thread (same bits either way).
        chains = self.batch_size + (
            self.batch_size if self.method == "cd" else len(self.h_samples_)
        )
        small = chains * (X.shape[1] + self.n_components) < SMALL_BATCH_WORK
        n = len(X)
        bs = self.batch_size
        n_batches = math.ceil(n / bs)
        n_probe = min(n, 256)
        binary = bool(self.verbose) and _count_outside(X[:n_probe].ravel(), True) == 0
        good = self._snapshot()
        for epoch in range(start, self.n_iter):
            t0 = time.perf_counter()
            bar = None
            try:
                lr = self._lr_at(epoch)
                order = self._rng.permutation(n) if self.shuffle else np.arange(n)
                bar = tqdm(
                    total=n_batches,
                    desc=f"epoch {epoch + 1}/{self.n_iter}",
                    disable=not self.verbose,
                    leave=False,
                    unit="batch",
                )
                if self.history_:  # the bar shows where training stands
                    bar.set_postfix(recon_error=f"{self.history_[-1]['reconstruction_error']:.4f}")
                try:
                    # divergence is detected below, numpy need not warn about it
                    with (
                        numba_threads(1 if small else None),
                        np.errstate(over="ignore", invalid="ignore"),
                    ):
                        for i in range(n_batches):
                            self._update(X, lr, rows=order[i * bs : (i + 1) * bs])
                            bar.update(1)
                finally:
                    bar.close()
                self._ws.sync(self)
                if not all(np.all(np.isfinite(a)) for a in self._params()):
                    self._restore(good)
                    return self._stop(
                        "diverged",
                        f"parameters became non-finite in epoch {epoch + 1} "
                        f"(learning_rate={self.learning_rate} may be too large); "
                        f"the parameters after epoch {epoch} are kept",
                    )
                metrics = {
                    "epoch": epoch + 1,
                    "learning_rate": lr,
                    "reconstruction_error": self.reconstruction_error(X[:n_probe]),
                    "seconds": time.perf_counter() - t0,
                }
                if monitor is not None:
                    metrics["monitor_pseudo_log_likelihood"] = float(
                        np.mean(self.pseudo_log_likelihood(monitor))
                    )
                # the epoch is finished: from here on an interrupt keeps it
                self.n_iter_ = epoch + 1
                self.history_.append(metrics)
                good = self._snapshot()
                if checkpoint is not None:
                    self._save_checkpoint(checkpoint)
            except KeyboardInterrupt:
                if bar is not None:
                    bar.close()
                self._restore(good)
                if checkpoint is not None:
                    self._save_checkpoint(checkpoint)  # atomic: the last finished epoch
                return self._stop(
                    "interrupted",
                    f"training interrupted during epoch {self.n_iter_ + 1}; "
                    f"the parameters after epoch {self.n_iter_} are kept",
                )
            if self.verbose:
                self._report(epoch, metrics, X[:n_probe], binary)
            if any(cb(self, metrics) for cb in callbacks):
                self.stop_reason_ = "callback"
                break
        return self

    def _report(self, epoch, metrics, probe, binary):
        """scikit-learn's per-epoch line on stdout (through tqdm, so it does not break a
        progress bar): the mean exact pseudo-log-likelihood of the first 256 training rows
        when they are binary (else the reconstruction error), and the epoch's time."""
        from tqdm.auto import tqdm

        if binary:
            what = f"pseudo-likelihood = {float(np.mean(self.pseudo_log_likelihood(probe))):.2f}"
        else:
            what = f"reconstruction error = {metrics['reconstruction_error']:.5f}"
        tqdm.write(
            f"[BernoulliRBM] Iteration {epoch + 1}, {what}, time = {metrics['seconds']:.2f}s",
            file=sys.stdout,
        )
        logger.debug("[BernoulliRBM] %s", metrics)

    def _restore(self, good):
        for p, g in zip(
            (*self._params(), self.h_samples_, *self._offsets()), good["params"], strict=True
        ):
            p[...] = g
        for v, g in zip(self._velocity, good["velocity"], strict=True):
            v[...] = g
        self._streams[...] = good["streams"]
        self._rng.bit_generator.state = good["rng"]
        self.n_iter_ = good["n_iter_"]
        self.history_[:] = good["history_"]
        if "_ws" in self.__dict__:
            self._ws = _Workspace(self)

    def _stop(self, reason, message):
        self.stop_reason_ = reason
        warnings.warn(message, TrainingStopped, stacklevel=3)
        logger.warning(message)
        return self

    # ------------------------------------------------------------------ persistence
    def _state_arrays(self):
        return {
            "components_": self.components_,
            "intercept_hidden_": self.intercept_hidden_,
            "intercept_visible_": self.intercept_visible_,
            "h_samples_": self.h_samples_,
            **(
                {"base_rate_logit_": self.base_rate_logit_}
                if hasattr(self, "base_rate_logit_")
                else {}
            ),
            **dict(zip(("offset_visible_", "offset_hidden_"), self._offsets(), strict=False)),
        }

    def _meta(self):
        params = self.get_params()
        if not isinstance(params["random_state"], (int, type(None))):
            params["random_state"] = (
                None  # a Generator is not serialisable; its state is saved apart
            )
        if callable(params["lr_schedule"]):
            params["lr_schedule"] = "callable"
        params["dtype"] = str(np.dtype(self.dtype))
        return {
            "format_version": FORMAT_VERSION,
            "class": type(self).__name__,
            "params": params,
            "n_features_in_": int(self.n_features_in_),
            "n_iter_": int(getattr(self, "n_iter_", 0)),
            "history_": getattr(self, "history_", []),
        }

    def save(self, path) -> Path:
        """Save the fitted model to ``.npz``: arrays and JSON metadata, no pickle.

        The file is written through a temporary file and a rename, so an interrupted save
        leaves the previous file intact.

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
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> rbm = BernoulliRBM(n_components=4, n_iter=5, random_state=0).fit(X)
        >>> path = rbm.save(os.path.join(tempfile.mkdtemp(), "rbm"))
        >>> path.name, bool(np.array_equal(BernoulliRBM.load(path).components_, rbm.components_))
        ('rbm.npz', True)
        """
        check_is_fitted(self)
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(path.suffix + ".npz")
        write_npz_atomic(path, meta=np.array(json.dumps(self._meta())), **self._state_arrays())
        return path

    @classmethod
    def load(cls, path) -> BernoulliRBM:
        """Load a model written by :meth:`save`.

        Every entry of the file is checked (metadata types and values, array shapes, dtypes,
        finiteness, state values) before any of it is used; nothing in it is executed.

        Parameters
        ----------
        path : str or pathlib.Path
            A file written by :meth:`save` (or a training checkpoint).

        Returns
        -------
        BernoulliRBM
            The fitted model.

        Raises
        ------
        pgm_ebm.io.ModelFileError
            (a ``ValueError``) naming the file and what is wrong with it.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> rbm = BernoulliRBM(n_components=4, n_iter=5, random_state=0).fit(X)
        >>> path = rbm.save(os.path.join(tempfile.mkdtemp(), "rbm.npz"))
        >>> BernoulliRBM.load(path).n_components
        4
        >>> bad = os.path.join(tempfile.mkdtemp(), "bad.npz")
        >>> _ = open(bad, "wb").write(b"not a model")
        >>> BernoulliRBM.load(bad)
        Traceback (most recent call last):
        ...
        pgm_ebm.io.ModelFileError: ...
        """
        path = Path(path)
        arrays = read_npz(path)
        meta = read_model_meta(path, arrays, cls.__name__, FORMAT_VERSION)
        model = cls(**params_from_meta(path, meta, cls, _check))
        model._set_state(path, arrays, meta)
        return model

    def _set_state(self, path, arrays, meta):
        dt = check_dtype(self.dtype)
        n_feat = meta_int(path, meta, "n_features_in_", 1)
        nh = self.n_components
        state = {
            "components_": require_array(path, arrays, "components_", (nh, n_feat), dt),
            "intercept_hidden_": require_array(path, arrays, "intercept_hidden_", (nh,), dt),
            "intercept_visible_": require_array(path, arrays, "intercept_visible_", (n_feat,), dt),
            "h_samples_": require_array(
                path, arrays, "h_samples_", (None, nh), dt, values=(0.0, 1.0)
            ),
        }
        if len(state["h_samples_"]) < 1:
            raise ModelFileError(f"{path}: h_samples_ has no chains")
        base = None
        if "base_rate_logit_" in arrays:
            base = require_array(path, arrays, "base_rate_logit_", (n_feat,), np.float64)
        offsets = ()
        if "offset_visible_" in arrays or self.centering:
            offsets = (
                require_array(path, arrays, "offset_visible_", (n_feat,), dt, values=(0.0, 1.0)),
                require_array(path, arrays, "offset_hidden_", (nh,), dt, values=(0.0, 1.0)),
            )
        n_iter_ = meta_int(path, meta, "n_iter_", 0)
        history = meta.get("history_", [])
        if not isinstance(history, list) or not all(
            isinstance(h, dict)
            and all(
                isinstance(k, str) and isinstance(v, (int, float, str, type(None)))
                for k, v in h.items()
            )
            for h in history
        ):
            raise ModelFileError(f"{path}: history_ must be a list of metric dicts")
        for name, a in state.items():
            setattr(self, name, a)
        if base is not None:
            self.base_rate_logit_ = base
        if offsets:
            self.offset_visible_, self.offset_hidden_ = offsets
        self.n_features_in_ = n_feat
        self.n_iter_ = n_iter_
        self.history_ = history
        self.stop_reason_ = None
        self._velocity = _zero_velocity(self)

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
        >>> from pgm_ebm import BernoulliRBM
        >>> X = (np.random.default_rng(0).random((100, 16)) < 0.3).astype(np.uint8)
        >>> ckpt = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
        >>> _ = BernoulliRBM(n_components=4, n_iter=1, k=3, random_state=0).fit(X, checkpoint=ckpt)
        >>> params = BernoulliRBM.checkpoint_params(ckpt)
        >>> params["n_components"], params["k"]
        (4, 3)
        """
        path = Path(path)
        meta = read_model_meta(path, read_npz(path), cls.__name__, FORMAT_VERSION)
        return params_from_meta(path, meta, cls, _check)

    def _load_checkpoint(self, path, n_samples, n_features):
        path = Path(path)
        arrays = read_npz(path)
        meta = read_model_meta(path, arrays, type(self).__name__, FORMAT_VERSION)
        saved = params_from_meta(path, meta, type(self), _check)
        mine = self._meta()["params"]
        # where a run continues (device) does not change the model: a GPU run resumes on the
        # CPU and back
        same = ("verbose", "n_iter", "device")
        diff = {k for k in mine if k not in same and saved.get(k) != mine[k]}
        if diff:
            raise ValueError(
                f"{path}: checkpoint was written with other parameters: "
                + ", ".join(f"{k}={saved.get(k)!r} (now {mine[k]!r})" for k in sorted(diff))
            )
        if meta.get("n_features_in_") != n_features:
            raise ValueError(
                f"{path}: checkpoint has {meta.get('n_features_in_')!r} features, "
                f"X has {n_features}"
            )
        n_iter_ = meta_int(path, meta, "n_iter_", 0)
        if n_iter_ > saved["n_iter"]:
            raise ModelFileError(
                f"{path}: n_iter_={n_iter_} epochs done exceeds the run's n_iter={saved['n_iter']}"
            )
        if "base_rate_logit_" not in arrays:
            raise ModelFileError(f"{path}: missing array 'base_rate_logit_'")
        # everything checked before anything is set
        dt = check_dtype(self.dtype)
        nh = self.n_components
        n_chains = self._n_chains(n_samples)
        hs = arrays.get("h_samples_")
        if hs is not None and hs.ndim == 2 and len(hs) != n_chains:
            raise ModelFileError(
                f"{path}: h_samples_ has {len(hs)} chains, the run has n_chains={n_chains}"
            )
        velocity = [
            require_array(path, arrays, "velocity_0", (n_features, nh), dt),
            require_array(path, arrays, "velocity_1", (n_features,), dt),
            require_array(path, arrays, "velocity_2", (nh,), dt),
        ]
        n_streams = self._n_streams(n_samples)
        streams = require_array(path, arrays, "streams", (n_streams, 2), np.uint64)
        if np.any((streams[:, 0] == 0) & (streams[:, 1] == 0)):
            raise ModelFileError(f"{path}: streams holds an all-zero generator state")
        rng = rng_from_meta(path, meta)
        self._set_state(path, arrays, meta)
        self._velocity = velocity
        self._streams = streams
        self._rng = rng

    # ------------------------------------------------------------------ sklearn
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _check(model):
    model._check_params()


def _zero_velocity(model):
    """Momentum buffers: the weights' in the training layout (n_visible, n_hidden)."""
    W, b, c = model._params()
    return [np.zeros(W.T.shape, dtype=W.dtype), np.zeros_like(b), np.zeros_like(c)]


#: Below this many (chain x unit) entries per batch the training kernels run on one thread.
SMALL_BATCH_WORK = 1 << 19


class _Workspace:
    """The weights as ``WT`` (n_visible, n_hidden) and the buffers of one training run.

    In that layout the gradient GEMM ``Vcat.T @ Hcat`` accumulates into rows that
    the fused decay/velocity step walks contiguously; ``sync`` writes ``WT`` back into
    ``components_`` (in place).
    """

    on_device = False

    def __init__(self, model):
        self.WT = np.ascontiguousarray(model.components_.T)
        self._scratch = Scratch()
        self._row_weights = (None, None)

    def buffer(self, name, rows, cols):
        return self._scratch.get(name, (rows, cols), self.WT.dtype)

    def row_weights(self, n, m, pos, neg):
        key = (n, m, pos, neg)
        if self._row_weights[0] != key:
            w = np.empty(n + m, dtype=self.WT.dtype)
            w[:n], w[n:] = pos, neg
            self._row_weights = (key, w)
        return self._row_weights[1]

    def sync(self, model):
        model.components_[...] = self.WT.T
