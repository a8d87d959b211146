"""The denoising study: corrupt an image, restore it by every method, and summarise."""

from __future__ import annotations

import numpy as np


def denoise_experiment(
    img,
    methods=None,
    *,
    noise_type: str = "flip",
    noise: float = 0.1,
    beta: float = 1.0,
    eta=None,
    bishop: bool = False,
    h: float = 0.0,
    neighbourhood: int = 4,
    n_sweeps=None,
    random_state=0,
    progress: bool = False,
):
    """Add ``noise`` to the binary image ``img`` (flip rate, or Gaussian sigma; a flip rate
    of 0 takes ``img`` as already noisy), restore it with each method and return
    ``{"clean", "noisy", "results": {method: DenoiseResult}, "summary": dict}``.

    ``eta`` defaults to the noise's own (0.5 log((1 - p) / p) for flips, 1 / sigma^2 for
    Gaussian noise) or Bishop's 2.1 with ``bishop=True``.
    """
    from pgm_ebm import denoise as dn

    methods = list(dn.METHODS) if methods is None else list(methods)
    for m in methods:
        if m not in dn.METHODS:
            raise ValueError(f"--method must be 'all' or a comma list of {dn.METHODS}, got {m!r}")
    if noise_type == "flip" and noise == 0:
        clean, noisy = None, img
    elif noise_type == "flip":
        clean, noisy = img, dn.add_flip_noise(img, noise, random_state=random_state)
    else:
        clean, noisy = img, dn.add_gaussian_noise(img, noise, random_state=random_state)
    opts = dict(beta=beta, neighbourhood=neighbourhood, h=h, noise=noise_type)
    if eta is not None:
        opts["eta"] = eta
    elif noise_type == "flip" and noise > 0 and not bishop:
        opts["noise_rate"] = noise
    elif noise_type == "gaussian":
        opts["sigma"] = noise
    results = dn.compare_methods(
        clean,
        noisy,
        methods,
        progress=progress,
        random_state=random_state,
        n_sweeps=n_sweeps,
        **opts,
    )
    first = next(iter(results.values()))
    summary = {
        "shape": list(np.shape(img)),
        "noise": {"type": noise_type, "level": noise, "seed": random_state},
        "model": {k: first.settings[k] for k in ("beta", "eta", "h", "neighbourhood")},
        "methods": {
            m: {
                "error_rate": r.settings["error_rate"],
                "energy": r.energy,
                "n_iter": r.n_iter,
                "converged": None if r.converged is None else bool(r.converged),
                "exact": r.exact,
                "wall_time": r.wall_time,
            }
            for m, r in results.items()
        },
    }
    return {"clean": clean, "noisy": noisy, "results": results, "summary": summary}
