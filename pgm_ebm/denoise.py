"""Binary image denoising with an Ising prior.

The posterior of a clean image ``x`` (pixels in {-1, +1}) given a noisy observation
``y`` is an Ising model on the pixel grid (Besag 1986; Greig, Porteous & Seheult 1989;
Bishop, *PRML* 8.3.3)::

    p(x | y) ~ exp(beta * sum_<ij> x_i x_j + eta * sum_i x_i y_i - h * sum_i x_i)

i.e. the energy ``E(x) = -beta sum_<ij> x_i x_j - sum_i u_i x_i`` with the unary field
``u = eta * y - h``, free (image) boundaries and the 4- or 8-neighbourhood.

- Flip noise (each pixel flipped with probability p): ``eta = 0.5 log((1 - p) / p)``
  is the exact log-likelihood ratio; Bishop's example uses ``eta = 2.1`` (the default
  when no noise rate is given).
- Gaussian noise (``y = x + sigma * noise``, real-valued): ``eta = 1 / sigma^2``.

The mapping to :class:`~pgm_ebm.IsingLattice`'s conventions (``E = -J sum s_i s_j - sum h_i
s_i``, ``p ~ exp(-beta_ising E)``), stated here once: this posterior is the Ising model with
``beta_ising * J = beta`` (here ``beta`` is a coupling at unit temperature, not an inverse
temperature) and ``beta_ising * h_i = eta * y_i - h``: the ``h`` of this module is a bias
*against* +1 pixels, of the opposite sign to the lattice's field, and free boundaries.  An
annealing ``beta_schedule`` multiplies the whole energy, as on the lattice.

:func:`denoise` runs one inference method; :func:`compare_methods` runs them side by
side against a clean image.  The exact MAP (``method="graph-cut"``) is the global
minimum of E, so every other method can be measured against it.

Example
-------
>>> from pgm_ebm import denoise as dn
>>> clean = dn.builtin_image("shapes", size=64)
>>> noisy = dn.add_flip_noise(clean, 0.1, random_state=0)
>>> restored = dn.denoise(noisy, method="graph-cut", beta=1.0, eta=2.1)
>>> float((restored != clean).mean()) < 0.03
True
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pgm_ebm._rng import check_random_state, seed_streams
from pgm_ebm._validation import (
    as_real_array,
    check_choice,
    check_memory,
    check_positive_int,
    check_real,
)

__all__ = [
    "METHODS",
    "BUILTIN_IMAGES",
    "DenoiseResult",
    "denoise",
    "compare_methods",
    "energy",
    "add_flip_noise",
    "add_gaussian_noise",
    "builtin_image",
    "read_image",
    "load_image",
    "save_image",
    "estimate_parameters",
    "flip_eta",
]

#: the inference methods of :func:`denoise`
METHODS = ("icm", "gibbs", "annealing", "mean-field", "bp", "graph-cut")
#: names accepted by :func:`builtin_image` (and ``builtin:NAME`` by :func:`load_image`)
BUILTIN_IMAGES = ("shapes", "text", "digit")
#: Bishop's parameters (PRML 8.3.3)
BISHOP_BETA = 1.0
BISHOP_ETA = 2.1


@dataclass
class DenoiseResult:
    """What one inference method returned.

    Attributes
    ----------
    image : ndarray
        The restored image, in the convention of the input (``{-1, +1}`` or ``{0, 1}``;
        ``int8`` ``{-1, +1}`` for Gaussian observations).
    spins : int8 ndarray
        The same image in ``{-1, +1}``.
    energy : float
        ``E(x)`` of the restored image under the posterior (lower is more probable).
    method : str
    marginals : ndarray or None
        Estimated posterior marginals ``p(x_i = +1 | y)`` (Gibbs, mean field, BP).
    trace : ndarray or None
        Energy after each sweep (ICM, annealing: one chain; Gibbs: ``(n_sweeps,
        n_chains)``); mean field and BP record their largest change per iteration in
        ``deltas`` instead.
    n_iter : int
        Sweeps or iterations done.
    converged : bool or None
        ICM: a sweep changed nothing; mean field / BP: change below ``tol``.
    exact : bool or None
        Graph cut: True, the result is the global minimum of the energy (the maximum
        flow runs on the float64 capacities: exact up to rounding, relative 1e-15).
    settings : dict
    wall_time : float
    """

    image: np.ndarray
    spins: np.ndarray
    energy: float
    method: str
    marginals: np.ndarray | None = None
    trace: np.ndarray | None = None
    deltas: np.ndarray | None = None
    n_iter: int = 0
    converged: bool | None = None
    exact: bool | None = None
    settings: dict = field(default_factory=dict)
    wall_time: float = 0.0

    def error_rate(self, clean) -> float:
        """Fraction of pixels that differ from ``clean`` (any binary convention)."""
        c, _ = _as_spins(clean, "clean")
        if c.shape != self.spins.shape:
            raise ValueError(f"clean has shape {c.shape}, the result {self.spins.shape}")
        return float(np.mean(c != self.spins))


# --------------------------------------------------------------------------- conventions
def _as_spins(img, name="y"):
    """Binary image -> (int8 {-1, +1} copy, convention 'pm1' | '01')."""
    a = np.asarray(img)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D image, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} is empty (shape {a.shape})")
    if a.dtype == bool:
        return np.where(a, 1, -1).astype(np.int8), "01"
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be real numbers, got dtype {a.dtype}")
    vals = np.unique(a)
    if np.all(np.isin(vals, (-1, 1))):
        return a.astype(np.int8), "pm1"
    if np.all(np.isin(vals, (0, 1))):
        return np.where(a > 0, 1, -1).astype(np.int8), "01"
    raise ValueError(
        f"{name} must be binary, in {{-1, +1}} or {{0, 1}}; found values such as "
        f"{vals[~np.isin(vals, (-1, 0, 1))][:3].tolist()} (for real-valued observations use "
        "noise='gaussian')"
    )


def _from_spins(s, convention, dtype):
    out = s if convention == "pm1" else (s > 0)
    return out.astype(dtype)


def _pad(a, dtype):
    H, W = a.shape
    out = np.zeros((H + 2, W + 2), dtype)
    out[1:-1, 1:-1] = a
    return out


def flip_eta(noise_rate: float) -> float:
    """``0.5 log((1 - p) / p)``: the coupling of x to y under flip noise of rate p."""
    p = check_real(noise_rate, "noise_rate", 0.0, 0.5, low_open=True, high_open=True)
    return 0.5 * math.log((1.0 - p) / p)


def _model(y, noise, beta, eta, h, noise_rate, sigma, neighbourhood):
    """Validate; return (unary field u (H, W), y convention, y dtype, settings)."""
    noise = check_choice(noise, "noise", ("flip", "gaussian"))
    beta = check_real(beta, "beta", low=0.0)
    h = check_real(h, "h")
    neighbourhood = check_choice(neighbourhood, "neighbourhood", (4, 8))
    if noise == "flip":
        ys, conv = _as_spins(y, "y")
        yv = ys.astype(np.float64)
        dtype = np.asarray(y).dtype
        if eta is None:
            eta = BISHOP_ETA if noise_rate is None else flip_eta(noise_rate)
        elif noise_rate is not None:
            raise ValueError("give eta or noise_rate, not both")
    else:
        yv = as_real_array(y, "y", finite=False)
        if yv.ndim != 2 or yv.size == 0:
            raise ValueError(f"y must be a non-empty 2-D image, got shape {yv.shape}")
        if not np.all(np.isfinite(yv)):
            raise ValueError("y must be finite")
        conv, dtype = "pm1", np.int8
        if eta is None:
            if sigma is None:
                raise ValueError("noise='gaussian' needs sigma (the noise level) or eta")
            s = check_real(sigma, "sigma", 0.0, low_open=True)
            eta = 1.0 / s**2
        elif sigma is not None:
            raise ValueError("give eta or sigma, not both")
    eta = check_real(eta, "eta")
    settings = dict(beta=beta, eta=eta, h=h, noise=noise, neighbourhood=neighbourhood)
    return eta * yv - h, conv, dtype, settings


def energy(
    x,
    y,
    *,
    beta=BISHOP_BETA,
    eta=None,
    h=0.0,
    noise="flip",
    noise_rate=None,
    sigma=None,
    neighbourhood=4,
) -> float:
    """``E(x) = -beta sum_<ij> x_i x_j - sum_i (eta y_i - h) x_i`` of a binary image x."""
    from pgm_ebm.kernels.denoise import _energy_2d

    u, *_, st = _model(y, noise, beta, eta, h, noise_rate, sigma, neighbourhood)
    xs, _ = _as_spins(x, "x")
    if xs.shape != u.shape:
        raise ValueError(f"x has shape {xs.shape}, y {u.shape}")
    return float(
        _energy_2d(_pad(xs, np.int8), _pad(u, np.float64), st["beta"], st["neighbourhood"] == 8)
    )


# --------------------------------------------------------------------------- methods
def _icm_run(x0, up, beta, diag, max_sweeps):
    from pgm_ebm.kernels.denoise import _icm

    X = _pad(x0, np.int8)
    trace = np.zeros(max_sweeps)
    n = int(_icm(X, up, beta, diag, max_sweeps, trace))
    return X[1:-1, 1:-1].copy(), trace[:n], n


def _sweeps(
    x0, up, beta, diag, inv_temps, burn_in, n_chains, random_state, progress, desc, track=True
):
    """Heat-bath sweeps in chunks (for the progress bar); returns (X, acc, trace)."""
    from tqdm.auto import tqdm

    from pgm_ebm.kernels.denoise import _energies, _gibbs_sweeps

    H, W = x0.shape
    check_memory(
        n_chains * ((H + 2) * (W + 2) * 5.0 + 16.0 * H), f"{n_chains} Gibbs chains", "n_chains"
    )
    X = np.repeat(_pad(x0, np.int8)[None], n_chains, axis=0)
    streams = seed_streams(check_random_state(random_state), n_chains * H)
    e = np.empty(n_chains)
    _energies(X, up, beta, diag, e)
    n = len(inv_temps)
    trace = np.full((n, n_chains), np.nan)
    acc = np.zeros((n_chains,) + up.shape, np.int32)
    chunk = max(1, min(n, 50))
    with tqdm(total=n, disable=not progress, desc=desc, unit="sweep") as bar:
        for k0 in range(0, n, chunk):
            k1 = min(n, k0 + chunk)
            b = max(0, burn_in - k0)
            _gibbs_sweeps(
                X, up, beta, diag, inv_temps[k0:k1], b, streams, acc, track, e, trace[k0:k1]
            )
            bar.update(k1 - k0)
    return X, acc.sum(axis=0)[1:-1, 1:-1], trace


def _graph_cut(u, beta, diag):
    """Exact MAP by minimum s-t cut (Greig, Porteous & Seheult 1989).

    With z = (x + 1) / 2: E = const + sum_edges 2 beta [z_i != z_j] + unary terms
    (2 u_i if u_i > 0 and z_i = 0; -2 u_i if u_i < 0 and z_i = 1): a cut of the graph
    source -> i (capacity 2 u_i), i -> sink (-2 u_i), i <-> j (2 beta).  The maximum flow
    runs on the float64 capacities themselves (:func:`pgm_ebm.kernels.maxflow._grid_max_flow`,
    the grid's arcs implicit), so no scaling to integers can wrap or round (it did, with
    SciPy's int32 ``maximum_flow``).
    """
    from pgm_ebm.kernels.maxflow import _grid_max_flow

    H, W = u.shape
    dirs = [(0, 1), (0, -1), (1, 0), (-1, 0)]
    if diag:
        dirs += [(1, 1), (-1, -1), (1, -1), (-1, 1)]
    opp = np.array([dirs.index((-a, -b)) for a, b in dirs], np.int64)
    off = np.array([a * W + b for a, b in dirs], np.int64)
    cap = np.zeros((H, W, len(dirs)))
    if beta > 0:
        for k, (a, b) in enumerate(dirs):  # arcs whose neighbour lies inside the image
            cap[max(0, -a) : H - max(0, a), max(0, -b) : W - max(0, b), k] = 2.0 * beta
    uf = u.ravel()
    src = np.where(uf > 0, 2.0 * uf, 0.0)
    snk = np.where(uf < 0, -2.0 * uf, 0.0)
    reach = np.zeros(H * W, np.int8)
    flow = _grid_max_flow(cap.reshape(H * W, len(dirs)), src, snk, off, opp, reach)
    x = np.where(reach == 1, 1, -1).astype(np.int8).reshape(H, W)
    return x, True, {"max_flow": float(flow), "solver": "dinic-grid-float64"}


def denoise(
    y,
    method: str = "graph-cut",
    *,
    beta: float = BISHOP_BETA,
    eta: float | None = None,
    h: float = 0.0,
    noise: str = "flip",
    noise_rate: float | None = None,
    sigma: float | None = None,
    neighbourhood: int = 4,
    n_sweeps: int | None = None,
    burn_in: int | None = None,
    n_chains: int | None = None,
    beta_schedule=None,
    damping: float = 0.5,
    tol: float = 1e-6,
    max_iter: int = 1000,
    init=None,
    random_state=None,
    progress: bool = False,
    return_result: bool = False,
):
    """Restore a binary image from a noisy observation under an Ising prior.

    Parameters
    ----------
    y : array (H, W)
        The noisy image: binary (``{-1, +1}`` or ``{0, 1}``) for ``noise="flip"``,
        real-valued (around ``-1`` and ``+1``) for ``noise="gaussian"``.  Not modified.
    method : {"graph-cut", "icm", "gibbs", "annealing", "mean-field", "bp"}
        - ``"graph-cut"``: exact MAP by minimum cut (Dinic's maximum flow on float64
          capacities).
        - ``"icm"``: iterated conditional modes from ``init`` (default: the sign of
          ``eta * y - h``, i.e. y for flip noise), to convergence (a sweep that changes
          nothing) or ``max_iter`` sweeps.
        - ``"gibbs"``: heat-bath Gibbs sampling of the posterior, ``n_chains`` chains
          (default 4) of ``n_sweeps`` (default 1000) sweeps after ``burn_in`` (default
          200); returns the maximiser of the posterior marginals (MPM).
        - ``"annealing"``: simulated annealing to the MAP: ``n_sweeps`` (default 500)
          heat-bath sweeps at the inverse temperatures ``beta_schedule`` (absolute, one
          per sweep, multiplying the whole energy; default geometric from 0.1 to 10),
          then ICM.
        - ``"mean-field"``: damped naive mean field (``damping`` is the weight of the old
          value), thresholded at 0.
        - ``"bp"``: damped loopy (sum-product) belief propagation; MPM of its beliefs.
    beta : float >= 0
        Coupling between neighbouring pixels.
    eta : float, optional
        Coupling to the observation.  Flip noise: default ``0.5 log((1 - p) / p)`` when
        ``noise_rate`` is given, else Bishop's 2.1.  Gaussian noise: default
        ``1 / sigma^2``.
    h : float
        Bias against +1 pixels (the energy has ``+h sum x_i``).
    noise : {"flip", "gaussian"}
    neighbourhood : {4, 8}
        8 adds the diagonal neighbours with the same coupling beta.
    random_state : None, int or Generator
        Seeds the samplers (Gibbs, annealing).
    progress : bool
        Progress bar on the sampling methods.
    return_result : bool
        Return a :class:`DenoiseResult` (image, energy, marginals, traces, convergence)
        instead of the image alone.

    Returns
    -------
    ndarray or DenoiseResult
        The restored image in the convention of ``y``.
    """
    from pgm_ebm.kernels.denoise import _energy_2d

    t0 = time.perf_counter()
    method = check_choice(method, "method", METHODS)
    u, conv, dtype, st = _model(y, noise, beta, eta, h, noise_rate, sigma, neighbourhood)
    beta, diag = st["beta"], st["neighbourhood"] == 8
    damping = check_real(damping, "damping", 0.0, 1.0, high_open=True)
    tol = check_real(tol, "tol", 0.0, low_open=True)
    max_iter = check_positive_int(max_iter, "max_iter")
    up = _pad(u, np.float64)
    if init is None:  # the sign of the unary field: the noisy image itself for flip noise
        x0 = np.where(u >= 0, 1, -1).astype(np.int8)
    else:
        x0, _ = _as_spins(init, "init")
        if x0.shape != u.shape:
            raise ValueError(f"init has shape {x0.shape}, y {u.shape}")
    out = dict(marginals=None, trace=None, deltas=None, converged=None, exact=None)
    if method == "icm":
        x, out["trace"], n = _icm_run(x0, up, beta, diag, max_iter)
        out["converged"] = n < max_iter or (n >= 2 and out["trace"][-1] == out["trace"][-2])
    elif method in ("gibbs", "annealing"):
        n_chains = check_positive_int(
            n_chains if n_chains is not None else (4 if method == "gibbs" else 1), "n_chains"
        )
        if method == "gibbs":
            n_sweeps = check_positive_int(1000 if n_sweeps is None else n_sweeps, "n_sweeps")
            burn_in = check_positive_int(200 if burn_in is None else burn_in, "burn_in", 0)
            temps = np.ones(burn_in + n_sweeps)
            st.update(n_sweeps=n_sweeps, burn_in=burn_in, n_chains=n_chains)
        else:
            n_sweeps = check_positive_int(500 if n_sweeps is None else n_sweeps, "n_sweeps")
            if beta_schedule is None:
                temps = np.geomspace(0.1, 10.0, n_sweeps)
            else:
                temps = as_real_array(beta_schedule, "beta_schedule")
                if temps.ndim != 1 or len(temps) < 1:
                    raise ValueError(
                        "beta_schedule must be a 1-D array of finite inverse temperatures"
                    )
                if np.any(temps <= 0) or np.any(np.diff(temps) < 0):
                    raise ValueError("beta_schedule must be positive and non-decreasing")
            burn_in = len(temps)
            st.update(
                n_sweeps=len(temps),
                n_chains=n_chains,
                beta_schedule=(
                    f"geometric 0.1 -> 10, {n_sweeps} sweeps" if beta_schedule is None else "user"
                ),
            )
        X, acc, trace = _sweeps(
            x0, up, beta, diag, temps, burn_in, n_chains, random_state, progress, method
        )
        if method == "gibbs":
            n_samples = n_chains * n_sweeps
            m = acc / n_samples  # posterior mean of x
            out["marginals"] = (1.0 + m) / 2.0
            x = np.where(m > 0, 1, np.where(m < 0, -1, x0)).astype(np.int8)
            out["trace"] = trace
        else:
            # the lowest-energy chain, then ICM to a local minimum at temperature 0
            best = int(np.argmin(trace[-1]))
            x, icm_trace, _ = _icm_run(X[best, 1:-1, 1:-1], up, beta, diag, max_iter)
            out["trace"] = np.concatenate([trace[:, best], icm_trace])
        n = len(temps)
    elif method == "mean-field":
        from pgm_ebm.kernels.denoise import _mean_field

        M = _pad(x0.astype(np.float64), np.float64)
        deltas = np.zeros(max_iter)
        n = int(_mean_field(M, up, beta, diag, damping, max_iter, tol, deltas))
        m = M[1:-1, 1:-1]
        out.update(marginals=(1.0 + m) / 2.0, deltas=deltas[:n], converged=deltas[n - 1] < tol)
        x = np.where(m >= 0, 1, -1).astype(np.int8)
        st.update(damping=damping, tol=tol)
    elif method == "bp":
        from pgm_ebm.kernels.denoise import _loopy_bp

        off = [(-1, 0), (1, 0), (0, -1), (0, 1)]
        if diag:
            off += [(-1, -1), (1, 1), (-1, 1), (1, -1)]
        di = np.array([o[0] for o in off], np.int64)
        dj = np.array([o[1] for o in off], np.int64)
        opp = np.array([off.index((-a, -b)) for a, b in off], np.int64)
        msg = np.zeros((len(off),) + up.shape)
        fld = np.zeros(up.shape)
        deltas = np.zeros(max_iter)
        n = int(_loopy_bp(msg, up, beta, di, dj, opp, damping, max_iter, tol, fld, deltas))
        f = fld[1:-1, 1:-1]
        out.update(
            marginals=1.0 / (1.0 + np.exp(-2.0 * f)),
            deltas=deltas[:n],
            converged=deltas[n - 1] < tol,
        )
        x = np.where(f >= 0, 1, -1).astype(np.int8)
        st.update(damping=damping, tol=tol)
    else:
        x, exact, info = _graph_cut(u, beta, diag)
        out["exact"] = exact
        st.update(info)
        n = 1
    e = float(_energy_2d(_pad(x, np.int8), up, beta, diag))
    res = DenoiseResult(
        image=_from_spins(x, conv, dtype),
        spins=x,
        energy=e,
        method=method,
        n_iter=int(n),
        settings=st,
        wall_time=time.perf_counter() - t0,
        **out,
    )
    return res if return_result else res.image


def compare_methods(
    clean, noisy, methods=METHODS, *, progress=False, random_state=None, **options
) -> dict:
    """Run several methods on one noisy image; returns ``{method: DenoiseResult}`` with
    ``error_rate`` (against ``clean``; None without it) in each result's settings."""
    out = {}
    for m in methods:
        r = denoise(
            noisy, m, return_result=True, progress=progress, random_state=random_state, **options
        )
        r.settings["error_rate"] = None if clean is None else r.error_rate(clean)
        out[m] = r
    return out


# --------------------------------------------------------------------------- noise
def add_flip_noise(x, noise_rate: float, random_state=None) -> np.ndarray:
    """Flip each pixel of the binary image x independently with probability ``noise_rate``
    (in (0, 0.5)); returns a new image in x's convention."""
    p = check_real(noise_rate, "noise_rate", 0.0, 0.5, low_open=True, high_open=True)
    s, conv = _as_spins(x, "x")
    rng = check_random_state(random_state)
    flip = rng.random(s.shape) < p
    return _from_spins(np.where(flip, -s, s).astype(np.int8), conv, np.asarray(x).dtype)


def add_gaussian_noise(x, sigma: float, random_state=None) -> np.ndarray:
    """``y = x + sigma * N(0, 1)`` on the {-1, +1} version of the binary image x (float64)."""
    sigma = check_real(sigma, "sigma", 0.0, low_open=True)
    s, _ = _as_spins(x, "x")
    rng = check_random_state(random_state)
    return s + sigma * rng.standard_normal(s.shape)


# --------------------------------------------------------------------------- images
def _shapes(n):
    yy, xx = np.mgrid[0:n, 0:n] / n
    img = np.zeros((n, n), bool)
    img |= (xx - 0.28) ** 2 + (yy - 0.3) ** 2 < 0.17**2  # disc
    img |= ((xx - 0.7) / 0.22) ** 2 + ((yy - 0.7) / 0.14) ** 2 < 1  # ellipse
    img |= (np.abs(xx - 0.72) < 0.14) & (np.abs(yy - 0.24) < 0.1)  # rectangle
    # triangle with vertices (0.1, 0.9), (0.45, 0.9), (0.275, 0.58)
    img |= (yy < 0.9) & (yy > 0.58 + 1.83 * np.abs(xx - 0.275))
    return img


def _text(n):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1), dpi=n)
    canvas = FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    fig.text(
        0.5,
        0.68,
        "Ising",
        ha="center",
        va="center",
        fontsize=0.30 * 72,
        weight="bold",
        family="DejaVu Sans",
    )
    fig.text(
        0.5,
        0.3,
        "prior",
        ha="center",
        va="center",
        fontsize=0.30 * 72,
        weight="bold",
        family="DejaVu Sans",
    )
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())[:n, :n, :3].astype(np.float64) / 255
    return rgba.mean(axis=2) >= 0.5  # white background +1, black ink -1


