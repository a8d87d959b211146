import numpy as np
import pytest
from conftest import SEED

from pgm_ebm import IsingLattice
from pgm_ebm.partition import ais as ex_ais
from pgm_ebm.partition import ising_exact as ex
from pgm_ebm.partition import log_partition, rbm_log_partition_exact, variational
from pgm_ebm.partition.ais import check_schedule, default_schedule, rbm_ais, rbm_reverse_ais


def _small_rbm(seed=SEED, n_v=20, n_h=8, scale=0.4):
    r = np.random.default_rng(seed)
    return r.normal(0, scale, (n_h, n_v)), r.normal(0, 0.5, n_v), r.normal(0, 0.5, n_h)


def test_default_schedule():
    s = default_schedule()
    assert len(s) == 14501 and s[0] == 0 and s[-1] == 1 and np.all(np.diff(s) > 0)


def test_rbm_ais_intervals_cover_the_exact_value():
    W, b, c = _small_rbm()
    exact = rbm_log_partition_exact(W, b, c).log_z
    sched = np.linspace(0, 1, 1001)
    covered = 0
    for seed in range(10):
        r = rbm_ais(W, b, c, n_chains=100, schedule=sched, random_state=seed)
        covered += r.interval[0] <= exact <= r.interval[1]
        assert abs(r.log_z - exact) < 5 * r.stderr + 1e-3
    assert covered >= 8


def test_more_temperatures_give_better_behaved_weights():
    """A coarse path leaves the importance weights dispersed (small ESS); the default
    14,500-temperature schedule is accurate on the same model."""
    W, b, c = _small_rbm(scale=1.0)
    exact = rbm_log_partition_exact(W, b, c).log_z
    coarse = rbm_ais(W, b, c, schedule=np.linspace(0, 1, 6), random_state=0)
    fine = rbm_ais(W, b, c, random_state=0)
    assert coarse.diagnostics["log_w_std"] > 3 * fine.diagnostics["log_w_std"]
    assert coarse.diagnostics["ess"] < fine.diagnostics["ess"]
    assert abs(fine.log_z - exact) < max(0.05, 3 * fine.stderr)


def test_reverse_ais_from_exact_model_samples():
    W, b, c = _small_rbm()
    exact = rbm_log_partition_exact(W, b, c).log_z
    r = np.random.default_rng(SEED)
    # exact joint samples: h from its marginal (enumerated), then v | h
    H = ((np.arange(256)[:, None] >> np.arange(7, -1, -1)) & 1).astype(float)
    log_ph = H @ c + np.logaddexp(0, H @ W + b).sum(axis=1)
    ph = np.exp(log_ph - log_ph.max())
    h = H[r.choice(256, size=100, p=ph / ph.sum())]
    V = (r.random((100, 20)) < 1 / (1 + np.exp(-(h @ W + b)))).astype(float)
    V0 = V.copy()
    rev = rbm_reverse_ais(W, b, c, V, schedule=np.linspace(0, 1, 1001), random_state=1)
    assert rev.method == "reverse-ais" and abs(rev.log_z - exact) < 5 * rev.stderr + 1e-3
    np.testing.assert_array_equal(V, V0)  # the caller's states are untouched


def test_ising_ais_matches_kaufman_at_beta_c():
    model = IsingLattice((32, 32), beta=ex.BETA_C)
    exact = ex.kaufman_log_partition((32, 32), ex.BETA_C).log_z
    r = log_partition(model, "ais", n_chains=64, random_state=SEED)
    print(f"Ising AIS {r.log_z:.4f} +/- {r.stderr:.4f} vs Kaufman {exact:.4f}")
    assert abs(r.log_z - exact) < 3 * max(r.stderr, 1e-3)


@pytest.mark.parametrize(
    "sched, match",
    [
        ([0.0, 0.5, 0.4, 1.0], "increase strictly"),
        ([0.1, 1.0], "from 0 to 1"),
        ([0.0, 0.9], "from 0 to 1"),
        ([0.0, np.nan, 1.0], "finite"),
    ],
)
def test_bad_schedules(sched, match):
    with pytest.raises(ValueError, match=match):
        check_schedule(sched)


def test_non_finite_parameters():
    W, b, c = _small_rbm()
    W[0, 0] = np.inf
    with pytest.raises(ValueError, match="W must be finite"):
        rbm_ais(W, b, c)


