import numpy as np
import pytest
from conftest import SEED, assert_same_output_with_jit_off, outputs_with_one_and_two_threads
from scipy import stats

from pgm_ebm import IsingLattice
from pgm_ebm.partition import ising_exact as ex

SAMPLERS = ["metropolis", "heatbath", "wolff", "swendsen-wang", "multispin"]


# ----------------------------------------------------------------------------- exact results
def _brute_log_z(shape, beta, J=1.0, h=0.0, boundary="periodic"):
    """Independent brute force: loops over states and bonds written out by hand (2D)."""
    L1, L2 = shape
    hv = np.broadcast_to(np.asarray(h, float), shape)
    logs = []
    for k in range(2 ** (L1 * L2)):
        s = np.array([1 if (k >> b) & 1 else -1 for b in range(L1 * L2)]).reshape(shape)
        e = 0.0
        for i in range(L1):
            for j in range(L2):
                if boundary == "periodic" or i + 1 < L1:
                    if L1 > 1:
                        e -= J * s[i, j] * s[(i + 1) % L1, j]
                if boundary == "periodic" or j + 1 < L2:
                    if L2 > 1:
                        e -= J * s[i, j] * s[i, (j + 1) % L2]
                e -= hv[i, j] * s[i, j]
        logs.append(-beta * e)
    return float(np.logaddexp.reduce(logs))


@pytest.mark.parametrize("shape", [(2, 2), (2, 3), (3, 3), (3, 4), (4, 3)])
@pytest.mark.parametrize("beta", [0.1, 0.44, 1.3])
def test_exact_methods_agree_with_brute_force(shape, beta):
    brute = _brute_log_z(shape, beta)
    for got in (
        ex.ising_log_partition_enumerate(shape, beta).log_z,
        ex.kaufman_log_partition(shape, beta).log_z,
        ex.transfer_matrix_log_partition(shape, beta).log_z,
        IsingLattice(shape, beta=beta).log_partition().log_z,
    ):
        np.testing.assert_allclose(got, brute, rtol=1e-10)
    h = 0.3
    np.testing.assert_allclose(
        ex.transfer_matrix_log_partition(shape, beta, h=h).log_z,
        _brute_log_z(shape, beta, h=h),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        ex.transfer_matrix_log_partition(shape, beta, h=h, boundary="open").log_z,
        _brute_log_z(shape, beta, h=h, boundary="open"),
        rtol=1e-10,
    )


def test_kaufman_large_torus_matches_onsager():
    # above T_c the finite torus converges fast; below it the two ordered phases add ln2/N
    L = 256
    for beta in (0.2, 0.3):
        np.testing.assert_allclose(
            ex.kaufman_log_partition((L, L), beta).log_z / L**2,
            ex.onsager_log_partition_per_site(beta),
            rtol=1e-10,
        )
    beta = 0.6
    diff = ex.kaufman_log_partition((L, L), beta).log_z - L**2 * ex.onsager_log_partition_per_site(
        beta
    )
    np.testing.assert_allclose(diff, np.log(2), rtol=1e-6)


def test_onsager_energy_at_and_around_the_critical_point():
    """u(beta_c) = -sqrt(2) J exactly; within 1e-8 of beta_c the elliptic integral diverges
    (k^2 rounds to 1) and the old formula gave NaN or -inf; u is continuous there, checked
    against the derivative of log Z (Onsager's integral) a little way off."""
    assert ex.onsager_energy_per_site(ex.BETA_C) == pytest.approx(-np.sqrt(2), rel=1e-14)
    for d in (1e-15, 1e-12, 1e-10, 1e-8, -1e-8, -1e-12):
        u = ex.onsager_energy_per_site(ex.BETA_C + d)
        assert np.isfinite(u) and abs(u + np.sqrt(2)) < 1e-5, (d, u)
    betas = ex.BETA_C + np.array([-1e-3, -1e-6, 0.0, 1e-6, 1e-3])
    assert np.all(np.isfinite(ex.onsager_energy_per_site(betas)))
    for b in (ex.BETA_C - 1e-3, ex.BETA_C + 1e-3):
        h = 1e-6
        num = -(
            ex.onsager_log_partition_per_site(b + h) - ex.onsager_log_partition_per_site(b - h)
        ) / (2 * h)
        assert ex.onsager_energy_per_site(b) == pytest.approx(num, abs=1e-6)
    # any finite beta: the ground state
    assert ex.onsager_energy_per_site(1e300) == -2.0
    assert ex.yang_magnetization(1e300) == 1.0


