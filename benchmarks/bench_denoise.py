"""Ising-prior denoising: speed on a 512 x 512 image and restoration quality.

Speed (512 x 512 "shapes", 10% flips, Bishop's beta = 1, eta = 2.1, 4-neighbourhood):
* graph cut (exact MAP), ICM to convergence, and 1,000 heat-bath Gibbs sweeps of one chain;
* the same 1,000 sweeps in plain NumPy (checkerboard, each colour vectorised over the image)
  and in a naive Numba loop (raster scan, np.random and math.exp per site), same run.
Quality: mean pixel error over 5 noise seeds on the 128 x 128 built-in images, every method,
10% and 20% flips; parameter estimation against the known values.

Exact MAP against PyMaxflow (Boykov-Kolmogorov; `pip install PyMaxflow`, the `bench` extra)
at 512 x 512 and 2048 x 2048: time, and peak memory above the image in a fresh process.

Usage:  python benchmarks/bench_denoise.py [--repeats 5] [--no-quality]
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np
from _common import machine, timed
from numba import njit

from pgm_ebm import denoise as dn
from pgm_ebm.denoise.images import pad
from pgm_ebm.samplers import get_sampler, grid

N_SWEEPS = 1000


def numpy_gibbs(x, u, beta, n_sweeps, rng):
    """Plain NumPy checkerboard heat bath: per colour, fields and draws for the whole image."""
    X = np.pad(x.astype(np.float64), 1)
    H, W = x.shape
    ii, jj = np.indices((H, W))
    masks = [(ii + jj) % 2 == c for c in (0, 1)]
    inner = X[1:-1, 1:-1]
    for _ in range(n_sweeps):
        for m in masks:
            nb = X[:-2, 1:-1] + X[2:, 1:-1] + X[1:-1, :-2] + X[1:-1, 2:]
            p = 1.0 / (1.0 + np.exp(-2.0 * (beta * nb + u)))
            new = np.where(rng.random((H, W)) < p, 1.0, -1.0)
            inner[m] = new[m]
    return X


@njit(cache=True)
def naive_numba(X, u, beta, n_sweeps):
    """Raster-scan heat bath on the padded image, np.random and math.exp per site."""
    np.random.seed(0)
    Hp, Wp = X.shape
    for _ in range(n_sweeps):
        for i in range(1, Hp - 1):
            for j in range(1, Wp - 1):
                f = beta * (X[i - 1, j] + X[i + 1, j] + X[i, j - 1] + X[i, j + 1]) + u[i, j]
                X[i, j] = 1 if np.random.random() < 1.0 / (1.0 + math.exp(-2.0 * f)) else -1


def scipy_min_cut(u, beta):
    """Baseline: the same s-t graph through SciPy's maximum_flow (Dinic, Cython, int32
    capacities), scaled by 10, which makes Bishop's beta = 1, eta = 2.1 integral, so the
    cut is exact here (pgm_ebm used this until its scaling was found to wrap)."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import breadth_first_order, maximum_flow

    H, W = u.shape
    N = H * W
    idx = np.arange(N).reshape(H, W)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    uf = u.ravel()
    isrc = np.round(np.where(uf > 0, 20 * uf, 0)).astype(np.int64)
    isnk = np.round(np.where(uf < 0, -20 * uf, 0)).astype(np.int64)
    nodes = np.arange(N)
    ms, mt = isrc > 0, isnk > 0
    rows = np.concatenate([a, b, np.full(ms.sum(), N), nodes[mt]])
    cols = np.concatenate([b, a, nodes[ms], np.full(mt.sum(), N + 1)])
    cap = np.concatenate([np.full(2 * len(a), int(20 * beta)), isrc[ms], isnk[mt]])
    G = sp.csr_matrix((cap.astype(np.int32), (rows, cols)), shape=(N + 2, N + 2))
    res = maximum_flow(G, N, N + 1)
    R = (G - res.flow).tocsr()
    R.data = (R.data > 0).astype(np.int8)
    R.eliminate_zeros()
    z = np.zeros(N + 2, bool)
    z[breadth_first_order(R, N, directed=True, return_predecessors=False)] = True
    return np.where(z[:N], 1, -1).astype(np.int8).reshape(H, W)


