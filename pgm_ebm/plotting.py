"""Matplotlib figures (imported lazily; uses the non-interactive Agg backend
when no backend was chosen)."""

from __future__ import annotations

import numpy as np


def _plt():
    import matplotlib

    if matplotlib.get_backend().lower() not in (
        "agg",
        "pdf",
        "svg",
        "module://matplotlib_inline.backend_inline",
    ):
        try:
            matplotlib.use("Agg")
        except Exception:  # pragma: no cover - a backend already in use is fine
            pass
    import matplotlib.pyplot as plt

    return plt


def tile_images(images, shape=(28, 28), n_cols=None, pad=1, normalize=True):
    """Arrange flat images into one 2D array (a grid with ``pad`` pixels between tiles)."""
    images = np.asarray(images, dtype=np.float64)
    n = len(images)
    n_cols = n_cols or int(np.ceil(np.sqrt(n)))
    n_rows = int(np.ceil(n / n_cols))
    h, w = shape
    grid = np.full((n_rows * (h + pad) + pad, n_cols * (w + pad) + pad), np.nan)
    for i, img in enumerate(images):
        img = img.reshape(shape)
        if normalize:
            lo, hi = img.min(), img.max()
            img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
        r, c = divmod(i, n_cols)
        grid[
            pad + r * (h + pad) : pad + r * (h + pad) + h,
            pad + c * (w + pad) : pad + c * (w + pad) + w,
        ] = img
    return grid


def plot_filters(
    components, shape=(28, 28), n=100, ax=None, title="RBM filters (receptive fields)"
):
    """Show the first ``n`` rows of ``components_`` as images, each scaled to its own range."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7))
    grid = tile_images(np.asarray(components)[:n], shape)
    ax.imshow(np.ma.masked_invalid(grid), cmap="gray", interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    return ax.figure


def plot_samples(samples, shape=(28, 28), ax=None, title="samples"):
    """Show binary samples or probabilities as a grid of images (0 white... 1 black-on-white)."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7))
    grid = tile_images(samples, shape, normalize=False)
    ax.imshow(np.ma.masked_invalid(grid), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    return ax.figure


def plot_training(history, title="training curves"):
    """Reconstruction error (and monitored pseudo-log-likelihood, if any) against epoch."""
    plt = _plt()
    keys = [
        k
        for k in ("reconstruction_error", "monitor_pseudo_log_likelihood")
        if history and k in history[0]
    ]
    fig, axes = plt.subplots(
        1, max(len(keys), 1), figsize=(5 * max(len(keys), 1), 3.5), squeeze=False
    )
    epochs = [h["epoch"] for h in history]
    labels = {
        "reconstruction_error": "reconstruction error (MSE per pixel)",
        "monitor_pseudo_log_likelihood": "held-out pseudo-log-likelihood (nats)",
    }
    for ax, k in zip(axes[0], keys, strict=False):
        ax.plot(epochs, [h[k] for h in history], marker="o", ms=3)
        ax.set_xlabel("epoch")
        ax.set_ylabel(labels[k])
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def save(fig, path):
    fig.savefig(path, dpi=110, bbox_inches="tight")
    _plt().close(fig)
    return path
