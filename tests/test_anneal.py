"""Metropolis / heat-bath sweeps at any beta, annealing and tempering on pairwise models."""

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import SEED, assert_same_output_with_jit_off, outputs_with_one_and_two_threads

from pgm_ebm import BoltzmannMachine
from pgm_ebm.diagnostics import batch_means
from pgm_ebm.models.boltzmann import spin_glass
from pgm_ebm.samplers.pairwise import arrays_of


def _model(n, units, dense, seed=SEED, scale=0.6, integer=False):
    r = np.random.default_rng(seed)
    J = np.triu(r.normal(0, scale, (n, n)), 1)
    J[np.abs(J) < 0.3 * scale] = 0.0  # some structure for the sparse form
    b = r.normal(0, 0.3, n)
    if integer:  # the exact-integer kernel: couplings in {-1, 0, 1}, biases in {-1, 0, 1}
        J, b = np.sign(np.round(J / scale)), np.round(b * 2)
    J = J + J.T
    return BoltzmannMachine(J if dense else sp.csr_matrix(J), b, units=units)


@pytest.mark.parametrize("scan", ["sequential", "colored"])
@pytest.mark.parametrize("sampler", ["metropolis", "heatbath"])
@pytest.mark.parametrize("units", ["spin", "binary"])
@pytest.mark.parametrize("kind", ["dense", "sparse", "integer"])
def test_samples_p_beta(sampler, units, kind, scan):
    """4,000 chains after 200 sweeps at beta = 0.7 (the integer model is bimodal: 40 were too
    few for either scan): every mean and pairwise moment within 5
    standard errors of the exact moments of exp(-0.7 E) (enumeration).  "integer": integer
    couplings, which run the tabulated-threshold kernel (sequential scan); "colored": the
    graph-coloured sweeps (units of a colour in parallel, a stream per unit)."""
    bm = _model(7, units, kind == "dense", integer=kind == "integer")
    assert arrays_of(bm)[0] == {"dense": "dense", "sparse": "sparse", "integer": "int"}[kind]
    beta = 0.7
    Jd = bm.J.toarray() if sp.issparse(bm.J) else bm.J
    exact = BoltzmannMachine(beta * Jd, beta * bm.b, units=units)
    mu, C = exact.moments()
    X = bm.sample(200, n_chains=4000, sampler=sampler, beta=beta, random_state=SEED, scan=scan)
    assert X.info.get("scan", "sequential") == scan
    X = X.spins.astype(float)
    n = len(X)
    m_hat, C_hat = X.mean(0), X.T @ X / n
    se_m = np.sqrt(np.maximum(mu - mu**2 if units == "binary" else 1 - mu**2, 1e-12) / n)
    assert np.all(np.abs(m_hat - mu) < 5 * se_m), np.abs(m_hat - mu) / se_m
    se_C = np.sqrt(np.maximum(C - C**2 if units == "binary" else 1 - C**2, 1e-12) / n)
    off = ~np.eye(7, dtype=bool)
    assert np.all(np.abs(C_hat - C)[off] < 5 * se_C[off])


@pytest.mark.parametrize("scan", ["sequential", "colored"])
@pytest.mark.parametrize("dense", [True, False])
def test_trace_matches_the_states(dense, scan):
    """The recorded energy and unit sums (kept incrementally by the sequential kernels,
    recomputed after each coloured sweep) equal those of the final states."""
    bm = _model(30, "spin", dense, scale=1.0)
    res = bm.sample(
        130, n_chains=5, sampler="metropolis", beta_schedule=np.linspace(0.1, 2, 130),
        random_state=1, return_trace=True, scan=scan,
    )  # fmt: skip
    np.testing.assert_allclose(res.trace.energy[:, -1], bm.energy(res.spins), atol=1e-9)
    np.testing.assert_array_equal(res.trace.magnetization[:, -1], res.spins.sum(axis=1))
    assert res.trace.energy.shape == (5, 130)


@pytest.mark.parametrize("sampler", ["metropolis", "heatbath"])
def test_integer_kernel_makes_the_float_kernels_decisions(sampler):
    """On integer couplings the tabulated thresholds give the same accept/reject decisions
    as exp per proposal: the same states and energies for the same seed."""
    from pgm_ebm._rng import seed_streams
    from pgm_ebm.samplers.pairwise import model_arrays, run_sweeps

    glass = spin_glass((10, 10), random_state=2)
    A = glass.J
    as_float = ("sparse", A.indptr.astype(np.int64), A.indices.astype(np.int64), A.data, glass.b)
    as_int = model_arrays(None, A, glass.b, True)
    assert as_int[0] == "int"
    betas = np.repeat(np.geomspace(0.1, 3, 80)[:, None], 4, axis=1)
    X0 = np.where(np.random.default_rng(0).random((4, 100)) < 0.5, 1, -1).astype(np.int8)
    out = []
    for arrays in (as_float, as_int):
        X = X0.copy()
        E, M = run_sweeps(arrays, True, X, betas, sampler, seed_streams(7, 4))
        out.append((X, E, M))
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_allclose(out[0][1], out[1][1], atol=1e-9)
    np.testing.assert_array_equal(out[0][2], out[1][2])


def test_annealing_finds_the_ground_state_of_a_small_glass():
    """4 x 4 +-J torus: the ground-state energy by enumeration of all 2**16 states; a slow
    geometric anneal reaches it in most of 16 reads."""
    glass = spin_glass((4, 4), random_state=3)
    S = ((np.arange(2**16)[:, None] >> np.arange(16)) & 1) * 2 - 1
    e0 = glass.energy(S).min()
    X = glass.sample(
        2000, n_chains=16, sampler="metropolis", beta_schedule=np.geomspace(0.1, 5, 2000),
        random_state=0,
    ).spins  # fmt: skip
    E = glass.energy(X)
    assert E.min() == e0 and np.mean(E == e0) >= 0.75


