import gzip
import hashlib

import numpy as np
import pytest
from conftest import SEED, mnist_dir

from pgm_ebm import datasets
from pgm_ebm.datasets import (
    DataFormatError,
    binarize,
    load_binarized_mnist,
    load_embedded_mnist,
    load_mnist_idx,
    read_amat,
    read_idx,
)


def _amat_text(X):
    return "".join(" ".join(str(int(v)) for v in row) + "\n" for row in X)


@pytest.fixture
def small():
    return (np.random.default_rng(SEED).random((5, 784)) < 0.2).astype(np.uint8)


@pytest.mark.parametrize("compress", [False, True])
def test_read_amat_plain_and_gzip(tmp_path, small, compress):
    data = _amat_text(small).encode()
    p = tmp_path / "x.amat"
    p.write_bytes(gzip.compress(data) if compress else data)
    np.testing.assert_array_equal(read_amat(p), small)


def test_read_amat_other_spacing(tmp_path, small):
    p = tmp_path / "x.amat"
    p.write_text("\n".join("  ".join(f"{v}.0" for v in row) for row in small))
    np.testing.assert_array_equal(read_amat(p), small)


def test_read_amat_errors_name_file_and_line(tmp_path, small):
    text = _amat_text(small).splitlines()
    p = tmp_path / "bad.amat"
    p.write_text("\n".join(text[:2] + [text[2][:-2]] + text[3:]) + "\n")
    with pytest.raises(DataFormatError, match=r"bad\.amat, line 3: expected 784 values, got 783"):
        read_amat(p)
    row = text[1].split()
    row[10] = "7"
    p.write_text("\n".join([text[0], " ".join(row)]) + "\n")
    with pytest.raises(DataFormatError, match=r"line 2, column 11: value '7' is not 0 or 1"):
        read_amat(p)
    gz = tmp_path / "trunc.amat.gz"
    gz.write_bytes(gzip.compress(_amat_text(small).encode())[:-20])
    with pytest.raises(DataFormatError, match=r"trunc\.amat\.gz: truncated or corrupt gzip"):
        read_amat(gz)
    empty = tmp_path / "empty.amat"
    empty.write_text("")
    with pytest.raises(DataFormatError, match="no rows"):
        read_amat(empty)


def _idx_bytes(arr, code=0x08):
    header = bytes([0, 0, code, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return header + arr.tobytes()


def test_read_idx_round_trip_and_errors(tmp_path):
    imgs = np.random.default_rng(SEED).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1], dtype=np.uint8)
    pi, pl = tmp_path / "i.idx", tmp_path / "l.idx.gz"
    pi.write_bytes(_idx_bytes(imgs))
    pl.write_bytes(gzip.compress(_idx_bytes(labels)))
    X, y = load_mnist_idx(pi, pl)
    np.testing.assert_array_equal(X, imgs)
    np.testing.assert_array_equal(y, labels)
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"\x01\x02" + _idx_bytes(imgs)[2:])
    with pytest.raises(DataFormatError, match="offset 0: bad magic number"):
        read_idx(bad)
    bad.write_bytes(_idx_bytes(imgs)[:-100])
    with pytest.raises(DataFormatError, match=r"offset 16: .*\(truncated\)"):
        read_idx(bad)
    bad.write_bytes(bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 7]))
    with pytest.raises(DataFormatError, match="offset 2: unknown IDX type code 0x42"):
        read_idx(bad)
    pl.write_bytes(_idx_bytes(labels[:3]))
    with pytest.raises(DataFormatError, match="3 labels for 4 images"):
        load_mnist_idx(pi, pl)


def test_binarize_threshold_and_stochastic():
    g = np.array([[0, 100, 128, 255]], dtype=np.uint8)
    np.testing.assert_array_equal(binarize(g), [[0, 0, 1, 1]])
    p = np.full((20000, 1), 0.3)
    a = binarize(p, "stochastic", random_state=1)
    np.testing.assert_array_equal(a, binarize(p, "stochastic", random_state=1))
    assert abs(a.mean() - 0.3) < 5 * np.sqrt(0.21 / 20000)
    with pytest.raises(ValueError, match="method"):
        binarize(g, "otsu")
    with pytest.raises(ValueError, match="threshold"):
        binarize(g, threshold=2)


def test_lookup_order_and_missing_message(tmp_path, monkeypatch, small):
    a, b, cache = tmp_path / "a", tmp_path / "b", tmp_path / "cache"
    a.mkdir(), b.mkdir()
    (a / "binarized_mnist_valid.amat").write_text(_amat_text(small[:2]))
    (b / "binarized_mnist_valid.amat.gz").write_bytes(gzip.compress(_amat_text(small[:3]).encode()))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("PGM_EBM_DATA", str(b))
    assert len(load_binarized_mnist("valid", data_home=a)) == 2  # data_home first
    assert len(load_binarized_mnist("valid")) == 3  # then $PGM_EBM_DATA
    with pytest.raises(FileNotFoundError, match=r"(?s)Searched:.*cache.*Put binarized_mnist_test"):
        load_binarized_mnist("test", download=False)
    with pytest.raises(ValueError, match="split"):
        load_binarized_mnist("training")


