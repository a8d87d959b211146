"""Every argument that cannot be right gets a clear error naming it (issue 13's list)."""

import numpy as np
import pytest
import scipy.sparse as sp

from pgm_ebm import BernoulliRBM, BoltzmannMachine, IsingLattice
from pgm_ebm import denoise as dn
from pgm_ebm.partition.ais import rbm_ais, rbm_reverse_ais
from pgm_ebm.partition.exact import rbm_log_partition_exact
from pgm_ebm.partition.variational import bethe_log_partition, mean_field, mean_field_log_partition

J = np.array([[0.0, 0.5], [0.5, 0.0]])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_exact_log_z_refuses_non_finite_parameters(bad):
    W = np.zeros((2, 3))
    W[0, 1] = bad
    with pytest.raises(ValueError, match="W must be finite"):
        rbm_log_partition_exact(W, np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="visible_bias must be finite"):
        rbm_log_partition_exact(np.zeros((2, 3)), np.array([0, bad, 0]), np.zeros(2))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: BoltzmannMachine(J * 1j, np.zeros(2)), "J must be real"),
        (lambda: BoltzmannMachine(sp.csr_matrix(J * 1j), np.zeros(2)), "J must be real"),
        (lambda: BoltzmannMachine(J, np.array([1j, 0])), "b must be real"),
        (lambda: BoltzmannMachine(np.array([["0", "1"], ["1", "0"]]), np.zeros(2)), "J must be"),
        (lambda: BoltzmannMachine(J, np.array(["0.5", "1"])), "b must be"),
        (lambda: IsingLattice((4, 4), h=np.zeros((4, 4)) + 0j), "h must be real"),
        (
            lambda: IsingLattice((4, 4)).sample(1, init=np.ones((4, 4), complex)),
            "init must be real",
        ),
        (
            lambda: dn.denoise(np.ones((4, 4)) * (1 + 0j), "icm"),
            "y must be real",
        ),
        (
            lambda: dn.denoise(np.ones((4, 4)) * (1 + 0j), "icm", noise="gaussian", sigma=1.0),
            "y must be real",
        ),
        (lambda: dn.denoise(np.array([["1", "-1"], ["1", "1"]]), "icm"), "y must be"),
        (lambda: rbm_log_partition_exact(np.zeros((2, 3)) * 1j, np.zeros(3), np.zeros(2)), "W"),
    ],
)
def test_complex_and_string_input_is_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_reverse_ais_needs_binary_states():
    W = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match="V0 must hold binary"):
        rbm_reverse_ais(W, np.zeros(3), np.zeros(2), np.full((4, 3), 0.5), schedule=[0, 0.5, 1])
    with pytest.raises(ValueError, match="V0 must have shape"):
        rbm_reverse_ais(W, np.zeros(3), np.zeros(2), np.zeros((4, 2)), schedule=[0, 0.5, 1])
    with pytest.raises(ValueError, match="bias shapes"):
        rbm_ais(W, np.zeros(4), np.zeros(2), schedule=[0, 1])


def test_mean_field_and_bethe_arguments():
    bm = BoltzmannMachine(J, np.zeros(2), units="spin")
    with pytest.raises(ValueError, match="init must be finite"):
        mean_field(bm, init=np.array([np.nan, 0.0]))
    with pytest.raises(ValueError, match="init must hold mean values"):
        mean_field(bm, init=np.array([3.0, 0.0]))
    with pytest.raises(ValueError, match="init must have shape"):
        mean_field(bm, init=np.zeros(3))
    with pytest.raises(ValueError, match="init must be finite"):
        mean_field_log_partition(BoltzmannMachine(J, np.zeros(2)), init=[np.nan, 0.5])
    with pytest.raises(ValueError, match="max_iter"):
        bethe_log_partition(bm, max_iter=-1)
    with pytest.raises(ValueError, match="damping"):
        bethe_log_partition(bm, damping=1.0)
    with pytest.raises(ValueError, match="max_iter"):
        mean_field(bm, max_iter=0)


@pytest.mark.parametrize("factor", [-0.5, np.nan, np.inf, "x", None])
def test_lr_schedule_must_return_a_non_negative_factor(factor):
    X = (np.random.default_rng(0).random((20, 6)) < 0.5).astype(float)
    m = BernoulliRBM(3, n_iter=2, lr_schedule=lambda e, n: factor, random_state=0)
    with pytest.raises(ValueError, match="lr_schedule returned"):
        m.fit(X)


def test_parallel_tempering_counts():
    lat = IsingLattice((4, 4))
    with pytest.raises(ValueError, match="n_sweeps"):
        lat.parallel_tempering([0.2, 0.4], -1)
    with pytest.raises(ValueError, match="swap_every"):
        lat.parallel_tempering([0.2, 0.4], 10, swap_every=0)
    with pytest.raises(ValueError, match="burn_in"):
        lat.parallel_tempering([0.2, 0.4], 10, burn_in=-2)


# ----------------------------------------------------------------------------- sizes
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: IsingLattice((10**6, 10**6)).sample(1), "the lattice or n_chains"),
        (lambda: IsingLattice((10**5, 10**5)).sample(1, sampler="wolff"), "wolff"),
        (lambda: IsingLattice((64, 64)).sample(1, n_chains=10**9), "n_chains"),
        (lambda: IsingLattice((64, 64)).parallel_tempering(np.linspace(0, 1, 10**8), 1), "betas"),
        (lambda: dn.builtin_image("shapes", 10**6), "size"),
        (lambda: dn.denoise(np.ones((64, 64)), "gibbs", n_chains=10**9), "n_chains"),
    ],
)
def test_sizes_that_cannot_fit_are_refused_before_allocating(call, match):
    with pytest.raises(ValueError, match=f"needs about .*{match}|{match}.*needs about") as info:
        call()
    assert "memory" in str(info.value)


def test_rbm_sizes_that_cannot_fit():
    X = (np.random.default_rng(0).random((20, 6)) < 0.5).astype(float)
    m = BernoulliRBM(3, n_iter=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="n_samples"):
        m.sample(10**12)
    with pytest.raises(ValueError, match="n_chains"):
        BernoulliRBM(3, n_iter=1, n_chains=10**12).fit(X)
    with pytest.raises(ValueError, match="n_components"):
        BernoulliRBM(10**12, n_iter=1).fit(X)
    # a batch larger than the data set is just the whole data set: no 16 TB of streams
    big = BernoulliRBM(3, n_iter=1, batch_size=10**12, random_state=0).fit(X)
    assert len(big._streams) == 20