def test_annealing_is_independent_of_threads_and_jit():
    glass = spin_glass((12, 12), random_state=1)
    sched = np.geomspace(0.2, 3, 60)

    def run():
        return glass.sample(60, n_chains=6, sampler="metropolis", beta_schedule=sched,
                            random_state=5).spins  # fmt: skip

    one, two = outputs_with_one_and_two_threads(run)
    np.testing.assert_array_equal(one, two)
    code = (
        "import numpy as np\n"
        "from pgm_ebm.models.boltzmann import spin_glass\n"
        "g = spin_glass((6, 6), random_state=1)\n"
        "for s in ('metropolis', 'heatbath'):\n"
        "    X = g.sample(20, n_chains=3, sampler=s, beta_schedule=np.geomspace(0.2, 3, 20),"
        " random_state=5).spins\n"
        "    print(X.tolist(), g.energy(X).tolist())\n"
    )
    assert_same_output_with_jit_off(code)


def test_parallel_tempering_samples_each_temperature():
    bm = _model(6, "spin", False, scale=1.2)
    betas = np.array([0.3, 0.6, 1.0])
    res = bm.parallel_tempering(betas, 6000, burn_in=200, random_state=SEED)
    rate = res.info["swap_acceptance"]
    assert rate.shape == (2,) and np.all((rate > 0.05) & (rate < 1))
    Jd = bm.J.toarray()
    for k, beta in enumerate(betas):
        exact = BoltzmannMachine(beta * Jd, beta * bm.b, units="spin")
        S, p = exact.probabilities()
        e_exact = p @ bm.energy(S)
        # energies along one chain are correlated: standard error by batch means
        mean, se = batch_means(res.trace.energy[k])
        assert abs(mean - e_exact) < 5 * se, (k, mean, e_exact, se)
    assert res.spins.shape == (3, 6)


def test_errors_name_the_argument():
    bm = _model(5, "spin", True)
    with pytest.raises(ValueError, match="beta or beta_schedule"):
        bm.sample(10, beta=0.5, beta_schedule=np.ones(10))
    with pytest.raises(ValueError, match="beta_schedule must hold n_sweeps=10"):
        bm.sample(10, beta_schedule=np.ones(9))
    with pytest.raises(ValueError, match="beta_schedule must hold finite"):
        bm.sample(3, beta_schedule=[1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="beta must be"):
        bm.sample(3, beta=np.nan)
    with pytest.raises(ValueError, match="sampler must be one of"):
        bm.sample(3, sampler="wolff")
    with pytest.raises(ValueError, match="scan='random'"):
        bm.sample(3, scan="random", sampler="metropolis")
    with pytest.raises(ValueError, match="swap_every"):
        bm.parallel_tempering([0.1, 0.2], 5, swap_every=0)
    with pytest.raises(ValueError, match="betas"):
        bm.parallel_tempering([0.1], 5)


@pytest.mark.parametrize(
    "shape, kwargs, match",
    [((0,), {}, "shape"), ((-2, 2), {}, "shape"), ((4.5, 4), {}, "shape"),
     ((2, 2, 2, 2), {}, "shape"), ("44", {}, "shape"), (4, {}, "shape"),
     ((4, 4), {"field": "1"}, "field"), ((4, 4), {"field": float("nan")}, "field")],
)  # fmt: skip
def test_spin_glass_names_a_bad_argument(shape, kwargs, match):
    # (4.5, 4) was truncated to 4 x 4 and field="1" taken as 1.0 silently; (0,) ended in
    # numpy's "zero-size array to reduction operation"
    with pytest.raises(ValueError, match=match):
        spin_glass(shape, random_state=0, **kwargs)


def test_extreme_fields_same_bits_with_jit_off_and_no_overflow_warning():
    """Fields of hundreds (exp(-beta g) past float64's range): the compiled kernels take
    exp = inf as probability 0; plain Python (NUMBA_DISABLE_JIT=1, and the CUDA simulator)
    raised OverflowError, and the lattice's tables warned.  Both interpreters must print the
    same states, with overflow warnings made errors."""
    from conftest import assert_same_output_with_jit_off

    code = (
        "import warnings; warnings.simplefilter('error', RuntimeWarning)\n"
        "import numpy as np\n"
        "from pgm_ebm import BoltzmannMachine, IsingLattice\n"
        "r = np.random.default_rng(0)\n"
        "A = np.triu(r.normal(0, 300.0, (6, 6)), 1); J = A + A.T\n"
        "for Jm in (J, np.round(J)):\n"  # real, and integer (the tabulated thresholds)
        "    for units in ('binary', 'spin'):\n"
        "        bm = BoltzmannMachine(Jm, r.normal(0, 300.0, 6), units)\n"
        "        for scan in ('sequential', 'colored'):\n"
        "            for s in ('heatbath', 'metropolis'):\n"
        "                res = bm.sample(5, n_chains=3, scan=scan, sampler=s, beta=3.0,\n"
        "                                random_state=5)\n"
        "                print(res.spins.ravel().tolist())\n"
        "            print(bm.sample(5, n_chains=3, scan=scan, random_state=5).spins.sum())\n"
        "for s in ('heatbath', 'metropolis'):\n"
        "    for J_, h in ((1.0, 0.5), (-1.0, 0.0)):\n"
        "        lat = IsingLattice((4, 4), beta=400.0, J=J_, h=h)\n"
        "        res = lat.sample(3, n_chains=2, sampler=s, random_state=1)\n"
        "        print(res.spins.ravel().tolist())\n"
    )
    assert_same_output_with_jit_off(code)
