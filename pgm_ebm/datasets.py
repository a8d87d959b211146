"""MNIST readers, binarization, a local cache with checksums, and an embedded subset.

Where the data comes from
-------------------------
``load_binarized_mnist(split)`` looks, in order, in ``data_home``, in
``$PGM_EBM_DATA``, and in the user cache (``$XDG_CACHE_HOME/pgm_ebm`` or
``~/.cache/pgm_ebm``) for ``binarized_mnist_{split}.amat`` or ``.amat.gz``.
When none is there it downloads the file from its canonical location (Hugo
Larochelle's copy of the Salakhutdinov & Murray 2008 binarization), checks its
SHA-256 and keeps it in the cache; without a network it fails with a message
that says where to put the files.

``load_embedded_mnist(split)`` needs no file at all: the package ships a
compact subset (the first 10,000 training images and 2,000 random test images of the same binarized
MNIST, bit-packed, under 1 MB) so that the README's first command works offline.

MNIST: Y. LeCun, C. Cortes and C. J. C. Burges, CC BY-SA 3.0.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import math
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zlib
from importlib import resources
from pathlib import Path

import numpy as np

from pgm_ebm._rng import check_random_state
from pgm_ebm._validation import check_positive_int, check_real

logger = logging.getLogger(__name__)

__all__ = [
    "read_amat",
    "read_idx",
    "binarize",
    "load_binarized_mnist",
    "load_embedded_mnist",
    "binarized_mnist_test_labels",
    "MNIST_TEST_CLASS_COUNTS",
    "load_mnist_idx",
    "data_search_path",
    "SPLITS",
]

SPLITS = ("train", "valid", "test")
N_PIXELS = 784
_URL = "http://www.cs.toronto.edu/~larocheh/public/datasets/binarized_mnist/binarized_mnist_{split}.amat"
#: SHA-256 of the uncompressed canonical files (78.4 MB / 15.7 MB / 15.7 MB).
SHA256 = {
    "train": "ad693b29f94c14277b095f5238ddefbbdaaae0939789dd2f4f0205278cee3e4d",
    "valid": "1de3d397c40fe8eeb33dafd4099a1f665ec01e96d9be234aaeeac8a34930e2e2",
    "test": "e6687bfea3f820c174f33b7865140b2a2dd2930ef786f35d45795fc193b5ab2c",
}
N_ROWS = {"train": 50000, "valid": 10000, "test": 10000}
#: Images per digit class of the MNIST test set (t10k), 0 to 9.
MNIST_TEST_CLASS_COUNTS = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)


class DataFormatError(ValueError):
    """A data file is not in the expected format (names the file and where)."""


#: Largest decompressed data file read (the 50,000-image .amat is 78 MB): a small gzip
#: file from elsewhere cannot make the reader allocate more than this.
MAX_DECOMPRESSED_BYTES = 1 << 31


def _open_bytes(path: Path) -> bytes:
    """Read a file, decompressing it if it is gzip (by magic number, not by name)."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as g:
                out = g.read(MAX_DECOMPRESSED_BYTES + 1)
        except (EOFError, OSError, gzip.BadGzipFile, zlib.error) as exc:
            raise DataFormatError(f"{path}: truncated or corrupt gzip stream ({exc})") from None
        if len(out) > MAX_DECOMPRESSED_BYTES:
            raise DataFormatError(
                f"{path}: decompresses to more than {MAX_DECOMPRESSED_BYTES} bytes; not a data "
                "file this reader takes"
            )
        return out
    return raw


# ----------------------------------------------------------------------------- .amat
def read_amat(path, n_features: int = N_PIXELS) -> np.ndarray:
    r"""Read a binarized-MNIST ``.amat`` file (plain or gzip) into ``uint8[n, n_features]``.

    Parameters
    ----------
    path : str or path-like
        The file: one image per line, ``n_features`` whitespace-separated values, each 0 or
        1; gzip-compressed or not (told by its magic number, not its name).
    n_features : int, default 784
        Values per line.

    Returns
    -------
    numpy.ndarray of uint8, shape (n, n_features)
        The images, values 0 and 1.

    Raises
    ------
    DataFormatError
        Naming the file and the (1-based) line and column of the first bad
        value, a wrong row length, or a truncated stream.
    ValueError
        If ``n_features`` is not a positive integer.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.amat"
    >>> _ = path.write_text("0 1 1\n1 0 0\n")
    >>> read_amat(path, n_features=3)
    array([[0, 1, 1],
           [1, 0, 0]], dtype=uint8)
    """
    n_features = check_positive_int(n_features, "n_features")
    path = Path(path)
    buf = _open_bytes(path)
    width = 2 * n_features  # "d d d ... d\n"
    arr = np.frombuffer(buf, dtype=np.uint8)
    if arr.size and arr.size % width == 0:
        rows = arr.reshape(-1, width)
        digits = rows[:, 0::2]
        seps = rows[:, 1::2]
        if (
            np.all((digits == 48) | (digits == 49))
            and np.all(seps[:, :-1] == 32)
            and np.all(seps[:, -1] == 10)
        ):
            return (digits - 48).astype(np.uint8)
    return _read_amat_slow(path, buf, n_features)


