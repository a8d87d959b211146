"""The one result type of every log-partition-function estimator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LogZResult:
    """log Z together with how it was obtained.

    Every estimator of :mod:`pgm_ebm.partition` returns one; its fields are also its
    attributes.  ``float(result)`` is ``log_z``; ``str(result)`` says what it is.

    Parameters
    ----------
    log_z : float
        The natural logarithm of the partition function (estimate).
    method : str
        ``"exact-enumeration"``, ``"ais"``, ... : how ``log_z`` was obtained.
    uncertainty : str
        What ``interval`` means: ``"exact"`` (no uncertainty beyond float64
        rounding), ``"stderr"``, ``"ci95"``, ``"lower-bound"`` or ``"upper-bound"``.
    stderr : float or None
        Standard error of ``log_z`` when it is an estimate.
    interval : tuple of float or None
        Confidence interval or bound, per ``uncertainty``.
    settings : dict
        The estimator's settings (enumerated layer, schedule, chains, ...).
    n_energy_evals : int
        Number of (free-)energy evaluations the estimate took.
    wall_time : float
        Seconds.
    diagnostics : dict
        Method-specific diagnostics (for AIS the effective sample size).

    Examples
    --------
    >>> import numpy as np
    >>> from pgm_ebm import BoltzmannMachine
    >>> model = BoltzmannMachine(np.zeros((3, 3)), np.zeros(3))
    >>> result = model.log_partition("exact-enumeration")
    >>> result.method, result.is_exact, bool(np.isclose(float(result), 3 * np.log(2)))
    ('exact-enumeration', True, True)
    """

    log_z: float
    method: str
    uncertainty: str = "exact"
    stderr: float | None = None
    interval: tuple[float, float] | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    n_energy_evals: int = 0
    wall_time: float = 0.0
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def is_exact(self) -> bool:
        """Whether ``log_z`` is exact (``uncertainty == "exact"``), not an estimate or a bound."""
        return self.uncertainty == "exact"

    def __float__(self) -> float:
        return float(self.log_z)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-serialisable types (for ``metrics.json``).

        Returns
        -------
        dict
            Every field, ``interval`` as a list, numbers as Python floats and ints.

        Examples
        --------
        >>> LogZResult(1.5, "ais", "ci95", 0.1, (1.3, 1.7)).to_dict()["interval"]
        [1.3, 1.7]
        """
        return {
            "log_z": float(self.log_z),
            "method": self.method,
            "uncertainty": self.uncertainty,
            "stderr": self.stderr,
            "interval": list(self.interval) if self.interval is not None else None,
            "settings": dict(self.settings),
            "n_energy_evals": int(self.n_energy_evals),
            "wall_time": float(self.wall_time),
            "diagnostics": dict(self.diagnostics),
        }

    def __str__(self) -> str:
        if self.is_exact:
            how = "exact"
        elif self.stderr is not None:
            how = f"+/- {self.stderr:.3g} (stderr)"
        else:
            how = f"{self.uncertainty} {self.interval}"
        return f"log Z = {self.log_z:.6f} [{self.method}, {how}, {self.wall_time:.2f} s]"
