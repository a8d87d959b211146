"""The denoising posterior as a model: what the samplers of the ``"grid-posterior"`` kind
move (:mod:`pgm_ebm.samplers.grid`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pgm_ebm._validation import as_real_array, check_choice, check_real
from pgm_ebm.denoise.images import as_spins, pad

__all__ = ["GridPosterior"]


@dataclass(frozen=True, eq=False)
class GridPosterior:
    """The posterior of a binary image on a pixel grid under an Ising prior.

    ``p(x | y) ~ exp(-E(x))`` with ``E(x) = -beta sum_<ij> x_i x_j - sum_i u_i x_i`` on a
    pixel grid (free boundaries, the 4- or 8-neighbourhood), ``x`` in {-1, +1}.

    With 4 neighbours it is :meth:`as_ising_lattice`.

    Parameters
    ----------
    field : array_like, shape (H, W)
        The unary field ``u = eta * y - h`` (see :mod:`pgm_ebm.denoise`), finite; copied.
    beta : float
        The neighbour coupling at unit temperature, >= 0.
    neighbourhood : {4, 8}, default 4
        Couple the 4 nearest pixels, or the 8 with the diagonals.

    Raises
    ------
    ValueError
        If ``field`` is not a finite non-empty 2-D array, ``beta`` is negative or not finite,
        or ``neighbourhood`` is not 4 or 8.

    Examples
    --------
    >>> import numpy as np
    >>> post = GridPosterior(np.array([[1.0, -1.0], [0.5, 0.0]]), beta=0.5)
    >>> post.shape
    (2, 2)
    >>> post.energy(np.ones((2, 2)))  # -0.5 * 4 bonds - (1 - 1 + 0.5 + 0)
    -2.5
    """

    field: np.ndarray
    beta: float
    neighbourhood: int = 4
    _padded: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    #: the samplers of the registry that move it (:mod:`pgm_ebm.samplers`)
    sampler_kind = "grid-posterior"

    def __post_init__(self):
        u = as_real_array(self.field, "field", ndim=2)
        if u.size == 0:
            raise ValueError("field must be a non-empty 2-D array")
        object.__setattr__(self, "field", u)
        object.__setattr__(self, "beta", check_real(self.beta, "beta", low=0.0))
        check_choice(self.neighbourhood, "neighbourhood", (4, 8))

    @property
    def shape(self) -> tuple[int, int]:
        """The image shape ``(H, W)``."""
        return self.field.shape

    @property
    def diag(self) -> bool:
        """Whether the diagonal neighbours are coupled (the 8-neighbourhood)."""
        return self.neighbourhood == 8

    def padded_field(self) -> np.ndarray:
        """The field inside a zero frame: the kernels' layout (built once, then kept).

        Returns
        -------
        numpy.ndarray of float64, shape (H + 2, W + 2)
            ``u`` in the middle, zeros around it.

        Examples
        --------
        >>> import numpy as np
        >>> GridPosterior(np.ones((1, 2)), beta=0.0).padded_field()
        array([[0., 0., 0., 0.],
               [0., 1., 1., 0.],
               [0., 0., 0., 0.]])
        """
        if "u" not in self._padded:
            self._padded["u"] = pad(self.field, np.float64)
        return self._padded["u"]

    def energy(self, x) -> float:
        """The energy ``E(x)`` of one image.

        Parameters
        ----------
        x : array_like, shape (H, W)
            The image, as spins {-1, +1} or as 0/1 pixels (either convention).

        Returns
        -------
        float
            ``-beta sum_<ij> x_i x_j - sum_i u_i x_i`` with ``x`` in spins.

        Raises
        ------
        ValueError
            If ``x`` is not binary or not of the posterior's shape.

        Examples
        --------
        >>> import numpy as np
        >>> post = GridPosterior(np.zeros((2, 2)), beta=1.0)
        >>> post.energy([[1, 1], [1, 1]]), post.energy([[1, 0], [0, 1]])  # 0/1 pixels
        (-4.0, 4.0)
        """
        from pgm_ebm.kernels.denoise import _energy_2d

        xs, _ = as_spins(x, "x")
        if xs.shape != self.shape:
            raise ValueError(f"x has shape {xs.shape}, the posterior {self.shape}")
        return float(_energy_2d(pad(xs, np.int8), self.padded_field(), self.beta, self.diag))

    def as_ising_lattice(self):
        """The same distribution as an :class:`~pgm_ebm.IsingLattice`.

        Returns
        -------
        IsingLattice
            ``J = beta``, ``h = u``, inverse temperature 1, free boundaries.

        Raises
        ------
        ValueError
            With the 8-neighbourhood (a lattice has no diagonal couplings).

        Examples
        --------
        >>> import numpy as np
        >>> post = GridPosterior(np.array([[1.0, -1.0], [0.5, 0.0]]), beta=0.5)
        >>> x = np.array([[1, -1], [1, 1]])
        >>> bool(np.isclose(post.as_ising_lattice().energy(x), post.energy(x)))
        True
        """
        from pgm_ebm.models.ising import IsingLattice

        if self.diag:
            raise ValueError("IsingLattice has no diagonal couplings: neighbourhood must be 4")
        return IsingLattice(self.shape, J=self.beta, h=self.field, beta=1.0, boundary="open")
