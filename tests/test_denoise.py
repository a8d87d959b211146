"""pgm_ebm.denoise: exact MAP, samplers and approximations against brute force on tiny
images, the quality targets on the built-in image, images, CLI and bad input."""

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from pgm_ebm import denoise as dn
from tests.conftest import SEED, assert_same_output_with_jit_off, outputs_with_one_and_two_threads
from tests.reference import grid_energy, grid_enumerate, grid_marginals


def _tiny(shape, seed, scale=1.5):
    r = np.random.default_rng(seed)
    return r.normal(0, scale, shape)


# --------------------------------------------------------------------------- exact MAP
@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 6)])
@pytest.mark.parametrize("neighbourhood", [4, 8])
def test_graph_cut_is_the_brute_force_minimum(shape, neighbourhood):
    for seed in range(4):
        y = _tiny(shape, SEED + seed)
        beta = [0.3, 1.0, 0.7, 2.0][seed]
        h = [0.0, 0.4, -0.2, 0.0][seed]
        r = dn.denoise(
            y,
            "graph-cut",
            noise="gaussian",
            eta=1.0,
            beta=beta,
            h=h,
            neighbourhood=neighbourhood,
            return_result=True,
        )
        states, E = grid_enumerate(y - h, beta, neighbourhood == 8)
        assert_allclose(r.energy, E.min(), rtol=1e-10, atol=1e-10)
        # the minimiser itself, where it is unique
        order = np.sort(E)
        if order[1] - order[0] > 1e-9:
            assert_array_equal(r.spins, states[np.argmin(E)])


def test_graph_cut_is_exact_for_any_parameters():
    clean = dn.builtin_image("shapes", 32)
    noisy = dn.add_flip_noise(clean, 0.1, random_state=SEED)
    for kw in (dict(beta=1.0, eta=2.1), dict(noise_rate=0.1), dict(beta=1e-3, eta=1 / 3)):
        r = dn.denoise(noisy, "graph-cut", return_result=True, **kw)
        icm = dn.denoise(noisy, "icm", return_result=True, **kw)
        assert r.exact is True and r.energy <= icm.energy + 1e-9 * abs(icm.energy)


@pytest.mark.parametrize(
    "y, kw",
    [
        # the int32 capacities of the old scaled cut wrapped: it returned all -1 (+21.22)
        (np.ones((8, 8), np.int8), dict(beta=0.001, eta=1 / 3)),
        (np.ones((2, 2), np.int8), dict(beta=0.05078125, eta=0.625, h=0.609375)),
        (np.ones((4, 4), np.int8), dict(beta=0.0, eta=0.5)),  # raised on a NaN scale
    ],
)
def test_graph_cut_reported_failures_are_minima(y, kw):
    r = dn.denoise(y, "graph-cut", return_result=True, **kw)
    u = kw["eta"] * np.where(y > 0, 1.0, -1.0) - kw.get("h", 0.0)
    if y.size <= 16:
        E_min = grid_enumerate(u, kw["beta"], False)[1].min()
    else:  # a uniform positive field and ferromagnetic bonds: all +1 is the minimum
        assert np.all(u > 0)
        E_min = dn.energy(np.ones_like(y), y, **kw)
        assert_array_equal(r.spins, 1)
    assert r.exact and r.energy == pytest.approx(E_min, rel=1e-12, abs=1e-12)


@settings(max_examples=300, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 4)),
    seed=st.integers(0, 2**32 - 1),
    beta=st.one_of(st.just(0.0), st.floats(1e-6, 1e3), st.floats(0, 5)),
    eta=st.one_of(st.floats(-1e3, 1e3), st.floats(-3, 3), st.just(0.0)),
    h=st.one_of(st.floats(-1e3, 1e3), st.floats(-3, 3), st.just(0.0)),
    diag=st.booleans(),
    gaussian=st.booleans(),
)
def test_graph_cut_against_brute_force_and_icm(shape, seed, beta, eta, h, diag, gaussian):
    """Property: over wide ranges of beta, eta and h, the graph cut's energy is the brute-
    force minimum, and never above ICM's."""
    r = np.random.default_rng(seed)
    if gaussian:
        y = r.normal(0, 1.5, shape)
        kw = dict(noise="gaussian")
    else:
        y = np.where(r.random(shape) < 0.5, 1, -1).astype(np.int8)
        kw = {}
    kw.update(beta=beta, eta=eta, h=h, neighbourhood=8 if diag else 4)
    gc = dn.denoise(y, "graph-cut", return_result=True, **kw)
    icm = dn.denoise(y, "icm", return_result=True, **kw)
    states, E = grid_enumerate(eta * np.asarray(y, float) - h, beta, diag)
    tol = 1e-12 * (1 + np.abs(E).max())
    assert gc.exact
    assert gc.energy <= E.min() + tol
    assert gc.energy <= icm.energy + tol


