"""BernoulliRBM as a drop-in for scikit-learn's: scikit-learn's own tests and
``check_estimator``, each difference declared (and documented in docs/rbm.rst)."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.utils.estimator_checks import check_estimator

from pgm_ebm import BernoulliRBM

#: scikit-learn's tests of its BernoulliRBM that ours fails on purpose (docs/rbm.rst):
#: score_samples is the exact log-likelihood of binary data, not a one-site pseudo-
#: likelihood of any data (test_fit, test_partial_fit, test_small_sparse_partial_fit and
#: test_score_samples score the [0, 1]-valued digits); test_fit_gibbs compares weights with
#: the values scikit-learn's own initialisation and random stream give.
DELIBERATE_SKLEARN_TEST_FAILURES = {
    "test_fit",
    "test_partial_fit",
    "test_small_sparse_partial_fit",
    "test_score_samples",
    "test_fit_gibbs",
}


def test_scikit_learns_own_rbm_tests(tmp_path):
    src = Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_rbm.py"
    code = src.read_text()
    line = "from sklearn.neural_network import BernoulliRBM"
    assert line in code
    (tmp_path / "test_sklearn_rbm.py").write_text(
        code.replace(line, "from pgm_ebm import BernoulliRBM")
    )
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rf",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = res.stdout
    failed = set(re.findall(r"^FAILED test_sklearn_rbm\.py::(\w+)", out, re.M))
    assert failed == DELIBERATE_SKLEARN_TEST_FAILURES, out[-3000:]
    n_passed = int(re.search(r"(\d+) passed", out).group(1))
    assert n_passed >= 14, out[-2000:]


#: check_estimator's checks that feed data outside [0, 1] (its positive-only data is
#: not bounded by 1) and so meet our input check, which scikit-learn's class does not have.
RANGE_CHECKS = {
    "check_fit_score_takes_y",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_n_features_in_after_fitting",
    "check_estimators_dtypes",
    "check_pipeline_consistency",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
}


def _statuses(estimator, expected):
    return check_estimator(
        estimator,
        expected_failed_checks={k: "deliberate (see the test)" for k in expected},
        on_fail=None,
        on_skip=None,
    )


def test_check_estimator_fails_only_on_the_input_range():
    results = _statuses(BernoulliRBM(n_components=4, n_iter=2, random_state=0), RANGE_CHECKS)
    bad = {r["check_name"] for r in results if r["status"] == "failed"}
    assert not bad, bad
    xfail = [r for r in results if r["status"] == "xfail"]
    assert {r["check_name"] for r in xfail} <= RANGE_CHECKS
    for r in xfail:
        if r["exception"] is not None:
            assert re.search(r"\[0, 1\]|binary values", str(r["exception"])), r


class _SquashedRBM(BernoulliRBM):
    """The same estimator with its [0, 1] input check replaced by a squashing map, so that
    check_estimator exercises everything else with the data it makes."""

    def _check_range(self, X, name, binary):
        X = np.abs(X) / (1.0 + np.abs(X))
        return (X > 0.5).astype(X.dtype) if binary else X


def test_check_estimator_passes_everything_else():
    # the squashing also maps negative data into [0, 1], so the two checks that expect
    # negative input to be refused cannot pass here (the real class passes them above)
    negative = {"check_positive_only_tag_during_fit", "check_fit_non_negative"}
    results = _statuses(_SquashedRBM(n_components=4, n_iter=2, random_state=0), negative)
    bad = {r["check_name"] for r in results if r["status"] == "failed"}
    assert not bad, bad
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    assert RANGE_CHECKS <= passed


def test_verbose_prints_scikit_learns_line(capsys):
    X = np.array([[0.0], [1.0]])
    BernoulliRBM(n_components=2, batch_size=2, n_iter=2, random_state=0, verbose=True).fit(X)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert re.match(r"\[BernoulliRBM\] Iteration 1, pseudo-likelihood = -?\d+\.\d+, time", out[0])


@pytest.mark.parametrize(
    "dtype_in, dtype_out", [(np.float32, np.float32), (np.float64, np.float64), (int, np.float64)]
)
def test_transform_keeps_the_input_float_dtype(dtype_in, dtype_out):
    X = (np.random.default_rng(0).random((30, 8)) < 0.5).astype(dtype_in)
    rbm = BernoulliRBM(n_components=3, n_iter=1, random_state=0).fit(X)
    assert rbm.transform(X).dtype == dtype_out
    assert rbm._mean_hiddens(X[0]).shape == (3,)