def _digit(n):
    from scipy.ndimage import zoom

    from pgm_ebm.datasets import load_embedded_mnist

    d = load_embedded_mnist("test")[0].reshape(28, 28).astype(np.float64)
    pad = np.pad(d, 2)
    return zoom(pad, n / 32, order=1)[:n, :n] >= 0.5


def builtin_image(name: str = "shapes", size: int = 128) -> np.ndarray:
    """A built-in binary test image, int8 in {-1, +1} (+1 is white).

    ``"shapes"``: a disc, an ellipse, a rectangle and a triangle (the image of the
    quality targets in the docs); ``"text"``: the words
    "Ising prior" rendered with matplotlib's DejaVu Sans; ``"digit"``: an MNIST test
    digit (the embedded subset's first) upscaled by linear interpolation and thresholded.
    Sizes 128 and 512 are the documented ones; any size >= 16 works.
    """
    check_choice(name, "name", BUILTIN_IMAGES)
    size = check_positive_int(size, "size", 16)
    check_memory(64.0 * size * size, f"a {size} x {size} built-in image", "size")
    img = {"shapes": _shapes, "text": _text, "digit": _digit}[name](size)
    return np.where(img, 1, -1).astype(np.int8)


def read_image(path, threshold: float = 0.5, *, quiet: bool = False) -> np.ndarray:
    """Read a PNG or JPEG (matplotlib's reader) as a binary int8 {-1, +1} image.

    Colour is converted to grey (luminance 0.299 R + 0.587 G + 0.114 B; alpha ignored);
    a grey image is thresholded (grey >= ``threshold`` -> +1, white).  Both steps are
    announced with a ``UserWarning`` saying how (``quiet=True``: silently).
    """
    import matplotlib.image as mpimg

    path = Path(path)
    threshold = check_real(threshold, "threshold", 0.0, 1.0)
    if not path.is_file():
        raise FileNotFoundError(f"image file not found: {path}")
    try:
        raw = np.asarray(mpimg.imread(path))
    except Exception as exc:  # PIL's UnidentifiedImageError, SyntaxError, OSError, ...
        raise ValueError(f"{path}: not a readable image (PNG or JPEG): {exc}") from None
    if raw.size == 0 or raw.ndim < 2 or min(raw.shape[:2]) == 0:
        raise ValueError(f"{path}: the image is empty (shape {raw.shape})")
    a = raw.astype(np.float64)
    if raw.dtype.kind in "ui":  # JPEG: 8-bit integers
        a /= float(np.iinfo(raw.dtype).max)
    notes = []
    if a.ndim == 3:
        if a.shape[2] >= 3 and not (
            np.array_equal(a[..., 0], a[..., 1]) and np.array_equal(a[..., 1], a[..., 2])
        ):
            a = 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]
            notes.append("converted colour to grey (0.299 R + 0.587 G + 0.114 B)")
        else:
            a = a[..., 0]
    vals = np.unique(a)
    if not np.all(np.isin(vals, (0.0, 1.0))):
        frac = float(np.mean(a >= threshold))
        notes.append(
            f"thresholded grey levels at {threshold:g} (>= {threshold:g} -> white, +1): "
            f"{100 * frac:.1f}% of pixels white"
        )
    if notes and not quiet:
        warnings.warn(f"{path.name}: " + "; ".join(notes), UserWarning, stacklevel=2)
    return np.where(a >= threshold, 1, -1).astype(np.int8)