def _scipy_min_cut_value(u, beta, diag):
    """Reference: the minimum cut's value from SciPy's maximum_flow (int32, Dinic) on the
    same s-t graph; exact when 2 u and 2 beta are integers."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import maximum_flow

    H, W = u.shape
    N = H * W
    idx = np.arange(N).reshape(H, W)
    pairs = [(idx[:, :-1], idx[:, 1:]), (idx[:-1, :], idx[1:, :])]
    if diag:
        pairs += [(idx[:-1, :-1], idx[1:, 1:]), (idx[:-1, 1:], idx[1:, :-1])]
    a = np.concatenate([p[0].ravel() for p in pairs])
    b = np.concatenate([p[1].ravel() for p in pairs])
    uf = u.ravel()
    src, snk = np.flatnonzero(uf > 0), np.flatnonzero(uf < 0)
    rows = np.concatenate([a, b, np.full(len(src), N), snk])
    cols = np.concatenate([b, a, src, np.full(len(snk), N + 1)])
    data = np.concatenate([np.full(2 * len(a), 2 * beta), 2 * uf[src], -2 * uf[snk]])
    G = sp.csr_matrix((np.round(data).astype(np.int32), (rows, cols)), shape=(N + 2, N + 2))
    return maximum_flow(G, N, N + 1).flow_value


@pytest.mark.parametrize("diag", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_grid_max_flow_matches_scipy_on_larger_images(diag, seed):
    """Images too large to enumerate (40 x 57), integer capacities so that SciPy's int32
    solver is exact: the same flow value, and the cut's energy is the minimum it implies."""
    from pgm_ebm.denoise.inference import _graph_cut

    r = np.random.default_rng(SEED + seed)
    u = r.integers(-6, 7, (40, 57)) / 2.0
    beta = [0.5, 1.0, 2.0, 3.5][seed]
    x, exact, info = _graph_cut(u, beta, diag)
    assert exact and info["max_flow"] == _scipy_min_cut_value(u, beta, diag)
    # E(x) = -(sum of all positive capacities' constant) + cut value: compare through ICM
    y = u  # gaussian noise with eta = 1 makes the unary field u itself
    e_gc = dn.energy(x, y, beta=beta, eta=1.0, noise="gaussian", neighbourhood=8 if diag else 4)
    kw = dict(beta=beta, eta=1.0, noise="gaussian", neighbourhood=8 if diag else 4)
    icm = dn.denoise(y, "icm", return_result=True, **kw)
    assert e_gc <= icm.energy + 1e-9


def test_energy_matches_reference():
    r = np.random.default_rng(SEED)
    y = r.normal(0, 1, (7, 9))
    x = np.where(r.random((7, 9)) < 0.5, 1, -1)
    for nbh in (4, 8):
        e = dn.energy(x, y, noise="gaussian", eta=1.3, beta=0.8, h=0.1, neighbourhood=nbh)
        assert_allclose(e, grid_energy(x, 1.3 * y - 0.1, 0.8, nbh == 8), rtol=1e-12)


# --------------------------------------------------------------------------- local methods
@pytest.mark.parametrize("neighbourhood", [4, 8])
def test_icm_reaches_a_local_minimum_with_decreasing_energy(neighbourhood):
    clean = dn.builtin_image("digit", 48)
    noisy = dn.add_flip_noise(clean, 0.15, random_state=SEED)
    r = dn.denoise(noisy, "icm", neighbourhood=neighbourhood, return_result=True)
    assert r.converged
    assert np.all(np.diff(r.trace) <= 1e-9)
    u = 2.1 * noisy.astype(float)
    e0 = grid_energy(r.spins, u, 1.0, neighbourhood == 8)
    assert_allclose(r.energy, e0, rtol=1e-12)
    for i, j in [(0, 0), (10, 20), (47, 47), (23, 5)]:
        x = r.spins.copy()
        x[i, j] *= -1
        assert grid_energy(x, u, 1.0, neighbourhood == 8) >= e0 - 1e-9


