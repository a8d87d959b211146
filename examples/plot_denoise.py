"""
Denoising with an Ising prior: every method against the noise level
===================================================================

Flip 5% to 30% of the pixels of the built-in "shapes" image and restore it with every
method of :mod:`pgm_ebm.denoise`, using the exact coupling to the observation for each noise
rate, eta = 0.5 log((1 - p) / p), and beta = 1.  Left: pixel error against the noise rate.
Right: each method's energy above the exact MAP (graph cut), which no method can go below.
"""

import matplotlib.pyplot as plt
import numpy as np

from pgm_ebm import denoise as dn

clean = dn.builtin_image("shapes", 128)
rates = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
err = {m: [] for m in dn.METHODS}
gap = {m: [] for m in dn.METHODS}
for p in rates:
    noisy = dn.add_flip_noise(clean, p, random_state=0)
    res = dn.compare_methods(clean, noisy, noise_rate=p, random_state=0)
    for m, r in res.items():
        err[m].append(100 * r.settings["error_rate"])
        gap[m].append(r.energy - res["graph-cut"].energy)

fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
for m in dn.METHODS:
    a.plot(100 * np.array(rates), err[m], "o-", label=m)
    if m != "graph-cut":
        b.plot(100 * np.array(rates), np.array(gap[m]) + 1, "o-", label=m)
a.plot(100 * np.array(rates), 100 * np.array(rates), "k:", label="noisy image")
a.set(xlabel="flipped pixels (%)", ylabel="pixel error after restoration (%)")
b.set(xlabel="flipped pixels (%)", ylabel="E - E(graph cut) + 1", yscale="log")
a.legend(fontsize=8)
b.legend(fontsize=8)
fig.tight_layout()
plt.show()
