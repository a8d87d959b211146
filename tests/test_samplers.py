"""The samplers layer: one registry found by name, init / step over an explicit state with the
same bits as the models' own loops, and a user's sampler usable by sample, AIS and tempering."""

import numpy as np
import pytest
from conftest import SEED
from numpy.testing import assert_array_equal

from pgm_ebm import BernoulliRBM, BoltzmannMachine, IsingLattice
from pgm_ebm import denoise as dn
from pgm_ebm.continuous import EnergyModel, langevin
from pgm_ebm.models.boltzmann import spin_glass
from pgm_ebm.partition import log_partition
from pgm_ebm.samplers import (
    ChainState,
    Sampler,
    available_samplers,
    get_sampler,
    grid,
    register,
    sampler_kind,
    unregister,
)
from pgm_ebm.samplers import continuous as continuous_samplers


def test_every_kernel_is_registered_under_its_kind():
    assert available_samplers(IsingLattice((4, 4))) == (
        "metropolis", "heatbath", "wolff", "swendsen-wang", "multispin",
    )  # fmt: skip
    assert available_samplers(spin_glass((4, 4), random_state=0)) == ("metropolis", "heatbath")
    assert available_samplers(BernoulliRBM()) == ("block-gibbs",)
    assert available_samplers(dn.GridPosterior(np.zeros((3, 3)), 1.0)) == ("heatbath",)
    assert available_samplers("continuous") == ("mala", "ula", "random-walk-metropolis")
    assert sampler_kind(BoltzmannMachine(np.zeros((2, 2)), np.zeros(2))) == "pairwise"


def test_get_sampler_names_what_exists_and_why_a_move_does_not_apply():
    lat = IsingLattice((4, 4), h=0.5)
    with pytest.raises(ValueError, match=r"sampler must be one of \('metropolis', 'heatbath'"):
        get_sampler("glauber", lat)
    with pytest.raises(ValueError, match="needs h=0 and J>0"):
        get_sampler("wolff", lat)
    with pytest.raises(ValueError, match="even sizes"):
        get_sampler("metropolis", IsingLattice((5, 4)))
    with pytest.raises(ValueError, match="needs the energy's gradient"):
        get_sampler("mala", EnergyModel(lambda x: 0.0))
    # multispin has its own packed layout: not for AIS / tempering
    with pytest.raises(ValueError, match="sampler must be one of"):
        get_sampler("multispin", IsingLattice((4, 4)), steppable=True)
    with pytest.raises(TypeError, match="declares no sampler_kind"):
        get_sampler("metropolis", object())
    with pytest.raises(ValueError, match="already registered"):
        register(get_sampler("heatbath", "lattice"))


@pytest.mark.parametrize("sampler", ["metropolis", "heatbath", "wolff", "swendsen-wang"])
def test_lattice_init_step_has_the_bits_of_sample(sampler):
    lat = IsingLattice((8, 6), beta=0.35)
    ref = lat.sample(12, n_chains=3, sampler=sampler, random_state=SEED)
    move = get_sampler(sampler, lat)
    state = move.init(lat, 3, random_state=SEED)
    if sampler == "wolff":  # sample freezes the clusters per sweep after burn_in (here 0)
        state.work["clusters"]["adapt"] = False
    for _ in range(12):
        move.step(lat, state, np.full(3, 0.35))
    state.sync()
    assert_array_equal(state.spins, ref.spins)


@pytest.mark.parametrize("sampler", ["metropolis", "heatbath"])
def test_pairwise_init_step_has_the_bits_of_sample(sampler):
    glass = spin_glass((6, 6), random_state=SEED)
    betas = np.geomspace(0.2, 2.0, 15)
    ref = glass.sample(15, n_chains=4, sampler=sampler, beta_schedule=betas, random_state=SEED)
    move = get_sampler(sampler, glass)
    state = move.init(glass, 4, random_state=SEED)
    for b in betas:
        move.step(glass, state, np.full(4, b))
    assert_array_equal(state.spins, ref.spins)