@pytest.mark.parametrize("neighbourhood", [4, 8])
def test_gibbs_marginals_match_enumeration(neighbourhood):
    y = _tiny((3, 3), SEED, scale=0.8)
    beta = 0.5
    exact = grid_marginals(y, beta, neighbourhood == 8)
    runs = [
        dn.denoise(
            y,
            "gibbs",
            noise="gaussian",
            eta=1.0,
            beta=beta,
            neighbourhood=neighbourhood,
            n_chains=1,
            n_sweeps=4000,
            burn_in=100,
            random_state=s,
            return_result=True,
        ).marginals
        for s in range(8)
    ]
    runs = np.array(runs)
    se = runs.std(axis=0, ddof=1) / np.sqrt(len(runs))
    assert np.all(np.abs(runs.mean(axis=0) - exact) < 5 * se + 1e-3)


def test_gibbs_energy_trace_is_the_energy():
    clean = dn.builtin_image("shapes", 24)
    noisy = dn.add_flip_noise(clean, 0.1, random_state=SEED)
    for nbh in (4, 8):
        from pgm_ebm.denoise.inference import _sweeps

        post = dn.GridPosterior(2.1 * noisy.astype(float), 1.0, nbh)
        up = post.padded_field()
        X, _, trace = _sweeps(post, noisy, np.ones(7), 7, 3, SEED, False, "")
        for c in range(3):
            assert_allclose(
                trace[-1, c],
                grid_energy(X[c, 1:-1, 1:-1], up[1:-1, 1:-1], 1.0, nbh == 8),
                rtol=1e-9,
            )


def test_marginal_accumulator_sums_every_chain_after_burn_in():
    """acc = sum over sweeps k >= burn_in and chains of the spins (odd sizes, 2 chains; the
    chains' rows run in parallel, which once raced on a shared accumulator)."""
    from pgm_ebm._rng import seed_streams
    from pgm_ebm.denoise.images import pad
    from pgm_ebm.denoise.inference import _sweeps
    from pgm_ebm.kernels.denoise import _energies, _gibbs_sweeps

    clean = dn.builtin_image("shapes", 37)[:, :31]
    noisy = dn.add_flip_noise(clean, 0.1, random_state=SEED)
    post = dn.GridPosterior(2.1 * noisy.astype(float), 1.0)
    up = post.padded_field()
    temps = np.linspace(0.5, 1.0, 9)
    X, acc, trace = _sweeps(post, noisy, temps, 4, 2, SEED, False, "")
    # the same sweeps one at a time, summing the states by hand
    Y = np.repeat(pad(noisy, np.int8)[None], 2, axis=0)
    streams = seed_streams(np.random.default_rng(SEED), 2 * noisy.shape[0])
    e = np.empty(2)
    _energies(Y, up, 1.0, False, e)
    by_hand = np.zeros(noisy.shape, np.int64)
    tr2 = np.empty((9, 2))
    for k in range(len(temps)):
        scratch = np.zeros((2,) + up.shape, np.int32)
        _gibbs_sweeps(
            Y, up, 1.0, False, temps[k : k + 1], 1, streams, scratch, True, e, tr2[k : k + 1]
        )
        if k >= 4:
            by_hand += Y[:, 1:-1, 1:-1].sum(axis=0)
    assert_array_equal(X, Y)
    assert_array_equal(acc, by_hand)
    assert_allclose(trace, tr2, rtol=1e-12)