@pytest.mark.parametrize("beta", [1e3, 1e6, 1e100])
def test_kaufman_at_huge_beta(beta):
    """log Z -> 2 N beta + log 2 (the two ground states); enumeration agrees on 4 x 4."""
    r = ex.kaufman_log_partition((4, 4), beta)
    assert r.log_z == pytest.approx(32 * beta + np.log(2), rel=1e-15)
    if beta <= 1e6:
        assert r.log_z == pytest.approx(
            ex.ising_log_partition_enumerate((4, 4), beta).log_z, rel=1e-15
        )


def test_kaufman_beyond_float64_says_so():
    with pytest.raises(ValueError, match="float64 range"):
        ex.kaufman_log_partition((10**3, 10**3), 1e305)


def test_onsager_values_and_derivative():
    assert ex.onsager_energy_per_site(0.5) == pytest.approx(-1.7456, abs=5e-5)
    assert ex.yang_magnetization(0.5) == pytest.approx(0.9113, abs=5e-5)
    assert ex.onsager_energy_per_site(1 / 3) == pytest.approx(-0.8173, abs=5e-5)
    assert ex.yang_magnetization(0.3) == 0.0
    b, d = 0.37, 1e-5  # u = -d(log Z / N)/d beta
    num = -(ex.onsager_log_partition_per_site(b + d) - ex.onsager_log_partition_per_site(b - d)) / (
        2 * d
    )
    assert num == pytest.approx(ex.onsager_energy_per_site(b), abs=1e-7)


def test_energy_local_field_and_magnetization_by_hand(rng):
    h = rng.normal(size=(3, 4))
    m = IsingLattice((3, 4), J=0.7, h=h, beta=0.5, boundary="open")
    s = rng.choice([-1, 1], size=(3, 4)).astype(np.int8)
    e = 0.0
    for i in range(3):
        for j in range(4):
            if i + 1 < 3:
                e -= 0.7 * s[i, j] * s[i + 1, j]
            if j + 1 < 4:
                e -= 0.7 * s[i, j] * s[i, j + 1]
            e -= h[i, j] * s[i, j]
    assert m.energy(s) == pytest.approx(e, rel=1e-12)
    lf = m.local_field(s)
    assert lf[1, 1] == pytest.approx(0.7 * (s[0, 1] + s[2, 1] + s[1, 0] + s[1, 2]) + h[1, 1])
    assert lf[0, 0] == pytest.approx(0.7 * (s[1, 0] + s[0, 1]) + h[0, 0])
    assert m.magnetization(s) == int(s.sum())
    # 1D and 3D energies against enumeration's table
    for shape in [(7,), (2, 2, 3)]:
        lat = IsingLattice(shape, beta=0.3)
        E = ex.ising_energies_all_states(shape)
        k = 37
        n = int(np.prod(shape))
        st = np.array([1 if (k >> (n - 1 - b)) & 1 else -1 for b in range(n)], np.int8).reshape(
            shape
        )
        assert lat.energy(st) == pytest.approx(E[k])


# ----------------------------------------------------------------------------- samplers vs exact
def _dos_pvalue(shape, beta, energies, boundary="periodic"):
    lv, g = ex.ising_density_of_states(shape, boundary=boundary)
    w = g * np.exp(-beta * (lv - lv.min()))
    p = w / w.sum()
    idx = np.searchsorted(lv, np.round(energies, 9))
    counts = np.bincount(idx, minlength=len(lv))
    expected = p * len(energies)
    keep = expected >= 5
    c = np.r_[counts[keep], counts[~keep].sum()]
    e = np.r_[expected[keep], expected[~keep].sum()]
    return stats.chisquare(c, e).pvalue


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_energy_histogram_matches_exact_density_of_states(sampler):
    """4x4 torus: final states of independent chains, chi-square against g(E) e^(-beta E) / Z."""
    m = IsingLattice((4, 4), beta=0.4)
    S = m.sample(60, n_chains=4000, sampler=sampler, random_state=SEED, burn_in=20).spins
    if sampler == "multispin":
        S = S[::64]  # one replica per word: the 64 replicas of a word share random numbers
    assert _dos_pvalue((4, 4), 0.4, m.energy(S)) > 1e-3


