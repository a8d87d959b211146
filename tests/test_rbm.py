import json
import warnings

import numpy as np
import pytest
from conftest import SEED, assert_same_output_with_jit_off, outputs_with_one_and_two_threads
from reference import (
    all_states,
    rbm_free_energy,
    rbm_log_p,
    rbm_log_z,
    rbm_model_moments,
    rbm_pseudo_log_likelihood,
)
from scipy import stats

from pgm_ebm import BernoulliRBM
from pgm_ebm.models.rbm import TrainingStopped
from pgm_ebm.partition import rbm_log_partition_exact


def _data(n=200, d=12, seed=SEED):
    """Binary data with structure: two prototypes plus 10% flips."""
    r = np.random.default_rng(seed)
    protos = (r.random((2, d)) < 0.5).astype(np.uint8)
    X = protos[r.integers(0, 2, n)]
    flip = r.random(X.shape) < 0.1
    return np.where(flip, 1 - X, X).astype(np.uint8)


def _params(m):
    return m.components_, m.intercept_visible_, m.intercept_hidden_


# ----------------------------------------------------------------------------- exact checks
def test_free_energy_matches_brute_force(tiny_rbm):
    V = all_states(5)
    np.testing.assert_allclose(
        tiny_rbm.free_energy(V), rbm_free_energy(*_params(tiny_rbm), V), rtol=1e-10
    )


@pytest.mark.parametrize("shape", [(3, 5), (6, 4), (1, 9), (7, 7)])
def test_exact_log_z_matches_brute_force(shape):
    r = np.random.default_rng(SEED + shape[0])
    W = r.normal(0, 1.0, shape)
    b, c = r.normal(0, 1, shape[1]), r.normal(0, 1, shape[0])
    res = rbm_log_partition_exact(W, b, c)
    assert res.is_exact and res.method == "exact-enumeration"
    assert res.settings["enumerated_layer"] == ("hidden" if shape[0] <= shape[1] else "visible")
    np.testing.assert_allclose(res.log_z, rbm_log_z(W, b, c), rtol=1e-10)


def test_exact_log_z_many_chunks_matches_brute_force():
    # 14 hidden units -> 4 chunks of 2**12 Gray-code states
    r = np.random.default_rng(SEED)
    W = r.normal(0, 0.5, (14, 2))
    b, c = r.normal(size=2), r.normal(size=14)
    # brute force by enumerating the 2-unit visible layer analytically over h
    V = all_states(2)
    direct = np.logaddexp.reduce(V @ b + np.logaddexp(0, V @ W.T + c).sum(axis=1))
    via_api = rbm_log_partition_exact(W, b, c)  # enumerates the smaller (visible) layer
    assert via_api.settings == {"enumerated_layer": "visible", "n_states": 4}
    from pgm_ebm.kernels.enumerate import _rbm_logz_chunks

    mx, sm = np.empty(4), np.empty(4)
    _rbm_logz_chunks(np.ascontiguousarray(W), c, b, 12, mx, sm)
    chunked = np.logaddexp.reduce(mx + np.log(sm))
    np.testing.assert_allclose([via_api.log_z, chunked], direct, rtol=1e-10)


def test_score_samples_is_normalised_and_exact(tiny_rbm):
    V = all_states(5)
    ll, logz = tiny_rbm.score_samples(V, return_log_partition=True)
    np.testing.assert_allclose(ll, rbm_log_p(*_params(tiny_rbm))[1], rtol=1e-10)
    np.testing.assert_allclose(np.exp(ll).sum(), 1.0, rtol=1e-12)
    assert logz.method == "exact-enumeration"
    assert tiny_rbm.score(V) == pytest.approx(ll.mean())


def test_log_partition_never_stale(tiny_rbm):
    before = tiny_rbm.log_partition().log_z
    tiny_rbm.components_ = tiny_rbm.components_ * 2.0
    after = tiny_rbm.log_partition().log_z
    assert after != before
    np.testing.assert_allclose(after, rbm_log_z(*_params(tiny_rbm)), rtol=1e-10)
    tiny_rbm.intercept_hidden_[0] += 1.0  # in-place edit is seen too
    np.testing.assert_allclose(
        tiny_rbm.log_partition().log_z, rbm_log_z(*_params(tiny_rbm)), rtol=1e-10
    )


