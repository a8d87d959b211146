"""Model and checkpoint files from elsewhere: every way a file can be wrong is a clean
ValueError naming the file, checked before anything reaches a kernel."""

import json
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

from pgm_ebm import BernoulliRBM
from pgm_ebm.io import ModelFileError, read_npz
from pgm_ebm.models.rbm import TrainingStopped


def _data(n=40, d=12, seed=0):
    return (np.random.default_rng(seed).random((n, d)) < 0.4).astype(np.float32)


def _arrays(path):
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _write(path, arrays, **meta_changes):
    arrays = dict(arrays)
    meta = json.loads(str(arrays["meta"]))
    for k, v in meta_changes.items():
        if v is _DROP:
            meta.pop(k, None)
        else:
            meta[k] = v
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    return path


_DROP = object()
KW = dict(n_components=4, n_iter=3, batch_size=10, random_state=0, momentum=0.5)


@pytest.fixture
def checkpoint(tmp_path):
    ck = tmp_path / "ck.npz"
    BernoulliRBM(**{**KW, "n_iter": 2}).fit(_data(), checkpoint=ck)
    return ck


def _resume(ck):
    return BernoulliRBM(**KW).fit(_data(), checkpoint=ck, resume=True)


@pytest.mark.parametrize(
    "name, value, match",
    [
        ("streams", np.ones((1, 2), np.uint64), "streams has shape"),
        ("streams", np.ones((10, 2), np.int64), "streams has dtype"),
        ("streams", np.zeros((10, 2), np.uint64), "all-zero"),
        ("velocity_0", np.zeros((4, 12), np.float32), "velocity_0 has shape"),
        ("velocity_0", np.zeros((2, 2), np.float32), "velocity_0 has shape"),
        ("velocity_1", np.full(12, np.nan, np.float32), "non-finite"),
        ("h_samples_", np.zeros((3, 4), np.float32), "h_samples_ has 3 chains"),
        ("h_samples_", np.full((10, 4), 2.0, np.float32), "outside"),
        ("components_", np.zeros((4, 12), np.float64), "dtype"),
        ("base_rate_logit_", np.zeros(11), "base_rate_logit_ has shape"),
    ],
)
def test_checkpoint_arrays_are_checked_before_use(checkpoint, name, value, match):
    arrays = _arrays(checkpoint)
    arrays[name] = value
    _write(checkpoint, arrays)
    with pytest.raises(ValueError, match=match) as info:
        _resume(checkpoint)
    assert str(checkpoint) in str(info.value)


@pytest.mark.parametrize(
    "key, value, match",
    [
        ("rng_class", "seed", "rng_class must be one of"),
        ("rng_class", "RandomState", "rng_class must be one of"),
        ("rng_state", {"bit_generator": "PCG64"}, "invalid rng_state"),
        ("rng_state", "x", "invalid rng_state"),
        ("n_iter_", 99, "exceeds"),
        ("n_iter_", -1, "n_iter_ must be"),
        ("n_iter_", "2", "n_iter_ must be"),
        ("n_features_in_", 3.5, "features"),
        ("params", [1, 2], "params must be"),
        ("params", {"n_components": 4, "evil": 1}, "evil"),
        ("history_", "abc", "history_"),
        ("format_version", "1", "format version"),
        ("class", "IsingLattice", "not a BernoulliRBM"),
        ("meta", None, None),
    ],
)
def test_checkpoint_metadata_is_checked(checkpoint, key, value, match):
    arrays = _arrays(checkpoint)
    if key == "meta":
        arrays["meta"] = np.array(["not", "json"])
        np.savez(checkpoint, **arrays)
        match = "'meta' must be a JSON string"
    else:
        _write(checkpoint, arrays, **{key: value})
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    with pytest.raises(ValueError, match=match) as info:
        _resume(checkpoint)
    assert str(checkpoint) in str(info.value)
    # a file never reaches the global generator (rng_class='seed' used to reseed it)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_resume_from_a_valid_checkpoint_still_exact(checkpoint):
    full = BernoulliRBM(**KW).fit(_data())
    resumed = _resume(checkpoint)
    np.testing.assert_array_equal(resumed.components_, full.components_)


