r"""
7. Deep Boltzmann machines: stacking, joint training, the variational bound
===========================================================================

A deep Boltzmann machine stacks layers of binary units with connections only between
neighbouring layers: :math:`E(v, h^1, h^2) = -v^\top W_1 h^1 - h^{1\top} W_2 h^2 - \sum_l
b_l^\top x_l`.  Unlike an RBM, the hidden units are no longer independent given :math:`v`
(the top layer talks back), so even :math:`p(h \mid v)` is intractable.  Training therefore
uses two approximations (Salakhutdinov & Hinton 2009): a *mean-field* posterior for the data
moments and *persistent chains* for the model moments; and evaluation reports a *lower
bound* on :math:`\log p(v)`.  This tutorial trains a small DBM on the embedded MNIST subset,
then checks each approximation exactly on a DBM small enough to enumerate.
"""

import matplotlib.pyplot as plt
import numpy as np

from pgm_ebm import DBM, BernoulliRBM
from pgm_ebm.datasets import load_embedded_mnist
from pgm_ebm.plotting import plot_filters, plot_samples

X = load_embedded_mnist("train")
T = load_embedded_mnist("test")

# %%
# Greedy stacking, then joint training
# ------------------------------------
# ``pretrain_iter`` epochs of each RBM of the stack (with the Salakhutdinov-Hinton doubling
# of the input to the middle layer), then ``n_iter`` joint epochs: mean field for the data,
# alternating odd/even block-Gibbs steps for 100 persistent chains, centering.

dbm = DBM([784, 100, 200], pretrain_iter=5, n_iter=10, learning_rate=0.005, batch_size=100,
          max_iter=10, random_state=0).fit(X)  # fmt: skip
fig, axes = plt.subplots(1, 2, figsize=(9, 4.5))
plot_filters(dbm.weights_[0].T, n=64, ax=axes[0], title="first-layer filters")
plot_samples(dbm.sample(36, n_steps=1000, random_state=1), ax=axes[1],
             title="samples: 1,000 block-Gibbs steps")  # fmt: skip
fig.tight_layout()

# %%
# The variational bound
# ---------------------
# For any distribution :math:`q(h)`, :math:`\log p(v) \ge \mathbb{E}_q[-E(v, h)] + H(q) -
# \log Z`; mean field picks the factorized :math:`q` that makes it largest.  ``score_samples``
# returns this bound per digit, with :math:`\log Z` by AIS with the odd layers summed out
# analytically.

logz = dbm.log_partition("ais", random_state=2)
bound = dbm.score_samples(T, log_partition=logz)
print(f"test lower bound {bound.mean():.2f} nats (log Z {logz.log_z:.3f} by {logz.method}, "
      f"95% [{logz.interval[0]:.3f}, {logz.interval[1]:.3f}])")  # fmt: skip
iters = [1, 2, 3, 5, 10, 30]
means = []
for k in iters:
    dbm.max_iter = k
    means.append(float(np.mean(-dbm.free_energy_bound(T))))
dbm.max_iter = 10
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(iters, np.array(means) - logz.log_z, "o-")
ax.set_xscale("log")
ax.set_xlabel("mean-field iterations")
ax.set_ylabel("test lower bound (nats)")
ax.set_title("each mean-field sweep can only raise the bound")
fig.tight_layout()

# %%
# Each odd/even update of mean field is coordinate ascent on the bound, so the curve never
# falls; it flattens within a few iterations, which is why training can cap them.
#
# Exercises
# ---------
# **1.** On a DBM small enough to enumerate (7-5-4), check that the bound is below the exact
# log-likelihood for every one of 50 random 7-pixel patterns.
#
# *Solution.* The gap is :math:`\mathrm{KL}(q \| p(h \mid v)) \ge 0`.

rng = np.random.default_rng(0)
Xs = (rng.random((300, 7)) < 0.4).astype(float)
tiny = DBM([7, 5, 4], pretrain_iter=3, n_iter=5, random_state=0).fit(Xs)
exact_ll = tiny.log_likelihood_exact(Xs[:50])
assert np.all(tiny.score_samples(Xs[:50]) <= exact_ll + 1e-9)

# %%
# **2.** With the top layer's weights at zero a DBM is an RBM (plus independent top units):
# check that its log Z is the RBM's plus the top layer's :math:`\sum \log(1 + e^{b})`.
#
# *Solution.* The top units then feel only their biases and factor out of :math:`Z`.

W1, W2 = tiny.weights_
b0, b1, b2 = (np.asarray(x, np.float64) for x in tiny.biases_)
flat = DBM.from_parameters([W1, np.zeros_like(W2)], [b0, b1, b2])
rbm = BernoulliRBM(5, n_iter=0, dtype="float64").fit(Xs)
rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_ = W1.T.astype(float), b0, b1
expected = rbm.log_partition("exact-enumeration").log_z + np.logaddexp(0, b2).sum()
assert np.isclose(flat.log_partition("exact-enumeration").log_z, expected, atol=1e-5)

# %%
# **3.** With a single hidden layer mean field is exact: the posterior of an RBM factorizes.
# Check that a one-hidden-layer DBM's mean field equals :math:`\sigma(W^\top v + b_1)`.
#
# *Solution.* Given :math:`v` the hidden units of an RBM are independent, so the best
# factorized :math:`q` is the posterior itself, reached in one update.

one = DBM([7, 5], pretrain_iter=2, n_iter=2, random_state=0).fit(Xs)
(mu,) = one.mean_field(Xs[:20])
W, b1 = (np.asarray(a, np.float64) for a in (one.weights_[0], one.biases_[1]))
assert np.allclose(mu, 1 / (1 + np.exp(-(Xs[:20] @ W + b1))), atol=1e-5)
print("exercises: all three solutions check out")
plt.show()