def load_image(spec, size: int = 128, threshold: float = 0.5, quiet: bool = False):
    """``"builtin:NAME"`` -> :func:`builtin_image`; anything else -> :func:`read_image`."""
    s = str(spec)
    if s.startswith("builtin:"):
        return builtin_image(s.split(":", 1)[1], size)
    return read_image(s, threshold, quiet=quiet)


def save_image(path, x) -> None:
    """Write a binary image (either convention) or marginals in [0, 1] as a grey PNG."""
    import matplotlib.image as mpimg

    a = np.asarray(x)
    if a.dtype.kind == "f" and a.min() >= 0 and a.max() <= 1:
        mpimg.imsave(path, a, cmap="gray", vmin=0.0, vmax=1.0)
    else:
        s, _ = _as_spins(a, "x")
        mpimg.imsave(path, s, cmap="gray", vmin=-1, vmax=1)


# --------------------------------------------------------------------------- parameters
def _pl_beta(x, diag):
    """Maximum pseudo-likelihood beta of the Ising prior (h = 0) on one {-1,+1} image or a
    stack: maximises sum_i log sigmoid(2 beta x_i nb_i)."""
    from scipy.optimize import minimize_scalar

    xs = np.asarray(x, np.int64)
    if xs.ndim == 2:
        xs = xs[None]
    P = np.pad(xs, ((0, 0), (1, 1), (1, 1)))
    nb = P[:, :-2, 1:-1] + P[:, 2:, 1:-1] + P[:, 1:-1, :-2] + P[:, 1:-1, 2:]
    if diag:
        nb = nb + P[:, :-2, :-2] + P[:, :-2, 2:] + P[:, 2:, :-2] + P[:, 2:, 2:]
    a = (xs * nb).ravel()
    vals, counts = np.unique(a, return_counts=True)

    def nll(b):
        return float(np.sum(counts * np.logaddexp(0.0, -2.0 * b * vals)))

    r = minimize_scalar(nll, bounds=(0.0, 10.0), method="bounded", options={"xatol": 1e-6})
    return float(r.x)