@pytest.mark.parametrize("sampler", ["metropolis", "heatbath"])
def test_open_boundaries_and_field_sample_the_exact_distribution(sampler):
    h = np.array([[0.3, -0.2, 0.1], [0.0, 0.5, -0.4], [0.2, 0.2, -0.1]])
    m = IsingLattice((3, 3), beta=0.6, h=h, boundary="open")
    S = m.sample(40, n_chains=6000, sampler=sampler, random_state=SEED, burn_in=10).spins
    E = ex.ising_energies_all_states((3, 3), h=h, boundary="open")
    p = np.exp(-0.6 * (E - E.min()))
    p /= p.sum()
    idx = (S.reshape(len(S), -1) > 0).astype(int) @ (1 << np.arange(8, -1, -1))
    counts = np.bincount(idx, minlength=512)
    exp = p * len(S)
    keep = exp >= 5
    pval = stats.chisquare(
        np.r_[counts[keep], counts[~keep].sum()], np.r_[exp[keep], exp[~keep].sum()]
    ).pvalue
    assert pval > 1e-3


def test_chi_square_detects_a_wrong_temperature():
    """The histogram test can fail: samples at beta = 0.5 are rejected against beta = 0.4."""
    m = IsingLattice((4, 4), beta=0.5)
    S = m.sample(60, n_chains=4000, random_state=SEED, burn_in=20).spins
    assert _dos_pvalue((4, 4), 0.4, m.energy(S)) < 1e-6


def test_1d_and_3d_sample_their_exact_distribution():
    for shape in [(8,), (2, 2, 4)]:
        for sampler in ("metropolis", "wolff"):
            m = IsingLattice(shape, beta=0.5)
            S = m.sample(40, n_chains=4000, sampler=sampler, random_state=SEED, burn_in=10).spins
            assert _dos_pvalue(shape, 0.5, m.energy(S)) > 1e-3, (shape, sampler)


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["metropolis", "heatbath", "wolff", "swendsen-wang"])
def test_64x64_against_onsager_and_yang(sampler):
    """Energy per spin and |m| within 3 standard errors of the infinite-lattice values."""
    for T, check_m in ((2.0, True), (3.0, False)):
        beta = 1 / T
        m = IsingLattice((64, 64), beta=beta)
        res = m.sample(
            1500,
            n_chains=4,
            sampler=sampler,
            random_state=SEED,
            burn_in=300,
            init="up",
            return_trace=True,
        )
        obs = res.trace.observables()
        e, se = obs["energy"]
        u = ex.onsager_energy_per_site(beta)
        print(
            f"{sampler} T={T}: e = {e:.5f} +/- {se:.5f} (exact {u:.5f}); "
            f"|m| = {obs['abs_m'][0]:.5f} +/- {obs['abs_m'][1]:.5f}"
        )
        assert abs(e - u) < 3 * se, (e, se, u)
        if check_m:
            am, sm = obs["abs_m"]
            assert abs(am - ex.yang_magnetization(beta)) < 3 * sm, (am, sm)


@pytest.mark.slow
def test_wolff_decorrelates_10x_faster_than_metropolis_near_tc():
    beta = ex.BETA_C
    m = IsingLattice((64, 64), beta=beta)
    taus = {}
    for sampler, n in (("metropolis", 12000), ("wolff", 1500)):
        res = m.sample(
            n, n_chains=4, sampler=sampler, random_state=SEED, burn_in=1000, return_trace=True
        )
        taus[sampler] = res.trace.observables()["tau_abs_m"]
    print(
        f"tau_int(|m|) at T_c on 64x64: Metropolis {taus['metropolis']:.1f} sweeps, "
        f"Wolff {taus['wolff']:.2f} sweeps, ratio {taus['metropolis'] / taus['wolff']:.0f}"
    )
    assert taus["metropolis"] >= 10 * taus["wolff"]