@pytest.mark.parametrize(
    "content, match",
    [
        (b"", "is empty"),
        (b"PK\x03\x04garbage", "not an .npz archive|corrupt"),
        (b"\x80\x04\x95" + b"\x00" * 20, "never hold pickled data"),
        (b"hello world", "not an .npz archive"),
    ],
)
def test_broken_files_name_the_file(tmp_path, content, match):
    p = tmp_path / "bad.npz"
    p.write_bytes(content)
    with pytest.raises(ModelFileError, match=match) as info:
        BernoulliRBM.load(p)
    assert str(p) in str(info.value)


def test_npy_object_arrays_folders_and_truncation(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros(3))
    with pytest.raises(ModelFileError, match="single .npy array"):
        BernoulliRBM.load(tmp_path / "a.npy")
    np.savez(tmp_path / "obj.npz", meta=np.array(["x", None], dtype=object))
    with pytest.raises(ModelFileError, match="never hold pickled data") as info:
        BernoulliRBM.load(tmp_path / "obj.npz")
    assert "allow_pickle" not in str(info.value)
    with pytest.raises(ModelFileError, match="folder"):
        BernoulliRBM.load(tmp_path)
    with pytest.raises(ModelFileError, match="no such file"):
        BernoulliRBM.load(tmp_path / "missing.npz")
    good = BernoulliRBM(4, n_iter=1, random_state=0).fit(_data()).save(tmp_path / "m.npz")
    data = good.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 5):
        (tmp_path / "t.npz").write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match="t.npz"):
            BernoulliRBM.load(tmp_path / "t.npz")


def test_a_member_cannot_declare_more_than_it_holds(tmp_path):
    """A header claiming 10**12 elements must not make the reader allocate them."""
    p = tmp_path / "huge.npz"
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("meta.npy", buf.getvalue() + b"\x00" * 64)
    with pytest.raises(ModelFileError, match="declares shape"):
        read_npz(p)


def test_missing_entries(tmp_path):
    m = BernoulliRBM(4, n_iter=1, random_state=0).fit(_data())
    arrays = _arrays(m.save(tmp_path / "m.npz"))
    for key in ("components_", "intercept_hidden_", "h_samples_"):
        d = {k: v for k, v in arrays.items() if k != key}
        np.savez(tmp_path / "x.npz", **d)
        with pytest.raises(ModelFileError, match=f"missing array '{key}'"):
            BernoulliRBM.load(tmp_path / "x.npz")
    _write(tmp_path / "y.npz", arrays, n_features_in_=_DROP)
    with pytest.raises(ModelFileError, match="n_features_in_"):
        BernoulliRBM.load(tmp_path / "y.npz")


# ----------------------------------------------------------------------------- interrupts
def test_interrupt_while_writing_the_checkpoint_keeps_the_last_epoch(tmp_path, monkeypatch):
    """Ctrl-C inside epoch 3's checkpoint write: the checkpoint on disk is that of epoch 2
    (or 3, never half a file) and resuming from it gives the uninterrupted result."""
    import pgm_ebm.models.rbm as rbm_mod

    X = _data()
    ck = tmp_path / "ck.npz"
    full = BernoulliRBM(**{**KW, "n_iter": 4}).fit(X)
    real = rbm_mod.write_npz_atomic
    monkeypatch.setattr(rbm_mod, "write_npz_atomic", _interrupting(real, 3))
    m = BernoulliRBM(**{**KW, "n_iter": 4})
    with pytest.warns(TrainingStopped, match="interrupted"):
        m.fit(X, checkpoint=ck)
    assert m.stop_reason_ == "interrupted" and m.n_iter_ == 3
    assert [h["epoch"] for h in m.history_] == [1, 2, 3]
    monkeypatch.setattr(rbm_mod, "write_npz_atomic", real)
    resumed = BernoulliRBM(**{**KW, "n_iter": 4}).fit(X, checkpoint=ck, resume=True)
    np.testing.assert_array_equal(resumed.components_, full.components_)


