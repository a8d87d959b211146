"""One registry of Markov kernels, found by name.

A model says what it is with a class attribute ``sampler_kind`` (``"lattice"``,
``"pairwise"``, ``"rbm"``, ``"grid-posterior"``); a sampler is registered for a kind under a
name, and is the pair ``init`` / ``step`` over an explicit :class:`ChainState`:

- ``init(model, n_chains, *, init="random", random_state=None, **options) -> ChainState``:
  the chains' configurations, one random stream per chain (or lattice row) and the compiled
  sweep (``options``: a sampler's own settings, e.g. the Langevin ``step_size``);
- ``step(model, state, betas) -> ChainState``: one sweep of every chain, chain ``c`` at
  inverse temperature ``betas[c]``, in place;
- ``check(model)``: raises ``ValueError`` naming the reason when the move does not apply to
  this model (a cluster move with a field, a checkerboard on an odd torus).

``model.sample``, parallel tempering, annealing, AIS, thermodynamic integration and the
denoising sampler all find their move here (:func:`get_sampler`), so a sampler registered by
a user (:func:`register`) is usable by all of them.

>>> from pgm_ebm import IsingLattice
>>> from pgm_ebm.samplers import available_samplers, get_sampler
>>> available_samplers(IsingLattice((8, 8)))
('metropolis', 'heatbath', 'wolff', 'swendsen-wang', 'multispin')
>>> lat = IsingLattice((8, 8), beta=0.3)
>>> move = get_sampler("heatbath", lat)
>>> state = move.init(lat, 4, random_state=0)
>>> state = move.step(lat, state, [0.3] * 4)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "Sampler",
    "available_samplers",
    "get_sampler",
    "register",
    "sampler_kind",
    "unregister",
]


def _applies(model) -> None:
    return None


@dataclass(frozen=True)
class Sampler:
    """A Markov kernel of the registry (see the module's docstring for the signatures)."""

    name: str
    kind: str
    description: str
    init: Callable = field(repr=False)
    step: Callable = field(repr=False)
    check: Callable = field(repr=False, default=_applies)
    #: whether ``init`` / ``step`` can drive it (one configuration per chain); a sampler
    #: with a packed layout of its own (the lattice's multispin) runs only in ``sample``
    steppable: bool = True


_REGISTRY: dict[tuple[str, str], Sampler] = {}


def register(sampler: Sampler, *, replace: bool = False) -> Sampler:
    """Add ``sampler`` under ``(sampler.kind, sampler.name)``; ``replace=True`` to redefine."""
    if not isinstance(sampler, Sampler):
        raise TypeError(f"sampler must be a Sampler, got {type(sampler).__name__}")
    key = (sampler.kind, sampler.name)
    if key in _REGISTRY and not replace:
        raise ValueError(
            f"a sampler {sampler.name!r} is already registered for {sampler.kind!r} models; "
            "pass replace=True to redefine it"
        )
    _REGISTRY[key] = sampler
    return sampler


def unregister(kind: str, name: str) -> Sampler:
    """Remove and return the sampler ``name`` of ``kind`` (``KeyError`` if there is none)."""
    return _REGISTRY.pop((kind, name))


def sampler_kind(model) -> str:
    """The kind of ``model`` (its class's ``sampler_kind``), or ``model`` itself if a string."""
    if isinstance(model, str):
        return model
    kind = getattr(type(model), "sampler_kind", None)
    if kind is None:
        raise TypeError(f"{type(model).__name__} declares no sampler_kind: no sampler moves it")
    return kind


def available_samplers(model) -> tuple:
    """The names of the samplers registered for ``model`` (a model or a kind), in order of
    registration."""
    kind = sampler_kind(model)
    return tuple(name for k, name in _REGISTRY if k == kind)


def get_sampler(name, model, *, steppable: bool = False) -> Sampler:
    """The sampler ``name`` for ``model``, checked against it (``ValueError`` naming the
    registered names, or the reason it does not apply).  ``steppable=True``: only samplers
    that ``init`` / ``step`` can drive (AIS, tempering)."""
    kind = sampler_kind(model)
    spec = _REGISTRY.get((kind, name)) if isinstance(name, str) else None
    names = available_samplers(kind)
    if steppable:
        names = tuple(n for n in names if _REGISTRY[(kind, n)].steppable)
    if spec is None or spec.name not in names:
        raise ValueError(f"sampler must be one of {names}, got {name!r}")
    if not isinstance(model, str):
        spec.check(model)
    return spec
