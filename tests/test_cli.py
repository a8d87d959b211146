import json

import numpy as np
import pytest

from pgm_ebm import BernoulliRBM
from pgm_ebm.cli import main


def test_rbm_fit_sample_evaluate(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(
        [
            "rbm",
            "fit",
            "--limit",
            "600",
            "--eval-limit",
            "200",
            "--n-components",
            "12",
            "--n-iter",
            "3",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert rc == 0
    for f in (
        "model.npz",
        "metrics.json",
        "filters.png",
        "samples.png",
        "training.png",
        "persistent_chains.png",
        "checkpoint.npz",
    ):
        assert (out / f).stat().st_size > 0, f
    m = json.loads((out / "metrics.json").read_text())
    assert m["epochs"] == 3 and len(m["history"]) == 3 and m["n_train"] == 600
    t = m["test"]
    assert t["log_partition"]["method"] == "exact-enumeration"
    model = BernoulliRBM.load(out / "model.npz")
    assert model.n_components == 12
    # the reported number is the model's exact log-likelihood of those test images
    from pgm_ebm.datasets import load_embedded_mnist

    T = load_embedded_mnist("test")  # evaluation rows: a seeded random subset
    X = T[np.sort(np.random.default_rng(0).choice(len(T), 200, replace=False))]
    assert t["mean_log_likelihood"] == pytest.approx(model.score(X), rel=1e-12)
    assert t["mean_log_likelihood"] < 0
    printed = capsys.readouterr().out
    assert "test log-likelihood" in printed and "exact-enumeration" in printed

    assert (
        main(
            [
                "rbm",
                "sample",
                str(out / "model.npz"),
                "--n",
                "5",
                "--steps",
                "10",
                "--out",
                str(tmp_path / "s.npz"),
                "--quiet",
            ]
        )
        == 0
    )
    with np.load(tmp_path / "s.npz") as z:
        assert z["samples"].shape == (5, 784) and set(np.unique(z["samples"])) <= {0, 1}

    capsys.readouterr()
    assert main(["rbm", "evaluate", str(out / "model.npz"), "--limit", "50"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert ev["n_samples"] == 50 and ev["mean_log_likelihood"] < 0


def test_resume_continues(tmp_path):
    out = tmp_path / "run"
    args = [
        "rbm",
        "fit",
        "--limit",
        "300",
        "--eval-limit",
        "50",
        "--n-components",
        "8",
        "--out",
        str(out),
        "--quiet",
        "--no-figures",
        "--lr-schedule",
        "constant",
    ]
    assert main(args + ["--n-iter", "2"]) == 0
    assert main(args + ["--n-iter", "4", "--resume"]) == 0
    full = tmp_path / "full"
    assert main([a if a != str(out) else str(full) for a in args] + ["--n-iter", "4"]) == 0
    a, b = BernoulliRBM.load(out / "model.npz"), BernoulliRBM.load(full / "model.npz")
    assert a.n_iter_ == 4
    np.testing.assert_array_equal(a.components_, b.components_)


def test_bad_arguments_exit_nonzero(tmp_path, capsys):
    assert (
        main(
            [
                "rbm",
                "fit",
                "--n-components",
                "0",
                "--limit",
                "50",
                "--out",
                str(tmp_path),
                "--quiet",
                "--no-figures",
            ]
        )
        == 2
    )
    assert "n_components" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["rbm", "fit", "--data", str(tmp_path / "nope.amat"), "--out", str(tmp_path)])


def test_ising_simulate(tmp_path, capsys):
    out = tmp_path / "ising"
    assert (
        main(
            [
                "ising",
                "simulate",
                "--size",
                "8",
                "--temps",
                "1.8,2.6,3.4",
                "--sweeps",
                "200",
                "--burn-in",
                "50",
                "--chains",
                "2",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    for f in (
        "observables.csv",
        "observables.json",
        "observables.png",
        "snapshots.png",
        "trace_near_tc.png",
    ):
        assert (out / f).stat().st_size > 0, f
    rows = json.loads((out / "observables.json").read_text())["rows"]
    assert [r["T"] for r in rows] == [1.8, 2.6, 3.4]
    e = [r["energy"] for r in rows]
    assert e[0] < e[1] < e[2] < 0  # energy rises with temperature
    assert all(r["energy_err"] > 0 and r["abs_m_err"] > 0 for r in rows)
    assert rows[0]["abs_m"] > rows[-1]["abs_m"]
    assert "T_c" not in capsys.readouterr().err
    assert main(["ising", "simulate", "--temps", "3:1:0.5", "--out", str(tmp_path)]) == 2


def test_logz_ising_table_and_figure(tmp_path):
    out = tmp_path / "logz"
    assert (
        main(
            [
                "logz",
                "ising",
                "--size",
                "6",
                "--betas",
                "0.2,0.7",
                "--chains",
                "16",
                "--temperatures",
                "200",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    rows = json.loads((out / "logz.json").read_text())["rows"]
    assert (out / "logz.png").stat().st_size > 0 and [r["beta"] for r in rows] == [0.2, 0.7]
    for r in rows:
        assert r["mean-field"] <= r["exact"]  # a lower bound
        assert r["ais_lo"] <= r["ais"] <= r["ais_hi"]


def test_logz_rbm_table_and_figure(tmp_path, capsys):
    from pgm_ebm.datasets import load_embedded_mnist

    X = load_embedded_mnist("train")[:500]
    m = BernoulliRBM(8, n_iter=3, batch_size=50, random_state=0).fit(X)
    path = m.save(tmp_path / "m.npz")
    out = tmp_path / "logz"
    assert (
        main(
            [
                "logz",
                "rbm",
                str(path),
                "--temperatures",
                "50,500",
                "--chains",
                "20",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    data = json.loads((out / "rbm_logz.json").read_text())
    assert (out / "rbm_logz.png").stat().st_size > 0
    assert data["exact"]["method"] == "exact-enumeration"
    # 8 hidden units: the default forward AIS has collapsed sweeps, and block-Gibbs-only AIS
    # is shown beside it
    assert {(r["temperatures"], r["direction"]) for r in data["rows"]} == {
        (K, d) for K in (50, 500) for d in ("forward", "forward, block Gibbs only", "reverse")
    }
    assert {r["collapse_every"] for r in data["rows"] if r["direction"] == "forward"} == {5}
    assert "exact log Z" in capsys.readouterr().out