def test_rbm_block_gibbs_init_step_has_the_bits_of_sample():
    X = (np.random.default_rng(SEED).random((60, 12)) < 0.4).astype(float)
    rbm = BernoulliRBM(n_components=5, n_iter=2, random_state=0).fit(X)
    ref, p = rbm.sample(7, n_steps=9, random_state=SEED, return_probabilities=True)
    move = get_sampler("block-gibbs", rbm)
    state = move.init(rbm, 7, random_state=SEED)
    for _ in range(9):
        move.step(rbm, state, np.ones(7))
    assert_array_equal(state.spins.astype(np.uint8), ref)
    assert_array_equal(state.work["Vp"], p)
    with pytest.raises(ValueError, match="one beta"):
        move.step(rbm, state, np.linspace(0.5, 1, 7))


def test_rbm_block_gibbs_at_beta_samples_the_tempered_distribution():
    """At beta = 0.5 the chains' visible frequencies match exact enumeration of
    p(v) ~ sum_h exp(-E(v, h) / 2) (2^6 visible states)."""
    r = np.random.default_rng(SEED)
    X = (r.random((80, 6)) < 0.5).astype(float)
    rbm = BernoulliRBM(n_components=3, n_iter=1, random_state=0).fit(X)
    rbm.components_ = 1.5 * r.normal(size=rbm.components_.shape)
    rbm.intercept_visible_ = r.normal(size=6)
    rbm.intercept_hidden_ = r.normal(size=3)
    beta = 0.5
    move = get_sampler("block-gibbs", rbm)
    state = move.init(rbm, 4000, random_state=SEED)
    for _ in range(30):
        move.step(rbm, state, np.full(4000, beta))
    V = np.array([[(s >> (5 - i)) & 1 for i in range(6)] for s in range(64)], float)
    W, b, c = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_
    logp = beta * V @ b + np.logaddexp(0, beta * (V @ W.T + c)).sum(axis=1)
    p = np.exp(logp - logp.max())
    p /= p.sum()
    idx = state.spins.astype(int) @ (1 << np.arange(5, -1, -1))
    freq = np.bincount(idx, minlength=64) / 4000
    se = np.sqrt(p * (1 - p) / 4000)
    assert np.all(np.abs(freq - p) < 5 * se + 2e-3)


def test_grid_step_is_the_kernel_of_run():
    post = dn.GridPosterior(2.1 * dn.builtin_image("shapes", 20).astype(float), 1.0)
    move = get_sampler("heatbath", post)
    a = move.init(post, 2, random_state=SEED)
    b = move.init(post, 2, random_state=SEED)
    sched = np.linspace(0.3, 1.0, 6)
    grid.run(post, a, sched)
    for t in sched:
        move.step(post, b, [t, t])
    assert_array_equal(a.spins, b.spins)
    assert_array_equal(a.work["acc"], b.work["acc"])
    assert_array_equal(a.work["energy"], b.work["energy"])


def test_grid_posterior_is_the_stated_ising_lattice():
    """The mapping of pgm_ebm.denoise's docstring, as code: same energies up to sign
    conventions (E_lattice(s) at beta 1 = E_posterior(s))."""
    r = np.random.default_rng(SEED)
    u = r.normal(size=(5, 7))
    post = dn.GridPosterior(u, 0.8)
    lat = post.as_ising_lattice()
    s = np.where(r.random((3, 5, 7)) < 0.5, 1, -1).astype(np.int8)
    np.testing.assert_allclose(lat.energy(s), [post.energy(x) for x in s], rtol=1e-12)


def test_continuous_step_is_the_kernel_of_run():
    from numba import njit

    @njit
    def e(x):
        return 0.5 * (x**2).sum()

    @njit
    def g(x):
        return x.copy()

    model = EnergyModel(e, g)
    move = get_sampler("mala", model)
    a = move.init(model, 3, init=np.zeros(2), random_state=SEED, step_size=0.4)
    b = move.init(model, 3, init=np.zeros(2), random_state=SEED, step_size=0.4)
    out = continuous_samplers.run(model, a, 5)
    for _ in range(5):
        move.step(model, b, np.ones(3))
    assert_array_equal(a.spins, b.spins)
    assert_array_equal(out[:, -1], b.spins)
    assert_array_equal(a.work["accepted"], b.work["accepted"])
    res = langevin(e, g, np.zeros(2), 5, 0.4, n_chains=3, random_state=SEED)
    assert res.sampler == "mala" and res.samples.shape == (3, 5, 2)
    assert_array_equal(res.spins, a.spins)


