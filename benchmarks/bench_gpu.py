"""The GPU path against the CPU path, and the GPU figures issue 16 asks for.

Runs the CPU side always; the GPU side when ``device="cuda"`` is usable (a real GPU, not the
simulator).  Every figure that cannot be measured is printed as MISSING with the reason, so a
run without a GPU says exactly what is left to measure.

- 2D Ising checkerboard Metropolis (h = 0, periodic, beta = 0.44), one chain of L x L:
  flips per nanosecond at L = 16384 and 65536 (targets on one H200: >= 300 for the int8 kernel,
  >= 1,000 for a multi-spin kernel), both kernels on both devices;
- 64 x 64 +-J spin-glass anneal, 1,000 sweeps, 1,024 reads, on both devices;
- 256 x 256 spin glass with Gaussian (real) couplings, heat-bath anneal of 200 sweeps with 64
  reads: the CPU's sequential and coloured scans, the GPU's coloured scan;
- RBM 784 x 500 PCD-1 epoch over 50,000 images (batch 100, 100 chains, momentum 0.5) on
  both devices, and on the GPU the cuBLAS-only time of the same four products per batch
  (target: the epoch within 1.5x of it); binarized MNIST from ``$PGM_EBM_DATA`` when set,
  else random binary images (the time does not depend on the pixels);
- forward AIS of that RBM, 14,500 temperatures (the Salakhutdinov-Murray schedule) x 100
  chains on both devices (the CPU without its collapsed sweeps, as on the GPU) and x 10,000
  chains on the GPU (target: 100 chains under 1 s).

Usage:  python benchmarks/bench_gpu.py [--sizes 4096,16384] [--sweeps 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import machine


def flips_per_ns(L, sweeps, device):
    """Flips per ns of ``sweeps`` sweeps of one chain, set-up excluded (on the GPU: the
    chain is on the device; the time ends after the spins are back on the host)."""
    from pgm_ebm.models.ising import IsingLattice
    from pgm_ebm.samplers import get_sampler

    m = IsingLattice((L, L), beta=0.44)
    move = get_sampler("metropolis", m)
    kw = {"device": "cuda"} if device == "cuda" else {}
    state = move.init(m, 1, random_state=0, **kw)
    move.step(m, state, [0.44])  # compile
    state.sync()
    t = time.perf_counter()
    for _ in range(sweeps):
        move.step(m, state, [0.44])
    state.sync()
    dt = time.perf_counter() - t
    return L * L * sweeps / dt / 1e9, dt


def multispin_flips_per_ns(L, sweeps, device, words=1):
    """Flips per ns of the multi-spin kernel (64 replicas per word, ``words`` words per
    site), counted as 64 * words * L * L per sweep, set-up excluded as above."""
    import numpy as np

    from pgm_ebm._rng import seed_streams
    from pgm_ebm.models.ising import IsingLattice
    from pgm_ebm.samplers.lattice import sweep_runner

    m = IsingLattice((L, L), beta=0.44)
    state = np.random.default_rng(0).integers(0, 2**64, (words, L, L), dtype=np.uint64)
    run = sweep_runner(m, "multispin", state, words, seed_streams(1, words * L), device)
    betas = np.full(words, 0.44)
    run(betas)  # compile
    run.sync()
    t = time.perf_counter()
    for _ in range(sweeps):
        run(betas)
    run.sync()
    dt = time.perf_counter() - t
    return 64 * words * L * L * sweeps / dt / 1e9, dt


def anneal_seconds(L, sweeps, reads, device):
    """Seconds of the 64 x 64 +-J spin-glass anneal (geometric 0.1 -> 3, Metropolis) with
    ``reads`` chains, after a short warm-up run that compiles the kernels."""
    from pgm_ebm.models.boltzmann import spin_glass

    glass = spin_glass((L, L), random_state=0)
    sched = np.geomspace(0.1, 3.0, sweeps)
    kw = dict(n_chains=reads, sampler="metropolis", device=device, random_state=0)
    glass.sample(2, beta_schedule=sched[:2], **kw)
    t = time.perf_counter()
    res = glass.sample(sweeps, beta_schedule=sched, return_trace=True, **kw)
    dt = time.perf_counter() - t
    return dt, float(res.trace.energy[:, -1].mean() / (L * L))


def gaussian_glass(L):
    """A 2D periodic L x L spin glass with Gaussian couplings (real-valued: not the integer
    kernel), as a sparse BoltzmannMachine."""
    import scipy.sparse as sp

    from pgm_ebm.models.boltzmann import BoltzmannMachine, spin_glass

    pm = spin_glass((L, L), random_state=0).couplings_csr
    upper = sp.triu(pm, 1).tocoo()
    w = np.random.default_rng(1).standard_normal(upper.nnz)
    J = sp.coo_matrix((w, (upper.row, upper.col)), shape=pm.shape)
    return BoltzmannMachine((J + J.T).tocsr(), np.zeros(L * L), units="spin")


def real_anneal_seconds(glass, sweeps, reads, device, scan):
    """Seconds of a heat-bath anneal (geometric 0.1 -> 3) of ``glass`` with ``reads`` chains
    and the given scan, after a two-sweep warm-up, and the final mean energy per spin."""
    sched = np.geomspace(0.1, 3.0, sweeps)
    kw = dict(n_chains=reads, sampler="heatbath", device=device, random_state=0, scan=scan)
    glass.sample(2, beta_schedule=sched[:2], **kw)
    t = time.perf_counter()
    res = glass.sample(sweeps, beta_schedule=sched, return_trace=True, **kw)
    dt = time.perf_counter() - t
    return dt, float(res.trace.energy[:, -1].mean() / glass.n)


def rbm_data(n=50_000):
    """(images, what they are): the binarized-MNIST training split, or random binary images."""
    import os

    if os.environ.get("PGM_EBM_DATA"):
        from pgm_ebm.experiments.rbm import load_data

        X, desc = load_data("binarized-mnist", "train", limit=n)
        return X, desc
    rng = np.random.default_rng(0)
    return (rng.random((n, 784)) < 0.13).astype(np.float32), f"{n:,} random binary images"


def rbm_epoch_seconds(X, device):
    """Seconds of one PCD-1 epoch (the second of a 2-epoch fit; the first compiles, uploads)."""
    from pgm_ebm import BernoulliRBM

    kw = dict(n_components=500, batch_size=100, learning_rate=0.05, momentum=0.5,
              random_state=0, device=device)  # fmt: skip
    model = BernoulliRBM(n_iter=2, **kw).fit(X)
    return model.history_[-1]["seconds"], model


def ais_seconds(model, n_chains, device):
    """Seconds and estimate of forward AIS (14,500 temperatures, no collapsed sweeps)."""
    from pgm_ebm.partition.ais import rbm_ais

    args = (model.components_, model.intercept_visible_, model.intercept_hidden_)
    kw = dict(base_bias=model.base_rate_logit_, random_state=0, collapse_every=None,
              device=device)  # fmt: skip
    rbm_ais(*args, n_chains=2, schedule=np.linspace(0, 1, 3), **kw)  # compile
    t = time.perf_counter()
    res = rbm_ais(*args, n_chains=n_chains, **kw)
    return time.perf_counter() - t, res


def cublas_only_seconds(n, n_vis=784, n_hid=500, batch=100, chains=100):  # pragma: no cover
    """The four products of a PCD-1 batch, ``n / batch`` times, through CuPy's cuBLAS only."""
    import cupy as cp

    f = cp.float32
    W = cp.zeros((n_vis, n_hid), f)
    V = cp.ones((batch + chains, n_vis), f)
    H = cp.ones((batch + chains, n_hid), f)
    Vp = cp.empty((chains, n_vis), f)
    vel = cp.zeros_like(W)

    def epoch():
        for _ in range(n // batch):
            cp.cublas.gemm("N", "N", V[:batch], W, out=H[:batch])
            cp.cublas.gemm("N", "T", H[batch:], W, out=Vp)
            cp.cublas.gemm("N", "N", V[batch:], W, out=H[batch:])
            cp.cublas.gemm("T", "N", V, H, out=vel, alpha=1.0, beta=0.5)
        cp.cuda.Device().synchronize()

    epoch()
    t = time.perf_counter()
    epoch()
    return time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="4096,16384", help="CPU lattice sides, comma-separated")
    ap.add_argument("--gpu-sizes", default="16384,65536", help="GPU lattice sides")
    ap.add_argument("--sweeps", type=int, default=3)
    ap.add_argument("--anneal-sweeps", type=int, default=1000)
    args = ap.parse_args(argv)

    from pgm_ebm._device import cuda_status, resolve_device

    gpu = resolve_device("auto", "bench_gpu") == "cuda"
    why = "" if gpu else (cuda_status()[1] or "the CUDA simulator is not a GPU")
    print(f"machine: {machine()}")
    print(f"GPU: {'usable' if gpu else 'none (' + why + ')'}\n")
    print("| kernel | L | device | sweeps | time | flips/ns |")
    print("|---|---|---|---|---|---|")
    kernels = (
        ("checkerboard Metropolis, int8", "int8 checkerboard Metropolis", flips_per_ns),
        ("multi-spin Metropolis, 64 replicas/word", "multi-spin checkerboard Metropolis",
         multispin_flips_per_ns),
    )  # fmt: skip
    missing = []
    for dev, sizes in (("cpu", args.sizes), ("cuda", args.gpu_sizes)):
        for L in (int(x) for x in sizes.split(",")):
            for label, what, fn in kernels:
                if dev == "cuda" and not gpu:
                    missing.append(f"{what} at L = {L} on the GPU: {why}")
                    continue
                r, dt = fn(L, args.sweeps, dev)
                print(f"| {label} | {L} | {dev} | {args.sweeps} | {dt:.2f} s | {r:.2f} |")
    print("\n| 64 x 64 +-J spin glass, Metropolis anneal 0.1 -> 3 | sweeps | reads | device "
          "| time | mean energy / spin |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for dev in ("cpu", "cuda") if gpu else ("cpu",):
        dt, e = anneal_seconds(64, args.anneal_sweeps, 1024, dev)
        print(f"| | {args.anneal_sweeps} | 1024 | {dev} | {dt:.2f} s | {e:.5f} |")
    if not gpu:
        missing.append(f"64 x 64 spin-glass anneal with 1,024 reads on the GPU: {why}")
    glass = gaussian_glass(256)
    print("\n| 256 x 256 Gaussian spin glass, heat-bath anneal 0.1 -> 3 | scan | sweeps "
          "| reads | device | time | site updates/ns | mean energy / spin |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    runs = [("sequential", "cpu"), ("colored", "cpu")] + ([("colored", "cuda")] if gpu else [])
    for scan, dev in runs:
        dt, e = real_anneal_seconds(glass, 200, 64, dev, scan)
        rate = 200 * 64 * glass.n / dt / 1e9
        print(f"| | {scan} | 200 | 64 | {dev} | {dt:.2f} s | {rate:.3f} | {e:.4f} |")
    if not gpu:
        missing.append(f"the coloured anneal of a real-valued spin glass on the GPU: {why}")
    X, desc = rbm_data()
    print(f"\n| RBM 784 x 500, PCD-1 epoch ({desc}) | device | time | ratio |")
    print("|---|---|---|---|")
    cpu_t, model = rbm_epoch_seconds(X, "cpu")
    print(f"| pgm_ebm | cpu | {cpu_t:.2f} s | 1 |")
    if gpu:  # pragma: no cover - needs a real GPU
        gpu_t = rbm_epoch_seconds(X, "cuda")[0]
        print(f"| pgm_ebm | cuda | {gpu_t:.3f} s | CPU / GPU {cpu_t / gpu_t:.1f}x |")
        try:
            blas_t = cublas_only_seconds(len(X))
            print(f"| cuBLAS products only | cuda | {blas_t:.3f} s | GPU epoch / cuBLAS-only "
                  f"{gpu_t / blas_t:.2f}x |")  # fmt: skip
        except ImportError:
            missing.append("the RBM epoch's cuBLAS-only time: CuPy is not installed")
    else:
        missing.append(f"RBM 784 x 500 PCD-1 epoch on the GPU and its cuBLAS-only time: {why}")
    print("\n| forward AIS of that RBM, 14,500 temperatures | chains | device | time | log Z "
          "(95% interval) |")  # fmt: skip
    print("|---|---|---|---|---|")
    runs = [(100, "cpu")] + ([(100, "cuda"), (10_000, "cuda")] if gpu else [])
    for n_chains, dev in runs:
        dt, res = ais_seconds(model, n_chains, dev)
        lo, hi = res.interval
        print(f"| | {n_chains:,} | {dev} | {dt:.2f} s | {res.log_z:.2f} ({lo:.2f}, {hi:.2f}) |")
    if not gpu:
        missing.append(
            f"AIS 14,500 temperatures x 100 chains and x 10,000 chains on the GPU: {why}"
        )
    print()
    for m in missing:
        print(f"MISSING: {m}")


if __name__ == "__main__":
    main()
