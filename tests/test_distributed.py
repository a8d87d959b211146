"""Studies on Dask's distributed scheduler: a LocalCluster of 2 worker processes on the
loopback interface gives the single-process results bit for bit, survives a worker killed
mid-study, and a resumed study computes only what its store lacks."""

import json
import os
import signal
import threading
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from pgm_ebm.distributed import StudyError, TaskStore, run_tasks
from pgm_ebm.experiments.ising import finite_size_scaling, ising_point

distributed = pytest.importorskip("distributed")

# as connect("local:N") starts them: one thread per worker, for Numba and for BLAS
ONE_THREAD = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
SCAN = dict(sizes=[4, 8], temperatures=[2.0, 2.2, 2.4, 2.6], n_runs=2, n_sweeps=60, burn_in=10)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, env=ONE_THREAD,
    )  # fmt: skip
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_scan_on_the_cluster_is_the_single_process_scan(client):
    here = finite_size_scaling(**SCAN)
    there = finite_size_scaling(**SCAN, client=client)
    assert here["rows"] == there["rows"]  # every float, bit for bit
    assert here["crossings"] == there["crossings"]
    # and the study measured something: Binder cumulants between 0 and 2/3
    u = [r["binder"] for r in here["rows"]]
    assert all(0 < x < 2 / 3 for x in u) and len(set(u)) == len(u)


def _tasks(n, n_sweeps):
    return [dict(size=16, T=2.0 + 0.05 * i, run=0, n_sweeps=n_sweeps, burn_in=0, n_chains=1,
                 sampler="metropolis") for i in range(n)]  # fmt: skip


def test_a_worker_killed_mid_study_changes_nothing(client, tmp_path):
    tasks = _tasks(12, 3000)
    expected = run_tasks(ising_point, tasks)
    store = tmp_path / "study.jsonl"
    killed = []

    def killer():  # kill one worker as soon as the study has stored a result
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if store.exists() and len(store.read_text().splitlines()) >= 2:
                pids = client.run(os.getpid)
                os.kill(next(iter(pids.values())), signal.SIGKILL)
                killed.append(len(store.read_text().splitlines()) - 1)
                return
            time.sleep(0.01)

    t = threading.Thread(target=killer)
    t.start()
    got = run_tasks(ising_point, tasks, client=client, store=store)
    t.join()
    assert killed and killed[0] < len(tasks)  # the kill came before the study ended
    assert got == expected
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it


def test_a_resumed_study_computes_only_what_is_missing(tmp_path):
    tasks = _tasks(5, 20)
    store = tmp_path / "s.jsonl"
    first = run_tasks(ising_point, tasks[:2], store=store)
    calls = []

    def counted(**kw):
        calls.append(kw)
        return ising_point(**kw)

    everything = run_tasks(counted, tasks, store=store)
    assert [c["T"] for c in calls] == [t["T"] for t in tasks[2:]]
    assert everything[:2] == first and everything == run_tasks(ising_point, tasks)
    assert len(store.read_text().splitlines()) == 1 + len(tasks)  # format line + one per task
    # a store cut short mid-line (a crash while writing): that task runs again, with a warning
    text = store.read_text()
    store.write_text(text[: len(text) - 30])
    calls.clear()
    with pytest.warns(RuntimeWarning, match="unreadable line"):
        again = run_tasks(counted, tasks, store=store)
    assert len(calls) == 1 and again == everything


def test_failed_tasks_are_reported_with_their_parameters_and_the_rest_kept(tmp_path):
    tasks = _tasks(3, 10)
    tasks[1]["sampler"] = "no-such-sampler"
    store = tmp_path / "s.jsonl"
    with pytest.raises(StudyError, match="no-such-sampler") as e:
        run_tasks(ising_point, tasks, store=store)
    assert len(e.value.failures) == 1 and e.value.failures[0][0] == tasks[1]
    held = TaskStore(store)
    assert tasks[0] in held and tasks[2] in held and tasks[1] not in held