def test_large_models_use_ais_and_say_so():
    m = BernoulliRBM(n_components=30, n_iter=0).fit(np.zeros((3, 40)))
    with pytest.raises(ValueError, match="more than max_units=25.*method='ais'"):
        m.log_partition("exact")
    sched = np.linspace(0, 1, 201)
    ll, logz = m.score_samples(np.zeros((2, 40)), return_log_partition=True)
    assert logz.method == "ais" and logz.uncertainty == "ci95"
    assert logz.interval[0] <= logz.log_z <= logz.interval[1]
    # zero weights: the base model is the model, so AIS is exact too
    m.components_ = np.zeros_like(m.components_)
    exact = 30 * np.log(2) + np.logaddexp(0, m.intercept_visible_.astype(np.float64)).sum()
    assert m.log_partition("ais", schedule=sched).log_z == pytest.approx(exact, abs=1e-6)


def test_pseudo_log_likelihood_matches_brute_force(tiny_rbm):
    V = all_states(5)
    np.testing.assert_allclose(
        tiny_rbm.pseudo_log_likelihood(V),
        rbm_pseudo_log_likelihood(*_params(tiny_rbm), V),
        rtol=1e-10,
    )


def test_transform_is_exact_conditional(tiny_rbm):
    V = all_states(5)
    W, b, c = _params(tiny_rbm)
    np.testing.assert_allclose(tiny_rbm.transform(V), 1 / (1 + np.exp(-(V @ W.T + c))), rtol=1e-13)


# ----------------------------------------------------------------------------- statistical checks
def _exact_gradient_check(model, X, k):
    """One partial_fit step with lr=1 estimates the gradient; compare with the exact one."""
    W, b, c = (a.copy() for a in _params(model))
    model.set_params(learning_rate=1.0, method="cd", k=k)
    model.partial_fit(X)
    est = model.components_ - W
    Xf = X.astype(float)
    ph = 1 / (1 + np.exp(-(Xf @ W.T + c)))
    data = ph.T @ Xf / len(X)
    mean, _, _, var = rbm_model_moments(W, b, c)
    se = np.sqrt(var / len(X))
    z = np.abs(est - (data - mean)) / se
    return z


def test_cd_k_gradient_matches_exact_gradient(tiny_rbm):
    # With k large the CD negative phase samples the model: estimate within 5 SE of exact.
    X = np.repeat(all_states(5)[[3, 17, 30]], 2000, axis=0)
    z = _exact_gradient_check(tiny_rbm, X, k=60)
    assert z.max() < 5, z.max()


def test_cd_1_gradient_is_biased_and_detected(tiny_rbm):
    # The same check rejects CD-1 with strong weights: the test can fail.
    tiny_rbm.components_ = tiny_rbm.components_ * 3
    X = np.repeat(all_states(5)[[0]], 20000, axis=0)
    z = _exact_gradient_check(tiny_rbm, X, k=1)
    assert z.max() > 5


def test_sample_matches_exact_distribution(tiny_rbm):
    n = 6000
    S = tiny_rbm.sample(n, n_steps=40, random_state=SEED)
    assert S.dtype == np.uint8 and S.shape == (n, 5)
    V, lp = rbm_log_p(*_params(tiny_rbm))
    idx = S.astype(int) @ (1 << np.arange(4, -1, -1))  # all_states order is big-endian
    counts = np.bincount(idx, minlength=32)
    assert stats.chisquare(counts, np.exp(lp) * n).pvalue > 1e-3


def test_persistent_chains_sample_the_model():
    # PCD with a tiny learning rate leaves the model ~fixed: its chains' visible marginals match.
    r = np.random.default_rng(SEED)
    m = BernoulliRBM(
        n_components=3, n_iter=0, dtype="float64", random_state=SEED, n_chains=3000, batch_size=50
    )
    m.fit(np.zeros((10, 5)))
    m.components_ = r.normal(0, 0.8, (3, 5))
    m.intercept_visible_ = r.normal(0, 0.5, 5)
    W, b, c = (a.copy() for a in _params(m))
    m.set_params(learning_rate=1e-12)
    for _ in range(30):
        m.partial_fit(np.zeros((10, 5)))
    H = m.h_samples_
    pv = 1 / (1 + np.exp(-(H @ W + b)))  # E[v | h] of each chain
    _, ev, _, _ = rbm_model_moments(W, b, c)
    se = np.sqrt(ev * (1 - ev) / len(H))
    assert np.all(np.abs(pv.mean(axis=0) - ev) < 5 * se)


