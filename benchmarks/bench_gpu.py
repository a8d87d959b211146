"""The GPU path against the CPU path, and the GPU figures issue 16 asks for.

Runs the CPU side always; the GPU side when ``device="cuda"`` is usable (a real GPU, not the
simulator).  Every figure that cannot be measured is printed as MISSING with the reason, so a
run without a GPU says exactly what is left to measure.

- 2D Ising checkerboard Metropolis (h = 0, periodic, beta = 0.44), one chain of L x L:
  flips per nanosecond at L = 16384 and 65536 (targets on one H200: >= 300 for the int8 kernel,
  >= 1,000 for a multi-spin kernel), both kernels on both devices;
- 64 x 64 +-J spin-glass anneal, 1,000 sweeps, 1,024 reads, on both devices;
- RBM 784 x 500 PCD-1 epoch and 14,500-temperature AIS: the CPU side is timed by
  bench_rbm.py and bench_partition.py; their GPU twins do not exist yet (MISSING).

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
    for what in (
        "RBM 784 x 500 PCD-1 epoch over 50,000 images on the GPU, and its cuBLAS-only time",
        "AIS 14,500 temperatures x 100 chains and x 10,000 chains on the GPU",
    ):
        missing.append(f"{what}: no CUDA kernel yet")
    print()
    for m in missing:
        print(f"MISSING: {m}")


if __name__ == "__main__":
    main()