def _clip_rate(p, n):
    """A noise rate kept inside (0, 0.5), half a pixel away from either end."""
    return min(max(float(p), 0.5 / n), 0.5 - 0.5 / n)


def estimate_parameters(
    y,
    method: str = "em",
    *,
    neighbourhood: int = 4,
    n_iter: int = 10,
    n_sweeps: int = 20,
    random_state=None,
) -> dict:
    """Estimate beta and the flip-noise eta from the noisy image alone.

    - ``"pseudo-likelihood"`` (Besag 1986): alternate a restoration x (ICM) with the
      maximum pseudo-likelihood beta of the Ising prior on x and the noise rate
      ``p = mean(x != y)`` (``eta = 0.5 log((1 - p) / p)``), starting from a 3x3
      majority vote of y.
    - ``"em"``: stochastic EM: the E-step draws posterior samples with the Gibbs sampler
      (persistent chains, ``n_sweeps`` per iteration), the M-step sets beta by maximum
      pseudo-likelihood on the samples and p by their disagreement with y.

    Returns ``dict(beta, eta, noise_rate, method, n_iter)``.  How close these come to
    the true values is measured in the docs (denoise page): EM recovers the noise rate
    to within a few tenths of a percent and a beta near Bishop's 1.0, and the
    restoration with its estimates is as good as with the true values.  The
    pseudo-likelihood variant over-smooths: ICM restorations look so regular to the
    prior that beta runs to the bound (10), and a warning says so.
    """
    from scipy.ndimage import uniform_filter

    method = check_choice(method, "method", ("pseudo-likelihood", "em"))
    neighbourhood = check_choice(neighbourhood, "neighbourhood", (4, 8))
    n_iter = check_positive_int(n_iter, "n_iter")
    ys, _ = _as_spins(y, "y")
    diag = neighbourhood == 8
    N = ys.size
    x = np.where(uniform_filter(ys.astype(np.float64), 3, mode="nearest") >= 0, 1, -1)
    x = x.astype(np.int8)
    rng = check_random_state(random_state)
    X = None
    for _ in range(n_iter):
        if method == "pseudo-likelihood":
            beta = _pl_beta(x, diag)
            p = _clip_rate(np.mean(x != ys), N)
            eta = flip_eta(p)
            up = _pad(eta * ys.astype(np.float64), np.float64)
            x, _, _ = _icm_run(x, up, beta, diag, 100)
        else:
            if X is None:
                beta = _pl_beta(x, diag)
                p = _clip_rate(np.mean(x != ys), N)
                X = x
            eta = flip_eta(p)
            up = _pad(eta * ys.astype(np.float64), np.float64)
            Xs, _, _ = _sweeps(X, up, beta, diag, np.ones(n_sweeps), n_sweeps, 2, rng, False, "")
            samples = Xs[:, 1:-1, 1:-1]
            X = samples[0]
            beta = _pl_beta(samples, diag)
            p = _clip_rate(np.mean(samples != ys[None]), N)
    if beta > 9.99:
        warnings.warn(
            f"estimate_parameters(method={method!r}): beta ran to the bound 10 (the "
            "restorations look too regular to the prior's pseudo-likelihood); the "
            "estimate is not usable, try method='em'",
            UserWarning,
            stacklevel=2,
        )
    return dict(
        beta=float(beta), eta=flip_eta(p), noise_rate=float(p), method=method, n_iter=n_iter
    )