# ----------------------------------------------------------------------------- training
def test_training_improves_exact_log_likelihood():
    X = _data()
    m = BernoulliRBM(n_components=4, n_iter=0, batch_size=20, random_state=SEED).fit(X)
    ll0 = m.score(X)
    m.set_params(n_iter=30, learning_rate=0.1).fit(X)
    assert m.score(X) > ll0 + 1.0
    assert len(m.history_) == 30 and m.n_iter_ == 30 and m.stop_reason_ is None


def test_fit_reproducible_and_reseeds():
    X = _data()
    a = BernoulliRBM(4, n_iter=3, random_state=1, momentum=0.5, weight_decay=1e-3).fit(X)
    b = BernoulliRBM(4, n_iter=3, random_state=1, momentum=0.5, weight_decay=1e-3).fit(X)
    for p, q in zip(_params(a), _params(b), strict=True):
        np.testing.assert_array_equal(p, q)
    W1 = a.components_.copy()
    a.fit(X)  # fit reseeds
    np.testing.assert_array_equal(a.components_, W1)
    c = BernoulliRBM(4, n_iter=3, random_state=2).fit(X)
    assert not np.array_equal(c.components_, W1)


def test_partial_fit_and_sample_continue_the_stream():
    X = _data()
    m = BernoulliRBM(4, random_state=0).partial_fit(X)
    s1, s2 = m.sample(5, 3), m.sample(5, 3)
    assert not np.array_equal(s1, s2)
    g1, g2 = m.gibbs(X[:5]), m.gibbs(X[:5])
    assert g1.dtype == bool and not np.array_equal(g1, g2)


def test_weight_decay_shrinks_and_momentum_changes():
    X = _data()
    base = BernoulliRBM(6, n_iter=5, random_state=0).fit(X)
    wd = BernoulliRBM(6, n_iter=5, random_state=0, weight_decay=0.5).fit(X)
    assert np.abs(wd.components_).sum() < np.abs(base.components_).sum()
    mom = BernoulliRBM(6, n_iter=5, random_state=0, momentum=0.9).fit(X)
    assert not np.allclose(mom.components_, base.components_)


def test_lr_schedules():
    m = BernoulliRBM(n_iter=4, learning_rate=0.2, lr_schedule="linear")
    assert [m._lr_at(e) for e in range(4)] == pytest.approx([0.2, 0.15, 0.1, 0.05])
    m.set_params(lr_schedule="inverse")
    assert m._lr_at(3) == pytest.approx(0.05)
    m.set_params(lr_schedule=lambda e, n: 0.5)
    assert m._lr_at(0) == pytest.approx(0.1)
    X = _data()
    lin = BernoulliRBM(4, n_iter=3, random_state=0, lr_schedule="linear").fit(X)
    assert [h["learning_rate"] for h in lin.history_] == pytest.approx([0.1, 0.1 * 2 / 3, 0.1 / 3])


def test_visible_bias_initialised_from_base_rates():
    X = _data()
    m = BernoulliRBM(4, n_iter=0).fit(X)
    p = np.clip(X.mean(axis=0), 1e-3, 1 - 1e-3)
    np.testing.assert_allclose(m.intercept_visible_, np.log(p / (1 - p)), rtol=1e-5)
    z = BernoulliRBM(4, n_iter=0, visible_init="zero").fit(X)
    assert np.all(z.intercept_visible_ == 0)


def test_callbacks_get_metrics_and_can_stop():
    seen = []

    def cb(model, metrics):
        seen.append(metrics)
        return metrics["epoch"] == 2

    X = _data()
    m = BernoulliRBM(4, n_iter=5, random_state=0).fit(X, callbacks=[cb], monitor=X[:20])
    assert [s["epoch"] for s in seen] == [1, 2] and m.stop_reason_ == "callback"
    assert {"reconstruction_error", "monitor_pseudo_log_likelihood", "seconds"} <= set(seen[0])