def test_bp_is_exact_on_a_chain_and_mean_field_is_a_fixed_point():
    y = _tiny((1, 9), SEED)
    r = dn.denoise(y, "bp", noise="gaussian", eta=1.0, beta=0.9, tol=1e-12, return_result=True)
    assert r.converged
    assert_allclose(r.marginals, grid_marginals(y, 0.9), rtol=1e-8)
    y2 = _tiny((6, 7), SEED + 1)
    r2 = dn.denoise(
        y2, "mean-field", noise="gaussian", eta=1.0, beta=0.4, tol=1e-12, return_result=True
    )
    assert r2.converged
    m = 2 * r2.marginals - 1
    P = np.pad(m, 1)
    nb = P[:-2, 1:-1] + P[2:, 1:-1] + P[1:-1, :-2] + P[1:-1, 2:]
    assert_allclose(m, np.tanh(0.4 * nb + y2), atol=1e-10)


def test_annealing_reaches_the_graph_cut_energy_on_a_small_image():
    clean = dn.builtin_image("shapes", 32)
    noisy = dn.add_flip_noise(clean, 0.1, random_state=SEED)
    gc = dn.denoise(noisy, "graph-cut", return_result=True)
    an = dn.denoise(noisy, "annealing", n_sweeps=2000, random_state=SEED, return_result=True)
    assert an.energy >= gc.energy - 1e-9
    assert an.energy - gc.energy < 0.01 * abs(gc.energy)


# --------------------------------------------------------------------------- quality targets
def test_quality_targets_on_the_builtin_image():
    """Bishop's parameters, 128 x 128 shapes, mean over 5 noise seeds (the issue's targets)."""
    clean = dn.builtin_image("shapes", 128)
    errs = {m: [] for m in dn.METHODS}
    for seed in range(5):
        noisy = dn.add_flip_noise(clean, 0.1, random_state=SEED + seed)
        res = dn.compare_methods(clean, noisy, beta=1.0, eta=2.1, random_state=seed)
        for m, r in res.items():
            errs[m].append(r.settings["error_rate"])
            assert res["graph-cut"].energy <= r.energy + 1e-9, m
    mean = {m: np.mean(v) for m, v in errs.items()}
    assert mean["icm"] <= 0.045
    assert mean["graph-cut"] <= 0.01
    for m in ("gibbs", "annealing", "mean-field"):
        assert mean[m] <= 0.012, (m, mean[m])
    e20 = [
        dn.denoise(
            dn.add_flip_noise(clean, 0.2, random_state=SEED + s), "graph-cut", return_result=True
        ).error_rate(clean)
        for s in range(5)
    ]
    assert np.mean(e20) <= 0.03


def test_gaussian_noise_and_eight_neighbours_restore():
    clean = dn.builtin_image("digit", 64)
    y = dn.add_gaussian_noise(clean, 0.8, random_state=SEED)
    base = np.mean(np.where(y >= 0, 1, -1) != clean)
    for nbh in (4, 8):
        r = dn.denoise(
            y,
            "graph-cut",
            noise="gaussian",
            sigma=0.8,
            neighbourhood=nbh,
            beta=1.0 if nbh == 4 else 0.5,
            return_result=True,
        )
        assert r.image.dtype == np.int8
        assert r.error_rate(clean) < base / 5


def test_em_estimates_the_noise_rate():
    clean = dn.builtin_image("shapes", 96)
    noisy = dn.add_flip_noise(clean, 0.1, random_state=SEED)
    est = dn.estimate_parameters(noisy, "em", random_state=SEED)
    assert abs(est["noise_rate"] - 0.1) < 0.01
    assert 0.5 < est["beta"] < 2.0
    with_est = dn.denoise(noisy, beta=est["beta"], eta=est["eta"], return_result=True)
    known = dn.denoise(noisy, noise_rate=0.1, return_result=True)
    assert with_est.error_rate(clean) <= known.error_rate(clean) + 0.003


# --------------------------------------------------------------------------- conventions
def test_conventions_and_inputs_kept():
    clean = dn.builtin_image("shapes", 32)
    noisy = dn.add_flip_noise(clean, 0.1, random_state=SEED)
    zero_one = (noisy > 0).astype(np.uint8)
    keep = zero_one.copy()
    out = dn.denoise(zero_one, "icm")
    assert out.dtype == np.uint8 and set(np.unique(out)) <= {0, 1}
    assert_array_equal(zero_one, keep)
    out_pm = dn.denoise(noisy, "icm")
    assert_array_equal(out_pm, np.where(out > 0, 1, -1))
    b = dn.denoise(noisy > 0, "graph-cut")
    assert b.dtype == bool


