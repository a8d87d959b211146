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


def _one_line_error(capsys, argv, *needles):
    """The CLI answers a user's mistake with one line 'pgm-ebm: error: ...' and exit 2."""
    capsys.readouterr()
    rc = main(argv)
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert rc == 2, (argv, captured.err)
    assert len(lines) == 1 and lines[0].startswith("pgm-ebm: error: "), captured.err
    assert "Traceback" not in captured.err + captured.out
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def test_bad_arguments_exit_nonzero(tmp_path, capsys):
    fit = ["rbm", "fit", "--limit", "50", "--quiet", "--no-figures", "--out", str(tmp_path / "r")]
    _one_line_error(capsys, fit + ["--n-components", "0"], "--n-components", "'0'")
    _one_line_error(capsys, fit + ["--n-iter", "-1"], "--n-iter")
    _one_line_error(capsys, fit + ["--learning-rate", "abc"], "--learning-rate", "'abc'")
    _one_line_error(capsys, fit + ["--learning-rate", "nan"], "--learning-rate")
    _one_line_error(capsys, fit + ["--momentum", "1.5"], "momentum")
    _one_line_error(capsys, fit + ["--batch-size", "1e3"], "--batch-size")
    _one_line_error(capsys, fit + ["--data", str(tmp_path / "nope.amat")], "nope.amat")
    _one_line_error(capsys, fit + ["--bogus"], "--bogus")
    _one_line_error(capsys, ["rbm"], "command")
    # --out that is a file, or lies under one
    f = tmp_path / "afile"
    f.write_text("x")
    _one_line_error(capsys, fit[:-1] + [str(f)], "--out", "is a file")
    _one_line_error(capsys, fit[:-1] + [str(f / "sub")], "--out", "lies under")
    # --resume without a checkpoint does not start a new run silently
    _one_line_error(capsys, fit + ["--resume"], "--resume", "no checkpoint")
    # model files: missing, a folder, truncated, not a model
    sample = ["rbm", "sample", "--n", "2", "--steps", "2", "--quiet"]
    _one_line_error(capsys, [*sample, str(tmp_path / "missing.npz")], "missing.npz")
    _one_line_error(capsys, [*sample, str(tmp_path)], "folder")
    m = BernoulliRBM(n_components=3, n_iter=1, random_state=0).fit(np.eye(16)[:8])
    good = m.save(tmp_path / "m.npz")
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[:200])
    _one_line_error(capsys, [*sample, str(cut)], "cut.npz")
    np.save(tmp_path / "arr.npy", np.zeros(3))
    _one_line_error(capsys, [*sample, str(tmp_path / "arr.npy")], "arr.npy", ".npy")
    _one_line_error(capsys, [*sample, str(good), "--n", "0"], "--n")
    _one_line_error(capsys, [*sample, str(good), "--out", str(tmp_path)], "--out")
    _one_line_error(capsys, ["rbm", "evaluate", str(cut)], "cut.npz")
    _one_line_error(capsys, ["ising", "simulate", "--temps", "a:b", "--out", str(tmp_path)])
    _one_line_error(capsys, ["denoise", "builtin:shapes", "--size", "4"], "--size")
    _one_line_error(capsys, ["logz", "ising", "--betas", "-1"], "--betas")
    big = ["ising", "simulate", "--size", "100000000", "--temps", "2", "--out", str(tmp_path)]
    _one_line_error(capsys, big, "memory")
    wide = BernoulliRBM(n_components=30, n_iter=1, random_state=0).fit(np.eye(40)[:30])
    _one_line_error(capsys, ["logz", "rbm", str(wide.save(tmp_path / "w.npz"))], "25 units")


def test_extreme_temperatures_work(tmp_path, capsys):
    """beta = 1e300 (a frozen lattice) and beta = 1e6 (log Z = 2 N beta + log 2)."""
    out = tmp_path / "cold"
    argv = ["ising", "simulate", "--temps", "1e-300", "--size", "4", "--sweeps", "20"]
    assert main([*argv, "--burn-in", "5", "--out", str(out), "--quiet", "--no-figures"]) == 0
    row = json.loads((out / "observables.json").read_text())["rows"][0]
    assert row["energy"] == -2.0 and row["exact_energy"] == -2.0 and row["abs_m"] == 1.0
    assert row["specific_heat"] == 0.0
    argv = ["logz", "ising", "--betas", "1e6", "--size", "4", "--temperatures", "10"]
    assert main([*argv, "--out", str(tmp_path / "lz"), "--quiet", "--no-figures"]) == 0
    exact = json.loads((tmp_path / "lz" / "logz.json").read_text())["rows"][0]["exact"]
    assert exact == pytest.approx(32e6 + np.log(2), rel=1e-15)