def _interrupting(real, at_call):
    """``real`` wrapped so that its ``at_call``-th call raises KeyboardInterrupt (Ctrl-C)."""
    calls = {"n": 0}

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] == at_call:
            raise KeyboardInterrupt
        return real(*a, **k)

    return flaky


def test_interrupt_while_monitoring_keeps_the_last_epoch(tmp_path, monkeypatch):
    X = _data()
    ck = tmp_path / "ck.npz"
    full = BernoulliRBM(**{**KW, "n_iter": 4}).fit(X, monitor=X[:5])
    real = BernoulliRBM.pseudo_log_likelihood
    monkeypatch.setattr(BernoulliRBM, "pseudo_log_likelihood", _interrupting(real, 2))
    m = BernoulliRBM(**{**KW, "n_iter": 4})
    with pytest.warns(TrainingStopped):
        m.fit(X, checkpoint=ck, monitor=X[:5])
    assert m.n_iter_ == 1 and len(m.history_) == 1
    monkeypatch.setattr(BernoulliRBM, "pseudo_log_likelihood", real)
    resumed = BernoulliRBM(**{**KW, "n_iter": 4}).fit(X, checkpoint=ck, resume=True, monitor=X[:5])
    np.testing.assert_array_equal(resumed.components_, full.components_)
    assert [h["epoch"] for h in resumed.history_] == [1, 2, 3, 4]


