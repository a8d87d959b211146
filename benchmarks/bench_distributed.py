"""Studies on Dask's distributed scheduler against the same study in one process.

1. Scheduling overhead: ``n`` tasks of 1 s of CPU work (a busy loop, no sleeping) on a
   LocalCluster of W worker processes, against the ideal ``n * 1 s / W``; the target is an
   overhead below 5%.  The baseline is the same tasks run one after another in this process.
2. The finite-size-scaling study (``pgm-ebm ising fss``'s library function) with 1 and 2
   workers, against the single-process run of the same tasks (identical results, checked).

Usage:  python benchmarks/bench_distributed.py [--tasks 20] [--fss-sizes 16,32,64]
"""

from __future__ import annotations

import argparse
import time

from _common import machine


def busy(seconds: float, i: int) -> int:
    """About ``seconds`` of CPU work (the loop's own clock), returning a count."""
    end = time.thread_time() + seconds
    n = 0
    while time.thread_time() < end:
        n += 1
    return i


def overhead(n_tasks, workers):
    from pgm_ebm.distributed import connect, run_tasks

    tasks = [dict(seconds=1.0, i=i) for i in range(n_tasks)]
    client, closers = connect(f"local:{workers}")
    try:
        client.wait_for_workers(workers)
        run_tasks(busy, [dict(seconds=0.01, i=-1 - i) for i in range(workers)], client=client)
        t = time.perf_counter()
        run_tasks(busy, tasks, client=client)
        wall = time.perf_counter() - t
    finally:
        for c in closers:
            c.close()
    ideal = n_tasks * 1.0 / workers
    return wall, ideal


def fss(sizes, temps, seeds, sweeps, scheduler):
    from pgm_ebm.experiments.ising import finite_size_scaling

    t = time.perf_counter()
    r = finite_size_scaling(sizes, temps, seeds, n_sweeps=sweeps, burn_in=sweeps // 10,
                            scheduler=scheduler)  # fmt: skip
    return time.perf_counter() - t, r


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=20, help="1-second tasks")
    ap.add_argument("--workers", default="1,2", help="worker processes to try")
    ap.add_argument("--fss-sizes", default="16,32,64")
    ap.add_argument("--fss-temps", default="2.22,2.24,2.26,2.28,2.30,2.32")
    ap.add_argument("--fss-runs", type=int, default=4)
    ap.add_argument("--fss-sweeps", type=int, default=2000)
    args = ap.parse_args(argv)
    import distributed

    workers = [int(w) for w in args.workers.split(",")]
    print(f"machine: {machine()}; distributed {distributed.__version__}\n")
    print("| what | workers | wall | ideal / baseline | overhead |")
    print("|---|---|---|---|---|")
    t = time.perf_counter()
    for i in range(3):
        busy(1.0, i)
    base = (time.perf_counter() - t) / 3
    print(f"| one 1-s task in this process (baseline) | - | {base:.3f} s | 1.000 s | "
          f"{base - 1:+.1%} |")  # fmt: skip
    for w in workers:
        wall, ideal = overhead(args.tasks, w)
        print(f"| {args.tasks} tasks of 1 s CPU, LocalCluster | {w} | {wall:.2f} s | "
              f"{ideal:.2f} s | {wall / ideal - 1:+.1%} |")  # fmt: skip
    sizes = [int(x) for x in args.fss_sizes.split(",")]
    temps = [float(x) for x in args.fss_temps.split(",")]
    n = len(sizes) * len(temps) * args.fss_runs
    t1, here = fss(sizes, temps, args.fss_runs, args.fss_sweeps, None)
    print(f"| FSS study, L = {args.fss_sizes}, {n} tasks, in this process (baseline) | - | "
          f"{t1:.1f} s | - | - |")  # fmt: skip
    for w in workers:
        tw, there = fss(sizes, temps, args.fss_runs, args.fss_sweeps, f"local:{w}")
        same = there["rows"] == here["rows"] and there["crossings"] == here["crossings"]
        print(f"| FSS study, the same tasks, LocalCluster | {w} | {tw:.1f} s | {t1:.1f} s | "
              f"speed-up {t1 / tw:.2f}x; results identical: {same} |")  # fmt: skip
    c = here["crossings"][-1]
    print(f"\nFSS: T_c from the L = {c['L1']}/{c['L2']} crossing {c['T_c']:.5f} +- "
          f"{c['T_c_err']:.5f}, Onsager {here['T_onsager']:.6f} "
          f"({here['relative_error']:.3%} off)")  # fmt: skip


if __name__ == "__main__":
    main()
