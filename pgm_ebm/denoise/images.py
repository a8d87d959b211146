"""Binary images for the denoising examples: built-in test images, reading and writing PNGs,
flip and Gaussian noise, and the {-1, +1} / {0, 1} conventions."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from pgm_ebm._rng import check_random_state
from pgm_ebm._validation import check_choice, check_memory, check_positive_int, check_real

__all__ = [
    "BUILTIN_IMAGES",
    "add_flip_noise",
    "add_gaussian_noise",
    "builtin_image",
    "load_image",
    "read_image",
    "save_image",
]

#: names accepted by :func:`builtin_image` (and ``builtin:NAME`` by :func:`load_image`)
BUILTIN_IMAGES = ("shapes", "text", "digit")


def as_spins(img, name="y"):
    """Binary image -> (int8 {-1, +1} copy, convention 'pm1' | '01')."""
    a = np.asarray(img)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D image, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} is empty (shape {a.shape})")
    if a.dtype == bool:
        return np.where(a, 1, -1).astype(np.int8), "01"
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be real numbers, got dtype {a.dtype}")
    vals = np.unique(a)
    if np.all(np.isin(vals, (-1, 1))):
        return a.astype(np.int8), "pm1"
    if np.all(np.isin(vals, (0, 1))):
        return np.where(a > 0, 1, -1).astype(np.int8), "01"
    raise ValueError(
        f"{name} must be binary, in {{-1, +1}} or {{0, 1}}; found values such as "
        f"{vals[~np.isin(vals, (-1, 0, 1))][:3].tolist()} (for real-valued observations use "
        "noise='gaussian')"
    )


def from_spins(s, convention, dtype):
    """{-1, +1} spins back to the convention ("pm1" or "01") and dtype of an input."""
    out = s if convention == "pm1" else (s > 0)
    return out.astype(dtype)


def pad(a, dtype):
    """``a`` (H, W) inside a zero frame: (H + 2, W + 2) of ``dtype`` (the kernels' layout)."""
    H, W = a.shape
    out = np.zeros((H + 2, W + 2), dtype)
    out[1:-1, 1:-1] = a
    return out


# --------------------------------------------------------------------------- noise
def add_flip_noise(x, noise_rate: float, random_state=None) -> np.ndarray:
    """Flip each pixel of the binary image x independently with probability ``noise_rate``
    (in (0, 0.5)); returns a new image in x's convention."""
    p = check_real(noise_rate, "noise_rate", 0.0, 0.5, low_open=True, high_open=True)
    s, conv = as_spins(x, "x")
    rng = check_random_state(random_state)
    flip = rng.random(s.shape) < p
    return from_spins(np.where(flip, -s, s).astype(np.int8), conv, np.asarray(x).dtype)


def add_gaussian_noise(x, sigma: float, random_state=None) -> np.ndarray:
    """``y = x + sigma * N(0, 1)`` on the {-1, +1} version of the binary image x (float64)."""
    sigma = check_real(sigma, "sigma", 0.0, low_open=True)
    s, _ = as_spins(x, "x")
    rng = check_random_state(random_state)
    return s + sigma * rng.standard_normal(s.shape)


# --------------------------------------------------------------------------- images
def _shapes(n):
    yy, xx = np.mgrid[0:n, 0:n] / n
    img = np.zeros((n, n), bool)
    img |= (xx - 0.28) ** 2 + (yy - 0.3) ** 2 < 0.17**2  # disc
    img |= ((xx - 0.7) / 0.22) ** 2 + ((yy - 0.7) / 0.14) ** 2 < 1  # ellipse
    img |= (np.abs(xx - 0.72) < 0.14) & (np.abs(yy - 0.24) < 0.1)  # rectangle
    # triangle with vertices (0.1, 0.9), (0.45, 0.9), (0.275, 0.58)
    img |= (yy < 0.9) & (yy > 0.58 + 1.83 * np.abs(xx - 0.275))
    return img


def _text(n):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1), dpi=n)
    canvas = FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    fig.text(
        0.5,
        0.68,
        "Ising",
        ha="center",
        va="center",
        fontsize=0.30 * 72,
        weight="bold",
        family="DejaVu Sans",
    )
    fig.text(
        0.5,
        0.3,
        "prior",
        ha="center",
        va="center",
        fontsize=0.30 * 72,
        weight="bold",
        family="DejaVu Sans",
    )
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())[:n, :n, :3].astype(np.float64) / 255
    return rgba.mean(axis=2) >= 0.5  # white background +1, black ink -1