def test_series_increments_match_the_exact_ones():
    """Same chains (the samples do not depend on how the weights are summed): the Taylor series
    and the exact softplus differences give the same log Z to 1e-6 with the default schedule."""
    W, b, c = _small_rbm(scale=1.0)
    fast = rbm_ais(W, b, c, random_state=3)
    exact = rbm_ais(W, b, c, random_state=3, exact_increments=True)
    assert abs(fast.log_z - exact.log_z) < 1e-6


def test_series_and_exact_increments_per_chain_on_a_mixed_schedule():
    """Steps long enough that some chains' |dbeta a| exceed the series limit and others'
    do not (the kernel then switches per chain): the same log-weights as exact increments
    everywhere, to 1e-6 (the series is taken in float32), and the same draws."""
    W, b, c = _small_rbm(scale=1.0)
    # dbeta = 0.009 on [0, 0.9]: about 60% of the chains within the series limit per step
    sched = np.concatenate([np.linspace(0, 0.9, 101), np.linspace(0.9, 1, 400)[1:]])
    fast = rbm_ais(W, b, c, n_chains=24, schedule=sched, random_state=4)
    exact = rbm_ais(W, b, c, n_chains=24, schedule=sched, random_state=4, exact_increments=True)
    assert abs(fast.log_z - exact.log_z) < 1e-6
    assert fast.diagnostics["log_w_std"] == pytest.approx(exact.diagnostics["log_w_std"], 1e-6)


def test_softplus_series_step_against_float64():
    from pgm_ebm.kernels.block_gibbs import SERIES_LIMIT, _softplus_step

    y = np.linspace(-20, 20, 401)
    for x in (1e-4, -3e-3, 0.02, -SERIES_LIMIT):
        p = np.float32(1 / (1 + np.exp(-y)))
        got = np.array([_softplus_step(pi, np.float32(x)) for pi in p], np.float64)
        want = np.logaddexp(0, y) - np.logaddexp(0, y - x)
        # float32 arithmetic: relative 1e-6 of the step (the series itself is good to 6e-12)
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7 * abs(x))


def _ais_code(reverse):
    # 40 hidden units: collapsed sweeps are on by default, so their bits are checked too
    call = (
        "rbm_reverse_ais(W, b, c, V0, schedule=s, random_state=1)"
        if reverse
        else "rbm_ais(W, b, c, n_chains=20, schedule=s, random_state=1)"
    )
    return (
        "import numpy as np\n"
        "from pgm_ebm.partition.ais import rbm_ais, rbm_reverse_ais\n"
        "r = np.random.default_rng(0)\n"
        "W, b, c = r.normal(0, 1, (40, 30)), r.normal(0, 1, 30), r.normal(0, 1, 40)\n"
        "V0 = (r.random((20, 30)) < 0.5).astype(float)\n"
        "s = np.concatenate([np.linspace(0, 0.5, 6), np.linspace(0.5, 1, 60)[1:]])\n"
        f"res = {call}\n"
        "print(repr(res.log_z), repr(res.diagnostics['log_w_std']))\n"
    )


@pytest.mark.parametrize("reverse", [False, True])
def test_rbm_ais_same_bits_with_jit_off(reverse):
    """The kernels call the same single-threaded BLAS compiled or interpreted."""
    from conftest import assert_same_output_with_jit_off

    assert_same_output_with_jit_off(_ais_code(reverse), min_chars=20)


def test_rbm_ais_independent_of_thread_count_and_of_the_blas_path(monkeypatch):
    from conftest import outputs_with_one_and_two_threads

    from pgm_ebm.kernels.block_gibbs import AIS_BLOCK_ROWS
    from pgm_ebm.partition import ais

    W, b, c = _small_rbm(n_v=70, n_h=40, scale=0.5)
    sched = np.linspace(0, 1, 200)
    n_chains = 2 * AIS_BLOCK_ROWS + 21  # three blocks of chains, in parallel

    def run():
        r = rbm_ais(W, b, c, n_chains=n_chains, schedule=sched, random_state=2)
        return r.log_z, r.diagnostics["log_w_std"]

    one, two = outputs_with_one_and_two_threads(run)
    assert one == two
    # without a settable OpenBLAS, NumPy's matmul does the products: same draws (up to the
    # rare uniform that falls between two roundings of a probability), same estimate
    monkeypatch.setattr(ais, "sgemm_for_kernels", lambda: None)
    fallback = run()
    assert fallback[0] == pytest.approx(one[0], abs=1e-4)