def test_parallel_tempering_samples_each_temperature():
    m = IsingLattice((4, 4))
    betas = np.array([0.2, 0.3, 0.4, 0.5])
    res = m.parallel_tempering(betas, 6000, random_state=SEED, burn_in=200)
    acc = res.info["swap_acceptance"]
    assert acc.shape == (3,) and np.all((acc > 0.05) & (acc < 1))
    lv, g = ex.ising_density_of_states((4, 4))
    for k, b in enumerate(betas):
        w = g * np.exp(-b * (lv - lv.min()))
        mean = (w * lv).sum() / w.sum()
        e = res.trace.energy[k]
        se = e.std() * np.sqrt(
            __import__("pgm_ebm").diagnostics.integrated_autocorr_time(e) / len(e)
        )
        assert abs(e.mean() - mean) < 5 * se, (b, e.mean(), mean, se)


def test_annealing_reaches_the_ground_state():
    m = IsingLattice((16, 16))
    sched = np.linspace(0.1, 3.0, 300)
    res = m.sample(300, n_chains=2, random_state=SEED, beta_schedule=sched, return_trace=True)
    assert res.trace.energy[:, -1].max() / 256 <= -1.9  # ground state: -2 per spin
    assert res.trace.energy[:, 0].mean() / 256 > -1.0


# ----------------------------------------------------------------------------- determinism
@pytest.mark.parametrize("sampler", SAMPLERS)
def test_same_bits_with_one_or_two_threads(sampler):
    one, two = outputs_with_one_and_two_threads(
        lambda: (
            IsingLattice((16, 12), beta=0.4)
            .sample(5, n_chains=3, sampler=sampler, random_state=SEED)
            .spins
        )
    )
    np.testing.assert_array_equal(one, two)


def test_same_bits_with_jit_off():
    code = (
        "import numpy as np\n"
        "from pgm_ebm import IsingLattice\n"
        "for s in ('metropolis', 'heatbath', 'wolff', 'swendsen-wang', 'multispin'):\n"
        "    r = IsingLattice((4, 6), beta=0.4).sample(2, n_chains=2, sampler=s, random_state=3)\n"
        "    r = r.spins\n"
        "    print(s, r.reshape(len(r), -1).sum(axis=1).tolist(), r[0].ravel().tolist())\n"
        "r = IsingLattice((3, 5), beta=0.4, h=0.2, boundary='open').sample(2, 2, random_state=3)\n"
        "r = r.spins\n"
        "print(r.ravel().tolist())\n"
    )
    assert_same_output_with_jit_off(code, min_chars=200)


def test_seed_reproducible_and_input_untouched():
    m = IsingLattice((8, 8), beta=0.4)
    init = np.ones((2, 8, 8), dtype=np.int8)
    a = m.sample(10, n_chains=2, random_state=1, init=init).spins
    b = m.sample(10, n_chains=2, random_state=1, init=init).spins
    np.testing.assert_array_equal(a, b)
    assert np.all(init == 1)
    assert not np.array_equal(a, m.sample(10, n_chains=2, random_state=2, init=init).spins)


@pytest.mark.slow
def test_memory_4096_lattice_8_chains_under_300_mb():
    """Peak traced memory of a sweep, with its energy trace, on 8 chains of 4096^2 spins."""
    import tracemalloc

    m = IsingLattice((4096, 4096), beta=0.44)
    tracemalloc.start()
    res = m.sample(1, n_chains=8, random_state=0, return_trace=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"peak {peak / 2**20:.0f} MiB")
    assert res.spins.nbytes == 8 * 4096**2
    assert peak < 300 * 2**20


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(shape=(4, 0)), "shape"),
        (dict(shape=(2, 2, 2, 2)), "shape"),
        (dict(shape=(4, 4), beta=-1.0), "beta"),
        (dict(shape=(4, 4), beta=float("nan")), "beta"),
        (dict(shape=(4, 4), boundary="twisted"), "boundary"),
        (dict(shape=(4, 4), h=np.zeros((3, 3))), "h must be"),
        (dict(shape=(4, 4), J=np.inf), "J"),
    ],
)
def test_bad_model_arguments(kwargs, match):
    shape = kwargs.pop("shape")
    with pytest.raises(ValueError, match=match):
        IsingLattice(shape, **kwargs)