def _digit(n):
    from scipy.ndimage import zoom

    from pgm_ebm.datasets import load_embedded_mnist

    d = load_embedded_mnist("test")[0].reshape(28, 28).astype(np.float64)
    pad = np.pad(d, 2)
    return zoom(pad, n / 32, order=1)[:n, :n] >= 0.5


def builtin_image(name: str = "shapes", size: int = 128) -> np.ndarray:
    """A built-in binary test image, int8 in {-1, +1} (+1 is white).

    ``"shapes"``: a disc, an ellipse, a rectangle and a triangle (the image of the
    quality targets in the docs); ``"text"``: the words
    "Ising prior" rendered with matplotlib's DejaVu Sans; ``"digit"``: an MNIST test
    digit (the embedded subset's first) upscaled by linear interpolation and thresholded.
    Sizes 128 and 512 are the documented ones; any size >= 16 works.
    """
    check_choice(name, "name", BUILTIN_IMAGES)
    size = check_positive_int(size, "size", 16)
    check_memory(64.0 * size * size, f"a {size} x {size} built-in image", "size")
    img = {"shapes": _shapes, "text": _text, "digit": _digit}[name](size)
    return np.where(img, 1, -1).astype(np.int8)


def read_image(path, threshold: float = 0.5, *, quiet: bool = False) -> np.ndarray:
    """Read a PNG or JPEG (matplotlib's reader) as a binary int8 {-1, +1} image.

    Colour is converted to grey (luminance 0.299 R + 0.587 G + 0.114 B; alpha ignored);
    a grey image is thresholded (grey >= ``threshold`` -> +1, white).  Both steps are
    announced with a ``UserWarning`` saying how (``quiet=True``: silently).
    """
    import matplotlib.image as mpimg

    path = Path(path)
    threshold = check_real(threshold, "threshold", 0.0, 1.0)
    if not path.is_file():
        raise FileNotFoundError(f"image file not found: {path}")
    try:
        raw = np.asarray(mpimg.imread(path))
    except Exception as exc:  # PIL's UnidentifiedImageError, SyntaxError, OSError, ...
        raise ValueError(f"{path}: not a readable image (PNG or JPEG): {exc}") from None
    if raw.size == 0 or raw.ndim < 2 or min(raw.shape[:2]) == 0:
        raise ValueError(f"{path}: the image is empty (shape {raw.shape})")
    a = raw.astype(np.float64)
    if raw.dtype.kind in "ui":  # JPEG: 8-bit integers
        a /= float(np.iinfo(raw.dtype).max)
    notes = []
    if a.ndim == 3:
        if a.shape[2] >= 3 and not (
            np.array_equal(a[..., 0], a[..., 1]) and np.array_equal(a[..., 1], a[..., 2])
        ):
            a = 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]
            notes.append("converted colour to grey (0.299 R + 0.587 G + 0.114 B)")
        else:
            a = a[..., 0]
    vals = np.unique(a)
    if not np.all(np.isin(vals, (0.0, 1.0))):
        frac = float(np.mean(a >= threshold))
        notes.append(
            f"thresholded grey levels at {threshold:g} (>= {threshold:g} -> white, +1): "
            f"{100 * frac:.1f}% of pixels white"
        )
    if notes and not quiet:
        warnings.warn(f"{path.name}: " + "; ".join(notes), UserWarning, stacklevel=2)
    return np.where(a >= threshold, 1, -1).astype(np.int8)


def load_image(spec, size: int = 128, threshold: float = 0.5, quiet: bool = False):
    """``"builtin:NAME"`` -> :func:`builtin_image`; anything else -> :func:`read_image`."""
    s = str(spec)
    if s.startswith("builtin:"):
        return builtin_image(s.split(":", 1)[1], size)
    return read_image(s, threshold, quiet=quiet)


def save_image(path, x) -> None:
    """Write a binary image (either convention) or marginals in [0, 1] as a grey PNG."""
    import matplotlib.image as mpimg

    a = np.asarray(x)
    if a.dtype.kind == "f" and a.min() >= 0 and a.max() <= 1:
        mpimg.imsave(path, a, cmap="gray", vmin=0.0, vmax=1.0)
    else:
        s, _ = as_spins(a, "x")
        mpimg.imsave(path, s, cmap="gray", vmin=-1, vmax=1)