def _bm(kind, units, seed=SEED, n=10):
    from pgm_ebm import BoltzmannMachine

    r = np.random.default_rng(seed)
    J = np.zeros((n, n))
    if kind == "chain":
        for i in range(n - 1):
            J[i, i + 1] = J[i + 1, i] = r.normal(0, 1)
    elif kind == "star":
        J[0, 1:] = J[1:, 0] = r.normal(0, 0.7, n - 1)
    else:
        A = np.triu(r.normal(0, 0.3, (n, n)), 1)
        J = A + A.T
    return BoltzmannMachine(J, r.normal(0, 0.5, n), units)


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize("kind", ["chain", "star"])
def test_bethe_is_exact_on_trees(kind, units):
    bm = _bm(kind, units)
    res = log_partition(bm, "bethe")
    assert res.diagnostics["converged"]
    np.testing.assert_allclose(res.log_z, bm.log_partition().log_z, rtol=1e-10)


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize("seed", range(5))
def test_mean_field_is_a_lower_bound(units, seed):
    bm = _bm("loopy", units, seed=seed)
    mf = log_partition(bm, "mean-field")
    assert mf.uncertainty == "lower-bound"
    assert mf.log_z <= bm.log_partition().log_z + 1e-12


def test_ising_variational_estimates_against_kaufman():
    """16x16 torus: mean field below the exact value; Bethe closer than mean field away
    from beta_c; both report convergence."""
    for beta in (0.2, 0.6):
        m = IsingLattice((16, 16), beta=beta)
        exact = ex.kaufman_log_partition((16, 16), beta).log_z
        mf = log_partition(m, "mean-field", init=np.full(256, 0.5))
        bethe = log_partition(m, "bethe")
        assert mf.log_z <= exact and bethe.diagnostics["converged"]
        assert abs(bethe.log_z - exact) < abs(mf.log_z - exact)


@pytest.mark.parametrize("beta", [0.3, ex.BETA_C, 0.6])
def test_thermodynamic_integration_matches_kaufman(beta):
    m = IsingLattice((16, 16), beta=beta)
    exact = ex.kaufman_log_partition((16, 16), beta).log_z
    r = log_partition(m, "thermodynamic-integration", random_state=SEED)
    assert r.method == "thermodynamic-integration" and r.stderr > 0
    assert abs(r.log_z - exact) < 3 * r.stderr, (r.log_z, exact, r.stderr)


def _hidden_marginal(W, a0, bA, c, beta):
    """Exact p_beta(h) of the AIS path's intermediate RBM (visible layer summed out), by
    enumeration, with the states in the order of their bits."""
    n_h = W.shape[0]
    H = ((np.arange(2**n_h)[:, None] >> np.arange(n_h)) & 1).astype(float)
    log_p = beta * H @ c + np.logaddexp(0, bA + beta * (a0 + H @ W)).sum(axis=1)
    p = np.exp(log_p - log_p.max())
    return H, p / p.sum()


def _sweep(H, W, b, c, bA, beta, streams, n_sweeps=1):
    from pgm_ebm.kernels.block_gibbs import _collapsed_hidden_sweep, _exp_tables
    from pgm_ebm.partition.ais import _collapse_tables

    W64, a0, off, c64, up, down, folds = _collapse_tables(W.astype(np.float32), b, c, bA, every=1)
    _exp_tables(W64, beta, up, down)
    for _ in range(n_sweeps):
        _collapsed_hidden_sweep(H, W64, a0, off, c64, beta, up, down, folds, streams)


