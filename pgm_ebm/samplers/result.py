"""What every sampler returns: the final states and, on request, the measured trace."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pgm_ebm import diagnostics

__all__ = ["ChainState", "SampleResult", "Trace"]


@dataclass
class Trace:
    """Energies and magnetizations measured along the chains, shape (n_chains, n_measurements)."""

    energy: np.ndarray
    magnetization: np.ndarray
    n_sites: int
    beta: float | np.ndarray
    #: the sweep after which each measurement was taken (empty: one per sweep)
    sweep_numbers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def observables(self, n_blocks: int = 20) -> dict:
        """Per-spin observables with standard errors (blocked jackknife over measurements).

        Returns a dict of ``name -> (value, stderr)`` for ``energy`` (per spin), ``abs_m``,
        ``m``, ``specific_heat`` (per spin, ``beta^2 N Var e``), ``susceptibility``
        (``beta N (<m^2> - <|m|>^2)``) and ``binder`` (``1 - <m^4> / 3<m^2>^2``), plus
        ``tau_energy``, ``tau_abs_m`` (integrated autocorrelation times in measurements),
        ``ess_abs_m`` and ``rhat_energy``.
        """
        N = self.n_sites
        beta = float(np.mean(self.beta))
        e = self.energy / N
        m = self.magnetization / N
        am = np.abs(m)
        out = {
            "energy": diagnostics.jackknife(lambda x: x.mean(), e, n_blocks=n_blocks),
            "abs_m": diagnostics.jackknife(lambda x: x.mean(), am, n_blocks=n_blocks),
            "m": diagnostics.jackknife(lambda x: x.mean(), m, n_blocks=n_blocks),
            "specific_heat": diagnostics.jackknife(
                # (beta sd)^2, not beta^2 var: a frozen chain at a huge beta gives 0, not nan
                lambda x: N * (beta * x.std()) ** 2,
                e,
                n_blocks=n_blocks,
            ),
            "susceptibility": diagnostics.jackknife(
                lambda x: beta * N * ((x**2).mean() - np.abs(x).mean() ** 2), m, n_blocks=n_blocks
            ),
            "binder": diagnostics.jackknife(
                lambda x: 1 - (x**4).mean() / (3 * (x**2).mean() ** 2), m, n_blocks=n_blocks
            ),
        }
        out["tau_energy"] = diagnostics.integrated_autocorr_time(e)
        out["tau_abs_m"] = diagnostics.integrated_autocorr_time(am)
        out["ess_abs_m"] = diagnostics.effective_sample_size(am)
        if e.shape[0] > 1 and e.shape[1] >= 4:
            out["rhat_energy"] = diagnostics.split_rhat(e)
        return out


@dataclass
class SampleResult:
    """What every sampler returns: the chains' final states ``spins`` (n_chains, ...), the
    measured ``trace`` (a :class:`Trace`, with ``return_trace``; else None), the ``sampler``'s
    name and ``info``.  The continuous samplers also keep the visited states ``samples``
    (n_chains, n_kept, d) and each chain's ``acceptance`` rate."""

    spins: np.ndarray
    trace: Trace | None = None
    sampler: str = ""
    info: dict = field(default_factory=dict)
    samples: np.ndarray | None = None
    acceptance: np.ndarray | None = None


@dataclass
class ChainState:
    """The explicit state of running chains: what a model's ``init_chains`` returns and its
    ``step`` advances (after BlackJAX: a model is a density, a sampler is init + step).

    ``spins``: the chains' configurations (int8 ``(n_chains, *shape)``; some samplers keep a
    working layout of their own and write it back into ``spins`` when ``sync`` is called);
    ``streams``: one random stream per chain (or lattice row); ``sampler``: the move;
    ``advance``: one sweep at per-chain inverse temperatures, in place; ``sync``: bring
    ``spins`` up to date.  Found by name in :mod:`pgm_ebm.samplers.registry`.
    """

    spins: np.ndarray
    streams: np.ndarray
    sampler: str
    advance: object = field(repr=False)
    sync: object = field(repr=False, default=lambda: None)
    #: a sampler's working arrays (e.g. the RBM's last ``p(v = 1 | h)`` in ``"Vp"``)
    work: dict = field(repr=False, default_factory=dict)
