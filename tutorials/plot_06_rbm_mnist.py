r"""
6. RBMs on binarized MNIST: training, filters, samples, honest log-likelihoods
==============================================================================

A restricted Boltzmann machine has visible units :math:`v` (the pixels) and hidden units
:math:`h`, with no connections inside a layer:
:math:`E(v, h) = -v^\top W^\top h - b^\top v - c^\top h`.  Summing out :math:`h` gives the
*free energy* :math:`F(v) = -b^\top v - \sum_j \log(1 + e^{c_j + W_j v})` and
:math:`p(v) = e^{-F(v)} / Z`: the numerator is exact and cheap, :math:`Z` is the hard part.
This tutorial trains RBMs on the binarized-MNIST subset that ships with the package, looks
at what the hidden units learn and what the model generates, measures the log-likelihood
honestly (exactly where :math:`Z` can be enumerated, by forward and reverse AIS where it
cannot, each number saying how it was obtained) and feeds the learned features to a
scikit-learn classifier.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from pgm_ebm import BernoulliRBM
from pgm_ebm.datasets import load_embedded_mnist
from pgm_ebm.partition import log_partition
from pgm_ebm.plotting import plot_filters, plot_samples

X = load_embedded_mnist("train")  # 10,000 binarized digits, uint8 (10000, 784)
T = load_embedded_mnist("test")  # 2,000 test digits

# %%
# Training with persistent contrastive divergence
# -----------------------------------------------
# 100 hidden units, PCD-1 with 100 persistent chains, mini-batches of 100, momentum 0.5 and
# a learning rate that decays linearly to zero; ``history_`` keeps each epoch's monitors.

rbm = BernoulliRBM(100, learning_rate=0.1, batch_size=100, n_iter=15, momentum=0.5,
                   weight_decay=1e-4, lr_schedule="linear", n_chains=100,
                   random_state=0).fit(X)  # fmt: skip
fig, axes = plt.subplots(1, 2, figsize=(9, 4.5))
plot_filters(rbm.components_, n=64, ax=axes[0], title="64 filters (rows of W)")
samples = rbm.sample(36, n_steps=2000, random_state=1)
plot_samples(samples, ax=axes[1], title="samples: 2,000 Gibbs steps from noise")
fig.tight_layout()

# %%
# The filters are strokes and blobs: each hidden unit votes for a part of a digit.  The
# samples are digit-like; some chains are still on their way (that is the mixing problem
# the previous tutorial's reverse AIS ran into).
#
# Log-likelihood: exact for a small model
# ---------------------------------------
# With 20 hidden units :math:`Z` is a sum over :math:`2^{20}` hidden states, done exactly.

small = BernoulliRBM(20, learning_rate=0.1, batch_size=100, n_iter=15, momentum=0.5,
                     lr_schedule="linear", random_state=0).fit(X)  # fmt: skip
ll, logz = small.score_samples(T, return_log_partition=True)
se = ll.std(ddof=1) / np.sqrt(len(ll))
print(f"20 hidden units: test log-likelihood {ll.mean():.2f} +- {se:.2f} nats "
      f"(log Z {logz.log_z:.4f}, {logz.method})")  # fmt: skip

# %%
# Log-likelihood: AIS for a large one
# -----------------------------------
# With 100 hidden units enumeration would visit :math:`2^{100}` states.  Forward AIS anneals
# 100 chains from the base-rate model to the RBM over 14,500 temperatures; reverse AIS runs
# the same path backwards from the persistent chains.  The two estimates bracket the truth on
# average; their agreement is the check.

F = rbm.free_energy(T)
fwd = rbm.log_partition("ais", random_state=2)
rev = log_partition(rbm, "reverse-ais", init=rbm.sample(100, n_steps=5000, random_state=3),
                    random_state=2)  # fmt: skip
for r in (fwd, rev):
    print(f"{r.method:12s} log Z {r.log_z:.3f} [{r.interval[0]:.3f}, {r.interval[1]:.3f}], "
          f"ESS {r.diagnostics['ess']:.0f} of 100: test log-likelihood "
          f"{-F.mean() - r.log_z:.2f} nats")  # fmt: skip
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.hist(-F - fwd.log_z, bins=60, color="C0")
ax.axvline(-F.mean() - fwd.log_z, color="k", lw=1, label="mean (forward AIS log Z)")
ax.set_xlabel("log p(v) of each test digit (nats)")
ax.set_ylabel("digits")
ax.set_title("100 hidden units: log-likelihoods of the 2,000 test digits")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# RBM features for a classifier
# -----------------------------
# The hidden units' probabilities :math:`p(h_j = 1 \mid v)` (``transform``) are features
# learned without labels.  The 2,000 embedded test digits carry labels
# (:func:`~pgm_ebm.datasets.binarized_mnist_test_labels`), the 10,000 training digits the
# RBM learned from do not: the semi-supervised setting where such features pay.  Half the
# labelled digits are held out; a scikit-learn logistic regression (its default settings)
# learns from the first ``n`` of the other half, on raw pixels and on the 100 RBM features.

T, labels = load_embedded_mnist("test", return_labels=True)
pool, held_out = train_test_split(np.arange(len(T)), test_size=1000, stratify=labels,
                                  random_state=0)  # fmt: skip
features = {"raw pixels (784)": T.astype(float), "RBM features (100)": rbm.transform(T)}
n_labelled = [50, 100, 200, 500, 1000]
accuracy = {name: [] for name in features}
for n in n_labelled:
    for name, F in features.items():
        clf = LogisticRegression(max_iter=1000).fit(F[pool[:n]], labels[pool[:n]])
        accuracy[name].append(clf.score(F[held_out], labels[held_out]))
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, acc in accuracy.items():
    ax.plot(n_labelled, acc, "o-", label=name)
ax.set_xscale("log")
ax.set_xlabel("labelled training digits")
ax.set_ylabel("accuracy on 1,000 held-out digits")
ax.set_title("logistic regression on pixels and on RBM features")
ax.legend(fontsize=8)
fig.tight_layout()
for name, acc in accuracy.items():
    print(f"{name:20s}" + "  ".join(f"{n}: {a:.3f}" for n, a in zip(n_labelled, acc, strict=True)))

# %%
# Look at the gap between the curves: with few labels the RBM's features are worth many
# labelled examples (the classifier on 100 features has fewer weights to learn and the
# features already separate strokes); with 1,000 labels the raw pixels have nearly caught
# up.  The features were learned for modelling :math:`p(v)`, not for classification, so
# they are a starting point (fine-tuning or a wider RBM does better), not the state of the
# art.
#
# Exercises
# ---------
# **1.** Derive the free energy by summing :math:`e^{-E(v, h)}` over :math:`h`, and check it
# against a brute-force sum on an RBM with 4 hidden units.
#
# *Solution.* The hidden units are independent given :math:`v`:
# :math:`\sum_h e^{v^\top W^\top h + b^\top v + c^\top h} = e^{b^\top v} \prod_j (1 + e^{c_j
# + W_j v})`.

tiny = BernoulliRBM(4, n_iter=2, random_state=0).fit(X[:500])
W, b, c = (np.asarray(a, np.float64) for a in (tiny.components_, tiny.intercept_visible_,
                                               tiny.intercept_hidden_))  # fmt: skip
Hs = ((np.arange(16)[:, None] >> np.arange(3, -1, -1)) & 1).astype(float)
v = T[:5].astype(float)
brute = -np.log(np.exp(v @ W.T @ Hs.T + (v @ b)[:, None] + Hs @ c).sum(1))
assert np.allclose(tiny.free_energy(T[:5]), brute, atol=1e-4)  # float32 model

# %%
# **2.** Show that an RBM with zero weights is a product of independent pixels, whose
# :math:`\log Z = n_h \log 2 + \sum_i \log(1 + e^{b_i})`, and that AIS from the base-rate
# model is then exact.
#
# *Solution.* With :math:`W = 0` the energy separates unit by unit.  With visible biases at
# the base rates the base model *is* the model, every importance weight is equal, and the
# estimate has no variance.

zero = BernoulliRBM(20, n_iter=0, random_state=0).fit(X)  # base-rate biases, no training
zero.components_ = np.zeros_like(zero.components_)
zero.intercept_hidden_ = np.zeros_like(zero.intercept_hidden_)
expected = 20 * np.log(2) + np.logaddexp(0, zero.intercept_visible_.astype(float)).sum()
assert np.isclose(zero.log_partition("exact-enumeration").log_z, expected, atol=1e-6)
assert np.isclose(zero.log_partition("ais", random_state=0).log_z, expected, atol=1e-4)

# %%
# **3.** The exact log-likelihood of the 20-unit model is its mean of
# :math:`-F(v) - \log Z`: check that ``score`` says the same.
#
# *Solution.* ``score`` is the mean of ``score_samples``, which uses the exact
# :math:`\log Z` when the smaller layer has at most 25 units.

assert np.isclose(small.score(T), -small.free_energy(T).mean() - logz.log_z)

# %%
# **4.** Does the classifier on RBM features beat a nearest-class-mean rule on the raw
# pixels, with the same 1,000 labelled digits?
#
# *Solution.* Yes, by a wide margin: the class means are one template per digit, blind to
# the many ways of writing it.

means = np.stack([T[pool][labels[pool] == k].mean(0) for k in range(10)])
nearest = np.argmin(((T[held_out, None, :] - means[None]) ** 2).sum(-1), axis=1)
template_accuracy = (nearest == labels[held_out]).mean()
print(f"nearest class mean: {template_accuracy:.3f}")
assert accuracy["RBM features (100)"][-1] > template_accuracy + 0.05
print("exercises: all four solutions check out")
plt.show()
