"""
Exact log-likelihood of a small RBM on binarized MNIST
======================================================

Train a 20-hidden-unit Bernoulli RBM with persistent contrastive divergence on the
binarized-MNIST subset that ships with the package, and measure it honestly: with 20 hidden
units, log Z is computed exactly by enumerating the 2**20 hidden states, so the test
log-likelihood carries no estimator error.  scikit-learn's BernoulliRBM, trained on the same data
with the same settings, is scored with the same exact computation.
"""

import time

import matplotlib.pyplot as plt
from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM

from pgm_ebm import BernoulliRBM
from pgm_ebm.datasets import load_embedded_mnist
from pgm_ebm.plotting import plot_filters, plot_samples

X = load_embedded_mnist("train")  # 10,000 images, uint8 0/1
T = load_embedded_mnist("test")  # 2,000 random test images

# %%
# Train with PCD-1 (the ``mnist`` preset's settings, fewer epochs).
t0 = time.perf_counter()
rbm = BernoulliRBM(
    n_components=20,
    learning_rate=0.1,
    momentum=0.5,
    weight_decay=1e-4,
    batch_size=100,
    n_iter=30,
    n_chains=100,
    lr_schedule="linear",
    random_state=0,
).fit(X)
print(f"pgm_ebm: trained in {time.perf_counter() - t0:.1f} s")

ll, logz = rbm.score_samples(T, return_log_partition=True)
print(f"pgm_ebm test log-likelihood: {ll.mean():.2f} nats ({logz})")
print(f"pgm_ebm test pseudo-log-likelihood: {rbm.pseudo_log_likelihood(T).mean():.2f} nats")

# %%
# scikit-learn's BernoulliRBM with the same number of units, learning rate, batch and epochs;
# its parameters are copied into our estimator to compute its exact log-likelihood.
t0 = time.perf_counter()
sk = SkBernoulliRBM(
    n_components=20, learning_rate=0.1, batch_size=100, n_iter=30, random_state=0
).fit(X.astype(float))
print(f"scikit-learn: trained in {time.perf_counter() - t0:.1f} s")
judge = BernoulliRBM(n_components=20, dtype="float64", n_iter=0).fit(X)
judge.components_ = sk.components_.copy()
judge.intercept_hidden_ = sk.intercept_hidden_.copy()
judge.intercept_visible_ = sk.intercept_visible_.copy()
print(f"scikit-learn test log-likelihood: {judge.score(T):.2f} nats")

# %%
# Receptive fields of the 20 hidden units and samples after 1000 Gibbs steps.
fig, axes = plt.subplots(1, 2, figsize=(10, 5))
plot_filters(rbm.components_, ax=axes[0], title="filters of the 20 hidden units")
_, probs = rbm.sample(49, n_steps=1000, return_probabilities=True, random_state=0)
plot_samples(probs, ax=axes[1], title="samples, p(v | h) after 1000 steps")
plt.show()
