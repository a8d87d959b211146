"""Inference under the Ising-prior posterior of :mod:`pgm_ebm.denoise`: exact MAP by
minimum cut, ICM, Gibbs sampling (MPM), simulated annealing, mean field, loopy BP."""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from pgm_ebm._rng import check_random_state
from pgm_ebm._validation import as_real_array, check_choice, check_positive_int, check_real
from pgm_ebm.denoise.images import as_spins, from_spins, pad
from pgm_ebm.denoise.posterior import GridPosterior
from pgm_ebm.samplers import grid
from pgm_ebm.samplers.registry import get_sampler

__all__ = [
    "METHODS",
    "DenoiseResult",
    "compare_methods",
    "denoise",
    "energy",
    "estimate_parameters",
    "flip_eta",
]

#: the inference methods of :func:`denoise`
METHODS = ("icm", "gibbs", "annealing", "mean-field", "bp", "graph-cut")
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
        c, _ = as_spins(clean, "clean")
        if c.shape != self.spins.shape:
            raise ValueError(f"clean has shape {c.shape}, the result {self.spins.shape}")
        return float(np.mean(c != self.spins))


# --------------------------------------------------------------------------- conventions
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
        ys, conv = as_spins(y, "y")
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
    xs, _ = as_spins(x, "x")
    if xs.shape != u.shape:
        raise ValueError(f"x has shape {xs.shape}, y {u.shape}")
    return float(
        _energy_2d(pad(xs, np.int8), pad(u, np.float64), st["beta"], st["neighbourhood"] == 8)
    )


# --------------------------------------------------------------------------- methods
def _icm_run(x0, up, beta, diag, max_sweeps):
    from pgm_ebm.kernels.denoise import _icm

    X = pad(x0, np.int8)
    trace = np.zeros(max_sweeps)
    n = int(_icm(X, up, beta, diag, max_sweeps, trace))
    return X[1:-1, 1:-1].copy(), trace[:n], n


def _sweeps(post, x0, inv_temps, burn_in, n_chains, random_state, progress, desc):
    """Heat-bath sweeps of the registry's grid sampler from ``x0``; returns the padded
    chains, the sum of the states after burn-in (H, W) and the energy trace."""
    move = get_sampler("heatbath", post)
    state = move.init(post, n_chains, init=x0, random_state=random_state)
    trace = grid.run(post, state, inv_temps, burn_in=burn_in, progress=progress, desc=desc)
    return state.spins, state.work["acc"].sum(axis=0)[1:-1, 1:-1], trace


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
    up = pad(u, np.float64)
    if init is None:  # the sign of the unary field: the noisy image itself for flip noise
        x0 = np.where(u >= 0, 1, -1).astype(np.int8)
    else:
        x0, _ = as_spins(init, "init")
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
        post = GridPosterior(u, beta, st["neighbourhood"])
        X, acc, trace = _sweeps(post, x0, temps, burn_in, n_chains, random_state, progress, method)
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

        M = pad(x0.astype(np.float64), np.float64)
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
            marginals=expit(2.0 * f),
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
    e = float(_energy_2d(pad(x, np.int8), up, beta, diag))
    res = DenoiseResult(
        image=from_spins(x, conv, dtype),
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
    ys, _ = as_spins(y, "y")
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
            up = pad(eta * ys.astype(np.float64), np.float64)
            x, _, _ = _icm_run(x, up, beta, diag, 100)
        else:
            if X is None:
                beta = _pl_beta(x, diag)
                p = _clip_rate(np.mean(x != ys), N)
                X = x
            eta = flip_eta(p)
            post = GridPosterior(eta * ys.astype(np.float64), beta, 8 if diag else 4)
            Xs, _, _ = _sweeps(post, X, np.ones(n_sweeps), n_sweeps, 2, rng, False, "")
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
