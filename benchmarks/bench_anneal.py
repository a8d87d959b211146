"""Simulated annealing of a +-J spin glass: pgm_ebm against dwave-neal.

A 64 x 64 periodic Edwards-Anderson +-J glass (``pgm_ebm.models.boltzmann.spin_glass``,
seed 0), Metropolis single-spin sweeps in order, a geometric beta schedule over 1,000 sweeps
(neal's own default beta range for this instance, passed to both as the same custom
schedule), 32 reads.  Times ``BoltzmannMachine.sample(sampler="metropolis",
beta_schedule=...)`` and ``neal.SimulatedAnnealingSampler().sample(..., beta_schedule_type=
"custom")`` in the same run (median of 5 after a warm-up; neal is single-threaded C++, ours
runs the reads on the machine's cores) and reports the mean and best energy per spin of each.

Usage:  python benchmarks/bench_anneal.py [--repeats 5] [--size 64] [--sweeps 1000] [--reads 32]
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import machine, timed

from pgm_ebm.models.boltzmann import spin_glass


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--sweeps", type=int, default=1000)
    ap.add_argument("--reads", type=int, default=32)
    args = ap.parse_args(argv)
    import dimod
    import neal

    L, T, R = args.size, args.sweeps, args.reads
    glass = spin_glass((L, L), random_state=0)
    n = L * L
    A = glass.J.tocoo()
    upper = A.row < A.col
    # dimod's Ising energy is sum h s + sum_{i<j} J s_i s_j: ours with the signs flipped
    bqm = dimod.BinaryQuadraticModel.from_ising(
        {i: 0.0 for i in range(n)},
        {
            (int(i), int(j)): -float(w)
            for i, j, w in zip(A.row[upper], A.col[upper], A.data[upper], strict=True)
        },
    )
    beta_range = neal.sampler.default_beta_range(bqm)
    sched = np.geomspace(beta_range[0], beta_range[1], T)
    sampler = neal.SimulatedAnnealingSampler()

    def run_neal(seed=0):
        return sampler.sample(
            bqm, num_reads=R, beta_schedule_type="custom", beta_schedule=sched, seed=seed
        )

    def run_ours(seed=0):
        return glass.sample(T, n_chains=R, sampler="metropolis", beta_schedule=sched,
                            random_state=seed).spins  # fmt: skip

    t_ours = timed(run_ours, args.repeats)
    t_neal = timed(run_neal, args.repeats)
    # energies over 5 seeds x R reads each (the timed runs' seeds differ from these)
    e_ours = np.concatenate([glass.energy(run_ours(s)) for s in range(5)]) / n
    e_neal = np.concatenate([run_neal(s).record.energy for s in range(5)]) / n
    print(f"machine: {machine()}; neal {neal.__version__}")
    print(
        f"{L} x {L} periodic +-J glass (seed 0), Metropolis, geometric beta "
        f"{beta_range[0]:.4f} -> {beta_range[1]:.4f} over {T} sweeps, {R} reads; "
        f"time: median of {args.repeats}; energies: 5 seeds x {R} reads"
    )
    print()
    print("| sampler | time | ratio | mean energy / spin | sd | best |")
    print("|---|---|---|---|---|---|")
    print(
        f"| pgm_ebm BoltzmannMachine.sample | {t_ours:.3f} s | {t_ours / t_neal:.3f}x neal's | "
        f"{e_ours.mean():.5f} | {e_ours.std():.5f} | {e_ours.min():.5f} |"
    )
    print(
        f"| dwave-neal SimulatedAnnealingSampler | {t_neal:.3f} s | 1.000x | "
        f"{e_neal.mean():.5f} | {e_neal.std():.5f} | {e_neal.min():.5f} |"
    )
    se = np.sqrt(e_ours.var() / len(e_ours) + e_neal.var() / len(e_neal))
    print(
        f"\nspeed-up {t_neal / t_ours:.2f}x; mean energy difference (ours - neal) "
        f"{e_ours.mean() - e_neal.mean():+.5f} +/- {se:.5f} per spin"
    )


if __name__ == "__main__":
    main()
