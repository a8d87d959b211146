"""The CUDA path: twins of the CPU kernels give the CPU's bits for the same seed.

In CI the kernels run on Numba's CUDA simulator (tests/conftest.py switches it on) with 4
threads per block, so that the tiny lattices below span several blocks.  Tests marked
``cuda`` need a real GPU (``NUMBA_ENABLE_CUDASIM=0 python -m pytest -m cuda``)."""

import shutil

import numpy as np
import pytest
from conftest import SEED

from pgm_ebm import _device
from pgm_ebm._device import CUDAUnavailableError, resolve_device
from pgm_ebm.models.ising import IsingLattice

# the twins' bit-for-bit checks: on the simulator in CI, on the GPU where one is usable
# (NUMBA_ENABLE_CUDASIM=0)
twin = pytest.mark.skipif(
    not (_device.simulator() or _device.cuda_status()[0]), reason="needs the simulator or a GPU"
)
real_gpu = pytest.mark.skipif(
    _device.simulator() or not _device.cuda_status()[0], reason="needs a real CUDA GPU"
)


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setenv("PGM_EBM_CUDA_THREADS", "4")


@twin
@pytest.mark.parametrize(
    "shape, h, sampler",
    [
        ((6, 8), 0.0, "metropolis"),  # the select-only kernel (mode 2)
        ((8, 6), 0.3, "metropolis"),  # the acceptance table (mode 0)
        ((6, 6), 0.2, "heatbath"),  # mode 1
        ((2, 10), 0.0, "heatbath"),  # rows whose up and down neighbours coincide
    ],
)
def test_lattice_sweeps_give_the_cpu_bits(small_blocks, shape, h, sampler):
    m = IsingLattice(shape, beta=0.44, h=h)
    sched = np.linspace(0.2, 0.9, 6)  # annealing: a temperature per sweep
    kw = dict(n_chains=3, sampler=sampler, random_state=SEED, return_trace=True)
    cpu = m.sample(6, device="cpu", beta_schedule=sched, **kw)
    gpu = m.sample(6, device="cuda", beta_schedule=sched, **kw)
    np.testing.assert_array_equal(gpu.spins, cpu.spins)
    np.testing.assert_array_equal(gpu.trace.energy, cpu.trace.energy)
    # the sweeps did move the chains (a kernel that did nothing would fail here)
    start = m.sample(0, device="cpu", **{**kw, "return_trace": False}).spins
    assert (start != cpu.spins).mean() > 0.1


@twin
@pytest.mark.parametrize("shape", [(4, 6), (6, 10)])  # 3 and 5 sites a row: a spare draw
def test_multispin_sweeps_give_the_cpu_bits(small_blocks, shape):
    m = IsingLattice(shape, beta=0.44)
    sched = np.linspace(0.2, 0.9, 5)
    kw = dict(n_chains=2, sampler="multispin", random_state=SEED, return_trace=True)
    cpu = m.sample(5, device="cpu", beta_schedule=sched, **kw)
    gpu = m.sample(5, device="cuda", beta_schedule=sched, **kw)
    assert gpu.spins.shape == (128, *shape)
    np.testing.assert_array_equal(gpu.spins, cpu.spins)
    np.testing.assert_array_equal(gpu.trace.energy, cpu.trace.energy)
    start = m.sample(0, device="cpu", **{**kw, "return_trace": False}).spins
    assert (start != cpu.spins).mean() > 0.1


@twin
def test_lattice_chains_from_the_registry_on_the_device(small_blocks):
    from pgm_ebm.samplers import get_sampler

    m = IsingLattice((4, 6), beta=0.3)
    move = get_sampler("metropolis", m)
    a = move.init(m, 2, random_state=SEED)
    b = move.init(m, 2, random_state=SEED, device="cuda")
    for beta in (0.1, 0.5):
        move.step(m, a, [beta, 2 * beta])
        move.step(m, b, [beta, 2 * beta])
    a.sync()
    b.sync()
    np.testing.assert_array_equal(a.spins, b.spins)
    np.testing.assert_array_equal(a.streams, b.streams)  # the streams came back advanced


