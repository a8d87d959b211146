"""Deep Boltzmann machines against exact enumeration on tiny models (7-5-4: 65,536 states)."""

import numpy as np
import pytest
from conftest import SEED
from numpy.testing import assert_allclose

from pgm_ebm import DBM, BernoulliRBM
from pgm_ebm._rng import seed_streams
from pgm_ebm.io import ModelFileError
from pgm_ebm.models.dbm import uncentered
from pgm_ebm.partition import log_partition
from pgm_ebm.partition.exact import rbm_log_partition_exact


def _states(n):
    return ((np.arange(2**n)[:, None] >> np.arange(n)[::-1]) & 1).astype(np.float64)


def _random_params(sizes, seed, scale=0.8):
    r = np.random.default_rng(seed)
    W = [scale * r.normal(size=(sizes[i], sizes[i + 1])) for i in range(len(sizes) - 1)]
    b = [0.5 * r.normal(size=s) for s in sizes]
    return W, b


def _enumerate(W, b, sizes, offsets=None):
    """All joint states (n_states, sum sizes), their energies (centered when offsets given)."""
    S = _states(sum(sizes))
    cuts = np.cumsum([0] + list(sizes))
    xs = [S[:, cuts[i] : cuts[i + 1]] for i in range(len(sizes))]
    if offsets is not None:
        xs = [x - o for x, o in zip(xs, offsets, strict=True)]
    E = -sum(x @ bb for x, bb in zip(xs, b, strict=True))
    for i, w in enumerate(W):
        E = E - np.einsum("ni,ij,nj->n", xs[i], w, xs[i + 1])
    return S, E


def _exact(W, b, sizes, offsets=None):
    S, E = _enumerate(W, b, sizes, offsets)
    log_z = float(np.logaddexp.reduce(-E))
    n0 = sizes[0]
    idx = S[:, :n0] @ (1 << np.arange(n0)[::-1])
    log_pv = np.full(2**n0, -np.inf)
    np.logaddexp.at(log_pv, idx.astype(int), -E)
    return log_z, log_pv - log_z, S, np.exp(-E - log_z)


SIZES = (7, 5, 4)


@pytest.fixture(scope="module")
def tiny():
    W, b = _random_params(SIZES, SEED)
    dbm = DBM.from_parameters(W, b, random_state=SEED, dtype="float64")
    log_z, log_pv, S, p = _exact(W, b, SIZES)
    return dbm, log_z, log_pv, S, p