def test_keyboard_interrupt_keeps_last_good_epoch(monkeypatch):
    X = _data()
    ref = BernoulliRBM(4, n_iter=2, random_state=0, batch_size=20).fit(X)
    m = BernoulliRBM(4, n_iter=5, random_state=0, batch_size=20)
    calls = {"n": 0}
    orig = BernoulliRBM._update

    def boom(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2 * 10 + 4:  # 10 batches per epoch: dies inside epoch 3
            raise KeyboardInterrupt
        return orig(self, *args, **kwargs)

    monkeypatch.setattr(BernoulliRBM, "_update", boom)
    with pytest.warns(TrainingStopped, match="interrupted during epoch 3"):
        m.fit(X)
    assert m.stop_reason_ == "interrupted" and m.n_iter_ == 2
    for p, q in zip(_params(m), _params(ref), strict=True):
        np.testing.assert_array_equal(p, q)


def test_divergence_keeps_last_good_parameters():
    X = _data()
    m = BernoulliRBM(4, n_iter=50, learning_rate=1e38, random_state=0, momentum=0.99)
    with pytest.warns(TrainingStopped, match="non-finite"):
        m.fit(X)
    assert m.stop_reason_ == "diverged"
    assert all(np.all(np.isfinite(p)) for p in _params(m))


@pytest.mark.parametrize("method", ["pcd", "cd"])
def test_resume_reaches_the_uninterrupted_parameters(tmp_path, monkeypatch, method):
    X = _data()
    kw = dict(n_components=5, n_iter=4, random_state=3, batch_size=20, momentum=0.5, method=method)
    full = BernoulliRBM(**kw).fit(X)
    ck = tmp_path / "ck.npz"
    m = BernoulliRBM(**kw)
    calls = {"n": 0}
    orig = BernoulliRBM._update

    def boom(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 25:  # inside epoch 3
            raise KeyboardInterrupt
        return orig(self, *args, **kwargs)

    monkeypatch.setattr(BernoulliRBM, "_update", boom)
    with pytest.warns(TrainingStopped):
        m.fit(X, checkpoint=ck)
    monkeypatch.setattr(BernoulliRBM, "_update", orig)
    resumed = BernoulliRBM(**kw).fit(X, checkpoint=ck, resume=True)
    assert resumed.n_iter_ == 4
    for p, q in zip(_params(resumed), _params(full), strict=True):
        np.testing.assert_array_equal(p, q)
    with pytest.raises(ValueError, match="other parameters"):
        BernoulliRBM(**{**kw, "k": 2}).fit(X, checkpoint=ck, resume=True)


# ----------------------------------------------------------------------------- persistence
def test_save_load_round_trip(tmp_path):
    X = _data()
    m = BernoulliRBM(4, n_iter=2, random_state=0, momentum=0.3).fit(X)
    path = m.save(tmp_path / "m.npz")
    m2 = BernoulliRBM.load(path)
    for p, q in zip(_params(m), _params(m2), strict=True):
        np.testing.assert_array_equal(p, q)
    assert m2.get_params()["momentum"] == 0.3 and m2.n_iter_ == 2
    np.testing.assert_array_equal(m.transform(X), m2.transform(X))
    with np.load(path, allow_pickle=False) as z:  # readable without pickle
        assert "components_" in z.files


def _rewrite(path, out, **changes):
    with np.load(path, allow_pickle=False) as z:
        d = {k: z[k] for k in z.files}
    meta = json.loads(str(d["meta"]))
    for k, v in changes.items():
        if k == "meta":
            meta.update(v)
        else:
            d[k] = v
    d["meta"] = np.array(json.dumps(meta))
    np.savez(out, **d)
    return out


def test_load_rejects_bad_files(tmp_path):
    m = BernoulliRBM(4, n_iter=1, random_state=0).fit(_data())
    p = m.save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="newer"):
        BernoulliRBM.load(_rewrite(p, tmp_path / "a.npz", meta={"format_version": 99}))
    with pytest.raises(ValueError, match="components_ has shape"):
        BernoulliRBM.load(
            _rewrite(p, tmp_path / "b.npz", components_=np.zeros((3, 12), np.float32))
        )
    with pytest.raises(ValueError, match="dtype"):
        BernoulliRBM.load(_rewrite(p, tmp_path / "c.npz", intercept_hidden_=np.zeros(4)))
    np.savez(tmp_path / "d.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="not a pgm_ebm model"):
        BernoulliRBM.load(tmp_path / "d.npz")


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "X, match",
    [
        (np.full((3, 12), 2.0), r"values in \[0, 1\].*index \(0, 0\) is 2.0"),
        (np.full((3, 12), np.nan), "NaN"),
        (np.full((3, 12), np.inf), "infinity"),
        (np.zeros((0, 12)), "0 sample"),
        (np.array([["a"] * 12] * 3), "(?i)dtype|could not convert|string"),
    ],
)
def test_fit_rejects_bad_input(X, match):
    with pytest.raises(ValueError, match=match):
        BernoulliRBM(4, n_iter=1).fit(X)


def test_wrong_feature_count_and_non_binary_scoring():
    m = BernoulliRBM(4, n_iter=1, random_state=0).fit(_data())
    with pytest.raises(ValueError, match="12 features"):
        m.transform(np.zeros((2, 7)))
    with pytest.raises(ValueError, match=r"binary values \{0, 1\}"):
        m.score_samples(np.full((2, 12), 0.5))
    m.transform(np.full((2, 12), 0.5))  # probabilities are fine for transform


@pytest.mark.parametrize(
    "param, value",
    [
        ("n_components", 0),
        ("learning_rate", -1.0),
        ("batch_size", 0),
        ("method", "sgd"),
        ("k", 0),
        ("momentum", 1.0),
        ("weight_decay", -0.1),
        ("lr_schedule", "cosine"),
        ("dtype", "int8"),
        ("device", "tpu"),
        ("n_chains", 0),
    ],
)
def test_bad_parameters_name_the_argument(param, value):
    with pytest.raises(ValueError, match=param):
        BernoulliRBM(**{param: value}).fit(_data())


def test_input_never_modified():
    X = _data().astype(np.float32)
    X0 = X.copy()
    m = BernoulliRBM(4, n_iter=2, random_state=0).fit(X)
    m.transform(X), m.score_samples(X), m.pseudo_log_likelihood(X), m.gibbs(X), m.free_energy(X)
    m.partial_fit(X)
    np.testing.assert_array_equal(X, X0)


# ----------------------------------------------------------------------------- determinism
def test_same_fit_with_one_or_two_threads():
    X = _data()
    one, two = outputs_with_one_and_two_threads(
        lambda: BernoulliRBM(6, n_iter=2, random_state=0, method="cd", k=2).fit(X).components_
    )
    np.testing.assert_array_equal(one, two)


def test_same_fit_with_jit_off():
    code = (
        "import numpy as np\n"
        "from pgm_ebm import BernoulliRBM\n"
        "from test_rbm import _data\n"
        "for dt in ('float32', 'float64'):\n"
        "    m = BernoulliRBM(3, n_iter=2, batch_size=50, random_state=0, dtype=dt)\n"
        "    m.fit(_data(100, 8))\n"
        "    print(repr(m.components_.tolist()), repr(m.sample(4, 3).tolist()))\n"
        "    print(repr(m.pseudo_log_likelihood(_data(5, 8)).round(10).tolist()))\n"
    )
    assert_same_output_with_jit_off(code, min_chars=200)


# ----------------------------------------------------------------------------- scikit-learn
def test_drop_in_names_match_scikit_learn():
    from sklearn.neural_network import BernoulliRBM as SkRBM

    sk = set(SkRBM().get_params())
    assert sk <= set(BernoulliRBM().get_params())
    assert {k: v for k, v in BernoulliRBM().get_params().items() if k in sk} == SkRBM().get_params()
    X = _data()
    ours = BernoulliRBM(4, n_iter=1, random_state=0).fit(X)
    for attr in (
        "components_",
        "intercept_hidden_",
        "intercept_visible_",
        "h_samples_",
        "n_features_in_",
    ):
        assert hasattr(ours, attr)
    for meth in ("fit", "partial_fit", "transform", "fit_transform", "gibbs", "score_samples"):
        assert callable(getattr(ours, meth))


class _SquashedRBM(BernoulliRBM):
    """Maps any input monotonically into [0, 1] (binary where binary is required)
    before the real range check, so that scikit-learn's generic data is valid."""

    def _check_range(self, X, name, binary):
        Y = 1.0 - np.exp(-np.abs(np.asarray(X, dtype=np.float64)))
        return super()._check_range((Y > 0.5).astype(Y.dtype) if binary else Y, name, binary)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = False  # negatives are squashed too
        return tags


def _check_results(est):
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return check_estimator(est, on_fail=None)


def test_check_estimator_on_valid_data_passes_completely():
    results = _check_results(_SquashedRBM(n_components=4, n_iter=2, random_state=0))
    failed = {
        r["check_name"]: str(r["exception"])[:300] for r in results if r["status"] == "failed"
    }
    assert not failed
    assert sum(r["status"] == "passed" for r in results) >= 45


def test_check_estimator_raw_fails_only_on_the_range_check():
    """scikit-learn's generic checks draw X from [0, 6); a Bernoulli RBM must reject that,
    so on the raw estimator every failing check fails on our range error and nothing else."""
    results = _check_results(BernoulliRBM(n_components=4, n_iter=2, random_state=0))
    failed = {r["check_name"]: str(r["exception"]) for r in results if r["status"] == "failed"}
    assert sum(r["status"] == "passed" for r in results) >= 20
    for name, msg in failed.items():
        assert "must hold values in [0, 1]" in msg or "must hold binary values" in msg, (name, msg)


def test_sklearn_api_on_valid_data():
    import pickle

    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError
    from sklearn.pipeline import make_pipeline

    X = _data(60, 12)
    m = BernoulliRBM(4, n_iter=2, random_state=0)
    with pytest.raises(NotFittedError):
        m.transform(X)
    m.fit(X)
    T = m.transform(X)
    assert T.dtype == np.float64 and m.n_features_in_ == 12  # integer input: float64
    assert m.transform(X.astype(np.float64)).dtype == np.float64  # the input's float dtype
    state = dict(m.__dict__)
    m.transform(X)
    assert m.__dict__.keys() == state.keys()  # transform does not add state
    m2 = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(m2.transform(X), T)
    perm = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_allclose(m.transform(X[perm]), T[perm], rtol=1e-6)  # order invariance
    np.testing.assert_allclose(m.transform(X[:7]), T[:7], rtol=1e-6)  # subset invariance
    np.testing.assert_array_equal(m.transform(X.tolist()), T)  # not-an-array input
    np.testing.assert_array_equal(m.transform(np.asfortranarray(X)), T)
    again = clone(m).fit(X)
    np.testing.assert_array_equal(again.transform(X), clone(m).fit(X).transform(X))  # idempotent
    pipe = make_pipeline(BernoulliRBM(4, n_iter=2, random_state=0))
    np.testing.assert_array_equal(pipe.fit_transform(X), again.transform(X))
    BernoulliRBM(3, n_iter=1).fit(X[:1])  # one sample
    BernoulliRBM(3, n_iter=1).fit(X[:, :1])  # one feature
    with pytest.raises(ValueError, match="2D array"):
        m.transform(X[0])
    assert list(m.get_feature_names_out()) == [f"bernoullirbm{i}" for i in range(4)]


@pytest.mark.parametrize("scale", [40.0, 400.0])
def test_exact_log_z_with_huge_activations(scale):
    """Large activations: the exp-free kernel with small product groups (scale 40), and the
    fallback kernel when e^a could overflow (scale 400); both match brute force."""
    r = np.random.default_rng(SEED)
    W = r.normal(0, scale, (4, 14))
    b, c = r.normal(0, 20, 14), r.normal(0, 20, 4)
    np.testing.assert_allclose(
        rbm_log_partition_exact(W, b, c).log_z, rbm_log_z(W, b, c), rtol=1e-10
    )


@pytest.mark.parametrize("n_components", [3, 8])  # enumerate the hidden layer, then the visible
def test_exact_gradient_is_the_derivative_of_the_exact_log_likelihood(n_components):
    rng = np.random.default_rng(SEED)
    X = (rng.random((40, 5)) < 0.4).astype(float)
    rbm = BernoulliRBM(n_components=n_components, n_iter=3, random_state=0, dtype="float64")
    rbm.fit(X)
    rbm.components_ = rbm.components_ + rng.normal(0, 0.5, rbm.components_.shape)
    g = rbm.log_likelihood_gradient(X)
    eps = 1e-6
    for name in ("components_", "intercept_visible_", "intercept_hidden_"):
        a = getattr(rbm, name)
        fd = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + eps
            up = rbm.score(X)
            a[idx] = old - eps
            down = rbm.score(X)
            a[idx] = old
            fd[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(g[name], fd, atol=1e-7, err_msg=name)
    with pytest.raises(ValueError, match="max_units"):
        rbm.log_likelihood_gradient(X, max_units=2)


@pytest.mark.parametrize("scales", [3, "ab", (1.0,), (1.0, 0.0), (1.0, "x")])
def test_fit_names_a_bad_layer_scales(scales):
    # before: layer_scales=3 ended in "TypeError: object of type 'int' has no len()"
    X = (np.random.default_rng(0).random((10, 4)) < 0.3).astype(np.uint8)
    with pytest.raises(ValueError, match="layer_scales"):
        BernoulliRBM(n_components=2, n_iter=1).fit(X, layer_scales=scales)