def test_stores_and_schedulers_are_checked(tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("my notes\n")
    with pytest.raises(ValueError, match="not a study store"):
        TaskStore(other)
    with pytest.raises(ValueError, match="scheduler must be"):
        run_tasks(ising_point, _tasks(1, 1), scheduler="gpu")
    with pytest.raises(ValueError, match="N >= 1"):
        run_tasks(ising_point, _tasks(1, 1), scheduler="local:0")
    with pytest.raises(ValueError, match="HOST:PORT"):
        run_tasks(ising_point, _tasks(1, 1), scheduler="tcp://nohost")
    with pytest.raises(ValueError, match="distinct"):
        run_tasks(ising_point, _tasks(1, 1) * 2)
    with pytest.raises(TypeError, match="numbers, strings"):
        run_tasks(ising_point, [dict(size=object())])


def test_results_keep_every_bit_through_the_store(tmp_path):
    vals = np.random.default_rng(0).standard_normal(50)

    store = TaskStore(tmp_path / "s.jsonl")
    store.add({"x": 1}, {"v": vals, "nan": float("nan")})
    back = TaskStore(tmp_path / "s.jsonl").get({"x": 1})
    assert np.array_equal(np.array(back["v"]), vals) and np.isnan(back["nan"])
    json.loads((tmp_path / "s.jsonl").read_text().splitlines()[1])  # plain JSON


@pytest.mark.parametrize("reverse", [False, True])
def test_ais_split_over_the_cluster_is_the_single_process_ais(client, tmp_path, reverse):
    from pgm_ebm.partition.ais import rbm_ais, rbm_reverse_ais

    r = np.random.default_rng(3)
    W = 0.3 * r.standard_normal((12, 30))
    b, c = 0.2 * r.standard_normal(30), 0.2 * r.standard_normal(12)
    kw = dict(n_chains=200, schedule=np.linspace(0, 1, 301), random_state=7)  # 4 blocks of 50
    if reverse:
        V0 = (r.random((200, 30)) < 0.5).astype(np.float32)
        kw.pop("n_chains")
        run = lambda **extra: rbm_reverse_ais(W, b, c, V0, **kw, **extra)  # noqa: E731
    else:
        run = lambda **extra: rbm_ais(W, b, c, **kw, **extra)  # noqa: E731
    here = run()
    store = tmp_path / "ais.jsonl"
    there = run(client=client, chains_per_task=50, store=store)
    assert there.settings.pop("distributed_tasks") == 4
    for k in ("log_z", "interval", "stderr", "settings", "diagnostics", "method"):
        assert getattr(here, k) == getattr(there, k), k
    # a rerun takes every block from the store; a different model does not
    again = run(client=client, chains_per_task=50, store=store)
    assert again.log_z == here.log_z
    assert len(store.read_text().splitlines()) == 1 + 4
    other = rbm_ais(1.1 * W, b, c, n_chains=200, schedule=kw["schedule"], random_state=7,
                    client=client, chains_per_task=50, store=store)  # fmt: skip
    assert other.log_z != here.log_z and len(store.read_text().splitlines()) == 1 + 8


def test_binder_crossing_of_two_known_curves():
    from pgm_ebm.experiments.ising import _crossing

    T = np.linspace(2.0, 2.5, 11)
    small = 0.5 - 0.4 * (T - 2.27)  # cross at T = 2.27 exactly
    large = 0.5 - 1.6 * (T - 2.27) + 0.3 * (T - 2.27) ** 2
    assert abs(_crossing(T, small, large) - 2.27) < 1e-12
    assert np.isnan(_crossing(T, small, small + 0.1))  # no crossing in the grid


def test_cli_fss_writes_its_study_and_a_rerun_resumes(tmp_path, capsys):
    from pgm_ebm import cli

    argv = ["ising", "fss", "--sizes", "4,8", "--temps", "2.0,2.2,2.4,2.6", "--runs", "2",
            "--sweeps", "40", "--burn-in", "5", "--quiet", "--out", str(tmp_path)]  # fmt: skip
    assert cli.main(argv) == 0
    study = json.loads((tmp_path / "fss.json").read_text())
    assert len(study["rows"]) == 8 and (tmp_path / "binder.png").stat().st_size > 0
    lines = (tmp_path / "tasks.jsonl").read_text()
    assert len(lines.splitlines()) == 1 + 16  # 2 sizes x 4 temperatures x 2 runs
    assert "U_4 crossing of L = 4 and 8" in capsys.readouterr().out
    assert cli.main(argv) == 0  # every task from the store
    assert (tmp_path / "tasks.jsonl").read_text() == lines
    assert json.loads((tmp_path / "fss.json").read_text()) == study
    for bad, what in ((["--scheduler", "gpu"], "scheduler must be"), (["--sizes", "8"], "sizes")):
        assert cli.main([*argv, *bad]) == 2
        err = capsys.readouterr().err
        assert err.startswith("pgm-ebm: error: ") and err.count("\n") == 1 and what in err


def test_recipe_sweep_on_the_cluster_scores_as_in_one_process(client, tmp_path):
    from pgm_ebm.experiments.rbm import recipe_sweep

    kw = dict(grid={"learning_rate": [0.05, 0.1], "n_components": [6]}, limit=200,
              eval_limit=100)  # fmt: skip
    # training's GEMMs round by how many threads BLAS splits them over (the Ising scan and
    # AIS run single-threaded kernels: any count): the reference uses the workers' one
    with threadpool_limits(1):
        here = recipe_sweep(**kw)
    there = recipe_sweep(**kw, client=client, store=tmp_path / "sweep.jsonl")
    drop = ("train_seconds",)
    assert [{k: v for k, v in r.items() if k not in drop} for r in here] == [
        {k: v for k, v in r.items() if k not in drop} for r in there
    ]
    assert all(r["log_z_method"] == "exact-enumeration" for r in here)  # exact scores
    assert here[0]["score"] >= here[1]["score"]


def test_gridsearchcv_over_the_rbm_through_joblibs_dask_backend(client):
    import joblib
    from sklearn.model_selection import GridSearchCV

    from pgm_ebm import BernoulliRBM
    from pgm_ebm.experiments.rbm import load_data

    X, _ = load_data("embedded", "train", limit=300)
    grid = {"learning_rate": [0.02, 0.1], "n_components": [4, 8]}
    est = BernoulliRBM(n_iter=3, batch_size=50, random_state=0)
    with threadpool_limits(1):  # as on the workers (see the sweep above)
        one = GridSearchCV(est, grid, cv=2).fit(X)  # score: exact mean log-likelihood
    with joblib.parallel_backend("dask"):
        many = GridSearchCV(est, grid, cv=2, n_jobs=-1).fit(X)
    assert one.best_params_ == many.best_params_
    np.testing.assert_array_equal(
        one.cv_results_["mean_test_score"], many.cv_results_["mean_test_score"]
    )
    assert np.all(np.isfinite(one.cv_results_["mean_test_score"]))


def test_dbm_ais_on_the_cluster_is_the_single_process_ais(client):
    from pgm_ebm import DBM

    r = np.random.default_rng(5)
    sizes = [30, 12, 40]  # 70 even units, 12 odd: AIS, not enumeration, is what runs
    dbm = DBM.from_parameters(
        [0.3 * r.standard_normal((a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)],
        [0.1 * r.standard_normal(n) for n in sizes], n_chains=130, random_state=2,
    )  # fmt: skip
    kw = dict(n_chains=130, schedule=np.linspace(0, 1, 201), random_state=4)
    for method in ("ais", "reverse-ais"):
        here = dbm.log_partition(method, **kw)
        there = dbm.log_partition(method, **kw, client=client)
        assert there.settings.pop("distributed_tasks") >= 1
        assert (here.log_z, here.interval, here.diagnostics) == (
            there.log_z, there.interval, there.diagnostics
        ), method  # fmt: skip


@pytest.mark.parametrize("sampler", ["metropolis", "swendsen-wang"])
def test_ising_ais_on_the_cluster_is_the_single_process_ais(client, tmp_path, sampler):
    from pgm_ebm import IsingLattice
    from pgm_ebm.partition.ais import ising_ais

    m = IsingLattice((6, 8), beta=0.4)
    kw = dict(n_chains=10, schedule=np.linspace(0, 1, 41), sampler=sampler, random_state=9)
    here = ising_ais(m, **kw)
    there = ising_ais(m, **kw, client=client, chains_per_task=3, store=tmp_path / "s.jsonl")
    assert there.settings.pop("distributed_tasks") == 4  # 3 + 3 + 3 + 1 chains
    assert (here.log_z, here.interval, here.diagnostics) == (
        there.log_z, there.interval, there.diagnostics
    )  # fmt: skip
    with pytest.raises(ValueError, match="wolff.*all chains together"):
        ising_ais(m, **{**kw, "sampler": "wolff"}, client=client)


def test_temperature_scan_on_the_cluster_is_the_single_process_scan(client):
    from pgm_ebm.experiments import temperature_scan

    kw = dict(size=6, temperatures=[1.8, 2.4, 3.0], n_sweeps=30, burn_in=5, n_chains=2,
              random_state=np.random.default_rng(4))  # fmt: skip
    here = temperature_scan(**kw)
    there = temperature_scan(**{**kw, "random_state": np.random.default_rng(4)}, client=client)
    assert here["rows"] == there["rows"]
    for T in (1.8, 2.4, 3.0):
        np.testing.assert_array_equal(here["snapshots"][T], there["snapshots"][T])
        np.testing.assert_array_equal(here["traces"][T].energy, there["traces"][T].energy)


def test_denoising_methods_on_the_cluster_are_the_single_process_methods(client):
    from pgm_ebm import denoise as dn
    from pgm_ebm.experiments import denoise_experiment

    img = dn.load_image("builtin:shapes", size=24)
    kw = dict(noise=0.1, random_state=3, n_sweeps=20)
    here = denoise_experiment(img, **kw)["results"]
    there = denoise_experiment(img, **kw, client=client)["results"]
    assert list(here) == list(there) == list(dn.METHODS)
    for m, a in here.items():
        b = there[m]
        for name in ("image", "spins", "marginals", "trace", "deltas"):
            x, y = getattr(a, name), getattr(b, name)
            assert (x is None) == (y is None), (m, name)
            if x is not None:
                assert x.dtype == y.dtype, (m, name)
                np.testing.assert_array_equal(x, y, err_msg=f"{m}.{name}")
        assert (a.energy, a.n_iter, a.converged, a.exact) == (b.energy, b.n_iter, b.converged,
                                                              b.exact), m  # fmt: skip
        assert a.settings["error_rate"] == b.settings["error_rate"], m
    with pytest.raises(ValueError, match="random_state must be an int seed"):
        denoise_experiment(img, noise=0.1, random_state=np.random.default_rng(0), client=client)