@pytest.mark.parametrize("scale", [0.8, 3.0])
def test_collapsed_sweeps_sample_the_hidden_marginal(scale):
    """From all chains in one state, eight collapsed sweeps at beta = 0.7 bring 40,000
    chains to the exact hidden marginal (chi-square over the 32 states); wrong conditionals
    or a wrong update after a flip would show as a distribution that is off."""
    from scipy.stats import chisquare

    from pgm_ebm._rng import seed_streams

    r = np.random.default_rng(SEED)
    W, b, c = r.normal(0, scale, (5, 9)), r.normal(0, 1, 9), r.normal(0, 1, 5)
    W = W.astype(np.float32).astype(float)
    bA = r.normal(0, 1, 9)
    states, p = _hidden_marginal(W, b - bA, bA, c, 0.7)
    n = 40_000
    H = np.zeros((n, 5), np.float32)
    _sweep(H, W, b, c, bA, 0.7, seed_streams(r, n), n_sweeps=8)
    idx = (H.astype(int) << np.arange(5)).sum(axis=1)
    counts = np.bincount(idx, minlength=32)
    keep = p * n > 5
    stat = chisquare(counts[keep], p[keep] / p[keep].sum() * counts[keep].sum())
    assert stat.pvalue > 1e-4, (stat, counts, np.round(p * n))


def test_collapsed_sweep_conditional_with_large_weights():
    """One hidden unit, weights up to +-150 (products folded only a few times): the hidden
    bias is set so that the exact log-odds of h = 1 is 0.3, and 200,000 chains drawn by one
    sweep give that frequency (within 4.5 standard deviations)."""
    from pgm_ebm._rng import seed_streams
    from pgm_ebm.partition.ais import _collapse_folds

    r = np.random.default_rng(SEED)
    W = np.round(r.uniform(-150, 150, (1, 50)), 1).astype(np.float32).astype(float)
    b, bA = r.normal(0, 2, 50), r.normal(0, 1, 50)
    beta = 0.9
    gain = np.logaddexp(0, bA + beta * (b - bA + W[0])) - np.logaddexp(0, bA + beta * (b - bA))
    c = np.array([(0.3 - gain.sum()) / beta])
    assert _collapse_folds(W.astype(np.float32)) <= 2
    n = 200_000
    H = (r.random((n, 1)) < 0.5).astype(np.float32)
    _sweep(H, W, b, c, bA, beta, seed_streams(r, n))
    want = 1 / (1 + np.exp(-0.3))
    assert abs(H.mean() - want) < 4.5 * np.sqrt(want * (1 - want) / n)


def _template_rbm(n_h=4, size=10, w=4.0, bv=-2.0):
    """Hidden unit j switches on the pixels of its own block strongly (weight ``w``); the
    hidden bias makes each unit's marginal exactly 1/2 at beta = 1."""
    W = np.zeros((n_h, n_h * size))
    for j in range(n_h):
        W[j, j * size : (j + 1) * size] = w
    b = np.full(n_h * size, bv)
    c = np.full(n_h, -size * (np.logaddexp(0, bv + w) - np.logaddexp(0, bv)))
    return W, b, c


def test_collapsed_sweeps_unfreeze_a_strongly_coupled_rbm():
    """Block Gibbs freezes each hidden unit of a template RBM (on: its pixels keep it on;
    off: they keep it off) while the path, from a base with visible biases -1, first lowers
    and then restores the units' masses: the frozen chains' weights disperse.  Collapsed
    sweeps (pixels summed out) keep the chains moving: less than half the log-weight spread
    on the same schedule and an estimate within 0.05 of exact, inside its interval."""
    W, b, c = _template_rbm()
    exact = rbm_log_partition_exact(W, b, c).log_z
    kw = dict(schedule=np.linspace(0, 1, 501), base_bias=np.full(len(b), -1.0))
    plain = rbm_ais(W, b, c, random_state=0, collapse_every=None, **kw)
    coll = rbm_ais(W, b, c, random_state=0, collapse_every=5, **kw)
    assert coll.settings["collapse_every"] == 5 and plain.settings["collapse_every"] is None
    assert coll.diagnostics["log_w_std"] < 0.5 * plain.diagnostics["log_w_std"]
    assert abs(coll.log_z - exact) < 0.05
    assert coll.interval[0] <= exact <= coll.interval[1]
    rev = rbm_reverse_ais(W, b, c, np.zeros((50, len(b))), random_state=5, **kw)
    assert rev.settings["collapse_every"] == 5


