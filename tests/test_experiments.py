"""The studies the CLI runs are library functions that return data."""

import numpy as np
import pytest

from pgm_ebm import BernoulliRBM
from pgm_ebm import experiments as ex


def test_recipe_params_and_its_errors():
    p = ex.recipe_params("quick", {"n_components": 12, "momentum": None})
    assert p["n_components"] == 12 and p["momentum"] == 0.5 and p["n_iter"] == 15
    with pytest.raises(ValueError, match="preset must be one of"):
        ex.recipe_params("fast")
    with pytest.raises(ValueError, match="cannot override 'dtype'"):
        ex.recipe_params("quick", {"dtype": "float64"})


def test_fit_recipe_returns_the_model_and_its_metrics():
    params = ex.recipe_params("quick", {"n_components": 8, "n_iter": 2})
    model, m = ex.fit_recipe(params, limit=300, eval_limit=100, progress=False)
    assert isinstance(model, BernoulliRBM) and model.n_iter_ == 2
    assert m["epochs"] == 2 and len(m["history"]) == 2 and m["n_train"] == 300
    t = m["test"]
    assert t["n_samples"] == 100 and t["log_partition"]["method"] == "exact-enumeration"
    assert t["mean_log_likelihood"] < 0


def test_ising_scan_and_log_partition_comparison():
    scan = ex.temperature_scan(8, [1.5, 3.5], n_sweeps=40, burn_in=10, n_chains=2)
    rows = scan["rows"]
    assert [r["T"] for r in rows] == [1.5, 3.5] and set(scan["snapshots"]) == {1.5, 3.5}
    assert rows[0]["abs_m"] > rows[1]["abs_m"]  # ordered below T_c, disordered above
    lz = ex.log_partition_comparison(4, [0.2, 0.5], n_chains=8, n_temperatures=50)
    for r in lz:
        assert r["mean-field"] <= r["exact"] + 1e-9  # a lower bound
        assert abs(r["ais"] - r["exact"]) < 1.0


def test_ais_comparison_on_a_small_rbm():
    X = (np.random.default_rng(0).random((60, 10)) < 0.4).astype(float)
    model = BernoulliRBM(4, n_iter=3, random_state=0).fit(X)
    res = ex.ais_comparison(model, schedule_lengths=(50,), n_chains=20)
    dirs = [r["direction"] for r in res["rows"]]
    assert dirs == ["forward", ex.BLOCK_ONLY, "reverse"]
    for r in res["rows"]:
        assert abs(r["log_z"] - res["exact"].log_z) < 0.5
    wide = BernoulliRBM(30, n_iter=1, random_state=0).fit(np.eye(40)[:30])
    with pytest.raises(ValueError, match="25 units"):
        ex.ais_comparison(wide)


def test_denoise_experiment():
    from pgm_ebm import denoise as dn

    img = dn.builtin_image("shapes", 32)
    run = ex.denoise_experiment(img, ["icm", "graph-cut"], noise=0.1)
    s = run["summary"]["methods"]
    assert set(s) == {"icm", "graph-cut"} and s["graph-cut"]["exact"] is True
    assert s["graph-cut"]["energy"] <= s["icm"]["energy"] + 1e-9
    with pytest.raises(ValueError, match="comma list"):
        ex.denoise_experiment(img, ["nope"])


@pytest.mark.parametrize(
    "call, name",
    [
        # before: split="tset" read the training data, limit=-5 dropped the last 5 rows,
        # a size of 8.5 and a seed of 1.5 were truncated, T=0 divided by zero and
        # noise_type="gausian" was taken as Gaussian
        (lambda: ex.load_data("embedded", "tset"), "split"),
        (lambda: ex.load_data("embedded", "train", limit=-5), "limit"),
        (lambda: ex.temperature_scan(8.5, [2.0]), "size"),
        (lambda: ex.temperature_scan(8, [0.0, 2.0]), "temperatures"),
        (lambda: ex.finite_size_scaling([4.5, 8], [2.0, 2.5]), "sizes"),
        (lambda: ex.finite_size_scaling([4, 8], [2.0, 2.5], n_runs=2.5), "n_runs"),
        (lambda: ex.log_partition_comparison(4, [-0.1]), "betas"),
        (lambda: ex.ising_point(4, -1.0, 0), "T"),
        (lambda: ex.recipe_sweep({"k": [1]}, random_states=[1.5]), "random_states"),
        (lambda: ex.ais_comparison("model"), "model"),
        (
            lambda: ex.denoise_experiment(np.zeros((4, 4)), ["icm"], noise_type="gausian"),
            "noise_type",
        ),  # fmt: skip
    ],
)
def test_experiments_name_a_bad_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
