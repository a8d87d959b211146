"""Partition functions: every estimator returns a :class:`LogZResult`, and
:func:`log_partition` dispatches to each by the name its result reports."""

from pgm_ebm.partition.ais import (
    default_schedule,
    ising_ais,
    ising_thermodynamic_integration,
    rbm_ais,
    rbm_reverse_ais,
)
from pgm_ebm.partition.dispatch import METHODS, log_partition
from pgm_ebm.partition.exact import rbm_log_partition_exact
from pgm_ebm.partition.ising_exact import (
    ising_log_partition_enumerate,
    kaufman_log_partition,
    onsager_energy_per_site,
    onsager_log_partition_per_site,
    transfer_matrix_log_partition,
    yang_magnetization,
)
from pgm_ebm.partition.result import LogZResult
from pgm_ebm.partition.variational import bethe_log_partition, mean_field_log_partition

__all__ = [
    "METHODS",
    "LogZResult",
    "bethe_log_partition",
    "default_schedule",
    "ising_ais",
    "ising_log_partition_enumerate",
    "ising_thermodynamic_integration",
    "kaufman_log_partition",
    "log_partition",
    "mean_field_log_partition",
    "onsager_energy_per_site",
    "onsager_log_partition_per_site",
    "rbm_ais",
    "rbm_log_partition_exact",
    "rbm_reverse_ais",
    "transfer_matrix_log_partition",
    "yang_magnetization",
]
