"""Binary image denoising with an Ising prior.

The posterior of a clean image ``x`` (pixels in {-1, +1}) given a noisy observation
``y`` is an Ising model on the pixel grid (Besag 1986; Greig, Porteous & Seheult 1989;
Bishop, *PRML* 8.3.3)::

    p(x | y) ~ exp(beta * sum_<ij> x_i x_j + eta * sum_i x_i y_i - h * sum_i x_i)

i.e. the energy ``E(x) = -beta sum_<ij> x_i x_j - sum_i u_i x_i`` with the unary field
``u = eta * y - h``, free (image) boundaries and the 4- or 8-neighbourhood.

- Flip noise (each pixel flipped with probability p): ``eta = 0.5 log((1 - p) / p)``
  is the exact log-likelihood ratio; Bishop's example uses ``eta = 2.1`` (the default
  when no noise rate is given).
- Gaussian noise (``y = x + sigma * noise``, real-valued): ``eta = 1 / sigma^2``.

The mapping to :class:`~pgm_ebm.IsingLattice`'s conventions (``E = -J sum s_i s_j - sum h_i
s_i``, ``p ~ exp(-beta_ising E)``), stated here once: this posterior is the Ising model with
``beta_ising * J = beta`` (here ``beta`` is a coupling at unit temperature, not an inverse
temperature) and ``beta_ising * h_i = eta * y_i - h``: the ``h`` of this module is a bias
*against* +1 pixels, of the opposite sign to the lattice's field, and free boundaries.  An
annealing ``beta_schedule`` multiplies the whole energy, as on the lattice.
:class:`GridPosterior` is this posterior as a model (``as_ising_lattice`` builds the lattice
above); its heat bath is the registry's ``"heatbath"`` of the ``"grid-posterior"`` kind
(:mod:`pgm_ebm.samplers.grid`).

:func:`denoise` runs one inference method; :func:`compare_methods` runs them side by
side against a clean image.  The exact MAP (``method="graph-cut"``) is the global
minimum of E, so every other method can be measured against it.

Example
-------
>>> from pgm_ebm import denoise as dn
>>> clean = dn.builtin_image("shapes", size=64)
>>> noisy = dn.add_flip_noise(clean, 0.1, random_state=0)
>>> restored = dn.denoise(noisy, method="graph-cut", beta=1.0, eta=2.1)
>>> float((restored != clean).mean()) < 0.03
True
"""

from pgm_ebm.denoise.images import (
    BUILTIN_IMAGES,
    add_flip_noise,
    add_gaussian_noise,
    builtin_image,
    load_image,
    read_image,
    save_image,
)
from pgm_ebm.denoise.inference import (
    BISHOP_BETA,
    BISHOP_ETA,
    METHODS,
    DenoiseResult,
    compare_methods,
    denoise,
    energy,
    estimate_parameters,
    flip_eta,
)
from pgm_ebm.denoise.posterior import GridPosterior

__all__ = [
    "BISHOP_BETA",
    "BISHOP_ETA",
    "BUILTIN_IMAGES",
    "METHODS",
    "DenoiseResult",
    "GridPosterior",
    "add_flip_noise",
    "add_gaussian_noise",
    "builtin_image",
    "compare_methods",
    "denoise",
    "energy",
    "estimate_parameters",
    "flip_eta",
    "load_image",
    "read_image",
    "save_image",
]