def test_exact_log_partition_and_likelihoods_match_enumeration(tiny):
    dbm, log_z, log_pv, _, _ = tiny
    r = dbm.log_partition("exact-enumeration")
    assert r.method == "exact-enumeration" and r.uncertainty == "exact"
    assert_allclose(r.log_z, log_z, rtol=0, atol=1e-10)
    assert_allclose(log_partition(dbm, "exact").log_z, log_z, atol=1e-10)
    V = _states(7)
    assert_allclose(dbm.log_likelihood_exact(V), log_pv, atol=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_ais_is_within_three_standard_errors_of_exact(tiny, seed):
    dbm, log_z, *_ = tiny
    r = dbm.log_partition("ais", n_chains=200, schedule=np.linspace(0, 1, 3000),
                          random_state=SEED + seed)  # fmt: skip
    assert r.method == "ais"
    assert abs(r.log_z - log_z) < 3 * r.stderr + 1e-3, (r.log_z, log_z, r.stderr)


def test_reverse_ais_from_exact_samples(tiny):
    dbm, log_z, _, S, p = tiny
    draw = np.random.default_rng(SEED).choice(len(S), size=200, p=p)
    cuts = np.cumsum([0, *SIZES])
    dbm.chains_ = [S[draw, cuts[i] : cuts[i + 1]].copy() for i in range(3)]
    r = dbm.log_partition("reverse-ais", schedule=np.linspace(0, 1, 3000), random_state=SEED)
    assert r.method == "reverse-ais"
    assert abs(r.log_z - log_z) < 3 * r.stderr + 1e-3, (r.log_z, log_z, r.stderr)


def test_found_states_give_a_certain_lower_bound_on_log_z(tiny):
    dbm, log_z, *_ = tiny
    few = dbm.log_partition("found-states", n_steps=1, random_state=SEED)
    assert few.method == "found-states" and few.uncertainty == "lower-bound"
    assert few.log_z < log_z - 0.05  # 200 states of 2,048 miss mass
    many = dbm.log_partition("found-states", n_steps=300, random_state=SEED)
    assert few.log_z <= many.log_z <= log_z + 1e-10
    assert many.log_z > log_z - 0.01, (many.log_z, log_z)
    # every even-layer state given: the sum is log Z itself
    even = _states(SIZES[0] + SIZES[2])
    full = dbm.log_partition("found-states", init=even, n_steps=1, random_state=SEED)
    assert full.diagnostics["n_distinct_states"] == len(even)
    assert_allclose(full.log_z, log_z, rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="init must be binary"):
        dbm.log_partition("found-states", init=even[:, :5])


def test_mean_field_gives_a_lower_bound_on_every_log_likelihood(tiny):
    dbm, log_z, log_pv, _, _ = tiny
    V = _states(7)
    exact_z = dbm.log_partition("exact-enumeration")
    bound = dbm.score_samples(V, log_partition=exact_z)
    assert np.all(bound <= log_pv + 1e-9)
    assert np.mean(log_pv - bound) < 1.0  # and not a vacuous one
    # more mean-field iterations never loosen the bound much: the fixed point is reached
    mu, info = dbm.mean_field(V, max_iter=200, tol=1e-12, return_info=True)
    assert info["converged"]


@pytest.mark.parametrize("sizes", [SIZES, (6, 5, 4, 3)])
def test_more_mean_field_iterations_never_loosen_the_bound(sizes):
    """Undamped, each half-step maximises the bound over a set of conditionally independent
    layers: F_q(v) does not rise from one iteration to the next, and the converged bound is
    still below the exact log-likelihood."""
    W, b = _random_params(sizes, SEED + 7, scale=1.5)
    dbm = DBM.from_parameters(W, b, random_state=SEED, dtype="float32")  # float64 bound anyway
    V = _states(sizes[0])
    F = np.array([dbm.free_energy_bound(V, max_iter=t, tol=1e-300) for t in range(1, 31)])
    assert np.all(np.diff(F, axis=0) <= 1e-12)
    assert np.any(F[0] - F[-1] > 1e-3)  # the iterations matter on this model
    exact_z = dbm.log_partition("exact-enumeration")
    converged = dbm.score_samples(V, log_partition=exact_z, max_iter=500, tol=1e-12)
    assert np.all(converged >= -F[-1] - exact_z.log_z - 1e-12)
    assert_allclose(converged, -dbm.free_energy_bound(V, max_iter=500, tol=1e-12) - exact_z.log_z,
                    rtol=0, atol=1e-12)  # fmt: skip
    assert np.all(converged <= dbm.log_likelihood_exact(V) + 1e-9)


def test_evaluation_runs_the_test_mean_field_to_convergence(tiny):
    from pgm_ebm.experiments import evaluate_dbm

    dbm, log_z, log_pv, _, _ = tiny
    V = _states(7)
    r = evaluate_dbm(dbm, V, "all states", reverse=False, floor_steps=0)
    assert r["mean_field"]["converged"] and r["mean_field"]["n_iter"] > dbm.max_iter // 10
    assert "mean field converged after" in r["lower_bound_note"]
    exact_z = dbm.log_partition("exact-enumeration")
    conv = dbm.score_samples(V, log_partition=exact_z, max_iter=300, tol=1e-5)
    assert_allclose(r["mean_lower_bound"], conv.mean(), rtol=0, atol=1e-12)
    assert r["mean_lower_bound"] >= dbm.score_samples(V, log_partition=exact_z, max_iter=1).mean()
    short = evaluate_dbm(dbm, V, "all states", reverse=False, floor_steps=0, max_iter=1)
    assert short["mean_field"]["n_iter"] == 1 and not short["mean_field"]["converged"]
    assert "NOT converged" in short["lower_bound_note"]


def test_zero_top_weights_reduce_to_an_rbm():
    W, b = _random_params(SIZES, SEED + 1)
    W[1][:] = 0.0
    dbm = DBM.from_parameters(W, b, random_state=SEED, dtype="float64")
    rbm_z = rbm_log_partition_exact(W[0].T, b[0], b[1]).log_z
    top = float(np.logaddexp(0, b[2]).sum())
    assert_allclose(dbm.log_partition("exact-enumeration").log_z, rbm_z + top, atol=1e-10)
    r = dbm.log_partition("ais", n_chains=200, schedule=np.linspace(0, 1, 3000), random_state=1)
    assert abs(r.log_z - (rbm_z + top)) < 3 * r.stderr + 1e-3


def test_one_hidden_layer_mean_field_is_the_rbms_exact_posterior():
    W, b = _random_params((7, 5), SEED + 2)
    dbm = DBM.from_parameters(W, b, dtype="float64")
    V = _states(7)
    (mu,) = dbm.mean_field(V)
    assert_allclose(mu, 1 / (1 + np.exp(-(V @ W[0] + b[1]))), rtol=1e-12)
    rbm = BernoulliRBM(n_components=5, dtype="float64")
    rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_ = W[0].T, b[0], b[1]
    rbm.n_features_in_ = 7
    assert_allclose(dbm.transform(V), rbm.transform(V), rtol=1e-12)
    # and its bound is the exact log-likelihood (q is the exact posterior)
    z = dbm.log_partition("exact-enumeration")
    assert_allclose(dbm.score_samples(V, log_partition=z), dbm.log_likelihood_exact(V), atol=1e-9)


def test_centered_model_has_the_likelihood_of_its_uncentered_equivalent():
    W, b = _random_params(SIZES, SEED + 3)
    r = np.random.default_rng(SEED + 3)
    offsets = [r.random(s) for s in SIZES]
    _, log_pv_centered, _, _ = _exact(W, b, SIZES, offsets)
    plain = DBM.from_parameters(W, uncentered(W, b, offsets), dtype="float64")
    assert_allclose(plain.log_likelihood_exact(_states(7)), log_pv_centered, atol=1e-10)


def test_gradient_is_the_gradient_of_the_bound():
    """Without centering, the joint-training gradient with exact model moments equals the
    finite-difference gradient of mean(-F_q(v)) - log Z (the mean-field bound)."""
    W, b = _random_params(SIZES, SEED + 4, scale=0.5)
    dbm = DBM.from_parameters(W, b, dtype="float64", tol=1e-13, max_iter=500)
    V = (np.random.default_rng(SEED).random((40, 7)) < 0.4).astype(float)
    _, _, S, p = _exact(W, b, SIZES)
    cuts = np.cumsum([0, *SIZES])
    model = [S[:, cuts[i] : cuts[i + 1]] for i in range(3)]
    gw, gb = dbm.gradients([V] + dbm.mean_field(V), model, model_weights=p)

    def objective(W_, b_):
        d = DBM.from_parameters(W_, b_, dtype="float64", tol=1e-13, max_iter=500)
        z = d.log_partition("exact-enumeration")
        return float(np.mean(d.score_samples(V, log_partition=z)))

    h = 1e-5
    for layer, (i, j) in ((0, (2, 3)), (1, (4, 1)), (1, (0, 0))):
        Wp = [w.copy() for w in W]
        Wm = [w.copy() for w in W]
        Wp[layer][i, j] += h
        Wm[layer][i, j] -= h
        fd = (objective(Wp, b) - objective(Wm, b)) / (2 * h)
        assert_allclose(gw[layer][i, j], fd, rtol=1e-5, atol=1e-7)
    for layer, i in ((0, 5), (1, 2), (2, 3)):
        bp = [x.copy() for x in b]
        bm = [x.copy() for x in b]
        bp[layer][i] += h
        bm[layer][i] -= h
        fd = (objective(W, bp) - objective(W, bm)) / (2 * h)
        assert_allclose(gb[layer][i], fd, rtol=1e-5, atol=1e-7)


def test_centered_step_moves_the_model_as_the_centered_parametrisation_does():
    """One update with centering on the plain parameters equals the update of the centered
    parameters (W, b_c) converted afterwards (offsets held)."""
    W, b = _random_params(SIZES, SEED + 5, scale=0.3)
    V = (np.random.default_rng(SEED).random((30, 7)) < 0.4).astype(float)
    dbm = DBM.from_parameters(W, b, dtype="float64", momentum=0.0, learning_rate=0.1,
                              centering=True, offset_rate=1e-12, random_state=0)  # fmt: skip
    r = np.random.default_rng(SEED + 5)
    dbm.offsets_ = [r.random(s) for s in SIZES]
    o = [x.copy() for x in dbm.offsets_]
    # the centered biases of the same model: b_c with uncentered(W, b_c, o) == b
    # (solve layer by layer: b_c = b + W o_above + W^T o_below)
    b_c = []
    for i in range(3):
        x = b[i].copy()
        if i < 2:
            x = x + W[i] @ o[i + 1]
        if i > 0:
            x = x + W[i - 1].T @ o[i - 1]
        b_c.append(x)
    for got, want in zip(uncentered(W, b_c, o), b, strict=True):
        assert_allclose(got, want, atol=1e-12)
    chains_before = [c.copy() for c in dbm.chains_]
    streams_before = dbm._streams.copy()
    dbm.partial_fit(V)
    # recompute by hand: same chains after the same Gibbs step
    ref = DBM.from_parameters(W, b, dtype="float64", random_state=0)
    ref.offsets_ = o
    ref.chains_, ref._streams = chains_before, streams_before
    ref.gibbs_step(ref.chains_, ref._streams)
    data = [V] + ref.mean_field(V)
    gw, gb = ref.gradients(data, ref.chains_)
    W_new = [w + 0.1 * g for w, g in zip(W, gw, strict=True)]
    b_c_new = [x + 0.1 * g for x, g in zip(b_c, gb, strict=True)]
    assert_allclose(dbm.weights_[0], W_new[0], atol=1e-12)
    for got, want in zip(dbm.biases_, uncentered(W_new, b_c_new, o), strict=True):
        assert_allclose(got, want, atol=1e-10)


def test_training_raises_the_bound_and_save_load_round_trips(tmp_path):
    r = np.random.default_rng(SEED)
    proto = (r.random((4, 10)) < 0.5).astype(float)
    X = np.abs(proto[r.integers(0, 4, 400)] - (r.random((400, 10)) < 0.05))
    dbm = DBM([10, 6, 4], n_iter=30, pretrain_iter=10, learning_rate=0.02, batch_size=20,
              n_chains=50, random_state=SEED)  # fmt: skip
    untrained = DBM.from_parameters(*_random_params((10, 6, 4), SEED, scale=0.01))
    dbm.fit(X)
    assert len(dbm.history_) == 30 and dbm.n_iter_ == 30
    ll = dbm.log_likelihood_exact(X).mean()
    assert ll > untrained.log_likelihood_exact(X).mean() + 1.0
    assert dbm.score(X) <= ll + 1e-6  # the bound stays below the exact value
    path = dbm.save(tmp_path / "dbm")
    back = DBM.load(path)
    for a, c in zip(back.weights_ + back.biases_, dbm.weights_ + dbm.biases_, strict=True):
        assert_allclose(a, c)
    assert back.history_ == dbm.history_
    assert_allclose(back.log_likelihood_exact(X), dbm.log_likelihood_exact(X))


def test_checkpoint_resume_is_exact(tmp_path):
    r = np.random.default_rng(SEED)
    X = (r.random((120, 8)) < 0.3).astype(float)
    params = dict(pretrain_iter=2, batch_size=20, n_chains=20, random_state=SEED,
                  lr_schedule="constant")  # fmt: skip
    full = DBM([8, 5, 3], n_iter=6, **params).fit(X)
    ck = tmp_path / "ck.npz"
    DBM([8, 5, 3], n_iter=3, **params).fit(X, checkpoint=ck)
    # resume the same run with the full number of epochs
    resumed = DBM([8, 5, 3], n_iter=6, **params).fit(X, checkpoint=ck, resume=True)
    for a, c in zip(resumed.weights_ + resumed.biases_, full.weights_ + full.biases_,
                    strict=True):  # fmt: skip
        np.testing.assert_array_equal(a, c)


def test_bad_files_and_arguments_name_the_problem(tmp_path):
    with pytest.raises(ValueError, match="layer_sizes"):
        DBM([784]).fit(np.zeros((2, 784)))
    with pytest.raises(ValueError, match="features"):
        DBM([5, 3], n_iter=1, pretrain_iter=0).fit(np.zeros((4, 6)))
    with pytest.raises(ValueError, match="damping"):
        DBM([5, 3], damping=1.5).fit(np.zeros((4, 5)))
    dbm = DBM.from_parameters(*_random_params((5, 3), SEED))
    path = dbm.save(tmp_path / "m.npz")
    data = dict(np.load(path))
    data["weights_0"] = np.full((5, 3), np.nan, np.float32)
    np.savez(tmp_path / "bad.npz", **data)
    with pytest.raises(ModelFileError, match="bad.npz"):
        DBM.load(tmp_path / "bad.npz")
    data = dict(np.load(path))
    data["chains_1"] = np.full((100, 3), 2.0, np.float32)
    np.savez(tmp_path / "bad2.npz", **data)
    with pytest.raises(ModelFileError, match="bad2.npz"):
        DBM.load(tmp_path / "bad2.npz")


def test_sampler_is_registered_and_samples_the_model(tiny):
    """Block Gibbs through the registry: visible frequencies of 4,000 chains after 40 steps
    match the exact marginal p(v) (128 states)."""
    dbm, _, log_pv, _, _ = tiny
    X = dbm.sample(4000, n_steps=40, random_state=SEED)
    idx = X.astype(int) @ (1 << np.arange(6, -1, -1))
    freq = np.bincount(idx, minlength=128) / 4000
    p = np.exp(log_pv)
    se = np.sqrt(p * (1 - p) / 4000)
    assert np.all(np.abs(freq - p) < 5 * se + 2e-3)


def test_interrupt_and_divergence_keep_the_last_good_epoch(monkeypatch):
    from pgm_ebm.models.dbm import TrainingStopped

    X = (np.random.default_rng(SEED).random((100, 8)) < 0.3).astype(float)
    params = dict(pretrain_iter=0, batch_size=20, n_chains=20, random_state=SEED)
    one = DBM([8, 5, 3], n_iter=1, lr_schedule="constant", **params).fit(X)
    calls = {"n": 0}
    original = DBM._update

    def flaky(self, V, lr, stats, work=None):
        calls["n"] += 1
        if calls["n"] == 8:  # in the second epoch (5 batches an epoch)
            raise KeyboardInterrupt
        return original(self, V, lr, stats, work)

    monkeypatch.setattr(DBM, "_update", flaky)
    with pytest.warns(TrainingStopped, match="interrupted"):
        cut = DBM([8, 5, 3], n_iter=3, lr_schedule="constant", **params).fit(X)
    monkeypatch.setattr(DBM, "_update", original)
    assert cut.stop_reason_ == "interrupted" and cut.n_iter_ == 1
    for a, c in zip(cut.weights_ + cut.biases_, one.weights_ + one.biases_, strict=True):
        np.testing.assert_array_equal(a, c)
    with pytest.warns(TrainingStopped, match="diverged"):
        bad = DBM([8, 5, 3], n_iter=3, learning_rate=1e38, momentum=0.9, **params).fit(X)
    assert bad.stop_reason_ == "diverged"
    assert all(np.all(np.isfinite(a)) for a in bad.weights_ + bad.biases_)


def test_transform_gives_the_top_layer_or_all_layers(tiny):
    dbm, *_ = tiny
    V = _states(7)[:10]
    mu = dbm.mean_field(V)
    np.testing.assert_allclose(dbm.transform(V), mu[-1])
    dbm.set_params(transform_layers="all")
    try:
        np.testing.assert_allclose(dbm.transform(V), np.hstack(mu))
    finally:
        dbm.set_params(transform_layers="top")


def test_evaluation_flags_an_ais_estimate_below_the_certain_floor():
    from pgm_ebm.experiments import evaluate_dbm

    sizes = (30, 30, 30)  # 60 even units against 30 odd: AIS, not enumeration
    W, b = _random_params(sizes, SEED, scale=3.0)
    dbm = DBM.from_parameters(W, b, random_state=SEED, n_chains=50)
    X = (np.random.default_rng(SEED).random((20, 30)) < 0.5).astype(np.float64)
    # two temperatures: AIS is far too low on so strongly coupled a model
    bad = evaluate_dbm(dbm, X, "x", reverse=False, floor_steps=50, schedule=[0.0, 0.5, 1.0])
    assert bad["ais_above_floor"] is False and "INVALID" in bad["lower_bound_note"]
    floor = bad["log_partition_floor"]["log_z"]
    assert bad["log_partition"]["log_z"] < floor
    assert_allclose(bad["lower_bound_at_most"],
                    bad["mean_lower_bound"] + bad["log_partition"]["log_z"] - floor)  # fmt: skip
    good = evaluate_dbm(dbm, X, "x", reverse=False, floor_steps=50,
                        schedule=np.linspace(0, 1, 20000))  # fmt: skip
    assert good["ais_above_floor"] is True and "INVALID" not in good["lower_bound_note"]
    assert good["lower_bound_at_most"] >= good["mean_lower_bound"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_scratch_is_never_read_before_it_is_written(dtype):
    """The training loop keeps its scratch arrays across batches: filling every one of them
    with NaN before each update (a stale buffer of a diverged batch, say) changes no bit of
    the parameters, offsets, velocities or chains against updates that allocate afresh.  A
    3-hidden-layer model, so that every buffer (a middle layer's second input too) is used."""
    sizes = [9, 6, 5, 4]
    W, b = _random_params(sizes, SEED, scale=0.5)
    r = np.random.default_rng(SEED)
    X = (r.random((40, 9)) < 0.4).astype(dtype)
    params = dict(n_chains=13, random_state=SEED, k=2, max_iter=4, momentum=0.5,
                  weight_decay=1e-3, centering=True, dtype=dtype)  # fmt: skip
    fresh, kept = (DBM.from_parameters(W, b, **params) for _ in range(2))
    for m in (fresh, kept):
        m.offsets_ = [np.full(n, 0.3, dtype) for n in sizes]
    from pgm_ebm._scratch import Scratch

    work, stats = Scratch(), {"mf_iter": [], "mf_converged": []}
    for s in range(0, 40, 10):
        fresh._update(X[s : s + 10], 0.05, stats)
        work.fill(np.nan)
        kept._update(X[s : s + 10], 0.05, stats, work)
    assert len(work) >= 10  # the buffers were kept, and filled with NaN above
    for name in ("weights_", "biases_", "offsets_", "chains_", "_velocity"):
        for x, y in zip(getattr(fresh, name), getattr(kept, name), strict=True):
            assert np.array_equal(x, y), name
    assert np.isfinite(kept.weights_[0]).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scaled", [True, False])
def test_centred_rows_kernel_equals_numpy_bit_for_bit(dtype, scaled):
    """The gradient's operands in one pass: the same bits as the two NumPy passes."""
    from pgm_ebm.kernels.dbm import _centred_rows

    r = np.random.default_rng(4)
    data, model = r.random((7, 11)).astype(dtype), (r.random((5, 11)) < 0.5).astype(dtype)
    off, w = r.random(11).astype(dtype), r.standard_normal(12).astype(dtype)
    rows, right = np.full((12, 11), np.nan, dtype), np.full((12, 11), np.nan, dtype)
    _centred_rows(data, model, off, w, rows, right, scaled)
    want = np.concatenate([data - off, model - off])
    assert np.array_equal(rows, want)
    assert np.array_equal(right, want * w[:, None]) if scaled else np.isnan(right).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("extra", [True, False])
def test_mean_field_kernel_update_and_largest_change(dtype, extra):
    """The fused kernel's update against NumPy, and its returned change against the largest
    |new - old| (changes of both signs; the kernel finds it on the float bits)."""
    from pgm_ebm.kernels.dbm import _abs_max, _mean_field_update

    r = np.random.default_rng(3)
    pre = (3 * r.standard_normal((9, 37))).astype(dtype)
    ex = (r.standard_normal((9, 37)) if extra else np.empty((0, 0))).astype(dtype)
    b = r.standard_normal(37).astype(dtype)
    mu0 = r.random((9, 37)).astype(dtype)
    mu = mu0.copy()
    c = _mean_field_update(pre, ex, b, mu, 0.25, np.full_like(mu, np.nan))  # any scratch
    a = pre.astype(np.float64) + b + (ex if extra else 0.0)
    ref = 0.25 * mu0 + 0.75 / (1 + np.exp(-a))
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(mu, ref, atol=tol)
    change = mu - mu0  # in the model's dtype, as the kernel takes it
    assert change.min() < 0 < change.max()
    assert c == np.abs(change).max()  # the exact largest magnitude, sign ignored
    assert _abs_max(np.array([0.5, -2.0, 1.0], dtype)) == 2.0
    assert _abs_max(np.array([-0.0], dtype)) == 0.0
    assert _abs_max(np.empty(0, dtype)) == 0.0


def _tiny_dbm():
    return DBM.from_parameters(
        [np.full((3, 2), 0.1, np.float32), np.full((2, 2), -0.1, np.float32)],
        [np.zeros(3), np.zeros(2), np.zeros(2)],
        n_chains=4,
        random_state=0,
    )


@pytest.mark.parametrize(
    "call, name",
    [
        # short streams or a mis-shaped layer: the kernel read or wrote out of bounds
        (
            lambda d: d.gibbs_step(
                [np.zeros((4, n), np.float32) for n in (3, 2, 2)], seed_streams(0, 2)
            ),
            "streams",
        ),  # fmt: skip
        (
            lambda d: d.gibbs_step(
                [np.zeros((4, n), np.float32) for n in (3, 2, 3)], seed_streams(0, 4)
            ),
            "xs",
        ),  # fmt: skip
        (lambda d: d.gibbs_step([np.zeros((4, n)) for n in (3, 2, 2)], seed_streams(0, 4)), "xs"),
        (lambda d: d.energy([np.zeros((2, 3)), np.zeros((2, 2))]), "xs"),
        (lambda d: d.energy([np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((3, 2))]), "xs"),
        (lambda d: d.gradients([np.zeros((2, 3))] * 3, d.chains_), "data"),
        (
            lambda d: d.gradients([np.zeros((2, n)) for n in (3, 2, 2)], d.chains_, [0.5]),
            "model_weights",
        ),  # fmt: skip
        (lambda d: d.log_likelihood_exact(np.zeros((1, 3)), max_units=2.5), "max_units"),
        (lambda d: d.score_samples(np.zeros((1, 3)), log_partition=3.0), "log_partition"),
        (lambda d: d.score_samples(np.zeros((1, 3)), max_iter=0), "max_iter"),
        (lambda d: d.free_energy_bound(np.zeros((1, 3)), tol=-1.0), "tol"),
    ],
)
def test_dbm_methods_name_a_bad_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call(_tiny_dbm())
