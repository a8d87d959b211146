"""Models: energies, parameters and the estimator API."""

from pgm_ebm.models.rbm import BernoulliRBM

__all__ = ["BernoulliRBM"]
