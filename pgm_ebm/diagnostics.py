"""Markov-chain diagnostics shared by every sampler.

Autocorrelation, integrated autocorrelation time (Sokal's automatic window),
effective sample size, standard errors by batch means, split R-hat.  Inputs are
traces of shape ``(n_samples,)`` or ``(n_chains, n_samples)``.
"""

from __future__ import annotations

import numpy as np


def _as_chains(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(
            f"trace must have shape (n_samples,) or (n_chains, n_samples) with "
            f"n_samples >= 2, got {x.shape}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError("trace holds non-finite values")
    return x


def autocorrelation(x) -> np.ndarray:
    """Normalised autocorrelation ``rho(t)``, averaged over chains (FFT, O(n log n)).

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_chains, n_samples)
        The trace of one observable, at least 2 finite samples per chain.

    Returns
    -------
    ndarray, shape (n_samples,)
        ``rho(0) = 1, rho(1), ...``: the autocovariance at each lag (each chain about its own
        mean, averaged over chains) over the autocovariance at lag 0.  A constant trace
        gives ``[1, 0, 0, ...]``.

    Raises
    ------
    ValueError
        If the trace has the wrong shape, fewer than 2 samples or non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import diagnostics
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros(5000)  # an AR(1) chain: rho(t) = 0.9**t, tau = 19
    >>> for t in range(1, 5000):
    ...     x[t] = 0.9 * x[t - 1] + rng.standard_normal()
    >>> diagnostics.autocorrelation(x)[:3].round(2)
    array([1.  , 0.9 , 0.81])
    """
    x = _as_chains(x)
    n = x.shape[1]
    xc = x - x.mean(axis=1, keepdims=True)
    f = np.fft.rfft(xc, n=2 * n, axis=1)
    acov = np.fft.irfft(f * np.conj(f), axis=1)[:, :n] / n
    acov = acov.mean(axis=0)
    if acov[0] <= 0:
        return np.concatenate([[1.0], np.zeros(n - 1)])
    return acov / acov[0]


def integrated_autocorr_time(x, c: float = 5.0) -> float:
    """The integrated autocorrelation time, with Sokal's automatic window.

    ``tau = 1 + 2 sum_{t>=1} rho(t)``, summed up to the first window ``W >= c tau(W)``
    (Madras & Sokal 1988): the number of steps that are worth one independent sample.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_chains, n_samples)
        The trace of one observable, at least 2 finite samples per chain.
    c : float, default 5.0
        The window constant: larger is less biased and noisier.

    Returns
    -------
    float
        ``tau``, at least 1.

    Raises
    ------
    ValueError
        If the trace has the wrong shape, fewer than 2 samples or non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import diagnostics
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros(5000)  # an AR(1) chain: rho(t) = 0.9**t, tau = 19
    >>> for t in range(1, 5000):
    ...     x[t] = 0.9 * x[t - 1] + rng.standard_normal()
    >>> round(diagnostics.integrated_autocorr_time(x), 1)  # (1 + 0.9) / (1 - 0.9) = 19
    20.2
    """
    rho = autocorrelation(x)
    taus = 2.0 * np.cumsum(rho) - 1.0
    window = np.arange(len(taus))
    ok = window >= c * taus
    m = int(np.argmax(ok)) if ok.any() else len(taus) - 1
    return float(max(taus[m], 1.0))


def effective_sample_size(x) -> float:
    """The effective sample size ``n_chains * n_samples / tau``.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_chains, n_samples)
        The trace of one observable, at least 2 finite samples per chain.

    Returns
    -------
    float
        How many independent samples the trace is worth, with ``tau`` from
        :func:`integrated_autocorr_time`.

    Raises
    ------
    ValueError
        If the trace has the wrong shape, fewer than 2 samples or non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import diagnostics
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros(5000)  # an AR(1) chain: rho(t) = 0.9**t, tau = 19
    >>> for t in range(1, 5000):
    ...     x[t] = 0.9 * x[t - 1] + rng.standard_normal()
    >>> round(diagnostics.effective_sample_size(x))
    247
    """
    xs = _as_chains(x)
    return float(xs.size / integrated_autocorr_time(xs))


def batch_means(x, n_batches: int = 20):
    """The mean of a trace and its standard error from batch means.

    Each chain is cut into ``n_batches`` consecutive batches; the error is the standard
    deviation of the batch means over the square root of their number, honest when the
    batches are longer than the autocorrelation time.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_chains, n_samples)
        The trace of one observable, at least 2 finite samples per chain.
    n_batches : int, default 20
        Batches per chain (at most half the samples, at least 2).

    Returns
    -------
    mean : float
        The mean over all samples.
    stderr : float
        Its standard error.

    Raises
    ------
    ValueError
        If the trace has the wrong shape, fewer than 2 samples or non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import diagnostics
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros(5000)  # an AR(1) chain: rho(t) = 0.9**t, tau = 19
    >>> for t in range(1, 5000):
    ...     x[t] = 0.9 * x[t - 1] + rng.standard_normal()
    >>> mean, err = diagnostics.batch_means(x)
    >>> print(f"{mean:.3f} +- {err:.3f}")
    -0.039 +- 0.144
    """
    xs = _as_chains(x)
    n = xs.shape[1]
    nb = max(2, min(n_batches, n // 2))
    size = n // nb
    means = xs[:, : nb * size].reshape(xs.shape[0], nb, size).mean(axis=2).ravel()
    return float(xs.mean()), float(means.std(ddof=1) / np.sqrt(len(means)))


def split_rhat(x) -> float:
    """Split R-hat (Gelman et al. 2013): each chain halved; about 1 when the chains agree.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_chains, n_samples)
        The trace of one observable, at least 4 finite samples per chain.

    Returns
    -------
    float
        The square root of the pooled over the within-half variance; values above about
        1.01 say the chains have not mixed.  ``inf`` when each half is constant but they
        differ.

    Raises
    ------
    ValueError
        If the trace has the wrong shape, fewer than 4 samples or non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import diagnostics
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros(5000)  # an AR(1) chain: rho(t) = 0.9**t, tau = 19
    >>> for t in range(1, 5000):
    ...     x[t] = 0.9 * x[t - 1] + rng.standard_normal()
    >>> round(diagnostics.split_rhat(x), 2)
    1.01
    >>> round(diagnostics.split_rhat(np.stack([x, x + 5.0])), 2)  # two chains disagree
    1.62
    """
    xs = _as_chains(x)
    half = xs.shape[1] // 2
    if half < 2:
        raise ValueError("split R-hat needs at least 4 samples per chain")
    parts = np.concatenate([xs[:, :half], xs[:, half : 2 * half]])
    n = parts.shape[1]
    w = parts.var(axis=1, ddof=1).mean()
    b = n * parts.mean(axis=1).var(ddof=1)
    if w == 0:
        return 1.0 if b == 0 else float("inf")
    var = (n - 1) / n * w + b / n
    return float(np.sqrt(var / w))


def jackknife(fn, *traces, n_blocks: int = 20):
    """Value of ``fn(*traces)`` and its blocked-jackknife standard error.

    For a nonlinear function of means (a susceptibility, a Binder cumulant) whose error
    cannot come from batch means of one trace.

    Parameters
    ----------
    fn : callable
        ``fn(*traces) -> float``, given arrays of shape ``(n_chains, m)``.
    *traces : array_like, shape (n_samples,) or (n_chains, n_samples)
        The traces, cut along samples into ``n_blocks`` blocks (blocks longer than the
        autocorrelation time make the error honest).
    n_blocks : int, default 20
        The number of blocks, each left out once.

    Returns
    -------
    value : float
        ``fn`` of the whole traces.
    stderr : float
        The jackknife standard error.

    Raises
    ------
    ValueError
        If a trace has the wrong shape, fewer than 2 samples or non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import diagnostics
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros(5000)  # an AR(1) chain: rho(t) = 0.9**t, tau = 19
    >>> for t in range(1, 5000):
    ...     x[t] = 0.9 * x[t - 1] + rng.standard_normal()
    >>> value, err = diagnostics.jackknife(lambda t: t.mean(), x)
    >>> print(f"{value:.3f} +- {err:.3f}")
    -0.039 +- 0.144
    """
    ts = [_as_chains(t) for t in traces]
    n = ts[0].shape[1]
    nb = max(2, min(n_blocks, n))
    edges = np.linspace(0, n, nb + 1).astype(int)
    full = fn(*ts)
    vals = []
    for k in range(nb):
        keep = np.r_[0 : edges[k], edges[k + 1] : n]
        vals.append(fn(*[t[:, keep] for t in ts]))
    vals = np.asarray(vals)
    err = np.sqrt((nb - 1) / nb * np.sum((vals - vals.mean()) ** 2))
    return float(full), float(err)