def _read_amat_slow(path: Path, buf: bytes, n_features: int) -> np.ndarray:
    """Tolerant parser for other spacing; pinpoints the first error."""
    text = buf.decode("ascii", errors="replace")
    lines = text.splitlines()
    if lines and lines[-1].strip() == "":
        lines = lines[:-1]
    if not lines:
        raise DataFormatError(f"{path}: the file holds no rows")
    out = np.empty((len(lines), n_features), dtype=np.uint8)
    for ln, line in enumerate(lines, start=1):
        tokens = line.split()
        if len(tokens) != n_features:
            raise DataFormatError(
                f"{path}, line {ln}: expected {n_features} values, got {len(tokens)}"
                + (" (truncated file?)" if ln == len(lines) else "")
            )
        for col, tok in enumerate(tokens, start=1):
            if tok not in ("0", "1"):
                try:
                    val = float(tok)
                except ValueError:
                    val = None
                if val not in (0.0, 1.0):
                    raise DataFormatError(
                        f"{path}, line {ln}, column {col}: value {tok!r} is not 0 or 1"
                    )
        out[ln - 1] = [int(float(t)) for t in tokens]
    return out


# ----------------------------------------------------------------------------- IDX
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (MNIST images or labels; plain or gzip).

    Parameters
    ----------
    path : str or path-like
        The file, gzip-compressed or not (told by its magic number, not its name).

    Returns
    -------
    numpy.ndarray
        The array with the shape and type of the file's header, in native byte order.

    Raises
    ------
    DataFormatError
        On a wrong magic number (offset 0), an unknown type code (offset 2),
        or a payload shorter or longer than the header announces.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "labels.idx1-ubyte"
    >>> _ = path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))  # uint8, shape (3,)
    >>> read_idx(path)
    array([7, 2, 1], dtype=uint8)
    """
    path = Path(path)
    buf = _open_bytes(path)
    if len(buf) < 4 or buf[0] != 0 or buf[1] != 0:
        raise DataFormatError(
            f"{path}, offset 0: bad magic number {buf[:4].hex() or '(empty)'}; "
            "an IDX file starts with two zero bytes"
        )
    code, ndim = buf[2], buf[3]
    if code not in _IDX_DTYPES:
        raise DataFormatError(f"{path}, offset 2: unknown IDX type code 0x{code:02x}")
    header = 4 + 4 * ndim
    if len(buf) < header:
        raise DataFormatError(f"{path}, offset 4: header truncated ({len(buf)} bytes)")
    shape = tuple(int.from_bytes(buf[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = _IDX_DTYPES[code]
    expected = math.prod(shape) * dtype.itemsize  # Python integers: a crafted shape cannot wrap
    got = len(buf) - header
    if got != expected:
        raise DataFormatError(
            f"{path}, offset {header}: header announces shape {shape} ({expected} bytes of data) "
            f"but the file holds {got} bytes" + (" (truncated)" if got < expected else "")
        )
    return (
        np.frombuffer(buf, dtype=dtype, offset=header)
        .reshape(shape)
        .astype(dtype.newbyteorder("="))
    )


def load_mnist_idx(images, labels=None) -> tuple[np.ndarray, np.ndarray | None]:
    """Read MNIST IDX images and, optionally, their labels.

    Parameters
    ----------
    images : str or path-like
        IDX image file (``t10k-images-idx3-ubyte``, plain or gzip).
    labels : str or path-like, optional
        IDX label file of the same images.

    Returns
    -------
    X : numpy.ndarray of uint8, shape (n, 28, 28)
        The images.
    y : numpy.ndarray of uint8, shape (n,), or None
        Their labels, None without ``labels``.

    Raises
    ------
    DataFormatError
        If either file is not IDX (see :func:`read_idx`), or the counts of images and labels
        differ.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> header = bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28])
    >>> _ = (d / "images").write_bytes(header + bytes(2 * 28 * 28))
    >>> _ = (d / "labels").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 2, 4, 9]))
    >>> X, y = load_mnist_idx(d / "images", d / "labels")
    >>> X.shape, y.tolist()
    ((2, 28, 28), [4, 9])
    """
    X = read_idx(images)
    y = read_idx(labels) if labels is not None else None
    if y is not None and len(y) != len(X):
        raise DataFormatError(f"{labels}: {len(y)} labels for {len(X)} images in {images}")
    return X, y


def binarize(images, method: str = "threshold", threshold: float = 0.5, random_state=None):
    """Binarize grey images to ``uint8`` 0/1, flattened to ``(n, n_pixels)``.

    Parameters
    ----------
    images : array_like, shape (n, ...)
        Grey images: integers 0-255 (scaled by 1/255) or floats in [0, 1]; not modified.
    method : {"threshold", "stochastic"}, default "threshold"
        ``"threshold"`` keeps the pixels above ``threshold``; ``"stochastic"`` draws each
        pixel as a Bernoulli variable with its grey level as probability (the
        Salakhutdinov & Murray binarization).
    threshold : float, default 0.5
        Grey level in [0, 1] above which a pixel is 1 (``method="threshold"``).
    random_state : None, int or numpy.random.Generator, optional
        Seed of the draws (``method="stochastic"``).

    Returns
    -------
    numpy.ndarray of uint8, shape (n, n_pixels)
        The binary images, flattened.

    Raises
    ------
    ValueError
        If ``images`` has fewer than 2 dimensions or values outside 0-255 / [0, 1],
        ``threshold`` is not in [0, 1], or ``method`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> grey = np.array([[[0, 100], [200, 255]]], dtype=np.uint8)  # one 2 x 2 image
    >>> binarize(grey)
    array([[0, 0, 1, 1]], dtype=uint8)
    >>> binarize(grey, "stochastic", random_state=0).shape
    (1, 4)
    """
    x = np.asarray(images)
    if x.ndim < 2:
        raise ValueError(f"images must have at least 2 dimensions (n, ...), got shape {x.shape}")
    x = x.reshape(len(x), -1)
    x = x / 255.0 if np.issubdtype(x.dtype, np.integer) else x.astype(np.float64)
    if not np.all(np.isfinite(x)) or x.min(initial=0) < 0 or x.max(initial=0) > 1:
        raise ValueError("images must be uint8 grey levels or floats in [0, 1]")
    if method == "threshold":
        threshold = check_real(threshold, "threshold", 0.0, 1.0)
        return (x > threshold).astype(np.uint8)
    if method == "stochastic":
        rng = check_random_state(random_state)
        return (rng.random(x.shape) < x).astype(np.uint8)
    raise ValueError(f"method must be 'threshold' or 'stochastic', got {method!r}")


# ----------------------------------------------------------------------------- lookup
def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pgm_ebm"


def data_search_path(data_home=None) -> list[Path]:
    """The folders searched for data files, in order."""
    dirs = []
    if data_home is not None:
        dirs.append(Path(data_home))
    if os.environ.get("PGM_EBM_DATA"):
        dirs.append(Path(os.environ["PGM_EBM_DATA"]))
    dirs.append(_cache_dir())
    return dirs


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _download(split: str, dest: Path, progress: bool = True) -> Path:
    from tqdm.auto import tqdm

    url = _URL.format(split=split)
    dest.parent.mkdir(parents=True, exist_ok=True)
    logger.info("downloading %s", url)
    with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 (fixed https/http URL)
        total = int(resp.headers.get("Content-Length") or 0) or None
        h = hashlib.sha256()
        with tempfile.NamedTemporaryFile(dir=dest.parent, delete=False) as tmp:
            with tqdm(
                total=total, unit="B", unit_scale=True, desc=dest.name, disable=not progress
            ) as bar:
                while chunk := resp.read(1 << 20):
                    tmp.write(chunk)
                    h.update(chunk)
                    bar.update(len(chunk))
    if h.hexdigest() != SHA256[split]:
        os.unlink(tmp.name)
        raise DataFormatError(
            f"downloaded {url} but its SHA-256 {h.hexdigest()} is not the expected {SHA256[split]}"
        )
    shutil.move(tmp.name, dest)
    return dest


def load_binarized_mnist(
    split: str = "train", data_home=None, *, download: bool = True, progress: bool = True
) -> np.ndarray:
    """Load a split of binarized MNIST as ``uint8[n, 784]`` (values 0/1).

    The Salakhutdinov & Murray (2008) binarization, as used by the published AIS numbers;
    searched locally first, downloaded (and checked by SHA-256) only when nowhere else.

    Parameters
    ----------
    split : {"train", "valid", "test"}
        50,000 / 10,000 / 10,000 images.
    data_home : path, optional
        Searched first; then ``$PGM_EBM_DATA``; then the user cache.
    download : bool, default True
        Download into the cache when no local copy is found.
    progress : bool, default True
        Show a progress bar while downloading.

    Returns
    -------
    numpy.ndarray of uint8, shape (n, 784)
        The images of the split.

    Raises
    ------
    FileNotFoundError
        When the file is nowhere and cannot be downloaded; the message lists
        the folders searched and where to put the files.
    ValueError
        If ``split`` is unknown.
    DataFormatError
        If the file found is not a well-formed ``.amat`` file.

    Examples
    --------
    >>> X = load_binarized_mnist("test", download=False)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (10000, 784)
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    names = [f"binarized_mnist_{split}.amat", f"binarized_mnist_{split}.amat.gz"]
    dirs = data_search_path(data_home)
    for d in dirs:
        for name in names:
            p = d / name
            if p.is_file():
                X = read_amat(p)
                if len(X) != N_ROWS[split]:
                    logger.warning(
                        "%s holds %d rows, the canonical split has %d", p, len(X), N_ROWS[split]
                    )
                return X
    err = None
    if download:
        try:
            return read_amat(_download(split, _cache_dir() / names[0], progress=progress))
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            err = exc
    searched = "\n  ".join(str(d) for d in dirs)
    raise FileNotFoundError(
        f"binarized MNIST split {split!r} not found. Searched:\n  {searched}\n"
        + (f"Download from {_URL.format(split=split)} failed: {err}\n" if err else "")
        + f"Put {names[0]} (or {names[1]}) into one of these folders, or set PGM_EBM_DATA "
        "to the folder that holds them. Offline, load_embedded_mnist() needs no file."
    )


def binarized_mnist_test_labels() -> np.ndarray:
    """The digit labels of the binarized-MNIST test split, row by row.

    The ``.amat`` test split holds the 10,000 MNIST test images sorted by digit class (its
    rows are not in the order of the ``t10k`` files, whose labels therefore do not apply to
    them), so its labels are the classes repeated by their counts in the MNIST test set.
    Checked against the images themselves: matching each binarized test image to the grey
    ``t10k`` image most likely to have produced it (Bernoulli likelihood of the pixels)
    gives these labels for all 10,000 rows (``tests/test_datasets.py`` repeats the check on
    a sample when the MNIST files are at hand). The training and validation splits are in
    an order of their own, and no labels ship for them.

    Returns
    -------
    numpy.ndarray of uint8, shape (10000,)
        ``labels[i]``: the digit in row ``i`` of ``binarized_mnist_test.amat``.

    Examples
    --------
    >>> labels = binarized_mnist_test_labels()
    >>> labels[:3].tolist(), labels[-3:].tolist(), int((labels == 1).sum())
    ([0, 0, 0], [9, 9, 9], 1135)
    """
    return np.repeat(np.arange(10, dtype=np.uint8), MNIST_TEST_CLASS_COUNTS)


def load_embedded_mnist(split: str = "train", *, return_labels: bool = False):
    """The subset of binarized MNIST shipped inside the package (no file, no network).

    Parameters
    ----------
    split : {"train", "test"}, default "train"
        ``"train"``: the first 10,000 training images (that split is in random order);
        ``"test"``: 2,000 test images drawn at random with seed 0 (the test split is
        ordered by digit class, so its first rows are all zeros and ones); their row
        numbers are in ``test_indices`` of the file.
    return_labels : bool, default False
        Also return the digit labels (test split only: see
        :func:`binarized_mnist_test_labels`; the training split's labels are unknown).

    Returns
    -------
    images : numpy.ndarray of uint8, shape (n, 784)
        The images, values 0 and 1.
    labels : numpy.ndarray of uint8, shape (n,)
        Their digits; only with ``return_labels=True``.

    Raises
    ------
    ValueError
        If ``split`` is not ``"train"`` or ``"test"``, or labels are asked of the training
        split.

    Examples
    --------
    >>> load_embedded_mnist("test").shape
    (2000, 784)
    >>> X, y = load_embedded_mnist("test", return_labels=True)
    >>> y.shape, sorted(set(y.tolist())) == list(range(10))
    ((2000,), True)
    """
    if split not in ("train", "test"):
        raise ValueError(f"the embedded subset has splits 'train' and 'test', got {split!r}")
    if return_labels and split != "test":
        raise ValueError(
            "return_labels: only the embedded test split has labels (the binarized training "
            "split is in an order of its own, so the MNIST training labels do not apply)"
        )
    ref = resources.files("pgm_ebm.data") / "binarized_mnist_subset.npz"
    with resources.as_file(ref) as p, np.load(p) as z:
        packed = z[split]
        n = int(z[f"{split}_rows"])
        rows = z["test_indices"] if return_labels else None
    X = np.unpackbits(packed, axis=1, count=N_PIXELS)[:n]
    if not return_labels:
        return X
    return X, binarized_mnist_test_labels()[rows]
