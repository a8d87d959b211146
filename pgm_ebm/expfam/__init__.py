"""Exponential families and moment matching.

``p(x; theta) = exp(theta . f(x) - A(theta))`` with log partition ``A``.  The
log-likelihood is concave in ``theta``; its gradient is the data moments minus
the model moments, ``mean f(X) - E_theta[f]``, and its Hessian is ``-Cov_theta[f]``.
Here ``f`` is the pairwise family of binary / spin vectors on a graph:
``f(x) = (x_1 .. x_n, x_i x_j for (i, j) in edges)``, i.e. a Boltzmann machine with
``b = theta[:n]`` and ``J_ij = theta[edge (i, j)]``.

:mod:`~pgm_ebm.expfam.pairwise`: the pairwise family, its fits (exact, pseudo-likelihood,
mean field) and the inverse Ising problem; :mod:`~pgm_ebm.expfam.polynomial`: a continuous
family on 2-D points; :mod:`~pgm_ebm.expfam.stacking`: greedily stacked RBMs.
"""

from pgm_ebm.expfam.pairwise import (
    CONVERGED_GRADIENT_SE,
    FitResult,
    PairwiseFamily,
    factorized_fits,
    fit,
    inverse_ising,
    kl_divergences,
    sample_exact,
)
from pgm_ebm.expfam.polynomial import (
    PolynomialFamily2D,
    fit_polynomial_exact,
    fit_polynomial_langevin,
    two_moons,
)
from pgm_ebm.expfam.stacking import StackedRBMs, stack_rbms

__all__ = [
    "CONVERGED_GRADIENT_SE",
    "FitResult",
    "PairwiseFamily",
    "PolynomialFamily2D",
    "StackedRBMs",
    "factorized_fits",
    "fit",
    "fit_polynomial_exact",
    "fit_polynomial_langevin",
    "inverse_ising",
    "kl_divergences",
    "sample_exact",
    "stack_rbms",
    "two_moons",
]