def test_cli_interrupt_writes_model_metrics_and_exits_130(tmp_path, monkeypatch, capsys):
    from pgm_ebm.cli import main

    real = BernoulliRBM.reconstruction_error
    monkeypatch.setattr(BernoulliRBM, "reconstruction_error", _interrupting(real, 2))
    out = tmp_path / "run"
    argv = ["rbm", "fit", "--limit", "200", "--eval-limit", "50", "--n-components", "6"]
    rc = main([*argv, "--n-iter", "3", "--out", str(out), "--quiet", "--no-figures"])
    assert rc == 130
    assert "interrupted" in capsys.readouterr().err
    m = BernoulliRBM.load(out / "model.npz")
    assert m.n_iter_ == 1
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["stop_reason"] == "interrupted" and metrics["epochs"] == 1
    monkeypatch.setattr(BernoulliRBM, "reconstruction_error", real)
    # --resume continues that run with its saved settings, whatever the preset says
    rc = main(["rbm", "fit", "--resume", "--limit", "200", "--eval-limit", "50", "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "resuming" in printed and "saved settings" in printed
    m = BernoulliRBM.load(out / "model.npz")
    assert m.n_iter_ == 3 and m.n_components == 6


# ----------------------------------------------------------------------------- fuzz
FUZZ = textwrap.dedent(
    """
    import io, json, sys, zipfile, traceback
    import numpy as np
    from pgm_ebm import BernoulliRBM

    src, ck, work, seed, n = sys.argv[1:6]
    rng = np.random.default_rng(int(seed))
    X = (np.random.default_rng(0).random((40, 12)) < 0.4).astype(np.float32)
    KW = dict(n_components=4, n_iter=3, batch_size=10, random_state=0, momentum=0.5)

    def arrays_of(path):
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}

    def mutate(path, out):
        data = bytearray(open(path, "rb").read())
        kind = rng.integers(6)
        if kind == 0:  # byte flips
            for _ in range(rng.integers(1, 8)):
                data[rng.integers(len(data))] ^= 1 << int(rng.integers(8))
            open(out, "wb").write(bytes(data))
        elif kind == 1:  # truncation
            open(out, "wb").write(bytes(data[: rng.integers(len(data))]))
        else:
            a = arrays_of(path)
            keys = sorted(a)
            k = keys[rng.integers(len(keys))]
            if kind == 2:  # a missing key
                del a[k]
            elif kind == 3:  # an extra key
                a["extra_" + str(rng.integers(100))] = rng.random(3)
            elif kind == 4 and k != "meta":  # a shape change
                v = a[k]
                shape = tuple(int(max(0, s + rng.integers(-2, 3))) for s in v.shape) or (2,)
                a[k] = np.resize(v, shape).astype(v.dtype)
            elif k != "meta":  # a dtype change
                dt = [np.float64, np.float32, np.int32, np.uint64, np.int8, np.bool_][
                    rng.integers(6)
                ]
                a[k] = a[k].astype(dt)
            else:  # metadata: a field removed or retyped
                meta = json.loads(str(a["meta"]))
                key = sorted(meta)[rng.integers(len(meta))]
                meta[key] = [None, "x", -1, 1e308, [], {}][rng.integers(6)]
                a["meta"] = np.array(json.dumps(meta))
            np.savez(out, **a)

    outcomes = {"ValueError": 0, "loaded": 0}
    for i in range(int(n)):
        which = i % 2
        out = f"{work}/f{i}.npz"
        mutate(src if which == 0 else ck, out)
        try:
            if which == 0:
                m = BernoulliRBM.load(out)
                m.transform(X[:3]); m.sample(2, 2, random_state=0)
            else:
                BernoulliRBM(**KW).fit(X, checkpoint=out, resume=True)
            outcomes["loaded"] += 1
        except ValueError as exc:
            if out not in str(exc):
                print("ERROR without the file name:", exc); sys.exit(3)
            outcomes["ValueError"] += 1
        except Exception:
            traceback.print_exc(); sys.exit(4)
    print(json.dumps(outcomes))
    """
)


@pytest.mark.slow
def test_fuzzed_model_and_checkpoint_files_never_crash(tmp_path):
    """Random byte flips, truncations, shape / dtype changes, extra and missing keys and
    retyped metadata, loaded in a subprocess (so a crash shows as its exit status): every
    file either loads into a usable model or raises a ValueError that names it."""
    X = _data()
    src = BernoulliRBM(4, n_iter=1, random_state=0).fit(X).save(tmp_path / "m.npz")
    ck = tmp_path / "ck.npz"
    BernoulliRBM(**{**KW, "n_iter": 2}).fit(X, checkpoint=ck)
    work = tmp_path / "work"
    work.mkdir()
    res = subprocess.run(
        [sys.executable, "-c", FUZZ, str(src), str(ck), str(work), "20261201", "400"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, (res.returncode, res.stdout[-2000:], res.stderr[-3000:])
    outcomes = json.loads(res.stdout.strip().splitlines()[-1])
    assert outcomes["ValueError"] > 300, outcomes


# ----------------------------------------------------------------------------- data files
def test_cli_npy_data_is_read_safely(tmp_path, capsys):
    from pgm_ebm.cli import main

    np.save(tmp_path / "obj.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    argv = ["rbm", "fit", "--data", str(tmp_path / "obj.npy"), "--out", str(tmp_path / "r")]
    assert main([*argv, "--quiet", "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert "never hold pickled data" in err and "allow_pickle" not in err
    assert err.count("\n") == 1 and "obj.npy" in err
    # a header that declares more than the file holds
    p = tmp_path / "lie.npy"
    with open(p, "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f8", "fortran_order": False, "shape": (10**9, 10**9)}
        )
        f.write(b"\0" * 16)
    from pgm_ebm.io import read_npy

    with pytest.raises(ModelFileError, match="declares shape"):
        read_npy(p)


def test_idx_shape_products_cannot_wrap(tmp_path):
    """Four dimensions of 2**16 multiply to 2**64, which wraps to 0 in int64: the header
    would then 'match' an empty payload."""
    from pgm_ebm.datasets import DataFormatError, read_idx

    p = tmp_path / "wrap.idx"
    p.write_bytes(bytes([0, 0, 0x08, 4]) + (2**16).to_bytes(4, "big") * 4)
    with pytest.raises(DataFormatError, match="header announces"):
        read_idx(p)


def test_gzip_bombs_are_refused(tmp_path, monkeypatch):
    import gzip

    import pgm_ebm.datasets as ds

    monkeypatch.setattr(ds, "MAX_DECOMPRESSED_BYTES", 1000)
    p = tmp_path / "bomb.amat.gz"
    p.write_bytes(gzip.compress(b"0 " * 5000))
    with pytest.raises(ds.DataFormatError, match="decompresses to more than"):
        ds.read_amat(p)
