"""Repository hygiene that CI must keep true."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S).group(1)
    assert ci in first_block.splitlines()


def test_kernels_never_call_np_random():
    for p in list((ROOT / "pgm_ebm" / "kernels").rglob("*.py")) + list(
        (ROOT / "pgm_ebm" / "cuda").rglob("*.py")
    ):
        code = "\n".join(l for l in p.read_text().splitlines() if not l.lstrip().startswith("#"))
        assert "np.random" not in code, p


def test_package_init_does_not_import_cuda():
    import subprocess
    import sys

    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pgm_ebm; print(any(m.startswith('numba.cuda') for m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == "False"
