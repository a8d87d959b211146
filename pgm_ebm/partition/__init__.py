"""Partition functions: every estimator returns a :class:`LogZResult`."""

from pgm_ebm.partition.exact import rbm_log_partition_exact
from pgm_ebm.partition.result import LogZResult

__all__ = ["LogZResult", "rbm_log_partition_exact"]
