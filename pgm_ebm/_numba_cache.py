"""Where Numba keeps the compiled kernels of pgm_ebm: a cache folder of the user's,
never the package folder.

Numba's default (``cache=True``) writes ``__pycache__/*.nbi``/``*.nbc`` beside the
source.  For an installed package that is ``site-packages/pgm_ebm/kernels``: files
pip never recorded, so ``pip uninstall`` (or the uninstall step of ``pip install -e .``)
leaves ``site-packages/pgm_ebm/`` behind without its ``__init__.py``.  Python then
finds that left-over folder as a namespace package before the editable install's
finder, and ``from pgm_ebm import BernoulliRBM`` fails from every folder but the
clone's root.  A read-only install (a system site-packages) could not cache at all.

:func:`install` puts a locator in front of Numba's own that claims the source files of
this package only and keeps their cache under :func:`cache_root`, one sub-folder per
source folder (an installed copy and a clone never share files).  A folder the user
chose with ``NUMBA_CACHE_DIR`` wins: then Numba's own locator is used.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def cache_root() -> Path:
    """The folder of pgm_ebm's compiled-kernel cache.

    ``PGM_EBM_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/pgm_ebm/numba`` (on Linux,
    ``~/.cache/pgm_ebm/numba``), ``~/Library/Caches/pgm_ebm/numba`` on macOS and
    ``%LOCALAPPDATA%\\pgm_ebm\\numba`` on Windows.
    """
    env = os.environ.get("PGM_EBM_CACHE_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pgm_ebm" / "numba"


def _in_package(py_file: str) -> bool:
    try:
        return os.path.commonpath([os.path.abspath(py_file), _PACKAGE_DIR]) == _PACKAGE_DIR
    except ValueError:  # another drive (Windows)
        return False


def _make_locator():
    from numba.core import caching, config

    # public names since Numba 0.61, underscored before
    base = getattr(caching, "UserWideCacheLocator", None) or caching._UserWideCacheLocator

    class PgmEbmCacheLocator(base):
        """Numba's user-wide locator, for pgm_ebm's own files, in :func:`cache_root`."""

        def __init__(self, py_func, py_file):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            folder = os.path.dirname(os.path.abspath(py_file))
            tag = hashlib.sha1(folder.encode()).hexdigest()[:16]
            self._cache_path = str(cache_root() / f"{os.path.basename(folder)}_{tag}")

        @classmethod
        def from_function(cls, py_func, py_file):
            if config.CACHE_DIR or not os.path.exists(py_file) or not _in_package(py_file):
                return None
            self = cls(py_func, py_file)
            try:
                self.ensure_cache_path()
            except OSError:
                return None  # not writable: Numba's own locators decide
            return self

    return caching, PgmEbmCacheLocator


def install() -> None:
    """Put the locator first in Numba's list (once; idempotent)."""
    caching, locator = _make_locator()
    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
    classes = impl._locator_classes
    if not any(c.__name__ == locator.__name__ for c in classes):
        classes.insert(0, locator)
