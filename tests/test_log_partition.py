"""One entry point for every log Z estimator; the name passed is the name reported."""

import numpy as np
import pytest

from pgm_ebm import DBM, BernoulliRBM, BoltzmannMachine, IsingLattice
from pgm_ebm.partition import METHODS, log_partition


def _models():
    X = (np.random.default_rng(0).random((50, 9)) < 0.4).astype(float)
    rbm = BernoulliRBM(4, n_iter=2, random_state=0).fit(X)
    J = np.array([[0, 0.5, 0], [0.5, 0, -0.3], [0, -0.3, 0]])
    dbm = DBM([9, 4, 3], n_iter=2, pretrain_iter=2, random_state=0).fit(X)
    short = dict(n_chains=20, schedule=np.linspace(0, 1, 200), random_state=0)
    return {
        "BernoulliRBM": (rbm, {"ais": dict(n_chains=20, schedule=np.linspace(0, 1, 200))}),
        "DBM": (dbm, {"ais": short, "reverse-ais": dict(schedule=short["schedule"])}),
        "BoltzmannMachine": (BoltzmannMachine(J, np.array([0.1, 0, -0.2]), units="spin"), {}),
        "IsingLattice": (
            IsingLattice((4, 4), beta=0.3),
            {
                "ais": dict(n_chains=16, schedule=np.linspace(0, 1, 200), random_state=0),
                "thermodynamic-integration": dict(random_state=0),
            },
        ),
    }


@pytest.mark.parametrize(
    "kind, method", [(k, m) for k, ms in METHODS.items() for m in ms]
)  # fmt: skip
def test_every_method_reports_its_own_name(kind, method):
    model, opts = _models()[kind]
    options = dict(opts.get(method, {}))
    if method == "reverse-ais" and kind != "DBM":  # the DBM starts from its chains
        options = dict(init=model.sample(20, n_steps=50, random_state=0),
                       schedule=np.linspace(0, 1, 200), random_state=0)  # fmt: skip
    r = log_partition(model, method, **options)
    assert r.method == method
    exact = log_partition(model, "exact")
    assert exact.method.startswith("exact-")
    tol = 1e-9 if method.startswith("exact") else 1.0
    if method != "mean-field":
        assert abs(r.log_z - exact.log_z) < tol + 0.2 * abs(exact.log_z) * (method == "bethe")
    else:
        assert r.log_z <= exact.log_z + 1e-9  # a lower bound


def test_errors_name_the_choices():
    with pytest.raises(ValueError, match="method for a BoltzmannMachine must be one of"):
        log_partition(BoltzmannMachine(np.zeros((2, 2)), np.zeros(2)), "ais")
    with pytest.raises(ValueError, match="model must be one of"):
        log_partition(object())
    X = (np.random.default_rng(0).random((20, 5)) < 0.5).astype(float)
    with pytest.raises(ValueError, match="init="):
        log_partition(BernoulliRBM(3, n_iter=1).fit(X), "reverse-ais")


def test_rbm_ais_seed_defaults_to_the_estimators():
    """random_state=None everywhere means: the estimator's own random_state for an RBM."""
    X = (np.random.default_rng(0).random((40, 12)) < 0.4).astype(float)
    sched = np.linspace(0, 1, 100)
    a = BernoulliRBM(40, n_iter=2, random_state=3).fit(X)
    b = BernoulliRBM(40, n_iter=2, random_state=3).fit(X)
    r_default = a.log_partition("ais", n_chains=10, schedule=sched)
    r_explicit = b.log_partition("ais", n_chains=10, schedule=sched, random_state=3)
    r_other = b.log_partition("ais", n_chains=10, schedule=sched, random_state=4)
    assert r_default.log_z == r_explicit.log_z != r_other.log_z