def test_collapse_every_settings_and_bad_values():
    W, b, c = _small_rbm()
    sched = np.linspace(0, 1, 11)
    assert rbm_ais(W, b, c, schedule=sched).settings["collapse_every"] == 5  # 8 hidden: auto
    Ww, bw, cw = _small_rbm(n_v=10, n_h=65)
    assert rbm_ais(Ww, bw, cw, schedule=sched).settings["collapse_every"] is None
    for bad in ("sometimes", 0, -2, 1.5, True):
        with pytest.raises(ValueError, match="collapse_every"):
            rbm_ais(W, b, c, schedule=sched, collapse_every=bad)
    big = W.copy()
    big[0, 0] = 800.0
    assert rbm_ais(big, b, c, schedule=sched).settings["collapse_every"] is None
    with pytest.raises(ValueError, match="collapse_every.*max\\|W\\| < 700"):
        rbm_ais(big, b, c, schedule=sched, collapse_every=2)


def test_mean_field_log_z_takes_the_best_fixed_point_in_the_ordered_phase():
    # Without a field m = 0 is a fixed point at every beta; below the mean-field transition
    # the ordered fixed points give a far higher (better) lower bound, and the estimate
    # must take it: at beta = 0.6 the m = 0 bound is 0.5 nats per spin too low.
    from pgm_ebm import IsingLattice

    model = IsingLattice((16, 16), beta=0.6)
    exact = model.log_partition("exact-kaufman").log_z
    mf = log_partition(model, "mean-field")
    assert mf.log_z <= exact
    assert (exact - mf.log_z) / model.n_sites < 0.02
    assert mf.diagnostics["start"] in ("+0.5", "-0.5")
    # above the transition the symmetric fixed point is the only one: all starts agree
    hot = log_partition(IsingLattice((16, 16), beta=0.2), "mean-field")
    assert hot.log_z == pytest.approx(256 * np.log(2), abs=1e-9)


@pytest.mark.parametrize(
    "fn, args, kwargs, match",
    [("transfer_matrix_log_partition", ((4, 3), 0.3), {"boundary": "opne"}, "boundary"),
     ("ising_log_partition_enumerate", ((3, 3), 0.3), {"boundary": "Open"}, "boundary"),
     ("lattice_bonds", ((3, 3),), {"boundary": "free"}, "boundary"),
     ("ising_log_partition_enumerate", ((3, 3), float("nan")), {}, "beta"),
     ("ising_log_partition_enumerate", ((3, 3), 0.3), {"h": np.ones(4)}, "h of shape"),
     ("ising_log_partition_enumerate", ((3, 3), 0.3), {"J": float("inf")}, "J"),
     ("ising_log_partition_enumerate", ((3.5, 3), 0.3), {}, "shape"),
     ("kaufman_log_partition", ((4, 4), "0.4"), {}, "beta"),
     ("kaufman_log_partition", ((4, 4, 4), 0.4), {}, "shape"),
     ("transfer_matrix_log_partition", ((4,), 0.3), {}, "shape"),
     ("transfer_matrix_log_partition", ((4, 3), 0.3), {"h": float("nan")}, "h"),
     ("onsager_energy_per_site", (0.3,), {"J": "1"}, "J"),
     ("yang_magnetization", (0.5,), {"J": None}, "J")],
)  # fmt: skip
def test_exact_ising_results_name_a_bad_argument(fn, args, kwargs, match):
    # boundary="opne" (any string but "open") gave the periodic lattice's log Z silently,
    # (3.5, 3) was truncated to 3 x 3, and a field that did not fit ended in broadcast_to
    with pytest.raises(ValueError, match=match):
        getattr(ex, fn)(*args, **kwargs)


@pytest.mark.parametrize(
    "call, match",
    [(lambda: ex_ais.ising_ais(np.eye(3)), "IsingLattice"),
     (lambda: ex_ais.ising_thermodynamic_integration(IsingLattice((4, 4)), n_points="41"),
      "n_points"),
     (lambda: ex_ais.ising_thermodynamic_integration(np.eye(3)), "IsingLattice"),
     (lambda: rbm_log_partition_exact(np.zeros((2, 3)), np.zeros(3), np.zeros(2),
                                      max_units="25"), "max_units"),
     (lambda: variational.mean_field(np.eye(3)), "BoltzmannMachine"),
     (lambda: variational.bethe_log_partition(IsingLattice((4, 4))), "BoltzmannMachine")],
)  # fmt: skip
def test_estimators_name_a_bad_model_or_setting(call, match):
    # each of these ended in an AttributeError or TypeError from deep inside
    with pytest.raises(ValueError, match=match):
        call()