_MEM_SCRIPT = """
import sys, numpy as np
from pgm_ebm import denoise as dn
which, size = sys.argv[1], int(sys.argv[2])
def run(noisy):
    if which == "pgm_ebm":
        return dn.denoise(noisy, "graph-cut", beta=1.0, eta=2.1)
    import maxflow
    u = 2.1 * noisy.astype(np.float64)
    g = maxflow.Graph[float]()
    ids = g.add_grid_nodes(u.shape)
    g.add_grid_edges(ids, 2.0)
    g.add_grid_tedges(ids, np.where(u > 0, 2 * u, 0), np.where(u < 0, -2 * u, 0))
    g.maxflow()
    return np.where(g.get_grid_segments(ids), -1, 1).astype(np.int8)
def status(key):
    return int(next(l for l in open("/proc/self/status") if l.startswith(key)).split()[1])
run(dn.add_flip_noise(dn.builtin_image("shapes", 64), 0.1, random_state=0))  # compile
noisy = dn.add_flip_noise(dn.builtin_image("shapes", size), 0.1, random_state=0)
open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
base = status("VmRSS:")
x = run(noisy)
print((status("VmHWM:") - base) * 1024, dn.energy(x, noisy, beta=1.0, eta=2.1))
"""


def _peak_bytes(which, size):
    """Peak resident memory above the image of one exact-MAP call, in a fresh process
    (compiled first on a small image; Linux's clear_refs resets the peak before the call)."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _MEM_SCRIPT, which, str(size)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), float(out[1])


def pymaxflow_cut(u, beta):
    """Baseline: PyMaxflow's Boykov-Kolmogorov grid graph, the same capacities."""
    import maxflow

    g = maxflow.Graph[float]()
    ids = g.add_grid_nodes(u.shape)
    g.add_grid_edges(ids, 2.0 * beta)
    g.add_grid_tedges(ids, np.where(u > 0, 2 * u, 0), np.where(u < 0, -2 * u, 0))
    g.maxflow()
    return np.where(g.get_grid_segments(ids), -1, 1).astype(np.int8)


