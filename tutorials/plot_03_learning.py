r"""
3. Learning: data moments minus model moments
=============================================

For an exponential family :math:`p_\theta(x) = e^{\theta \cdot \phi(x)} / Z(\theta)` the
gradient of the mean log-likelihood of data :math:`x_1, \dots, x_N` is

.. math:: \nabla_\theta \frac1N \sum_n \log p_\theta(x_n)
   = \underbrace{\frac1N \sum_n \phi(x_n)}_{\text{data moments}}
   - \underbrace{\mathbb{E}_{p_\theta}[\phi(x)]}_{\text{model moments}},

because :math:`\nabla_\theta \log Z = \mathbb{E}_{p_\theta}[\phi]`.  Learning stops where the
model reproduces the data's moments (*moment matching*).  An RBM has hidden units: the data
moments then average over :math:`p(h \mid v)` too, which is exact and cheap; the model moments
need samples, which is where contrastive divergence (CD-k) and persistent CD (PCD) come in.

On an RBM small enough to enumerate (16 visible, 8 hidden units) we compute the exact gradient
(:meth:`BernoulliRBM.log_likelihood_gradient`), measure the bias and spread of CD-k and PCD
estimates against it, train with each and watch the exact log-likelihood, and end with the two
KL divergences a factorized approximation can minimise.
"""

import copy

import matplotlib.pyplot as plt
import numpy as np

from pgm_ebm import BernoulliRBM, BoltzmannMachine
from pgm_ebm.expfam import factorized_fits, kl_divergences

rng = np.random.default_rng(0)

# %%
# The data: bars and stripes
# --------------------------
# 4 x 4 images whose rows are all on or off, or whose columns are: 30 distinct patterns, a
# classic test for small Boltzmann machines because the exact log-likelihood is cheap
# (the best possible is :math:`\log(1/30) = -3.40` nats).

patterns = set()
for bits in range(16):
    row = np.array([(bits >> i) & 1 for i in range(4)])
    patterns.add(tuple(np.repeat(row, 4)))  # stripes: each row constant
    patterns.add(tuple(np.tile(row, 4)))  # bars: each column constant
data = np.array(sorted(patterns), dtype=float)
print(f"{len(data)} patterns; the best possible mean log-likelihood is {np.log(1 / 30):.3f}")
X = data[rng.integers(0, len(data), 600)]  # a training set drawn from them

# %%
# CD-k and PCD against the exact gradient
# ---------------------------------------
# Freeze a partly trained model and estimate its gradient 40 times with each method (one
# update of learning rate 1 on all 600 images, no momentum: the change of the weights *is*
# the estimate).  CD-k starts its chains at the data and runs k Gibbs steps; PCD keeps
# its chains (600 of them, as many as CD's) from one update to the next.

model = BernoulliRBM(8, learning_rate=0.05, batch_size=30, n_iter=30, momentum=0.5,
                     n_chains=len(X), random_state=0, dtype="float64").fit(X)  # fmt: skip
exact = model.log_likelihood_gradient(X)["components_"]


def estimates(method, k, n=40):
    m = copy.deepcopy(model)
    m.set_params(method=method, k=k, learning_rate=1.0, momentum=0.0, weight_decay=0.0)
    W0, b0, c0 = m.components_.copy(), m.intercept_visible_.copy(), m.intercept_hidden_.copy()
    out = []
    for _ in range(n + (20 if method == "pcd" else 0)):
        m.partial_fit(X)
        out.append(m.components_ - W0)
        m.components_[...], m.intercept_visible_[...], m.intercept_hidden_[...] = W0, b0, c0
    return np.array(out[-n:])  # PCD: after its chains have run 20 updates at these weights


rows = []
for method, k in [("cd", 1), ("cd", 5), ("cd", 25), ("pcd", 1)]:
    est = estimates(method, k)
    bias = np.linalg.norm(est.mean(0) - exact)
    spread = np.sqrt(est.var(0).sum())
    rows.append((f"{method.upper()}-{k}", bias, spread))
    print(f"{method.upper()}-{k:<3d} |bias| = {bias:.4f}, spread = {spread:.4f} "
          f"(|exact gradient| = {np.linalg.norm(exact):.4f})")  # fmt: skip