def test_download_is_checksummed(tmp_path, monkeypatch):
    """The downloader keeps the file only when its SHA-256 matches (no network used)."""
    import io

    payload = b"0 1\n"

    class Resp(io.BytesIO):
        headers = {"Content-Length": str(len(payload))}

    monkeypatch.setattr(datasets.urllib.request, "urlopen", lambda url, timeout: Resp(payload))
    dest = tmp_path / "binarized_mnist_test.amat"
    with pytest.raises(DataFormatError, match="SHA-256"):
        datasets._download("test", dest, progress=False)
    assert not dest.exists()
    monkeypatch.setitem(datasets.SHA256, "test", hashlib.sha256(payload).hexdigest())
    assert datasets._download("test", dest, progress=False).read_bytes() == payload


def test_embedded_subset():
    X, T = load_embedded_mnist("train"), load_embedded_mnist("test")
    assert X.shape == (10000, 784) and T.shape == (2000, 784) and X.dtype == np.uint8
    assert set(np.unique(X)) == {0, 1} and 0.10 < X.mean() < 0.16
    with pytest.raises(ValueError, match="splits"):
        load_embedded_mnist("valid")


@pytest.mark.mnist
def test_real_files_load_and_match_the_embedded_subset():
    d = mnist_dir()
    for split, n in datasets.N_ROWS.items():
        X = load_binarized_mnist(split, data_home=d, download=False)
        assert X.shape == (n, 784) and set(np.unique(X)) == {0, 1}
        if split == "test":
            from importlib import resources

            with np.load(resources.files("pgm_ebm.data") / "binarized_mnist_subset.npz") as z:
                idx = z["test_indices"]
            assert len(np.unique(idx)) == 2000
            np.testing.assert_array_equal(X[idx], load_embedded_mnist("test"))
        if split == "train":
            np.testing.assert_array_equal(X[:10000], load_embedded_mnist("train"))
            # the checksum used for downloads is that of the canonical uncompressed file
            text = gzip.decompress((d / "binarized_mnist_train.amat.gz").read_bytes())
            assert hashlib.sha256(text).hexdigest() == datasets.SHA256["train"]
    imgs, labels = load_mnist_idx(d / "t10k-images-idx3-ubyte.gz", d / "t10k-labels-idx1-ubyte.gz")
    assert imgs.shape == (10000, 28, 28) and labels.max() == 9


@pytest.mark.parametrize("n_features", [0, -3, 2.5, True])
def test_read_amat_names_a_bad_row_length(tmp_path, n_features):
    # n_features=0 used to end in ZeroDivisionError (the fast path's row width was 0)
    path = tmp_path / "x.amat"
    path.write_text("0 1\n")
    with pytest.raises(ValueError, match="n_features"):
        read_amat(path, n_features=n_features)


@pytest.mark.parametrize("threshold", ["0.5", float("nan"), 1.5, None])
def test_binarize_names_a_bad_threshold(threshold):
    with pytest.raises(ValueError, match="threshold"):
        binarize(np.zeros((1, 4)), threshold=threshold)


def test_embedded_test_labels_are_the_class_sorted_rows_labels():
    labels = datasets.binarized_mnist_test_labels()
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert np.all(np.diff(labels.astype(int)) >= 0)  # the .amat test split is class-sorted
    assert np.bincount(labels).tolist() == list(datasets.MNIST_TEST_CLASS_COUNTS)
    X, y = load_embedded_mnist("test", return_labels=True)
    np.testing.assert_array_equal(X, load_embedded_mnist("test"))
    assert y.shape == (2000,) and np.bincount(y, minlength=10).min() > 150
    # the class means must differ as digits do: a nearest-class-mean rule, fitted on every
    # other row and scored on the rest, is right far more often than chance (10%)
    fit, score = np.arange(0, 2000, 2), np.arange(1, 2000, 2)  # the rows are class-sorted
    M = np.stack([X[fit][y[fit] == k].mean(0) for k in range(10)])
    pred = np.argmin(((X[score, None, :] - M[None]) ** 2).sum(-1), axis=1)
    assert (pred == y[score]).mean() > 0.6
    with pytest.raises(ValueError, match="return_labels"):
        load_embedded_mnist("train", return_labels=True)


@pytest.mark.mnist
def test_binarized_test_labels_match_the_grey_images_they_came_from():
    """Each binarized test image is matched to the t10k grey image most likely to have
    produced it (pixel by pixel Bernoulli(grey / 255)): the match's label is the one
    binarized_mnist_test_labels gives, for a random sample of 1,000 rows."""
    d = mnist_dir()
    X = load_binarized_mnist("test", data_home=d, download=False)
    grey, t10k_labels = load_mnist_idx(
        d / "t10k-images-idx3-ubyte.gz", d / "t10k-labels-idx1-ubyte.gz"
    )
    rows = np.random.default_rng(SEED).choice(len(X), 1000, replace=False)
    P = np.clip(grey.reshape(len(grey), -1) / 255.0, 1e-3, 1 - 1e-3)
    B = X[rows].astype(np.float64)
    loglik = B @ np.log(P).T + (1 - B) @ np.log(1 - P).T
    matched = t10k_labels[loglik.argmax(axis=1)]
    np.testing.assert_array_equal(matched, datasets.binarized_mnist_test_labels()[rows])
