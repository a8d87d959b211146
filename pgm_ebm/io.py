"""Model and checkpoint files: ``.npz`` archives of plain arrays plus JSON metadata.

A file may come from anyone, so reading one never unpickles, never trusts a size the
file declares before checking it against the bytes that are there, and turns every way
a file can be broken (not a zip, truncated, a member cut short, a bad header, an
object array, an empty file, a folder) into one :class:`ValueError` that names the
file.  What the arrays must look like is the model's business (shapes, dtypes,
finiteness): see :func:`require_array`.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import zipfile
from pathlib import Path

import numpy as np

__all__ = [
    "BIT_GENERATORS",
    "ModelFileError",
    "meta_int",
    "params_from_meta",
    "read_model_meta",
    "read_npy",
    "read_npz",
    "require_array",
    "rng_from_meta",
    "write_npz_atomic",
]

#: Largest archive member this reader accepts (2 GiB: a 784 x 500 float64 model is 3 MB).
MAX_MEMBER_BYTES = 1 << 31
_PICKLE_NOTE = "pgm_ebm model files never hold pickled data, and none is ever loaded"


class ModelFileError(ValueError):
    """A model, checkpoint or data file that cannot be used (the message names it).

    A subclass of :class:`ValueError`, raised by every reader of this module and by the
    models' ``load`` for whatever is wrong with a file: not an archive, truncated, pickled
    data, a bad header, an array of the wrong shape, type or values.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "empty.npz"
    >>> _ = path.write_bytes(b"")
    >>> try:
    ...     read_npz(path)
    ... except ModelFileError as exc:
    ...     print(str(exc).endswith("empty.npz: is empty"))
    True
    """


def _fail(path, why) -> ModelFileError:
    return ModelFileError(f"{path}: {why}")


def _read_npy(path, f, size: int, what: str) -> np.ndarray:
    """One ``.npy`` stream of ``size`` bytes from the file object ``f``, checked: a known
    header, a plain numeric dtype, and a declared shape that the bytes really hold."""
    if size > MAX_MEMBER_BYTES:
        raise _fail(path, f"{what} declares {size} bytes; too large")
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"unknown .npy version {version}")
    except ValueError as exc:
        raise _fail(path, f"{what} is not a valid .npy array ({exc})") from None
    if dtype.hasobject:
        raise _fail(path, f"{what} holds Python objects; {_PICKLE_NOTE}")
    if dtype.kind not in "biufcU" or dtype.fields is not None or dtype.subdtype is not None:
        raise _fail(path, f"{what} has unsupported dtype {dtype}")
    count = math.prod(int(s) for s in shape)  # Python integers: no wrap-around
    nbytes = count * dtype.itemsize
    header = f.tell()
    if nbytes != size - header:
        raise _fail(
            path,
            f"{what} declares shape {shape} ({nbytes} bytes) but holds {size - header} bytes",
        )
    data = f.read(nbytes)
    if len(data) != nbytes:
        raise _fail(path, f"{what} is truncated")
    arr = np.frombuffer(data, dtype=dtype, count=count)
    arr = arr.reshape(shape, order="F" if fortran else "C")
    return np.array(arr, order="C")  # writable, owned, native layout


@contextlib.contextmanager
def _file_errors(path, what: str):
    """Whatever a reader raises on a broken file becomes a :class:`ModelFileError` naming
    it (the zip and npy modules raise many types on crafted input: BadZipFile,
    NotImplementedError for an unknown version, RuntimeError for encryption, zlib.error,
    EOFError, ...)."""
    try:
        yield
    except ModelFileError:
        raise
    except (MemoryError, OverflowError) as exc:
        raise _fail(path, f"declares arrays that cannot be allocated ({exc})") from None
    except Exception as exc:
        raise _fail(path, f"{what} ({type(exc).__name__}: {exc})") from None


def _existing_file(path, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise _fail(p, "no such file")
    if p.is_dir():
        raise _fail(p, f"is a folder, not {what}")
    return p


def _read_member(path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    with zf.open(info) as f:
        return _read_npy(path, f, info.file_size, f"member {info.filename!r}")


def read_npy(path) -> np.ndarray:
    """A single ``.npy`` array from a file of unknown origin (never unpickles).

    Parameters
    ----------
    path : str or path-like
        The ``.npy`` file.

    Returns
    -------
    numpy.ndarray
        A writable, C-contiguous copy of the array (numbers or strings only).

    Raises
    ------
    ModelFileError
        Naming the file, whatever is wrong with it: missing, a folder, a bad header, an
        object or structured dtype, a declared shape the bytes do not hold.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.npy"
    >>> np.save(path, np.arange(3))
    >>> read_npy(path)
    array([0, 1, 2])
    """
    p = _existing_file(path, "a .npy file")
    with _file_errors(p, "not a readable .npy array"), open(p, "rb") as f:
        return _read_npy(p, f, p.stat().st_size, "the file")


def read_npz(path) -> dict[str, np.ndarray]:
    """All members of an ``.npz`` archive from a file of unknown origin (never unpickles).

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file.

    Returns
    -------
    dict of str to numpy.ndarray
        ``{name: array}``, each member's ``.npy`` suffix dropped, each array a checked,
        writable copy (see :func:`read_npy`).

    Raises
    ------
    ModelFileError
        Naming the file, whatever is wrong with it.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.npz"
    >>> np.savez(path, W=np.zeros((2, 3)), b=np.ones(2))
    >>> {k: v.shape for k, v in sorted(read_npz(path).items())}
    {'W': (2, 3), 'b': (2,)}
    """
    p = _existing_file(path, "a model file")
    try:
        with open(p, "rb") as fh:
            head = fh.read(6)
    except OSError as exc:
        raise _fail(p, f"cannot be read ({exc.strerror or exc})") from None
    if len(head) == 0:
        raise _fail(p, "is empty")
    if head == b"\x93NUMPY":
        raise _fail(p, "is a single .npy array, not a pgm_ebm .npz model file")
    if head[:2] == b"\x80\x04" or head[:1] == b"\x80":
        raise _fail(p, f"looks like a pickle; {_PICKLE_NOTE}")
    # zipfile can raise many types on a crafted archive (BadZipFile, NotImplementedError
    # for an unknown version or compression, RuntimeError for encryption, struct.error,
    # zlib.error, EOFError, ...): for a file from elsewhere every one of them means the same
    try:
        zf = zipfile.ZipFile(p)
    except Exception as exc:
        raise _fail(p, f"not an .npz archive, or truncated ({exc})") from None
    out = {}
    with zf, _file_errors(p, "corrupt archive"):
        for info in zf.infolist():
            name = info.filename
            if not name.endswith(".npy") or "/" in name:
                raise _fail(p, f"unexpected member {name!r} (an .npz holds .npy arrays)")
            key = name[:-4]
            if key in out:
                raise _fail(p, f"member {name!r} appears twice")
            out[key] = _read_member(p, zf, info)
    return out


def read_meta(path, arrays: dict) -> dict:
    """The JSON object stored as the 0-d string array ``meta``."""
    m = arrays.get("meta")
    if m is None:
        raise _fail(path, "not a pgm_ebm model file (no 'meta' entry)")
    if m.dtype.kind != "U" or m.shape != ():
        raise _fail(path, "'meta' must be a JSON string")
    try:
        meta = json.loads(str(m))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise _fail(path, f"corrupt metadata ({exc})") from None
    if not isinstance(meta, dict):
        raise _fail(path, "metadata must be a JSON object")
    return meta


def require_array(path, arrays: dict, name: str, shape, dtype, *, finite=True, values=None):
    """One array of a file, checked before anything uses it.

    Parameters
    ----------
    path : str or path-like
        The file the arrays came from (named in the error).
    arrays : dict of str to numpy.ndarray
        The file's arrays, as :func:`read_npz` returns them.
    name : str
        The member wanted.
    shape : tuple of int or None
        Its exact shape; ``None`` in a position accepts any length there.
    dtype : data-type
        Its exact dtype.
    finite : bool, default True
        Refuse NaN and infinities in a floating-point array.
    values : tuple (lo, hi), optional
        Refuse values outside ``[lo, hi]``.

    Returns
    -------
    numpy.ndarray
        The array, C-contiguous.

    Raises
    ------
    ModelFileError
        If the member is missing or its shape, dtype, finiteness or values are not those
        required; the message names the file and the member.

    Examples
    --------
    >>> import numpy as np
    >>> arrays = {"b": np.array([0.5, np.nan])}
    >>> require_array("m.npz", arrays, "b", (None,), np.float64, finite=False).shape
    (2,)
    >>> try:
    ...     require_array("m.npz", arrays, "b", (2,), np.float64)
    ... except ModelFileError as exc:
    ...     print(exc)
    m.npz: b holds non-finite values
    """
    a = arrays.get(name)
    if a is None:
        raise _fail(path, f"missing array {name!r}")
    if a.ndim != len(shape) or any(
        s is not None and s != t for s, t in zip(shape, a.shape, strict=True)
    ):
        want = tuple("n" if s is None else s for s in shape)
        raise _fail(path, f"{name} has shape {a.shape}, expected {want}")
    if a.dtype != np.dtype(dtype):
        raise _fail(path, f"{name} has dtype {a.dtype}, expected {np.dtype(dtype)}")
    if finite and a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise _fail(path, f"{name} holds non-finite values")
    if values is not None and a.size and (a.min() < values[0] or a.max() > values[1]):
        raise _fail(path, f"{name} holds values outside [{values[0]}, {values[1]}]")
    return np.ascontiguousarray(a)


def write_npz_atomic(path, **arrays) -> Path:
    """Write an uncompressed ``.npz`` through a temporary file and a rename.

    A crash or Ctrl-C leaves either the old file or the new one, never half of one.

    Parameters
    ----------
    path : str or path-like
        The file to write (replaced if it exists).
    **arrays : array_like
        The members, by name.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> path = write_npz_atomic(pathlib.Path(tempfile.mkdtemp()) / "m.npz", W=np.eye(2))
    >>> read_npz(path)["W"]
    array([[1., 0.],
           [0., 1.]])
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_text_atomic(path, text: str) -> Path:
    """Write a text file through a temporary file and a rename."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


# ---------------------------------------------------------------------------- model files
#: NumPy bit generators a checkpoint may name (nothing else is instantiated from a file)
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def rng_from_meta(path, meta):
    """The training generator of a checkpoint: only NumPy's own bit generators, by name."""
    name = meta.get("rng_class")
    if name not in BIT_GENERATORS:
        raise ModelFileError(f"{path}: rng_class must be one of {BIT_GENERATORS}, got {name!r}")
    bitgen = getattr(np.random, name)()
    try:
        bitgen.state = meta.get("rng_state")
    except (TypeError, ValueError, KeyError, OverflowError, AttributeError) as exc:
        raise ModelFileError(f"{path}: invalid rng_state for {name} ({exc})") from None
    return np.random.Generator(bitgen)