fig, ax = plt.subplots(figsize=(6, 3.6))
names = [r[0] for r in rows]
ax.bar(np.arange(4) - 0.2, [r[1] for r in rows], 0.4, label="|bias| (norm of the mean error)")
ax.bar(np.arange(4) + 0.2, [r[2] for r in rows], 0.4, label="spread (norm of the std)")
ax.set_xticks(range(4), names)
ax.set_ylabel("weight-gradient error")
ax.set_title("gradient estimates against the exact gradient")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# CD-1's estimate is biased: its chains barely leave the data, so it under-counts the
# model's moments far from the data.  More steps shrink the bias; the spread (one batch of
# chains) stays.  The mean of 40 estimates keeps a little noise, so a bias near the
# spread divided by :math:`\sqrt{40}` is indistinguishable from none.  PCD's chains, run
# at these fixed weights, are nearly unbiased samples of the model: its bias is as small as
# CD-25's for one Gibbs step per update, as long as the weights change slowly enough for the
# chains to follow (the next figure shows what happens when they do not).
#
# What the bias costs: training with each
# ---------------------------------------
# The same model trained from the same start by exact gradient ascent, CD-1, CD-5 and
# PCD-1, with the exact log-likelihood of the training set after every epoch.


def train(method, k, epochs=100, lr=0.3):
    # n_iter=0: initialised from random_state=1 and the data's base rates, not trained, so
    # every method starts from the same weights
    m = BernoulliRBM(8, learning_rate=lr, batch_size=30, n_iter=0, momentum=0.0,
                     method="cd" if method == "exact" else method, k=k, n_chains=30,
                     random_state=1, dtype="float64").fit(X)  # fmt: skip
    curve = []
    for _ in range(epochs):
        if method == "exact":
            for _ in range(len(X) // 30):  # as many updates as a mini-batch epoch
                g = m.log_likelihood_gradient(X)
                m.components_ += lr * g["components_"]
                m.intercept_visible_ += lr * g["intercept_visible_"]
                m.intercept_hidden_ += lr * g["intercept_hidden_"]
        else:
            for i in range(0, len(X), 30):
                m.partial_fit(X[i : i + 30])
        curve.append(m.score(X))
    return curve


curves = {name: train(method, k) for name, method, k in
          [("exact gradient", "exact", 1), ("CD-1", "cd", 1), ("CD-5", "cd", 5),
           ("PCD-1", "pcd", 1)]}  # fmt: skip
fig, ax = plt.subplots(figsize=(6, 3.8))
for name, curve in curves.items():
    ax.plot(np.arange(1, len(curve) + 1), curve, label=f"{name}: {curve[-1]:.2f}")
    print(f"{name:15s} exact log-likelihood after {len(curve)} epochs: {curve[-1]:.3f}")
ax.axhline(np.log(1 / 30), color="grey", lw=0.7, ls="--", label="best possible: -3.40")
ax.set_xlabel("epoch (20 updates of 30 images, learning rate 0.3)")
ax.set_ylabel("exact mean log-likelihood (nats)")
ax.set_title("learning bars and stripes with 8 hidden units")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# Read the figure from the right: exact gradient ascent climbs towards the optimum; CD-1,
# whose bias we measured above, stalls below it; PCD-1 with 30 chains at this large learning
# rate wanders, because its chains cannot follow a model that moves this fast between
# updates (the step ``learning_rate / (1 - momentum)`` is what matters; the RBM page of the
# user guide shows the same on MNIST).  One seed: the curves' order, not their decimals, is
# the lesson.
#
# The two KL divergences
# ----------------------
# Approximating a model :math:`p` by a fully factorized :math:`q` can minimise
# :math:`\mathrm{KL}(p \| q)` (the maximum-likelihood direction: :math:`q` takes :math:`p`'s
# marginals, *moment matching*) or :math:`\mathrm{KL}(q \| p)` (the variational direction:
# naive mean field, which avoids putting mass where :math:`p` has none).  As the couplings
# of a 10-spin model grow, the two fits part ways.

scales = np.linspace(0.05, 1.0, 12)
kl = {"moments: KL(p||q)": [], "mean field: KL(p||q)": [], "mean field: KL(q||p)": [],
      "moments: KL(q||p)": []}  # fmt: skip
A = np.triu(rng.normal(0.0, 1.0, (10, 10)), 1)
for s in scales:
    bm = BoltzmannMachine(s * (A + A.T), np.full(10, 0.1), "spin")
    _, q_mom, q_mf = factorized_fits(bm)
    pq_mom, qp_mom = kl_divergences(bm, q_mom)
    pq_mf, qp_mf = kl_divergences(bm, q_mf)
    kl["moments: KL(p||q)"].append(pq_mom)
    kl["moments: KL(q||p)"].append(qp_mom)
    kl["mean field: KL(p||q)"].append(pq_mf)
    kl["mean field: KL(q||p)"].append(qp_mf)
fig, ax = plt.subplots(figsize=(6, 3.8))
for name, values in kl.items():
    ax.plot(scales, values, "o-" if "moments" in name else "s--", label=name, ms=4)
ax.set_yscale("log")
ax.set_xlabel("coupling scale")
ax.set_ylabel("nats")
ax.set_title("each fit wins its own divergence")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# Each fit is best at the divergence it minimises (solid below dashed for KL(p||q); the
# reverse for KL(q||p)), and both degrade as the couplings make :math:`p` less factorizable.
#
# Exercises
# ---------
# **1.** For a fully visible Boltzmann machine, show that the gradient of the mean
# log-likelihood with respect to the biases is the data mean minus the model mean, and check
# it by finite differences of the exact log-likelihood.
#
# *Solution.* :math:`\log p(x) = \tfrac12 x^\top J x + b^\top x - \log Z` and
# :math:`\partial \log Z / \partial b_i = \mathbb{E}_p[x_i]`.

bm = BoltzmannMachine(0.3 * (A + A.T), rng.normal(0, 0.2, 10), "spin")
xs = bm.sample(50, n_chains=200, random_state=3).spins.astype(float)  # some data
mean_model, _ = bm.moments()
analytic = xs.mean(0) - mean_model


def mean_loglik(b):
    m = BoltzmannMachine(bm.J, b, "spin")
    return float(-m.energy(xs).mean() - m.log_partition().log_z)


eps = 1e-6
numeric = np.array([(mean_loglik(bm.b + eps * e) - mean_loglik(bm.b - eps * e)) / (2 * eps)
                    for e in np.eye(10)])  # fmt: skip
assert np.allclose(analytic, numeric, atol=1e-7)

# %%
# **2.** CD-k's bias vanishes as k grows: check that CD-25's mean estimate is within 5
# standard errors of the exact gradient, weight by weight.
#
# *Solution.* As :math:`k \to \infty` the chains forget the data and sample the model, so the
# negative phase becomes an unbiased estimate of the model moments.

est = estimates("cd", 25)
z = np.abs(est.mean(0) - exact) / (est.std(0, ddof=1) / np.sqrt(len(est)) + 1e-12)
assert np.mean(z < 5) > 0.99, np.mean(z < 5)

# %%
# **3.** Show that :math:`q_i = p(x_i = 1)` minimises :math:`\mathrm{KL}(p \| q)` over
# factorized :math:`q`: perturb the moment-matching fit and watch the divergence grow.
#
# *Solution.* :math:`\mathrm{KL}(p \| q) = \text{const} - \sum_i \mathbb{E}_p[\log
# q_i(x_i)]`, a sum of cross-entropies, each minimised by :math:`q_i = p_i`.

bm = BoltzmannMachine(0.5 * (A + A.T), np.full(10, 0.1), "spin")
_, q_mom, _ = factorized_fits(bm)
best = kl_divergences(bm, q_mom)[0]
for _ in range(20):
    q = np.clip(q_mom + rng.normal(0, 0.05, 10), 0.01, 0.99)
    assert kl_divergences(bm, q)[0] >= best
print("exercises: all three solutions check out")
plt.show()