# ---------------------------------------------------------------------------- a user's sampler
def _numpy_metropolis_init(model, n_chains, *, init="random", random_state=None):
    rng = np.random.default_rng(random_state)
    spins = (2 * rng.integers(0, 2, size=(n_chains, *model.shape)) - 1).astype(np.int8)
    return ChainState(
        spins=spins, streams=np.zeros((0, 2), np.uint64), sampler="numpy-metropolis",
        advance=None, work={"rng": rng},
    )  # fmt: skip


def _numpy_metropolis_step(model, state, betas):
    """Sequential single-spin Metropolis in NumPy, vectorised over chains (periodic)."""
    rng = state.work["rng"]
    s = state.spins.reshape(len(state.spins), -1)
    nbr = model.neighbours()
    h = model.field_flat()
    betas = np.asarray(betas, dtype=np.float64)
    for i in range(model.n_sites):
        dE = 2.0 * s[:, i] * (model.J * s[:, nbr[i]].sum(axis=1) + h[i])
        flip = rng.random(len(s)) < np.exp(-betas * dE)
        s[flip, i] *= -1
    return state


@pytest.fixture
def numpy_metropolis():
    spec = register(
        Sampler(
            "numpy-metropolis",
            "lattice",
            "a user's sampler (tests)",
            _numpy_metropolis_init,
            _numpy_metropolis_step,
        )  # fmt: skip
    )
    yield spec
    unregister("lattice", "numpy-metropolis")


def test_a_users_sampler_runs_in_sample_ais_and_tempering(numpy_metropolis):
    """Registered once, found by name by IsingLattice.sample, parallel tempering and AIS;
    its answers agree with exact values (3 x 4 torus with a field: 4,096 states)."""
    lat = IsingLattice((3, 4), beta=0.4, h=0.2)
    exact = log_partition(lat, "exact-enumeration").log_z
    d = 1e-5
    up = log_partition(IsingLattice((3, 4), beta=0.4 + d, h=0.2), "exact-enumeration").log_z
    dn_ = log_partition(IsingLattice((3, 4), beta=0.4 - d, h=0.2), "exact-enumeration").log_z
    mean_energy = -(up - dn_) / (2 * d)
    res = lat.sample(400, n_chains=32, sampler="numpy-metropolis", burn_in=50,
                     random_state=SEED, return_trace=True)  # fmt: skip
    assert res.sampler == "numpy-metropolis"
    e = res.trace.energy.mean(axis=1)  # one mean per chain: independent
    assert abs(e.mean() - mean_energy) < 5 * e.std(ddof=1) / np.sqrt(len(e))
    ais = log_partition(lat, "ais", sampler="numpy-metropolis", n_chains=64,
                        schedule=np.linspace(0, 1, 201), random_state=SEED)  # fmt: skip
    assert ais.settings["sampler"] == "numpy-metropolis"
    assert abs(ais.log_z - exact) < 5 * ais.stderr + 1e-3
    pt = lat.parallel_tempering([0.2, 0.3, 0.4], 50, sampler="numpy-metropolis", random_state=1)
    assert pt.spins.shape == (3, 3, 4) and pt.info["swap_acceptance"].shape == (2,)


def test_a_users_pairwise_sampler_runs_in_sample():
    def init(model, n_chains, *, init="random", random_state=None):
        rng = np.random.default_rng(random_state)
        X = np.where(rng.random((n_chains, model.n)) < 0.5, 1, -1).astype(np.int8)
        return ChainState(spins=X, streams=np.zeros((0, 2), np.uint64), sampler="mine",
                          advance=None, work={"rng": rng})  # fmt: skip

    def step(model, state, betas):
        rng, X = state.work["rng"], state.spins
        J = model.couplings_dense()
        for i in range(model.n):
            p = 1 / (1 + np.exp(-2 * betas * (X @ J[i] + model.b[i])))
            X[:, i] = np.where(rng.random(len(X)) < p, 1, -1)
        return state

    register(Sampler("mine", "pairwise", "a user's heat bath (tests)", init, step))
    try:
        glass = spin_glass((3, 3), random_state=SEED)
        res = glass.sample(300, n_chains=40, sampler="mine", random_state=SEED, return_trace=True)
        S, p = glass.probabilities()
        exact = float(p @ glass.energy(S))
        e = res.trace.energy[:, 50:].mean(axis=1)
        assert res.sampler == "mine"
        assert abs(e.mean() - exact) < 5 * e.std(ddof=1) / np.sqrt(len(e))
        with pytest.raises(ValueError, match="library's own samplers"):
            glass.parallel_tempering([0.5, 1.0], 10, sampler="mine")
    finally:
        unregister("pairwise", "mine")