def test_device_choice_and_errors(monkeypatch):
    assert resolve_device("cpu", "x") == "cpu"
    with pytest.raises(ValueError, match="device must be one of"):
        resolve_device("gpu", "x")
    with pytest.raises(ValueError, match="no path here"):
        resolve_device("cuda", "x", supported=False, why="no path here")
    assert resolve_device("auto", "x", supported=False) == "cpu"
    monkeypatch.setattr(_device, "cuda_status", lambda: (False, "no driver"))
    with pytest.raises(CUDAUnavailableError, match=r"no driver.*pgm_ebm\[cuda\]"):
        resolve_device("cuda", "x")
    assert resolve_device("auto", "x") == "cpu"  # quietly
    monkeypatch.setattr(_device, "cuda_status", lambda: (True, ""))
    monkeypatch.setattr(_device, "simulator", lambda: False)
    assert resolve_device("auto", "x") == "cuda"
    assert resolve_device("cuda", "x") == "cuda"
    monkeypatch.setattr(_device, "simulator", lambda: True)
    assert resolve_device("auto", "x") == "cpu"  # never the (slow) simulator


def test_lattice_device_errors_name_what_runs_where():
    m = IsingLattice((6, 6), boundary="open")
    with pytest.raises(ValueError, match="open boundaries.*run on the CPU"):
        m.sample(1, device="cuda")
    with pytest.raises(ValueError, match="device must be one of"):
        m.sample(1, device="gpu")
    r = m.sample(1, device="auto", random_state=SEED).spins  # falls back to the CPU
    np.testing.assert_array_equal(r, m.sample(1, device="cpu", random_state=SEED).spins)


@pytest.mark.parametrize("raw", ["0", "2000", "many"])
def test_threads_per_block_is_checked(monkeypatch, raw):
    from pgm_ebm.cuda import threads_per_block

    monkeypatch.setenv("PGM_EBM_CUDA_THREADS", raw)
    with pytest.raises(ValueError, match="PGM_EBM_CUDA_THREADS"):
        threads_per_block()


@pytest.mark.cuda
@real_gpu
@pytest.mark.parametrize("sampler", ["metropolis", "heatbath"])
def test_gpu_4x4_ising_against_its_density_of_states(sampler):
    from pgm_ebm.diagnostics import integrated_autocorr_time
    from pgm_ebm.partition import ising_exact as ex

    lv, g = ex.ising_density_of_states((4, 4))
    for beta in (0.3, 0.44, 0.6):
        m = IsingLattice((4, 4), beta=beta)
        res = m.sample(2000, n_chains=256, sampler=sampler, device="cuda", burn_in=200,
                       random_state=SEED, return_trace=True)  # fmt: skip
        w = g * np.exp(-beta * (lv - lv.min()))
        exact = (w * lv).sum() / w.sum()
        e = res.trace.energy
        tau = np.mean([integrated_autocorr_time(x) for x in e[:16]])
        se = e.std() * np.sqrt(tau / e.size)
        assert abs(e.mean() - exact) < 5 * se, (beta, e.mean(), exact, se)