def meta_int(path, meta, key, minimum):
    """``meta[key]`` as an integer >= ``minimum``, or ModelFileError naming the file."""
    v = meta.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ModelFileError(f"{path}: {key} must be an integer >= {minimum}, got {v!r}")
    return v


def params_from_meta(path, meta, cls, check):
    """The estimator parameters stored in a file, checked by ``check(estimator)`` (the
    class's own parameter validation) before anything is built from them."""
    p = meta.get("params")
    names = set(cls().get_params())
    if not isinstance(p, dict) or not set(p) <= names:
        extra = sorted(set(p) - names) if isinstance(p, dict) else p
        raise ModelFileError(
            f"{path}: params must be a dict of {cls.__name__}'s parameters, got {extra!r}"
        )
    p = dict(p)
    if p.get("lr_schedule") == "callable":  # a callable is not saved; the model is
        p["lr_schedule"] = "constant"
    rs = p.get("random_state")
    if rs is not None and (isinstance(rs, bool) or not isinstance(rs, int)):
        raise ModelFileError(f"{path}: params.random_state must be an integer or null")
    if not isinstance(p.get("verbose", 0), int):
        raise ModelFileError(f"{path}: params.verbose must be an integer")
    try:
        check(cls(**p))
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"{path}: invalid parameters ({exc})") from None
    return p


def read_model_meta(path, arrays, cls_name: str, format_version: int) -> dict:
    """The checked metadata of a model file: a known format version (at most
    ``format_version``, the newest this class writes) and the class ``cls_name``."""
    meta = read_meta(path, arrays)
    version = meta.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{path}: invalid format version {version!r}")
    if version > format_version:
        raise ModelFileError(
            f"{path}: format version {version!r} is newer than this pgm_ebm supports "
            f"({format_version}); upgrade pgm_ebm to read it"
        )
    if meta.get("class") != cls_name:
        raise ModelFileError(f"{path}: holds a {meta.get('class')!r}, not a {cls_name}")
    return meta
