import os
import sys
from pathlib import Path

# The CUDA kernels run on Numba's CUDA simulator unless the caller chose otherwise; on a
# machine with a GPU, NUMBA_ENABLE_CUDASIM=0 python -m pytest -m cuda runs the tests marked
# cuda on it.  A pytest plugin may have imported numba already (it reads its settings at
# import), so its configuration is reloaded; numba.cuda reads it when first imported.
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
if "numba" in sys.modules:
    assert "numba.cuda" not in sys.modules, "numba.cuda was imported before the tests' settings"
    sys.modules["numba"].core.config.reload_config()

import numpy as np
import pytest

SEED = 20261122


def mnist_dir():
    d = os.environ.get("PGM_EBM_DATA")
    if not d or not Path(d).is_dir():
        pytest.skip(
            "PGM_EBM_DATA is not set to the folder with the MNIST files "
            "(.ci/run points it at ../shared/data/mnist)"
        )
    return Path(d)


@pytest.fixture
def rng():
    return np.random.default_rng(SEED)


@pytest.fixture
def tiny_rbm():
    """A float64 RBM with 5 visible and 3 hidden units and O(1) parameters."""
    from pgm_ebm import BernoulliRBM

    r = np.random.default_rng(SEED)
    model = BernoulliRBM(n_components=3, n_iter=0, dtype="float64", random_state=SEED)
    model.fit((r.random((8, 5)) < 0.5).astype(float))
    model.components_ = r.normal(0, 0.8, (3, 5))
    model.intercept_visible_ = r.normal(0, 0.5, 5)
    model.intercept_hidden_ = r.normal(0, 0.5, 3)
    return model


def run_python(code: str, env_extra=None) -> str:
    """Run code in a fresh interpreter (for NUMBA_DISABLE_JIT and thread settings)."""
    import subprocess
    import sys

    env = dict(os.environ)
    here = str(Path(__file__).parent)
    env["PYTHONPATH"] = here + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_extra or {})
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600
    )
    if res.returncode != 0:
        raise AssertionError(f"subprocess failed:\n{res.stderr[-3000:]}")
    return res.stdout


def assert_same_output_with_jit_off(code: str, min_chars: int = 100) -> None:
    """Run ``code`` compiled and with NUMBA_DISABLE_JIT=1; the printed output must match."""
    on = run_python(code)
    off = run_python(code, {"NUMBA_DISABLE_JIT": "1"})
    assert len(on) > min_chars
    assert on == off


def outputs_with_one_and_two_threads(fn):
    """``[fn() with 1 Numba thread, fn() with 2]``; the thread count is restored."""
    import numba

    out = []
    try:
        for t in (1, 2):
            numba.set_num_threads(min(t, numba.config.NUMBA_NUM_THREADS))
            out.append(fn())
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    return out