def graph_cut_vs_pymaxflow(repeats, sizes=(512, 2048)):
    """Exact MAP against PyMaxflow (benchmark-only dependency, the `bench` extra): time
    and peak memory above the image, 10% flips, beta 1, eta 2.1."""
    try:
        import maxflow  # noqa: F401
    except ImportError:
        print("PyMaxflow is not installed (pip install PyMaxflow): comparison skipped")
        return
    print(
        "| image | pgm_ebm | PyMaxflow | time ratio | pgm_ebm memory | PyMaxflow memory | "
        "memory ratio | energies |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size in sizes:
        noisy = dn.add_flip_noise(dn.builtin_image("shapes", size), 0.1, random_state=0)
        u = 2.1 * noisy.astype(np.float64)
        r = max(1, repeats if size <= 512 else repeats // 2)
        t_ours = timed(lambda: dn.denoise(noisy, "graph-cut", beta=1.0, eta=2.1), r)  # noqa: B023
        t_pm = timed(lambda: pymaxflow_cut(u, 1.0), r)  # noqa: B023
        m_ours, e_ours = _peak_bytes("pgm_ebm", size)
        m_pm, e_pm = _peak_bytes("pymaxflow", size)
        print(
            f"| {size} x {size} | {t_ours:.3f} s | {t_pm:.3f} s | {t_ours / t_pm:.2f}x | "
            f"{m_ours / 2**20:.0f} MiB | {m_pm / 2**20:.0f} MiB | {m_ours / m_pm:.2f}x | "
            f"{e_ours:.1f} / {e_pm:.1f} |"
        )


def speed(repeats):
    clean = dn.builtin_image("shapes", 512)
    noisy = dn.add_flip_noise(clean, 0.1, random_state=0)
    u = 2.1 * noisy.astype(np.float64)
    post = dn.GridPosterior(u, 1.0)
    up = post.padded_field()
    heatbath = get_sampler("heatbath", post)
    ones = np.ones(N_SWEEPS)
    t_gc = timed(lambda: dn.denoise(noisy, "graph-cut"), repeats)
    t_sp = timed(lambda: scipy_min_cut(u, 1.0), repeats)
    e_ours = dn.denoise(noisy, "graph-cut", return_result=True).energy
    e_sp = dn.energy(scipy_min_cut(u, 1.0), noisy)
    t_icm = timed(lambda: dn.denoise(noisy, "icm"), repeats)
    t_ours = timed(
        lambda: grid.run(
            post,
            heatbath.init(post, 1, init=noisy, random_state=0),
            ones,
            burn_in=N_SWEEPS,
            track=False,
        ),
        repeats,
    )
    t_full = timed(
        lambda: dn.denoise(
            noisy, "gibbs", n_chains=1, n_sweeps=N_SWEEPS, burn_in=0, random_state=0
        ),
        repeats,
    )
    t_np = timed(lambda: numpy_gibbs(noisy, u, 1.0, N_SWEEPS, np.random.default_rng(0)), repeats)
    Xn = pad(noisy, np.float64)
    t_nb = timed(lambda: naive_numba(Xn.copy(), up, 1.0, N_SWEEPS), repeats)
    print(f"machine: {machine()}; 512 x 512, 10% flips, beta 1, eta 2.1, median of {repeats}")
    print()
    print("| step | time | vs plain NumPy | vs naive Numba |")
    print("|---|---|---|---|")
    print(
        f"| graph cut (exact MAP, pgm_ebm: grid Dinic on float64 capacities) | {t_gc:.3f} s | "
        f"{t_gc / t_sp:.2f}x SciPy's time | |"
    )
    print(
        f"| graph cut, SciPy maximum_flow on int32 capacities x 10 (exact for these "
        f"parameters only) | {t_sp:.3f} s | energies {e_ours:.1f} vs {e_sp:.1f} | |"
    )
    print(f"| ICM to convergence | {1e3 * t_icm:.1f} ms | | |")
    print(
        f"| 1,000 Gibbs sweeps, pgm_ebm kernel | {t_ours:.3f} s | {t_np / t_ours:.1f}x | "
        f"{t_nb / t_ours:.1f}x |"
    )
    print(
        f"| 1,000 Gibbs sweeps, denoise('gibbs') with energy trace and marginals | "
        f"{t_full:.3f} s | {t_np / t_full:.1f}x | {t_nb / t_full:.1f}x |"
    )
    print(f"| 1,000 Gibbs sweeps, plain NumPy checkerboard | {t_np:.2f} s | 1.0x | |")
    print(f"| 1,000 Gibbs sweeps, naive Numba raster scan | {t_nb:.3f} s | | 1.0x |")
    print(
        f"\nper site update: pgm_ebm {1e9 * t_ours / N_SWEEPS / 512**2:.2f} ns, NumPy "
        f"{1e9 * t_np / N_SWEEPS / 512**2:.2f} ns, naive Numba "
        f"{1e9 * t_nb / N_SWEEPS / 512**2:.2f} ns"
    )


def quality():
    print(
        "\nmean pixel error over 5 noise seeds, 128 x 128, beta 1, eta 2.1 (Bishop), "
        "4-neighbourhood; last column: graph-cut energy <= every method's on every input"
    )
    print()
    print("| image | flips | " + " | ".join(dn.METHODS) + " | graph cut lowest |")
    print("|---|---|" + "---|" * len(dn.METHODS) + "---|")
    for name in dn.BUILTIN_IMAGES:
        clean = dn.builtin_image(name, 128)
        for rate in (0.1, 0.2):
            errs = {m: [] for m in dn.METHODS}
            lowest = True
            for seed in range(5):
                noisy = dn.add_flip_noise(clean, rate, random_state=seed)
                res = dn.compare_methods(clean, noisy, beta=1.0, eta=2.1, random_state=seed)
                for m, r in res.items():
                    errs[m].append(r.settings["error_rate"])
                    lowest &= res["graph-cut"].energy <= r.energy + 1e-9
            cells = " | ".join(f"{100 * np.mean(errs[m]):.2f}%" for m in dn.METHODS)
            print(f"| {name} | {rate:.0%} | {cells} | {'yes' if lowest else 'NO'} |")
    print(
        "\nparameter estimation, shapes 128 x 128, 3 seeds (true noise rate p; restoration "
        "by graph cut with the estimates against the true eta and beta = 1)"
    )
    print()
    print("| p | method | beta | estimated p | error, estimates | error, true values | time |")
    print("|---|---|---|---|---|---|---|")
    clean = dn.builtin_image("shapes", 128)
    for rate in (0.05, 0.1, 0.2):
        for method in ("em", "pseudo-likelihood"):
            rows = []
            for seed in range(3):
                noisy = dn.add_flip_noise(clean, rate, random_state=seed)
                t = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    est = dn.estimate_parameters(noisy, method, random_state=seed)
                dt = time.perf_counter() - t
                r = dn.denoise(noisy, beta=est["beta"], eta=est["eta"], return_result=True)
                k = dn.denoise(noisy, noise_rate=rate, return_result=True)
                rows.append(
                    (est["beta"], est["noise_rate"], r.error_rate(clean), k.error_rate(clean), dt)
                )
            b, p, e1, e2, dt = np.mean(rows, axis=0)
            print(
                f"| {rate} | {method} | {b:.2f} | {p:.4f} | {100 * e1:.2f}% | {100 * e2:.2f}% "
                f"| {dt:.2f} s |"
            )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-quality", action="store_true")
    args = ap.parse_args(argv)
    speed(args.repeats)
    print()
    graph_cut_vs_pymaxflow(args.repeats)
    if not args.no_quality:
        quality()


if __name__ == "__main__":
    main()