def _driver_calls():
    from pgm_ebm._rng import seed_streams
    from pgm_ebm.continuous import EnergyModel, gaussian_mixture_energy
    from pgm_ebm.denoise import GridPosterior
    from pgm_ebm.samplers import continuous, grid, lattice, pairwise

    bm = BoltzmannMachine(np.ones((4, 4)) - np.eye(4), np.zeros(4), units="spin")
    arr = pairwise.arrays_of(bm)
    X = np.ones((3, 4), np.int8)
    betas = np.ones((2, 3))
    st = seed_streams(0, 3)
    lat = IsingLattice((4, 4))
    post, post2 = GridPosterior(np.zeros((4, 4)), 0.3), GridPosterior(np.zeros((5, 5)), 0.3)
    gstate = get_sampler("heatbath", post2).init(post2, 2, random_state=0)
    cm = EnergyModel(*gaussian_mixture_energy([[0.0, 0.0]], [1.0], [1.0]))
    cstate = get_sampler("mala", cm).init(cm, 2, init=np.zeros(2), random_state=0, step_size=0.1)
    return {
        # each would have read or written past an array's end in a compiled kernel
        "streams": lambda: pairwise.run_sweeps(arr, True, X, betas, "metropolis", st[:1]),
        "X": lambda: pairwise.run_sweeps(arr, True, X[:, :3].copy(), betas, "heatbath", st),
        "betas": lambda: pairwise.run_sweeps(arr, True, X, betas[:, :2], "metropolis", st),
        "dmax": lambda: pairwise.run_sweeps((*arr[:5], 1), True, X, betas, "metropolis", st),
        "lattice streams": lambda: lattice.sweep_runner(
            lat, "metropolis", np.ones((2, 4, 4), np.int8), 2, seed_streams(0, 4)
        ),
        "lattice state": lambda: lattice.sweep_runner(
            lat, "metropolis", np.ones((2, 4, 5), np.int8), 2, seed_streams(0, 8)
        ),
        "grid state": lambda: grid.run(post, gstate, np.ones(3)),
        "grid schedule": lambda: grid.run(post2, gstate, [1.0, -1.0]),
        "continuous thin": lambda: continuous.run(cm, cstate, 10, thin=0),
        "continuous state": lambda: continuous.run(cm, gstate, 10),
        "tempering betas": lambda: pairwise.tempering(
            arr, True, X, np.ones((3, 1)), 5, 0, 1, "metropolis", st, 0
        ),
    }


@pytest.mark.parametrize("case", list(_driver_calls()))
def test_the_public_drivers_check_what_goes_to_a_kernel(case):
    with pytest.raises(ValueError):
        _driver_calls()[case]()


@pytest.mark.parametrize("bad", [np.full((3, 6), np.nan), np.full((3, 6), 2.0), [["a"] * 6] * 3])
def test_rbm_block_gibbs_init_refuses_states_that_are_not_states(bad):
    # before: NaN or 2.0 went into the chains as visible "states" and "a" ended in numpy's
    # ValueError about converting a string
    X = (np.random.default_rng(0).random((20, 6)) < 0.5).astype(float)
    rbm = BernoulliRBM(n_components=3, n_iter=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="init"):
        get_sampler("block-gibbs", rbm).init(rbm, 3, init=bad, random_state=0)


@pytest.mark.parametrize(
    "bad", [np.array([1 + 2j, 0]), ["1", "2"], [np.nan, 0.0], np.zeros((2, 2))]
)
def test_continuous_init_refuses_what_is_not_a_real_start(bad):
    # before: a complex start lost its imaginary part with a warning, strings were parsed,
    # and 2 starting points for 3 chains ended in numpy's broadcast error
    from pgm_ebm.continuous import gaussian_mixture_energy

    model = EnergyModel(*gaussian_mixture_energy([[0.0, 0.0]], [1.0], [1.0]))
    with pytest.raises(ValueError, match="init"):
        get_sampler("mala", model).init(model, 3, init=bad, step_size=0.1)
