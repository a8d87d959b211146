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
    """A Markov kernel of the registry: a named ``init`` / ``step`` pair for one kind of model.

    Parameters
    ----------
    name : str
        The name it is found by (``model.sample(sampler=name)``, :func:`get_sampler`).
    kind : str
        The ``sampler_kind`` of the models it moves (``"lattice"``, ``"pairwise"``,
        ``"rbm"``, ``"dbm"``, ``"grid-posterior"``, ``"continuous"``).
    description : str
        One line for listings.
    init : callable
        ``init(model, n_chains, *, init="random", random_state=None, **options) ->
        ChainState``.
    step : callable
        ``step(model, state, betas) -> ChainState``: one sweep of every chain, chain ``c``
        at inverse temperature ``betas[c]``, in place.
    check : callable, optional
        ``check(model)`` raises ValueError naming the reason when the move does not apply
        to ``model``; default: always applies.
    steppable : bool
        Whether ``init`` / ``step`` can drive it (AIS, tempering); False for a sampler
        with a packed layout of its own that only ``sample`` runs.

    Examples
    --------
    A Metropolis move for pairwise models written by a user, registered and used by
    ``BoltzmannMachine.sample``:

    >>> import numpy as np
    >>> from pgm_ebm import BoltzmannMachine
    >>> from pgm_ebm.samplers import ChainState, Sampler, get_sampler, register, unregister
    >>> def init(model, n_chains, *, init="random", random_state=None):
    ...     rng = np.random.default_rng(random_state)
    ...     X = rng.integers(0, 2, (n_chains, model.n)).astype(np.int8)
    ...     def advance(betas):
    ...         for i in range(model.n):
    ...             f = model.b[i] + model.couplings_dense()[i] @ X.T
    ...             X[:, i] = rng.random(len(X)) < 1 / (1 + np.exp(-betas * f))
    ...     return ChainState(spins=X, streams=np.zeros((n_chains, 2), np.uint64),
    ...                       sampler="my-gibbs", advance=advance)
    >>> def step(model, state, betas):
    ...     state.advance(np.asarray(betas, dtype=float))
    ...     return state
    >>> _ = register(Sampler("my-gibbs", "pairwise", "numpy Gibbs", init, step))
    >>> model = BoltzmannMachine(np.zeros((3, 3)), np.array([5.0, -5.0, 0.0]))
    >>> means = model.sample(20, n_chains=400, sampler="my-gibbs", random_state=0).spins.mean(0)
    >>> bool(np.abs(means - [1.0, 0.0, 0.5]).max() < 0.1)  # sigmoid(5), sigmoid(-5), 1/2
    True
    >>> _ = unregister("pairwise", "my-gibbs")
    """

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
    """Add a sampler to the registry under ``(sampler.kind, sampler.name)``.

    Every driver that finds its move by name (``sample``, parallel tempering, annealing,
    AIS, thermodynamic integration, denoising) can then use it.

    Parameters
    ----------
    sampler : Sampler
        The sampler to add.
    replace : bool
        Redefine a sampler already registered under that kind and name.

    Returns
    -------
    Sampler
        ``sampler``.

    Raises
    ------
    TypeError
        If ``sampler`` is not a :class:`Sampler`.
    ValueError
        If the name is taken for that kind and ``replace`` is False.

    Examples
    --------
    >>> from pgm_ebm.samplers import get_sampler, register, unregister
    >>> heat = get_sampler("heatbath", "lattice")
    >>> register(heat)
    Traceback (most recent call last):
    ...
    ValueError: a sampler 'heatbath' is already registered for 'lattice' models; ...
    >>> _ = register(heat, replace=True)
    """
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
    """Remove a sampler from the registry.

    Parameters
    ----------
    kind : str
        The kind of models it moves.
    name : str
        Its name.

    Returns
    -------
    Sampler
        The sampler removed (``KeyError`` if there was none).

    Examples
    --------
    >>> import dataclasses
    >>> from pgm_ebm.samplers import available_samplers, get_sampler, register, unregister
    >>> mine = dataclasses.replace(get_sampler("heatbath", "lattice"), name="my-heatbath")
    >>> _ = register(mine)
    >>> "my-heatbath" in available_samplers("lattice")
    True
    >>> unregister("lattice", "my-heatbath").name
    'my-heatbath'
    """
    return _REGISTRY.pop((kind, name))


def sampler_kind(model) -> str:
    """The kind of a model: its class's ``sampler_kind``, or the string itself.

    Parameters
    ----------
    model : object or str
        A model, or a kind.

    Returns
    -------
    str
        The kind under which its samplers are registered.

    Raises
    ------
    TypeError
        If the model's class declares no ``sampler_kind`` (no sampler moves it).

    Examples
    --------
    >>> from pgm_ebm import BernoulliRBM, IsingLattice
    >>> from pgm_ebm.samplers import sampler_kind
    >>> sampler_kind(IsingLattice((4, 4))), sampler_kind(BernoulliRBM()), sampler_kind("rbm")
    ('lattice', 'rbm', 'rbm')
    """
    if isinstance(model, str):
        return model
    kind = getattr(type(model), "sampler_kind", None)
    if kind is None:
        raise TypeError(f"{type(model).__name__} declares no sampler_kind: no sampler moves it")
    return kind


def available_samplers(model) -> tuple:
    """The names of the samplers registered for a model, in order of registration.

    Parameters
    ----------
    model : object or str
        A model, or a kind (see :func:`sampler_kind`).

    Returns
    -------
    tuple of str
        The names :func:`get_sampler` accepts for it.

    Examples
    --------
    >>> from pgm_ebm.samplers import available_samplers
    >>> available_samplers("pairwise")
    ('metropolis', 'heatbath')
    """
    kind = sampler_kind(model)
    return tuple(name for k, name in _REGISTRY if k == kind)


def get_sampler(name, model, *, steppable: bool = False) -> Sampler:
    """The sampler ``name`` for ``model``, checked against the model.

    Parameters
    ----------
    name : str
        A registered name (see :func:`available_samplers`).
    model : object or str
        A model (then the sampler's ``check`` runs on it) or a kind.
    steppable : bool
        Accept only samplers that ``init`` / ``step`` can drive (AIS, tempering).

    Returns
    -------
    Sampler
        The registered sampler.

    Raises
    ------
    ValueError
        If ``name`` is not registered for the model's kind (the message lists the names
        that are), or the sampler does not apply to this model (the message says why).

    Examples
    --------
    >>> from pgm_ebm import IsingLattice
    >>> from pgm_ebm.samplers import get_sampler
    >>> get_sampler("wolff", IsingLattice((8, 8))).description
    'Wolff single-cluster flips (h = 0, J > 0)'
    >>> get_sampler("wolff", IsingLattice((8, 8), h=0.1))
    Traceback (most recent call last):
    ...
    ValueError: sampler='wolff' needs h=0 and J>0; use 'metropolis' or 'heatbath'
    """
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
