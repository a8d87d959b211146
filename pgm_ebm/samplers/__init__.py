"""Markov-chain samplers shared by the models: result types and the pairwise-model drivers
(annealing and tempering on any coupling graph)."""

from pgm_ebm.samplers.result import ChainState, SampleResult, Trace

__all__ = ["ChainState", "SampleResult", "Trace"]
