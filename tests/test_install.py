"""The README's two commands, in either order, in a fresh virtual environment.

The environment reuses this interpreter's installed dependencies (a ``.pth`` line, so no
download) and installs a copy of the source tree with pip, as a user would: regular,
then editable, and the other way round.  After each install a kernel is compiled from a
folder outside the tree (Numba writes its cache then), and ``import pgm_ebm`` and the
``pgm-ebm`` command must work from a folder other than the source tree.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
USE_KERNELS = (
    "import numpy as np; from pgm_ebm import BernoulliRBM; import pgm_ebm; "
    "BernoulliRBM(n_components=2, n_iter=1, batch_size=2).fit(np.eye(4)); "
    "print(pgm_ebm.__file__)"
)


def _run(args, cwd, env):
    res = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, f"{args} failed:\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}"
    return res.stdout


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    base = tmp_path_factory.mktemp("install")
    src = base / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", "__pycache__", "runs", "docs", ".venv"
        ),
    )
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    py = bindir / ("python.exe" if os.name == "nt" else "python")
    purelib = Path(
        subprocess.run(
            [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # this interpreter's packages (numpy, numba, pip, setuptools, ...) without running its
    # .pth files, so the project's own editable install there stays out of the way
    outer = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    (purelib / "zz_outer_packages.pth").write_text("\n".join(dict.fromkeys(outer)) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PGM_EBM_CACHE_DIR")}
    env["PGM_EBM_CACHE_DIR"] = str(base / "cache")
    env["PATH"] = str(bindir) + os.pathsep + env.get("PATH", "")
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return dict(src=src, py=str(py), bindir=bindir, purelib=purelib, env=env, cwd=elsewhere)


def _pip_install(s, editable):
    args = [s["py"], "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
    args += ["-e", str(s["src"])] if editable else [str(s["src"])]
    _run(args, s["cwd"], s["env"])


def _check_works(s, editable):
    where = Path(_run([s["py"], "-c", USE_KERNELS], s["cwd"], s["env"]).strip().splitlines()[-1])
    expected = s["src"] if editable else s["purelib"]
    assert where.is_relative_to(expected), (where, expected)
    version = _run([str(s["bindir"] / "pgm-ebm"), "--version"], s["cwd"], s["env"])
    assert "pgm-ebm" in version
    # nothing written inside the installed package
    if not editable:
        written = [p for p in (s["purelib"] / "pgm_ebm").rglob("*") if p.suffix in (".nbi", ".nbc")]
        assert not written, written


@pytest.mark.slow
@pytest.mark.parametrize(
    "order", [(False, True), (True, False)], ids=["regular-then-editable", "editable-then-regular"]
)
def test_readme_install_commands_work_in_either_order(sandbox, order):
    for editable in order:
        _pip_install(sandbox, editable)
        _check_works(sandbox, editable)
    # the left-over folder of an uninstalled regular install must not shadow an editable one
    if order[-1]:
        assert not (sandbox["purelib"] / "pgm_ebm").exists()
