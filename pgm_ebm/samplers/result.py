"""What every sampler returns: the final states and, on request, the measured trace."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pgm_ebm import diagnostics

__all__ = ["ChainState", "SampleResult", "Trace"]


@dataclass
class Trace:
    """Energies and magnetizations measured along the chains.

    Parameters
    ----------
    energy : ndarray of shape (n_chains, n_measurements)
        Total energy of each chain at each measurement.
    magnetization : ndarray of shape (n_chains, n_measurements)
        Total magnetization (sum of the spins).
    n_sites : int
        Number of spins, to turn totals into per-spin values.
    beta : float or ndarray
        The inverse temperature(s) of the measurements.
    sweep_numbers : ndarray of int, optional
        The sweep after which each measurement was taken (empty: one per sweep).

    Examples
    --------
    >>> from pgm_ebm import IsingLattice
    >>> lat = IsingLattice((8, 8), beta=0.2)
    >>> trace = lat.sample(100, n_chains=4, return_trace=True, random_state=0).trace
    >>> trace.energy.shape, trace.n_sites
    ((4, 100), 64)
    """

    energy: np.ndarray
    magnetization: np.ndarray
    n_sites: int
    beta: float | np.ndarray
    #: the sweep after which each measurement was taken (empty: one per sweep)
    sweep_numbers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def observables(self, n_blocks: int = 20) -> dict:
        """Per-spin observables with standard errors from a blocked jackknife over measurements.

        Parameters
        ----------
        n_blocks : int
            Blocks of consecutive measurements for the jackknife; each block should be longer
            than the integrated autocorrelation time (``tau_energy``, ``tau_abs_m``).

        Returns
        -------
        dict
            ``name -> (value, stderr)`` for ``energy`` (per spin), ``abs_m``, ``m``,
            ``specific_heat`` (per spin, ``beta^2 N Var e``), ``susceptibility``
            (``beta N (<m^2> - <|m|>^2)``) and ``binder`` (``1 - <m^4> / 3<m^2>^2``); plus
            ``tau_energy`` and ``tau_abs_m`` (integrated autocorrelation times, in
            measurements), ``ess_abs_m`` (effective sample size) and, with two or more chains
            of at least 4 measurements, ``rhat_energy`` (split R-hat).

        Examples
        --------
        >>> from pgm_ebm import IsingLattice
        >>> lat = IsingLattice((16, 16), beta=0.6)  # deep in the ordered phase
        >>> run = lat.sample(400, n_chains=4, burn_in=100, return_trace=True, random_state=0)
        >>> trace = run.trace
        >>> obs = trace.observables()
        >>> value, err = obs["abs_m"]
        >>> bool(abs(value - 0.98) < 0.02), bool(err < 0.01)
        (True, True)
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
    """What every sampler returns.

    Parameters
    ----------
    spins : ndarray
        The chains' final states, (n_chains, ...) (for continuous samplers, (n_chains, d)).
    trace : Trace or None
        The measured trace, with ``return_trace``; else None.
    sampler : str
        The name of the sampler that ran.
    info : dict
        What the run adds (sweeps, temperatures, swap rates, ...).
    samples : ndarray or None
        The continuous samplers' visited states (n_chains, n_kept, d); else None.
    acceptance : ndarray or None
        The continuous samplers' acceptance rate per chain; else None.

    Examples
    --------
    >>> from pgm_ebm import IsingLattice
    >>> result = IsingLattice((8, 8), beta=0.3).sample(10, n_chains=2, random_state=0)
    >>> result.spins.shape, result.sampler, result.trace is None
    ((2, 8, 8), 'metropolis', True)
    """

    spins: np.ndarray
    trace: Trace | None = None
    sampler: str = ""
    info: dict = field(default_factory=dict)
    samples: np.ndarray | None = None
    acceptance: np.ndarray | None = None


@dataclass
class ChainState:
    """The explicit state of running chains: what a sampler's ``init`` returns and its ``step``
    advances (after BlackJAX: a model is a density, a sampler is init + step).

    Parameters
    ----------
    spins : ndarray
        The chains' configurations (int8 ``(n_chains, *shape)``; some samplers keep a
        working layout of their own and write it back into ``spins`` when ``sync`` is
        called).
    streams : ndarray of uint64
        One xoroshiro128+ stream per chain (or lattice row), shape (n_streams, 2).
    sampler : str
        The name of the move.
    advance : callable
        ``advance(betas)``: one sweep of every chain at per-chain inverse temperatures, in
        place.
    sync : callable, optional
        Brings ``spins`` up to date (a no-op unless the sampler keeps its own layout or
        runs on a GPU).
    work : dict, optional
        A sampler's working arrays (e.g. the RBM's last ``p(v = 1 | h)`` in ``"Vp"``).

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import IsingLattice
    >>> from pgm_ebm.samplers import get_sampler
    >>> lat = IsingLattice((8, 8))
    >>> move = get_sampler("heatbath", lat)
    >>> state = move.init(lat, 3, random_state=0)
    >>> for beta in np.linspace(0.0, 0.6, 50):  # an anneal, one sweep per temperature
    ...     state = move.step(lat, state, np.full(3, beta))
    >>> _ = state.sync()
    >>> state.spins.shape, state.streams.shape
    ((3, 8, 8), (24, 2))
    """

    spins: np.ndarray
    streams: np.ndarray
    sampler: str
    advance: object = field(repr=False)
    sync: object = field(repr=False, default=lambda: None)
    #: a sampler's working arrays (e.g. the RBM's last ``p(v = 1 | h)`` in ``"Vp"``)
    work: dict = field(repr=False, default_factory=dict)