def test_a_16_feature_model_samples_to_a_figure(tmp_path, capsys):
    m = BernoulliRBM(n_components=3, n_iter=2, random_state=0).fit(np.eye(16))
    path = m.save(tmp_path / "m16.npz")
    out = tmp_path / "s.png"
    assert main(["rbm", "sample", str(path), "--n", "4", "--steps", "3", "--out", str(out)]) == 0
    assert out.stat().st_size > 0


def test_help_version_and_defaults(capsys):
    from pgm_ebm import __version__

    assert main([]) == 0
    assert "usage: pgm-ebm" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"pgm-ebm {__version__}"
    assert main(["rbm", "fit", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for preset in ("quick:", "mnist:", "mnist-long:", "centered: the same centered"):
        assert preset in text  # (argparse may wrap "mnist-centered" at its hyphen)
    assert "(default: runs/rbm)" in text and "(default: quick)" in text
    # every option has a help line, and every parser appends "(default: ...)" to it
    import argparse

    from pgm_ebm.cli import build_parser

    def walk(p):
        yield p
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                for q in a.choices.values():
                    yield from walk(q)

    parsers = list(walk(build_parser()))
    assert len(parsers) >= 9
    for p in parsers:
        assert p.formatter_class is argparse.ArgumentDefaultsHelpFormatter, p.prog
        for a in p._actions:
            if a.dest not in ("help", "version") and not isinstance(a, argparse._SubParsersAction):
                assert a.help, (p.prog, a.option_strings or a.dest)
                if a.option_strings:
                    assert "(default:" in p._get_formatter()._get_help_string(a) or (
                        "%(default)" in a.help
                    ), (p.prog, a.option_strings)


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


def test_dbm_fit_evaluate_and_resume(tmp_path, capsys):
    out = tmp_path / "dbm"
    args = ["dbm", "fit", "--limit", "300", "--eval-limit", "100", "--layers", "784,20,10",
            "--n-iter", "2", "--pretrain-iter", "1", "--out", str(out), "--quiet",
            "--max-iter", "4", "--momentum", "0.8"]  # fmt: skip
    assert main(args) == 0
    for f in ("model.npz", "metrics.json", "filters.png", "samples.png", "training.png",
              "checkpoint.npz"):  # fmt: skip
        assert (out / f).stat().st_size > 0, f
    m = json.loads((out / "metrics.json").read_text())
    t = m["test"]
    assert t["log_partition"]["method"] == "exact-enumeration"  # 20 odd units: exact
    assert t["mean_lower_bound"] <= t["mean_log_likelihood_exact"] + 1e-6
    assert "variational" in t["lower_bound_note"]
    assert (m["params"]["max_iter"], m["params"]["momentum"]) == (4, 0.8)
    assert t["mean_field"]["converged"] and t["mean_field"]["max_iter"] > 4  # not training's
    printed = capsys.readouterr().out
    assert "variational lower bound" in printed
    assert main(["dbm", "fit", "--resume", "--n-iter", "3", "--limit", "300", "--eval-limit",
                 "100", "--out", str(out), "--quiet"]) == 0  # fmt: skip
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 3
    capsys.readouterr()
    assert main(["dbm", "evaluate", str(out / "model.npz"), "--limit", "50"]) == 0
    assert json.loads(capsys.readouterr().out)["n_samples"] == 50


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["dbm", "fit", "--layers", "784,x"], "--layers"),
        (["dbm", "fit", "--layers", "784"], "at least two sizes"),
        (["dbm", "fit", "--centering", "maybe"], "--centering"),
        (["dbm", "fit", "--momentum", "1.5"], "--momentum"),
        (["dbm", "fit", "--momentum", "1", "--limit", "10"], "momentum"),
        (["dbm", "fit", "--max-iter", "0"], "--max-iter"),
        (["dbm", "evaluate", "missing.npz"], "missing.npz"),
        (["dbm", "fit", "--resume", "--out", "nowhere"], "no checkpoint"),
    ],
)
def test_dbm_mistakes_are_one_line(tmp_path, monkeypatch, capsys, argv, needle):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pgm-ebm: error: ") and needle in err[0]