def test_seeded_results_repeat_and_do_not_depend_on_threads():
    clean = dn.builtin_image("shapes", 40)
    noisy = dn.add_flip_noise(clean, 0.1, random_state=SEED)

    def run():
        r = dn.denoise(
            noisy, "gibbs", n_sweeps=30, burn_in=5, random_state=SEED, return_result=True
        )
        a = dn.denoise(noisy, "annealing", n_sweeps=30, random_state=SEED, neighbourhood=8)
        return np.concatenate([r.marginals.ravel(), a.ravel()])

    one, two = outputs_with_one_and_two_threads(run)
    assert_array_equal(one, two)
    assert_array_equal(run(), run())


def test_same_bits_with_the_jit_off():
    assert_same_output_with_jit_off(
        """
import numpy as np
from pgm_ebm import denoise as dn
x = dn.add_flip_noise(np.where(np.arange(99).reshape(9, 11) % 7 < 3, 1, -1), 0.2, random_state=1)
for nbh in (4, 8):
    r = dn.denoise(x, "gibbs", n_sweeps=6, burn_in=2, n_chains=2, random_state=3,
                   neighbourhood=nbh, return_result=True)
    print(np.round(r.marginals, 6).tolist(), np.round(r.trace, 6).tolist())
"""
    )


# --------------------------------------------------------------------------- images
@pytest.mark.parametrize("name", dn.BUILTIN_IMAGES)
def test_builtin_images(name):
    for size in (128, 512):
        img = dn.builtin_image(name, size)
        assert img.shape == (size, size) and img.dtype == np.int8
        frac = np.mean(img == 1)
        assert 0.05 < frac < 0.95


def test_read_image_thresholds_and_says_so(tmp_path):
    import matplotlib.image as mpimg

    grey = np.linspace(0, 1, 64).reshape(8, 8)
    p = tmp_path / "grey.png"
    mpimg.imsave(p, grey, cmap="gray", vmin=0, vmax=1)
    with pytest.warns(UserWarning, match="thresholded grey levels at 0.5"):
        img = dn.read_image(p)
    assert img.shape == (8, 8) and set(np.unique(img)) == {-1, 1}
    rgb = np.zeros((6, 5, 3))
    rgb[:, :2] = [1.0, 0.0, 0.0]  # red: luminance 0.299 -> black
    rgb[:, 2:] = 1.0
    p2 = tmp_path / "rgb.png"
    mpimg.imsave(p2, rgb)
    with pytest.warns(UserWarning, match="converted colour to grey"):
        img2 = dn.read_image(p2)
    assert_array_equal(img2[:, :2], -1)
    assert_array_equal(img2[:, 2:], 1)
    # a binary image round-trips through save_image without a message
    clean = dn.builtin_image("shapes", 32)
    p3 = tmp_path / "bin.png"
    dn.save_image(p3, clean)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_array_equal(dn.read_image(p3), clean)
    # JPEG through matplotlib's reader (Pillow)
    p4 = tmp_path / "img.jpg"
    mpimg.imsave(p4, np.repeat(((clean + 1) / 2).astype(float)[..., None], 3, axis=2))
    with pytest.warns(UserWarning):
        img4 = dn.read_image(p4)
    assert np.mean(img4 != clean) < 0.02