@twin
def test_cli_device_cuda_gives_the_cpu_results(small_blocks, tmp_path, monkeypatch, capsys):
    from pgm_ebm import cli

    argv = ["ising", "simulate", "--size", "6", "--temps", "2.0,2.6", "--sweeps", "8",
            "--burn-in", "2", "--sampler", "heatbath", "--quiet", "--no-figures"]  # fmt: skip
    assert cli.main([*argv, "--device", "cpu", "--out", str(tmp_path / "c")]) == 0
    assert cli.main([*argv, "--device", "cuda", "--out", str(tmp_path / "g")]) == 0
    c = (tmp_path / "c" / "observables.csv").read_text()
    assert c == (tmp_path / "g" / "observables.csv").read_text()
    # without a GPU: one line naming what is missing and the extra, exit code 2
    monkeypatch.setattr(_device, "cuda_status", lambda: (False, "no NVIDIA driver"))
    capsys.readouterr()
    assert cli.main([*argv, "--device", "cuda", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pgm-ebm: error: ") and err.count("\n") == 1
    assert "no NVIDIA driver" in err and "pgm_ebm[cuda]" in err


@twin
def test_cli_trains_rbms_and_dbms_on_the_device(small_blocks, device_updates, tmp_path,
                                                monkeypatch, capsys):  # fmt: skip
    import json

    from pgm_ebm import DBM, BernoulliRBM, cli

    data = tmp_path / "data.npy"  # 12 features: the simulator runs each thread in Python
    np.save(data, (np.random.default_rng(SEED).random((30, 12)) < 0.3).astype(np.uint8))
    tiny = ["--data", str(data), "--eval-limit", "10", "--batch-size", "10", "--quiet",
            "--no-figures"]  # fmt: skip
    rbm = ["rbm", "fit", *tiny, "--n-components", "3", "--n-iter", "1"]
    assert cli.main([*rbm, "--out", str(tmp_path / "rc")]) == 0
    assert not device_updates
    assert cli.main([*rbm, "--device", "cuda", "--out", str(tmp_path / "rg")]) == 0
    assert len(device_updates) == 3  # one epoch of three batches on the device
    c, g = (BernoulliRBM.load(tmp_path / d / "model.npz") for d in ("rc", "rg"))
    np.testing.assert_allclose(g.components_, c.components_, rtol=1e-5, atol=1e-5)
    assert json.loads((tmp_path / "rg" / "metrics.json").read_text())["params"]["device"] == "cuda"
    # the GPU run resumes on the CPU
    assert cli.main([*rbm[:-1], "2", "--resume", "--device", "cpu", "--out",
                     str(tmp_path / "rg")]) == 0  # fmt: skip
    assert len(device_updates) == 3  # the second epoch ran on the CPU
    assert BernoulliRBM.load(tmp_path / "rg" / "model.npz").n_iter_ == 2
    dbm = ["dbm", "fit", *tiny, "--layers", "12,4,3", "--n-iter", "1", "--pretrain-iter", "1",
           "--n-chains", "4"]  # fmt: skip
    assert cli.main([*dbm, "--out", str(tmp_path / "dc")]) == 0
    assert cli.main([*dbm, "--device", "cuda", "--out", str(tmp_path / "dg")]) == 0
    assert len(device_updates) == 3 + 2 * 3  # two pretraining RBMs on the device
    c, g = (DBM.load(tmp_path / d / "model.npz") for d in ("dc", "dg"))
    np.testing.assert_allclose(g.weights_[0], c.weights_[0], rtol=1e-4, atol=1e-4)
    monkeypatch.setattr(_device, "cuda_status", lambda: (False, "no NVIDIA driver"))
    for argv in (rbm, dbm):
        capsys.readouterr()
        assert cli.main([*argv, "--device", "cuda", "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("pgm-ebm: error: ") and err.count("\n") == 1
        assert "no NVIDIA driver" in err and "pgm_ebm[cuda]" in err


@twin
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m", [7, 10])  # odd and even: the last draw's low half unused
def test_block_gibbs_draws_give_the_cpu_bits(small_blocks, dtype, m):
    from pgm_ebm._rng import seed_streams
    from pgm_ebm.cuda.block_gibbs import sample_bernoulli
    from pgm_ebm.kernels.block_gibbs import _sample_bernoulli

    r = np.random.default_rng(SEED)
    n = 11  # three blocks of 4 threads, the last one partly idle
    pre = (2 * r.standard_normal((n, m))).astype(dtype)
    bias = r.standard_normal(m).astype(dtype)
    streams = seed_streams(SEED, n)
    out = []
    for run in ("cpu", "cuda"):
        p, st, smp = pre.copy(), streams.copy(), np.zeros((n, m), dtype)
        for scale in (1.0, 0.37):  # twice: the streams carry over between calls
            p[:] = pre
            if run == "cpu":
                _sample_bernoulli(p, bias, st, smp, scale)
            else:
                sample_bernoulli(p, bias, st, smp, scale)
        out.append((p, st, smp))
    (p_cpu, st_cpu, s_cpu), (p_gpu, st_gpu, s_gpu) = out
    np.testing.assert_array_equal(st_cpu, st_gpu)
    if dtype == np.float64 and not _device.simulator():
        # a GPU's exp may round a float64 probability one ulp away from the host's libm
        np.testing.assert_allclose(p_gpu, p_cpu, rtol=1e-15, atol=0)
        assert (s_gpu != s_cpu).sum() <= 1
    else:
        np.testing.assert_array_equal(p_gpu, p_cpu)
        np.testing.assert_array_equal(s_gpu, s_cpu)
    assert 0 < s_cpu.mean() < 1 and not np.array_equal(st_cpu, streams)


@twin
def test_parallel_tempering_on_the_device_gives_the_cpu_bits(small_blocks):
    m = IsingLattice((4, 6), h=0.1)
    betas = [0.2, 0.35, 0.5]
    kw = dict(random_state=SEED, burn_in=2, swap_every=1)
    cpu = m.parallel_tempering(betas, 6, device="cpu", **kw)
    gpu = m.parallel_tempering(betas, 6, device="cuda", **kw)
    np.testing.assert_array_equal(gpu.spins, cpu.spins)
    np.testing.assert_array_equal(gpu.trace.energy, cpu.trace.energy)
    np.testing.assert_array_equal(gpu.info["swap_acceptance"], cpu.info["swap_acceptance"])
    with pytest.raises(ValueError, match="run on the CPU"):
        IsingLattice((4, 6)).parallel_tempering(betas, 2, sampler="wolff", device="cuda")


@twin
@pytest.mark.parametrize("sampler", ["metropolis", "heatbath"])
def test_spin_glass_annealing_on_the_device_gives_the_cpu_bits(small_blocks, sampler):
    from pgm_ebm.models.boltzmann import spin_glass

    glass = spin_glass((5, 6), random_state=SEED)  # +-J couplings: the integer kernel
    sched = np.geomspace(0.1, 3.0, 60)  # two chunks of sweeps: the chains stay on the device
    kw = dict(n_chains=6, sampler=sampler, beta_schedule=sched, random_state=SEED,
              return_trace=True)  # fmt: skip
    cpu = glass.sample(60, device="cpu", **kw)
    gpu = glass.sample(60, device="cuda", **kw)
    np.testing.assert_array_equal(gpu.spins, cpu.spins)
    np.testing.assert_array_equal(gpu.trace.energy, cpu.trace.energy)
    np.testing.assert_array_equal(gpu.trace.magnetization, cpu.trace.magnetization)
    assert cpu.trace.energy[:, -1].mean() < cpu.trace.energy[:, 0].mean()  # it annealed


@twin
@pytest.mark.parametrize(
    "units, layout, sampler, record",
    [
        ("binary", "dense", "heatbath", True),  # a dense J: read as rows on the device
        ("spin", "sparse", "metropolis", True),  # CSR
        ("spin", "dense", "heatbath", False),  # beta = 1, no trace: the classic Gibbs scan
        ("binary", "sparse", "metropolis", False),
    ],
)
def test_colored_sweeps_of_real_couplings_give_the_cpu_bits(small_blocks, monkeypatch, units,
                                                            layout, sampler, record):  # fmt: skip
    import scipy.sparse as sp

    from pgm_ebm.cuda import gibbs
    from pgm_ebm.models.boltzmann import BoltzmannMachine
    from pgm_ebm.samplers.pairwise import arrays_of

    calls = []
    real = gibbs.ColoredChains.sweeps
    monkeypatch.setattr(gibbs.ColoredChains, "sweeps",
                        lambda self, *a: calls.append(self.layout) or real(self, *a))  # fmt: skip
    rng = np.random.default_rng(SEED)
    J = np.triu(rng.normal(0, 0.8, (9, 9)), 1)
    J[np.abs(J) < 0.3] = 0.0
    J = J + J.T
    m = BoltzmannMachine(J if layout == "dense" else sp.csr_matrix(J), rng.normal(0, 0.4, 9),
                         units=units)  # fmt: skip
    assert arrays_of(m)[0] == layout and m.n_colors > 1
    n_sweeps = 60 if record else 7  # 60: two chunks, the chains stay on the device
    start_kw = dict(n_chains=5, scan="colored", random_state=SEED)
    kw = dict(start_kw)
    if record or sampler != "heatbath":
        kw.update(sampler=sampler, beta_schedule=np.geomspace(0.2, 2.0, n_sweeps),
                  return_trace=record)  # fmt: skip
    cpu = m.sample(n_sweeps, device="cpu", **kw)
    gpu = m.sample(n_sweeps, device="cuda", **kw)
    assert calls and set(calls) == {"csr" if layout == "sparse" else "dense"}
    np.testing.assert_array_equal(gpu.spins, cpu.spins)
    start = m.sample(0, **start_kw).spins
    assert (start != cpu.spins).mean() > 0.1  # the sweeps moved the chains
    if record:
        np.testing.assert_array_equal(gpu.trace.energy, cpu.trace.energy)
        np.testing.assert_array_equal(gpu.trace.magnetization, cpu.trace.magnetization)
        np.testing.assert_allclose(cpu.trace.energy[:, -1], m.energy(cpu.spins), atol=1e-12)


@pytest.mark.cuda
@real_gpu
@pytest.mark.parametrize("sampler", ["metropolis", "heatbath"])
def test_gpu_colored_sweeps_sample_p_beta(sampler):
    """On the GPU (its own exp): 4,000 chains of a 7-unit model after 200 coloured sweeps at
    beta = 0.7, every mean within 5 standard errors of the exact one (enumeration)."""
    from pgm_ebm.models.boltzmann import BoltzmannMachine

    rng = np.random.default_rng(SEED)
    J = np.triu(rng.normal(0, 0.6, (7, 7)), 1)
    J = J + J.T
    b = rng.normal(0, 0.3, 7)
    m = BoltzmannMachine(J, b, units="spin")
    mu = BoltzmannMachine(0.7 * J, 0.7 * b, units="spin").moments()[0]
    X = m.sample(200, n_chains=4000, scan="colored", sampler=sampler, beta=0.7,
                 random_state=SEED, device="cuda").spins  # fmt: skip
    se = np.sqrt((1 - mu**2) / len(X))
    assert np.all(np.abs(X.mean(0) - mu) < 5 * se)


@twin
def test_spin_glass_chains_from_the_registry_on_the_device(small_blocks):
    from pgm_ebm.models.boltzmann import spin_glass
    from pgm_ebm.samplers import get_sampler

    glass = spin_glass((4, 5), random_state=SEED)
    for name in ("metropolis", "heatbath"):
        move = get_sampler(name, glass)
        a = move.init(glass, 3, random_state=SEED)
        b = move.init(glass, 3, random_state=SEED, device="cuda")
        start = a.spins.copy()
        for beta in (0.2, 0.7, 1.5):
            move.step(glass, a, [beta, 2 * beta, 0.5 * beta])
            move.step(glass, b, [beta, 2 * beta, 0.5 * beta])
        np.testing.assert_array_equal(b.spins, start)  # on the device until sync
        a.sync()
        b.sync()
        np.testing.assert_array_equal(b.spins, a.spins)
        np.testing.assert_array_equal(b.streams, a.streams)
        assert (a.spins != start).any()


def test_pairwise_device_errors_name_what_runs_where():
    from pgm_ebm.models.boltzmann import BoltzmannMachine

    rng = np.random.default_rng(SEED)
    J = rng.standard_normal((6, 6))
    m = BoltzmannMachine((J + J.T) / 2 * (1 - np.eye(6)), np.zeros(6), units="spin")
    with pytest.raises(ValueError, match="integer couplings"):
        m.sample(2, sampler="metropolis", beta=1.0, device="cuda")
    with pytest.raises(ValueError, match="scan='colored'"):  # the way to the GPU for them
        m.sample(2, scan="random", device="cuda")
    from pgm_ebm.samplers import get_sampler

    with pytest.raises(ValueError, match="integer couplings"):
        get_sampler("metropolis", m).init(m, 2, device="cuda")
    a = m.sample(2, sampler="metropolis", beta=1.0, device="auto", random_state=SEED)
    b = m.sample(2, sampler="metropolis", beta=1.0, device="cpu", random_state=SEED)
    np.testing.assert_array_equal(a.spins, b.spins)  # auto: the CPU, quietly


@twin
def test_spin_glass_parallel_tempering_on_the_device_gives_the_cpu_bits(small_blocks):
    from pgm_ebm.models.boltzmann import spin_glass

    glass = spin_glass((4, 5), random_state=SEED)
    kw = dict(sampler="metropolis", random_state=SEED, burn_in=3, swap_every=2)
    betas = [0.3, 0.6, 1.0, 1.6]
    cpu = glass.parallel_tempering(betas, 12, device="cpu", **kw)
    gpu = glass.parallel_tempering(betas, 12, device="cuda", **kw)
    np.testing.assert_array_equal(gpu.spins, cpu.spins)
    np.testing.assert_array_equal(gpu.trace.energy, cpu.trace.energy)
    np.testing.assert_array_equal(gpu.info["swap_acceptance"], cpu.info["swap_acceptance"])
    assert cpu.info["swap_acceptance"].max() > 0  # swaps happened


@pytest.fixture
def device_updates(monkeypatch):
    """Counts the updates that ran in the CUDA trainer (a silent CPU fallback would pass the
    comparisons with the CPU trivially)."""
    from pgm_ebm.cuda import rbm

    calls = []
    real = rbm.RBMTrainer.update

    def update(self, *a, **kw):
        calls.append(1)
        return real(self, *a, **kw)

    monkeypatch.setattr(rbm.RBMTrainer, "update", update)
    return calls


def _rbm_pair(X, dtype, **kw):
    from pgm_ebm import BernoulliRBM

    params = dict(n_components=5, batch_size=10, learning_rate=0.1, random_state=SEED,
                  dtype=dtype, **kw)  # fmt: skip
    return BernoulliRBM(device="cpu", **params), BernoulliRBM(device="cuda", **params)


def _assert_same_training(cpu, gpu, rtol):
    for name in ("components_", "intercept_visible_", "intercept_hidden_"):
        np.testing.assert_allclose(getattr(gpu, name), getattr(cpu, name), rtol=rtol, atol=rtol)
    np.testing.assert_array_equal(gpu.h_samples_, cpu.h_samples_)  # the same draws
    np.testing.assert_array_equal(gpu._streams, cpu._streams)
    for a, b in zip(gpu._velocity, cpu._velocity, strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


#: PCD-2, momentum, weight decay, centering, a decaying rate: every branch of _update
_EVERY_BRANCH = dict(method="pcd", k=2, momentum=0.5, weight_decay=1e-3, centering=True,
                     lr_schedule="linear")  # fmt: skip


@twin
@pytest.mark.parametrize(
    "dtype, kw",
    [
        ("float64", _EVERY_BRANCH),
        ("float32", dict(method="cd", k=1, n_chains=None)),  # CD, no momentum: WT += G
    ],
)
def test_rbm_training_on_the_device_follows_the_cpu(small_blocks, device_updates, tmp_path, dtype,
                                                    kw):  # fmt: skip
    X = (np.random.default_rng(SEED).random((25, 12)) < 0.3).astype(np.uint8)  # 3 batches
    cpu, gpu = _rbm_pair(X, dtype, n_iter=2, **kw)
    cpu.fit(X)
    # one epoch on the device, checkpointed, then resumed there for the second
    ckpt = tmp_path / "rbm.npz"
    _rbm_pair(X, dtype, n_iter=1, **kw)[1].fit(X, checkpoint=ckpt)
    shutil.copy(ckpt, tmp_path / "one_epoch.npz")
    gpu.fit(X, checkpoint=ckpt, resume=True)
    assert gpu.n_iter_ == 2 and len(gpu.history_) == 2 and len(device_updates) == 6
    # the products sum in another order than BLAS: equal to rounding, the draws identical
    _assert_same_training(cpu, gpu, 1e-12 if dtype == "float64" else 1e-5)
    if kw.get("centering"):
        np.testing.assert_allclose(gpu.offset_hidden_, cpu.offset_hidden_, rtol=1e-12)
    start = _rbm_pair(X, dtype, n_iter=0, **kw)[0].fit(X)
    assert np.abs(cpu.components_ - start.components_).max() > 1e-4  # it did train
    # a run checkpointed on the GPU resumes on the CPU (the device is not part of the model)
    moved = _rbm_pair(X, dtype, n_iter=2, **kw)[0]
    moved.fit(X, checkpoint=tmp_path / "one_epoch.npz", resume=True)
    assert moved.n_iter_ == 2
    _assert_same_training(cpu, moved, 1e-12 if dtype == "float64" else 1e-5)


@twin
def test_rbm_partial_fit_and_layer_scales_on_the_device(small_blocks, device_updates):
    X = (np.random.default_rng(SEED).random((14, 12)) < 0.4).astype(np.uint8)
    cpu, gpu = _rbm_pair(X, "float64", momentum=0.3)
    for batch in (X[:9], X[9:]):  # the first call initialises, the second continues
        cpu.partial_fit(batch)
        gpu.partial_fit(batch)
    _assert_same_training(cpu, gpu, 1e-12)
    assert len(device_updates) == 2
    # the DBM pretraining's doubled inputs (expfam.stack_rbms)
    cpu, gpu = _rbm_pair(X, "float64", n_iter=1, k=2)
    cpu.fit(X, layer_scales=(2.0, 1.0))
    gpu.fit(X, layer_scales=(2.0, 1.0))
    _assert_same_training(cpu, gpu, 1e-12)


def test_rbm_device_cuda_without_a_gpu_says_what_is_missing(monkeypatch):
    from pgm_ebm import BernoulliRBM

    X = np.zeros((4, 3))
    monkeypatch.setattr(_device, "cuda_status", lambda: (False, "no NVIDIA driver"))
    with pytest.raises(CUDAUnavailableError, match=r"BernoulliRBM.fit.*pgm_ebm\[cuda\]"):
        BernoulliRBM(2, device="cuda").fit(X)
    assert BernoulliRBM(2, n_iter=1, device="auto").fit(X).n_iter_ == 1  # the CPU, quietly


@twin
def test_rbm_ais_on_the_device_gives_the_cpu_log_weights(small_blocks):
    from pgm_ebm.partition.ais import rbm_ais, rbm_reverse_ais

    r = np.random.default_rng(SEED)
    W, c = r.normal(0, 0.4, (5, 12)), r.normal(0, 0.3, 5)
    b, bA = r.normal(0, 0.5, 12), r.normal(0, 0.5, 12)
    # small steps first (the Taylor series of the increments), then large ones (exact
    # float64 softplus differences): both branches of the hidden step
    sched = np.concatenate([np.linspace(0, 0.02, 7), np.linspace(0.02, 1, 7)[1:]])
    kw = dict(schedule=sched, base_bias=bA, random_state=SEED, collapse_every=None)
    cpu = rbm_ais(W, b, c, n_chains=6, **kw)
    gpu = rbm_ais(W, b, c, n_chains=6, device="cuda", **kw)
    V0 = (r.random((5, 12)) < 0.5).astype(float)
    cpu_r = rbm_reverse_ais(W, b, c, V0, **kw)
    gpu_r = rbm_reverse_ais(W, b, c, V0, device="cuda", **{**kw, "collapse_every": "auto"})
    assert gpu.settings["device"] == gpu_r.settings["device"] == "cuda"
    assert gpu_r.settings["collapse_every"] is None  # "auto" means none on the GPU
    tol = 0 if _device.simulator() else 1e-5  # a GPU may fuse the series' multiply-adds
    for a, g in ((cpu, gpu), (cpu_r, gpu_r)):
        assert abs(a.log_z - g.log_z) <= tol, (a.log_z, g.log_z)
        assert abs(a.diagnostics["log_w_std"] - g.diagnostics["log_w_std"]) <= tol
    assert cpu.diagnostics["log_w_std"] > 0  # the weights vary: the chains moved
    with pytest.raises(ValueError, match="collapse_every"):
        rbm_ais(W, b, c, n_chains=2, device="cuda", **{**kw, "collapse_every": 5})


@pytest.mark.cuda
@real_gpu
def test_gpu_rbm_ais_and_training_against_exact_values():
    from pgm_ebm import BernoulliRBM
    from pgm_ebm.partition import rbm_log_partition_exact

    X = (np.random.default_rng(SEED).random((500, 16)) < 0.3).astype(np.uint8)
    rbm = BernoulliRBM(8, n_iter=20, learning_rate=0.1, random_state=SEED, device="cuda").fit(X)
    exact = rbm_log_partition_exact(*rbm._params()).log_z
    est = rbm.log_partition("ais", n_chains=1000, schedule=np.linspace(0, 1, 2001),
                            random_state=SEED, device="cuda")  # fmt: skip
    half = (est.interval[1] - est.interval[0]) / 2
    assert abs(est.log_z - exact) < 5 * half / 1.96, (est.log_z, exact, half)
    cpu = BernoulliRBM(8, n_iter=20, learning_rate=0.1, random_state=SEED).fit(X)
    np.testing.assert_allclose(rbm.components_, cpu.components_, atol=1e-3)


@twin
def test_dbm_ais_on_the_device_gives_the_cpu_estimate(small_blocks):
    from pgm_ebm import DBM
    from pgm_ebm.partition.ais import rbm_ais

    X = (np.random.default_rng(SEED).random((60, 8)) < 0.3).astype(float)
    dbm = DBM([8, 5, 3], n_iter=2, pretrain_iter=1, n_chains=4, random_state=SEED).fit(X)
    sched = np.linspace(0, 1, 9)
    gpu = dbm.log_partition("ais", n_chains=5, schedule=sched, random_state=SEED, device="cuda")
    base = np.concatenate([dbm.base_rate_logit_[0], dbm.base_rate_logit_[2]])
    cpu = rbm_ais(*dbm.bipartite(), n_chains=5, schedule=sched, base_bias=base,
                  random_state=SEED, collapse_every=None)  # fmt: skip
    assert gpu.settings["device"] == "cuda"
    assert abs(gpu.log_z - cpu.log_z) <= (0 if _device.simulator() else 1e-5)
    rev = dbm.log_partition("reverse-ais", schedule=sched, random_state=SEED, device="cuda")
    assert rev.settings["device"] == "cuda" and np.isfinite(rev.log_z)


@twin
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_rbm_block_gibbs_on_the_device_follows_the_cpu(small_blocks, dtype):
    from pgm_ebm import BernoulliRBM
    from pgm_ebm.samplers import get_sampler

    X = (np.random.default_rng(SEED).random((40, 10)) < 0.3).astype(np.uint8)
    rbm = BernoulliRBM(4, n_iter=3, learning_rate=0.2, random_state=SEED, dtype=dtype).fit(X)
    kw = dict(n_steps=4, return_probabilities=True, random_state=SEED)
    cpu_s, cpu_p = rbm.sample(5, **kw)
    gpu_s, gpu_p = rbm.sample(5, device="cuda", **kw)
    np.testing.assert_array_equal(gpu_s, cpu_s)
    np.testing.assert_allclose(gpu_p, cpu_p, rtol=1e-12 if dtype == "float64" else 1e-5)
    # through the registry at another temperature: the states stay on the device until sync
    move = get_sampler("block-gibbs", rbm)
    a = move.init(rbm, 3, random_state=SEED)
    b = move.init(rbm, 3, random_state=SEED, device="cuda")
    for state in (a, b):
        for beta in (0.5, 0.5, 1.0):
            move.step(rbm, state, [beta] * 3)
        state.sync()
    np.testing.assert_array_equal(b.spins, a.spins)
    np.testing.assert_array_equal(b.streams, a.streams)
    assert not np.array_equal(a.streams, move.init(rbm, 3, random_state=SEED).streams)


@twin
def test_dbm_block_gibbs_on_the_device_follows_the_cpu(small_blocks):
    from pgm_ebm import DBM
    from pgm_ebm.samplers import get_sampler

    X = (np.random.default_rng(SEED).random((60, 8)) < 0.3).astype(float)
    params = dict(n_iter=2, pretrain_iter=1, n_chains=4, random_state=SEED, dtype="float64")
    dbm = DBM([8, 5, 3, 4], **params).fit(X)  # three hidden layers: a middle odd and even
    cpu = dbm.sample(4, n_steps=3, random_state=SEED)
    np.testing.assert_array_equal(dbm.sample(4, n_steps=3, random_state=SEED, device="cuda"), cpu)
    move = get_sampler("block-gibbs", dbm)
    a = move.init(dbm, 3, random_state=SEED)
    b = move.init(dbm, 3, random_state=SEED, device="cuda")
    for state in (a, b):
        for beta in (0.4, 1.0):
            move.step(dbm, state, [beta] * 3)
        state.sync()
    for la, lb in zip(a.work["layers"], b.work["layers"], strict=True):
        np.testing.assert_array_equal(lb, la)
    np.testing.assert_array_equal(b.streams, a.streams)


@twin
def test_dbm_pretraining_runs_on_the_device(small_blocks, device_updates):
    from pgm_ebm import DBM

    X = (np.random.default_rng(SEED).random((25, 9)) < 0.3).astype(float)
    params = dict(n_iter=0, pretrain_iter=2, batch_size=10, random_state=SEED)
    cpu = DBM([9, 5, 3], **params).fit(X)
    assert not device_updates
    gpu = DBM([9, 5, 3], **params, device="cuda").fit(X)
    assert len(device_updates) == 2 * 2 * 3  # two RBMs, two epochs of three batches each
    # float32 RBMs whose products sum in another order than BLAS: equal to float32 rounding
    for name in ("weights_", "biases_"):
        for a, b in zip(getattr(gpu, name), getattr(cpu, name), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert np.abs(cpu.weights_[1]).max() > 1e-2  # pretrained, not the small random start


@twin
@pytest.mark.parametrize(
    "sizes, kw",
    [
        ([10, 6, 4], dict(centering=True, momentum=0.5, weight_decay=1e-3, k=2, max_iter=4)),
        ([8, 5, 3, 4], dict(centering=False, momentum=0.0, max_iter=3)),  # a middle layer
    ],
)
def test_dbm_training_on_the_device_follows_the_cpu(small_blocks, tmp_path, sizes, kw):
    from pgm_ebm import DBM

    X = (np.random.default_rng(SEED).random((25, sizes[0])) < 0.3).astype(float)
    # no pretraining: it runs in float32 (test below), which would hide float64 agreement
    params = dict(n_iter=2, pretrain_iter=0, n_chains=4, batch_size=10, learning_rate=0.05,
                  dtype="float64", random_state=SEED, **kw)  # fmt: skip
    cpu = DBM(sizes, **params).fit(X)
    ckpt = tmp_path / "dbm.npz"
    DBM(sizes, **{**params, "n_iter": 1}, device="cuda").fit(X, checkpoint=ckpt)
    gpu = DBM(sizes, **params, device="cuda").fit(X, checkpoint=ckpt, resume=True)
    assert gpu.n_iter_ == 2 and gpu._train_device == "cuda"
    for name in ("weights_", "biases_", "offsets_"):
        for a, b in zip(getattr(gpu, name), getattr(cpu, name), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    for a, b in zip(gpu.chains_, cpu.chains_, strict=True):
        np.testing.assert_array_equal(a, b)  # the same draws
    np.testing.assert_array_equal(gpu._streams, cpu._streams)
    for hg, hc in zip(gpu.history_, cpu.history_, strict=True):
        assert (hg["mf_iter_mean"], hg["mf_converged"]) == (hc["mf_iter_mean"], hc["mf_converged"])
    start = DBM(sizes, **{**params, "n_iter": 0}).fit(X)
    assert np.abs(cpu.weights_[0] - start.weights_[0]).max() > 1e-4  # it did train
    # partial_fit on the device continues as on the CPU
    gpu.partial_fit(X[:7])
    cpu.partial_fit(X[:7])
    np.testing.assert_allclose(gpu.weights_[1], cpu.weights_[1], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(gpu._streams, cpu._streams)
