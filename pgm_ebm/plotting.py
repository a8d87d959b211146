"""Matplotlib figures (imported lazily; uses the non-interactive Agg backend
when no backend was chosen)."""

from __future__ import annotations

import numpy as np

from pgm_ebm._validation import check_positive_int


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


def image_shape(n_pixels: int) -> tuple[int, int]:
    """The tile shape for flat images of ``n_pixels``: square when it is a square number
    (MNIST's 784 -> (28, 28)), else one row."""
    side = int(round(np.sqrt(n_pixels)))
    return (side, side) if side * side == n_pixels else (1, int(n_pixels))


def tile_images(images, shape=None, n_cols=None, pad=1, normalize=True):
    """Arrange flat images into one 2-D array: a grid of tiles, NaN between them.

    Parameters
    ----------
    images : array_like, shape (n_images, n_pixels)
        Flat images (not modified).
    shape : tuple (height, width), optional
        Each image's shape; by default :func:`image_shape` of ``n_pixels`` (square when
        ``n_pixels`` is a square number).
    n_cols : int, optional
        Tiles per row; by default ``ceil(sqrt(n_images))``.
    pad : int, default 1
        Pixels of NaN between and around the tiles.
    normalize : bool, default True
        Scale each image to [0, 1] by its own minimum and maximum (filters); False keeps
        the values (samples and probabilities).

    Returns
    -------
    numpy.ndarray of float64
        The grid, of shape ``(rows * (height + pad) + pad, n_cols * (width + pad) + pad)``,
        NaN in the padding (masked when shown).

    Raises
    ------
    ValueError
        If ``images`` is not 2-D, ``shape`` does not hold ``n_pixels`` pixels, ``n_cols`` is
        not a positive integer or ``pad`` not an integer >= 0.

    Examples
    --------
    >>> import numpy as np
    >>> grid = tile_images(np.eye(4), n_cols=2, pad=1)  # four 2 x 2 images in a 2 x 2 grid
    >>> grid.shape
    (7, 7)
    >>> np.nan_to_num(grid[1:3, 1:3])  # the first image
    array([[1., 0.],
           [0., 0.]])
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 2:
        raise ValueError(f"images must be a 2-D array (n_images, n_pixels), got {images.shape}")
    shape = image_shape(images.shape[1]) if shape is None else tuple(shape)
    if len(shape) != 2 or shape[0] * shape[1] != images.shape[1]:
        raise ValueError(f"shape={shape} does not hold images of {images.shape[1]} pixels")
    pad = check_positive_int(pad, "pad", minimum=0)
    n = len(images)
    if n_cols is None:
        n_cols = max(int(np.ceil(np.sqrt(n))), 1)
    n_cols = check_positive_int(n_cols, "n_cols")
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


def plot_filters(components, shape=None, n=100, ax=None, title="RBM filters (receptive fields)"):
    """Show the first ``n`` rows of a weight matrix as images, each scaled to its own range.

    Parameters
    ----------
    components : array_like, shape (n_hidden, n_pixels)
        One filter per row (an RBM's ``components_``, a DBM's ``weights_[0].T``).
    shape : tuple (height, width), optional
        Each filter's image shape (see :func:`tile_images`).
    n : int, default 100
        How many filters to show.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    title : str, default "RBM filters (receptive fields)"
        The axes' title.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax``.

    Raises
    ------
    ValueError
        If ``n`` is not a positive integer, or as :func:`tile_images`.

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_filters(np.random.default_rng(0).normal(size=(16, 784)), n=9)
    >>> fig.axes[0].get_title()
    'RBM filters (receptive fields)'
    """
    n = check_positive_int(n, "n")
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7))
    grid = tile_images(np.asarray(components)[:n], shape)
    ax.imshow(np.ma.masked_invalid(grid), cmap="gray", interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    return ax.figure


def plot_samples(samples, shape=None, ax=None, title="samples"):
    """Show binary samples or probabilities as a grid of images on a fixed [0, 1] scale.

    Parameters
    ----------
    samples : array_like, shape (n_samples, n_pixels)
        Values in [0, 1] (0 black, 1 white, as MNIST's strokes are 1).
    shape : tuple (height, width), optional
        Each image's shape (see :func:`tile_images`).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    title : str, default "samples"
        The axes' title.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax``.

    Raises
    ------
    ValueError
        As :func:`tile_images`.

    Examples
    --------
    >>> from pgm_ebm.datasets import load_embedded_mnist
    >>> fig = plot_samples(load_embedded_mnist("test")[:16], title="16 test digits")
    >>> fig.axes[0].get_title()
    '16 test digits'
    """
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7))
    grid = tile_images(samples, shape, normalize=False)
    ax.imshow(np.ma.masked_invalid(grid), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    return ax.figure


def plot_training(history, title="training curves"):
    """The recorded training metrics against epoch, one panel each.

    Parameters
    ----------
    history : list of dict
        A fitted model's ``history_``: one dict per epoch with ``"epoch"`` and whichever of
        ``reconstruction_error`` and ``monitor_pseudo_log_likelihood`` (RBM),
        ``mf_iter_mean``, ``weight_norm`` and ``monitor_lower_bound`` (DBM) were recorded.
    title : str, default "training curves"
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Examples
    --------
    >>> history = [{"epoch": 1, "reconstruction_error": 0.1},
    ...            {"epoch": 2, "reconstruction_error": 0.08}]
    >>> fig = plot_training(history)
    >>> fig.axes[0].get_ylabel()
    'reconstruction error (MSE per pixel)'
    """
    plt = _plt()
    keys = [
        k
        for k in (
            "reconstruction_error",
            "monitor_pseudo_log_likelihood",
            "mf_iter_mean",
            "weight_norm",
            "monitor_lower_bound",
        )  # fmt: skip
        if history and k in history[0]
    ]
    fig, axes = plt.subplots(
        1, max(len(keys), 1), figsize=(5 * max(len(keys), 1), 3.5), squeeze=False
    )
    epochs = [h["epoch"] for h in history]
    labels = {
        "reconstruction_error": "reconstruction error (MSE per pixel)",
        "monitor_pseudo_log_likelihood": "held-out pseudo-log-likelihood (nats)",
        "mf_iter_mean": "mean-field iterations per batch",
        "weight_norm": "weight norm (Frobenius)",
        "monitor_lower_bound": "held-out -F_q(v) (nats, without log Z)",
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


def plot_ising_observables(rows, size, sampler=""):
    """Energy, |m|, specific heat and susceptibility per spin against T, with error bars,
    the exact infinite-lattice curves (Onsager, Yang; c from the derivative of Onsager's
    energy) and T_c marked."""
    from pgm_ebm.partition import ising_exact as ex

    plt = _plt()
    T = np.array([r["T"] for r in rows])
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    Tf = np.linspace(max(T.min(), 0.5), T.max(), 400)
    bf = 1 / Tf
    exact = {
        "energy": ex.onsager_energy_per_site(bf),
        "abs_m": ex.yang_magnetization(bf),
        "specific_heat": -(bf**2) * np.gradient(ex.onsager_energy_per_site(bf), bf),
    }
    labels = {
        "energy": "energy per spin",
        "abs_m": "|m| per spin",
        "specific_heat": "specific heat per spin",
        "susceptibility": "susceptibility",
    }
    for ax, key in zip(axes.ravel(), labels, strict=True):
        y = np.array([r[key] for r in rows])
        err = np.array([r[key + "_err"] for r in rows])
        ax.errorbar(T, y, yerr=err, fmt="o", ms=3, capsize=2, label=f"{sampler} {size}x{size}")
        if key in exact:
            yk = exact[key]
            if key == "specific_heat":
                yk = np.where(yk < 3 * max(y.max(), 1e-9), yk, np.nan)
            ax.plot(Tf, yk, "k-", lw=1, label="exact, infinite lattice")
        ax.axvline(ex.T_C, color="gray", ls="--", lw=1)
        ax.set_ylabel(labels[key])
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("temperature T (J = 1)")
    axes[0, 0].legend(fontsize=8)
    axes[0, 1].text(ex.T_C, 0.05, " $T_c$", color="gray")
    fig.suptitle(f"2D Ising model, {size}x{size} torus")
    fig.tight_layout()
    return fig


def plot_spin_snapshots(configs, temperatures):
    """Spin configurations (black = -1, white = +1) at a few temperatures."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(configs), figsize=(3 * len(configs), 3.2), squeeze=False)
    for ax, s, T in zip(axes[0], configs, temperatures, strict=True):
        ax.imshow(s, cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
        ax.set_title(f"T = {T:.2f}")
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_trace(trace, title="energy trace"):
    """Burn-in diagnostic: energy per spin of every chain against sweep, with split R-hat."""
    from pgm_ebm import diagnostics

    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    e = trace.energy / trace.n_sites
    sweeps = (
        trace.sweep_numbers if len(trace.sweep_numbers) == e.shape[1] else np.arange(e.shape[1])
    )
    for k, row in enumerate(e):
        ax.plot(sweeps, row, lw=0.7, label=f"chain {k}")
    rhat = diagnostics.split_rhat(e) if e.shape[1] >= 4 else float("nan")
    tau = diagnostics.integrated_autocorr_time(e) if e.shape[1] >= 2 else float("nan")
    ax.set_title(f"{title}: split R-hat {rhat:.3f}, tau_int {tau:.1f} measurements")
    ax.set_xlabel("sweep")
    ax.set_ylabel("energy per spin")
    ax.grid(alpha=0.3)
    if len(e) <= 8:
        ax.legend(fontsize=7, ncol=min(len(e), 4))
    fig.tight_layout()
    return fig


def plot_two_kl(model, init=None):
    """Distribution of the number of up units under p, under the moment-matched factorized q
    (KL(p||q): covers both modes) and under mean field (KL(q||p): locks onto one)."""
    from pgm_ebm.expfam import factorized_fits, kl_divergences

    plt = _plt()
    S, p = model.probabilities()
    k = (S == model.values[1]).sum(axis=1)
    n = model.n
    p_up, q_mm, q_mf = factorized_fits(model, init=init)
    up = S == model.values[1]
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    width = 0.27
    for off, label, probs in (
        (-width, "p (exact)", p),
        (0.0, "moment matching, min KL(p||q)", np.prod(np.where(up, q_mm, 1 - q_mm), axis=1)),
        (width, "mean field, min KL(q||p)", np.prod(np.where(up, q_mf, 1 - q_mf), axis=1)),
    ):
        ax.bar(
            np.arange(n + 1) + off,
            np.bincount(k, weights=probs, minlength=n + 1),
            width,
            label=label,
        )
    kl_mm, kl_mf = kl_divergences(model, q_mm), kl_divergences(model, q_mf)
    ax.set_xlabel("number of up units")
    ax.set_ylabel("probability")
    ax.set_title(
        f"KL(p||q): {kl_mm[0]:.2f} vs {kl_mf[0]:.2f};  KL(q||p): {kl_mm[1]:.2f} vs {kl_mf[1]:.2f}",
        fontsize=9,
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_ising_log_partition(rows, size):
    """log Z / N against beta for every method (exact, AIS with 95% intervals, mean field,
    Bethe) and each method's error against the exact value; beta_c dashed."""
    from pgm_ebm.partition import ising_exact as ex

    plt = _plt()
    beta = np.array([r["beta"] for r in rows])
    N = size * size
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    exact = np.array([r["exact"] for r in rows]) / N
    ax.plot(beta, exact, "k-", lw=1.5, label="exact (Kaufman)")
    for key, style in (("mean-field", "s--"), ("bethe", "^--")):
        ax.plot(beta, np.array([r[key] for r in rows]) / N, style, ms=4, label=key)
        ax2.plot(beta, (np.array([r[key] for r in rows]) / N - exact), style, ms=4, label=key)
    ais = np.array([r["ais"] for r in rows]) / N
    lo = np.array([r["ais_lo"] for r in rows]) / N
    hi = np.array([r["ais_hi"] for r in rows]) / N
    ax.errorbar(beta, ais, yerr=[ais - lo, hi - ais], fmt="o", ms=3, capsize=2, label="AIS (95%)")
    ax2.errorbar(
        beta, ais - exact, yerr=[ais - lo, hi - ais], fmt="o", ms=3, capsize=2, label="AIS (95%)"
    )
    for a in (ax, ax2):
        a.axvline(ex.BETA_C, color="gray", ls="--", lw=1)
        a.set_xlabel(r"$\beta$")
        a.grid(alpha=0.3)
    ax.set_ylabel("log Z / N")
    ax2.set_ylabel("(estimate - exact) / N")
    ax2.axhline(0, color="k", lw=0.8)
    ax.legend(fontsize=8)
    fig.suptitle(f"{size}x{size} Ising torus: exact against approximate partition functions")
    fig.tight_layout()
    return fig


def plot_rbm_ais_convergence(rows, exact):
    """AIS estimates of an RBM's log Z (one series per ``direction`` of ``rows``: forward,
    reverse, ..., with 95% intervals) against the number of temperatures, beside the exact
    value; and the error against wall time."""
    plt = _plt()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    keys = list(dict.fromkeys(x["direction"] for x in rows))  # in order of appearance
    for key, marker in zip(keys, "osd^v"[: len(keys)], strict=True):
        r = [x for x in rows if x["direction"] == key]
        K = np.array([x["temperatures"] for x in r])
        z = np.array([x["log_z"] for x in r])
        lo = np.array([x["lo"] for x in r])
        hi = np.array([x["hi"] for x in r])
        ax.errorbar(
            K,
            z,
            yerr=[z - lo, hi - z],
            fmt=marker + "-",
            ms=4,
            capsize=2,
            label=f"AIS: {key} (95%)",
        )
        ax2.loglog(
            [x["seconds"] for x in r],
            np.maximum(np.abs(z - exact), 1e-4),
            marker + "-",
            label=f"AIS: {key}",
        )
    ax.axhline(exact, color="k", lw=1.2, label="exact (enumeration)")
    ax.set_xscale("log")
    ax.set_xlabel("number of temperatures")
    ax.set_ylabel("log Z")
    ax.legend(fontsize=8)
    ax2.set_xlabel("seconds")
    ax2.set_ylabel("|estimate - exact| (nats)")
    for a in (ax, ax2):
        a.grid(alpha=0.3, which="both")
    fig.suptitle("RBM log Z: annealed importance sampling against the exact value")
    fig.tight_layout()
    return fig


def plot_binder_fss(study):
    """Left: the Binder cumulant U_4(T) of each size with its errors, crossing near T_c
    (Onsager's value marked); right: the same points against the scaling variable
    ``(T - T_c) L^(1/nu)`` with nu = 1 and the study's T_c, where they collapse onto one
    curve when the finite-size scaling holds."""
    plt = _plt()
    rows, tc = study["rows"], study["T_c"]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for L in sorted({r["L"] for r in rows}):
        r = [x for x in rows if x["L"] == L]
        T = np.array([x["T"] for x in r])
        u = np.array([x["binder"] for x in r])
        e = np.array([x["binder_err"] for x in r])
        ax.errorbar(T, u, yerr=e, fmt="o-", ms=3, capsize=2, label=f"L = {L}")
        ax2.errorbar((T - tc) * L, u, yerr=e, fmt="o", ms=3, capsize=2, label=f"L = {L}")
    ax.axvline(study["T_onsager"], color="k", lw=1, ls="--", label="Onsager T_c")
    ax.axvline(tc, color="C3", lw=1, label=f"crossing {tc:.4f} +- {study['T_c_err']:.4f}")
    ax.set_xlabel("temperature T")
    ax.set_ylabel("Binder cumulant U_4")
    ax.legend(fontsize=8)
    ax2.set_xlabel("(T - T_c) L  (nu = 1)")
    ax2.set_ylabel("U_4")
    ax2.legend(fontsize=8)
    for a in (ax, ax2):
        a.grid(alpha=0.3)
    fig.suptitle("2D Ising: Binder cumulants cross at T_c; collapse under finite-size scaling")
    fig.tight_layout()
    return fig


def plot_denoise_panel(clean, noisy, results, title=None):
    """Clean and noisy images, each method's restoration (pixel error and energy in the
    title), the posterior-marginal map as grey levels, and the energy traces of ICM,
    annealing and Gibbs against the graph-cut minimum.

    ``results``: ``{method: DenoiseResult}`` as from :func:`pgm_ebm.denoise.compare_methods`.
    """
    plt = _plt()
    methods = list(results)
    marg = next((results[m] for m in ("gibbs", "bp", "mean-field") if m in results), None)
    tiles = [("clean", clean), ("noisy", noisy)] if clean is not None else [("noisy", noisy)]
    n_img = len(tiles) + len(methods) + (marg is not None)
    n_cols = 4
    n_rows = -(-n_img // n_cols) + 1
    fig = plt.figure(figsize=(3.0 * n_cols, 3.1 * n_rows))
    k = 0

    def show(img, label, cmap="gray", vmin=-1, vmax=1):
        nonlocal k
        ax = fig.add_subplot(n_rows, n_cols, k + 1)
        ax.imshow(img, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(label, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        k += 1

    for label, img in tiles:
        s = np.asarray(img)
        extra = ""
        if label == "noisy" and clean is not None and s.shape == np.shape(clean):
            if set(np.unique(s)) <= {-1, 1}:
                extra = f"\n{100 * np.mean(s != clean):.2f}% pixels wrong"
        show(s if s.dtype.kind != "b" else np.where(s, 1, -1), label + extra)
    for m in methods:
        r = results[m]
        err = r.settings.get("error_rate")
        e = f"{100 * err:.2f}% wrong, " if err is not None else ""
        show(r.spins, f"{m}\n{e}E = {r.energy:.1f}")
    if marg is not None:
        show(marg.marginals, f"p(x = +1 | y), {marg.method}", vmin=0, vmax=1)
    ax = fig.add_subplot(n_rows, 1, n_rows)
    gc = results.get("graph-cut")
    ref = gc.energy if gc is not None else 0.0
    for m in ("icm", "annealing", "gibbs"):
        if m in results and results[m].trace is not None:
            t = np.asarray(results[m].trace)
            t = t if t.ndim == 1 else t[:, 0]
            label = m + (" (chain 0)" if m == "gibbs" else "")
            ax.plot(np.arange(1, len(t) + 1), t - ref, lw=1, label=label)
    if gc is not None:
        ax.axhline(0.0, color="k", ls="--", lw=1, label="graph cut (global minimum)")
        ax.set_ylabel("E(x) - E(graph cut)")
    else:
        ax.set_ylabel("energy E(x)")
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_ylim(bottom=-0.5)
    ax.set_xlabel("sweep")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