def test_bad_sampling_arguments():
    m = IsingLattice((5, 4), beta=0.4)
    with pytest.raises(ValueError, match="even sizes.*boundary='open'.*wolff"):
        m.sample(1)
    m.sample(1, sampler="wolff")  # the suggested alternative works
    IsingLattice((5, 4), beta=0.4, boundary="open").sample(1)
    m = IsingLattice((4, 4), beta=0.4, h=0.1)
    with pytest.raises(ValueError, match="h=0"):
        m.sample(1, sampler="wolff")
    with pytest.raises(ValueError, match="spins -1 or \\+1"):
        m.sample(1, init=np.zeros((4, 4)))
    with pytest.raises(ValueError, match="sampler"):
        m.sample(1, sampler="glauber")
    with pytest.raises(ValueError, match="n_sweeps"):
        m.sample(-1)
    with pytest.raises(ValueError, match="beta_schedule"):
        m.sample(3, beta_schedule=[0.1, 0.2])
    with pytest.raises(ValueError, match="spins -1 or \\+1"):
        m.energy(np.full((4, 4), 2))


@pytest.mark.parametrize("sampler", ["metropolis", "heatbath", "swendsen-wang"])
def test_init_step_measure_drive_the_same_chains_as_sample(sampler):
    """The explicit chain interface (what AIS uses) runs the very sweeps of ``sample``:
    the same states for the same seed, and ``measure`` agrees with ``energy``."""
    lat = IsingLattice((8, 8), beta=0.4)
    ref = lat.sample(5, n_chains=3, sampler=sampler, random_state=0).spins
    state = lat.init_chains(3, sampler=sampler, random_state=0)
    for _ in range(5):
        lat.step(state, np.full(3, 0.4))
    e, m = lat.measure(state)
    np.testing.assert_array_equal(state.spins, ref)
    np.testing.assert_allclose(e, lat.energy(ref))
    np.testing.assert_array_equal(m, ref.reshape(3, -1).sum(axis=1))
    with pytest.raises(ValueError, match="multispin"):
        lat.init_chains(2, sampler="multispin")


def test_wolff_clusters_per_sweep_do_not_hang_on_one_sweep_of_small_clusters():
    # near T_c cluster sizes spread over orders of magnitude: sizing the sweep from the last
    # burn-in sweep alone froze up to N clusters per sweep in some seeds (70x slower at
    # L = 256); the adapted count must stay near N / <cluster size> for every seed
    # (measured before the fix: seed 0 froze 2,731 clusters per sweep, the others 2 to 7)
    m = IsingLattice((64, 64), beta=1 / 2.27)
    counts = [
        m.sample(1, n_chains=2, sampler="wolff", burn_in=60, init="up", random_state=s).info[
            "wolff_clusters_per_sweep"
        ]
        for s in range(20)
    ]
    assert max(counts) <= 4 * np.median(counts), counts


@pytest.mark.parametrize(
    "spins, out_e, out_m",
    [
        (np.ones((2, 4, 4), np.int8), np.empty(1), np.empty(2)),  # written past its end
        (np.ones((2, 4, 4), np.int8), np.empty(2), np.empty(2, np.int64)),
        (np.ones((2, 4, 4)), np.empty(2), np.empty(2)),
        (np.ones((2, 4, 5), np.int8), np.empty(2), np.empty(2)),
    ],
)
def test_energy_magnetization_checks_what_goes_to_its_kernel(spins, out_e, out_m):
    with pytest.raises(ValueError, match="spins|out_e|out_m"):
        IsingLattice((4, 4)).energy_magnetization(spins, out_e, out_m)
