"""The public API uses the vocabulary of docs/vocabulary.rst and nothing it rules out."""

import importlib
import inspect
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_MODULES = [
    "pgm_ebm",
    "pgm_ebm.partition",
    "pgm_ebm.experiments",
    "pgm_ebm.samplers",
    "pgm_ebm.samplers.pairwise",
    "pgm_ebm.samplers.lattice",
    "pgm_ebm.samplers.rbm",
    "pgm_ebm.samplers.registry",
    "pgm_ebm.models.boltzmann",
    "pgm_ebm.models.ising",
    "pgm_ebm.models.rbm",
    "pgm_ebm.denoise",
    "pgm_ebm.expfam",
    "pgm_ebm.datasets",
    "pgm_ebm.diagnostics",
    "pgm_ebm.markov",
    "pgm_ebm.continuous",
    "pgm_ebm.plotting",
    "pgm_ebm.io",
]


def _tables():
    text = (ROOT / "docs" / "vocabulary.rst").read_text()
    shared, banned = text.split("Names that are not used")
    vocab = set(re.findall(r"^     - ``(\w+)``", shared, re.M))
    vocab |= set(re.findall(r"``(\w+)``, ``(\w+)``$", shared, re.M)[0])
    pairs = re.findall(r"^   \* - ``(\w+)``[^\n]*\n     - (.+)$", banned, re.M)
    not_used = {w: good for good, bad in pairs for w in re.findall(r"``(\w+)``", bad)}
    return vocab, not_used


def _public_signatures():
    """(qualified name, parameter names) of every public callable defined in pgm_ebm."""
    seen = set()
    for mod_name in PUBLIC_MODULES:
        mod = importlib.import_module(mod_name)
        names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
        for name in names:
            obj = getattr(mod, name, None)
            owner = getattr(obj, "__module__", "") or ""
            if obj is None or inspect.ismodule(obj) or not owner.startswith("pgm_ebm"):
                continue
            targets = []
            if inspect.isclass(obj):
                targets.append((f"{owner}.{obj.__name__}", obj.__init__))
                for an, a in vars(obj).items():
                    if not an.startswith("_") and callable(a):
                        targets.append((f"{owner}.{obj.__name__}.{an}", a))
            elif callable(obj):
                targets.append((f"{owner}.{getattr(obj, '__name__', name)}", obj))
            for qual, fn in targets:
                if qual in seen:
                    continue
                seen.add(qual)
                try:
                    params = inspect.signature(fn).parameters
                except (TypeError, ValueError):
                    continue
                yield qual, [p for p in params if p not in ("self", "cls")]


def test_no_public_signature_uses_a_ruled_out_name():
    _, not_used = _tables()
    assert {"seed", "temps", "chains"} <= set(not_used)
    bad = [
        f"{qual}({p}): use {not_used[p]!r}"
        for qual, params in _public_signatures()
        for p in params
        if p in not_used
    ]
    assert not bad, "\n".join(bad)


def test_every_vocabulary_keyword_is_used_by_the_api():
    vocab, _ = _tables()
    assert {"n_sweeps", "n_chains", "random_state", "beta_schedule", "progress"} <= vocab
    used = {p for _, params in _public_signatures() for p in params}
    stale = sorted(vocab - used)
    assert not stale, f"rows of docs/vocabulary.rst name no keyword of the API: {stale}"


def test_samplers_share_the_vocabulary():
    """The samplers of the three model families take the shared names."""
    from pgm_ebm import BoltzmannMachine, IsingLattice

    for fn, names in [
        (IsingLattice.sample, {"n_sweeps", "n_chains", "sampler", "random_state", "device",
                               "init", "burn_in", "beta_schedule", "return_trace", "progress"}),
        (BoltzmannMachine.sample, {"n_sweeps", "n_chains", "sampler", "random_state", "device",
                                   "init", "beta", "beta_schedule", "return_trace", "progress"}),
        (IsingLattice.parallel_tempering, {"betas", "n_sweeps", "sampler", "random_state",
                                           "burn_in", "swap_every", "progress"}),
        (BoltzmannMachine.parallel_tempering, {"betas", "n_sweeps", "sampler", "random_state",
                                               "burn_in", "swap_every", "progress", "init"}),
    ]:  # fmt: skip
        params = set(inspect.signature(fn).parameters)
        assert names <= params, (fn.__qualname__, names - params)


def test_every_lattice_and_pairwise_sampler_returns_a_sample_result():
    """One result type: ``.spins`` always, ``.trace`` a Trace or None (never NumPy's trace
    of an array, as when ``sample`` returned the bare states)."""
    import numpy as np

    from pgm_ebm import BoltzmannMachine, IsingLattice
    from pgm_ebm.samplers import SampleResult, Trace

    lat = IsingLattice((4, 4), beta=0.4)
    bm = BoltzmannMachine(np.array([[0, 0.5], [0.5, 0]]), np.zeros(2), units="spin")
    for res, traced in [
        (lat.sample(3, random_state=0), False),
        (lat.sample(3, random_state=0, return_trace=True), True),
        (lat.parallel_tempering([0.2, 0.4], 3, random_state=0), True),
        (bm.sample(3, random_state=0), False),
        (bm.sample(3, scan="colored", random_state=0), False),
        (bm.sample(3, sampler="metropolis", beta=0.5, random_state=0, return_trace=True), True),
        (bm.parallel_tempering([0.2, 0.4], 3, random_state=0), True),
    ]:
        assert isinstance(res, SampleResult) and res.spins.dtype == np.int8
        assert isinstance(res.trace, Trace) if traced else res.trace is None
