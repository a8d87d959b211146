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
    """Normalised autocorrelation ``rho(t)``, averaged over chains (FFT, O(n log n))."""
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
    """``tau = 1 + 2 sum_{t>=1} rho(t)``, summed up to the first window ``W >= c tau(W)``
    (Sokal's automatic windowing; Madras & Sokal 1988)."""
    rho = autocorrelation(x)
    taus = 2.0 * np.cumsum(rho) - 1.0
    window = np.arange(len(taus))
    ok = window >= c * taus
    m = int(np.argmax(ok)) if ok.any() else len(taus) - 1
    return float(max(taus[m], 1.0))


def effective_sample_size(x) -> float:
    """``n_chains * n_samples / tau``."""
    xs = _as_chains(x)
    return float(xs.size / integrated_autocorr_time(xs))


def batch_means(x, n_batches: int = 20):
    """Mean and its standard error from batch means (each chain cut into batches)."""
    xs = _as_chains(x)
    n = xs.shape[1]
    nb = max(2, min(n_batches, n // 2))
    size = n // nb
    means = xs[:, : nb * size].reshape(xs.shape[0], nb, size).mean(axis=2).ravel()
    return float(xs.mean()), float(means.std(ddof=1) / np.sqrt(len(means)))


def split_rhat(x) -> float:
    """Split R-hat (Gelman et al. 2013): each chain halved; ~1 when the chains agree."""
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

    ``traces`` are ``(n_chains, n_samples)`` arrays cut along samples into ``n_blocks``
    blocks (blocks longer than the autocorrelation time make the error honest).
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