# --------------------------------------------------------------------------- bad input
def test_bad_input_errors(tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("this is not an image")
    with pytest.raises(ValueError, match="not a readable image"):
        dn.read_image(bad)
    with pytest.raises(FileNotFoundError, match="not found"):
        dn.read_image(tmp_path / "missing.png")
    with pytest.raises(ValueError, match="empty"):
        dn.denoise(np.zeros((0, 5)))
    y = dn.builtin_image("shapes", 16)
    for rate in (0.0, 0.5, -0.1, 0.7):
        with pytest.raises(ValueError, match="noise_rate"):
            dn.denoise(y, noise_rate=rate)
        with pytest.raises(ValueError, match="noise_rate"):
            dn.add_flip_noise(y, rate)
    with pytest.raises(ValueError, match="beta must be >= 0"):
        dn.denoise(y, beta=-1.0)
    with pytest.raises(ValueError, match="must be binary"):
        dn.denoise(y * 0.5)
    with pytest.raises(ValueError, match="sigma"):
        dn.denoise(y * 0.5, noise="gaussian")
    with pytest.raises(ValueError, match="method must be one of"):
        dn.denoise(y, "magic")
    with pytest.raises(ValueError, match="neighbourhood"):
        dn.denoise(y, neighbourhood=6)
    with pytest.raises(ValueError, match="2-D"):
        dn.denoise(np.ones((2, 3, 4)))


# --------------------------------------------------------------------------- CLI
def test_cli_denoise_writes_panel_and_json(tmp_path):
    from pgm_ebm.cli import main

    out = tmp_path / "out"
    rc = main(
        [
            "denoise",
            "builtin:shapes",
            "--size",
            "48",
            "--noise",
            "0.1",
            "--method",
            "all",
            "--sweeps",
            "60",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    assert rc == 0
    res = json.loads((out / "results.json").read_text())
    assert set(res["methods"]) == set(dn.METHODS)
    gc = res["methods"]["graph-cut"]["energy"]
    for m, v in res["methods"].items():
        assert 0 <= v["error_rate"] < 0.1
        assert v["energy"] >= gc - 1e-9, m
    assert (out / "panel.png").stat().st_size > 10_000
    assert (out / "graph-cut.png").is_file() and (out / "noisy.png").is_file()


def test_cli_denoise_rejects_bad_noise(tmp_path, capsys):
    from pgm_ebm.cli import main

    rc = main(["denoise", "builtin:shapes", "--noise", "0.6", "--out", str(tmp_path)])
    assert rc == 2
    assert "noise" in capsys.readouterr().err


def test_module_docstring_example():
    import doctest

    assert doctest.testmod(dn).failed == 0


def test_cli_denoise_reads_a_grey_png_and_says_it_thresholded(tmp_path, capsys):
    import matplotlib.image as mpimg

    from pgm_ebm.cli import main

    clean = dn.builtin_image("digit", 40)
    grey = (clean + 1) / 2 * 0.8 + 0.1  # grey levels 0.1 and 0.9
    p = tmp_path / "digit.png"
    mpimg.imsave(p, grey, cmap="gray", vmin=0, vmax=1)
    rc = main(
        [
            "denoise",
            str(p),
            "--noise",
            "0.1",
            "--method",
            "icm,graph-cut",
            "--out",
            str(tmp_path / "o"),
            "--no-progress",
        ]
    )
    assert rc == 0
    out = capsys.readouterr().out
    assert "note: digit.png: thresholded grey levels at 0.5" in out
    res = json.loads((tmp_path / "o" / "results.json").read_text())
    assert set(res["methods"]) == {"icm", "graph-cut"}
    assert res["methods"]["graph-cut"]["error_rate"] < 0.05


def test_the_posterior_is_the_lattice_with_the_stated_mapping():
    """E_denoise(x) = E of IsingLattice(J = beta, h = eta y - h, open boundaries) at
    beta_ising = 1 (the mapping the module docstring states)."""
    from pgm_ebm import IsingLattice

    r = np.random.default_rng(SEED)
    y = np.where(r.random((5, 7)) < 0.5, 1, -1).astype(np.int8)
    x = np.where(r.random((5, 7)) < 0.5, 1, -1).astype(np.int8)
    beta, eta, h = 0.8, 1.3, 0.25
    lat = IsingLattice((5, 7), J=beta, h=eta * y - h, boundary="open", beta=1.0)
    assert dn.energy(x, y, beta=beta, eta=eta, h=h) == pytest.approx(float(lat.energy(x)))


def test_annealing_takes_a_beta_schedule():
    noisy = dn.add_flip_noise(dn.builtin_image("shapes", 32), 0.1, random_state=0)
    r = dn.denoise(
        noisy, "annealing", beta_schedule=np.geomspace(0.5, 5, 50), random_state=0,
        return_result=True,
    )  # fmt: skip
    assert r.settings["beta_schedule"] == "user" and r.n_iter >= 1
    with pytest.raises(ValueError, match="beta_schedule must be positive"):
        dn.denoise(noisy, "annealing", beta_schedule=[1.0, 0.5])
