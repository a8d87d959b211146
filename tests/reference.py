"""Slow brute-force NumPy references (enumeration over <= 2**16 joint states)."""

import itertools

import numpy as np
from scipy.special import logsumexp


def all_states(n):
    """All binary vectors of length n, shape (2**n, n), float64."""
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def rbm_joint(W, b, c):
    """Joint table over (v, h): returns V, H, log-unnormalised p[v_index, h_index]."""
    W, b, c = (np.asarray(a, dtype=np.float64) for a in (W, b, c))
    V = all_states(W.shape[1])
    H = all_states(W.shape[0])
    neg_e = (H @ W @ V.T).T + (V @ b)[:, None] + (H @ c)[None, :]
    return V, H, neg_e


def rbm_log_z(W, b, c):
    return float(logsumexp(rbm_joint(W, b, c)[2]))


def rbm_free_energy(W, b, c, V):
    """F(v) by summing the hidden layer by enumeration (not analytically)."""
    W, b, c = (np.asarray(a, dtype=np.float64) for a in (W, b, c))
    H = all_states(W.shape[0])
    neg_e = V @ W.T @ H.T + (V @ b)[:, None] + (H @ c)[None, :]
    return -logsumexp(neg_e, axis=1)


def rbm_log_p(W, b, c):
    """log p(v) of every visible state, in all_states order."""
    V, _, neg_e = rbm_joint(W, b, c)
    return V, logsumexp(neg_e, axis=1) - logsumexp(neg_e)


def rbm_model_moments(W, b, c):
    """Exact E[v h^T] (as (n_h, n_v)), E[v], E[h] and Var of v_j p(h_i|v) under the model."""
    V, lp = rbm_log_p(W, b, c)
    p = np.exp(lp)
    Ph = 1.0 / (1.0 + np.exp(-(V @ np.asarray(W, float).T + c)))
    terms = Ph[:, :, None] * V[:, None, :]  # (n_states, n_h, n_v)
    mean = np.einsum("s,sij->ij", p, terms)
    var = np.einsum("s,sij->ij", p, terms**2) - mean**2
    return mean, p @ V, p @ Ph, var


def rbm_pseudo_log_likelihood(W, b, c, V):
    """sum_j log p(v_j | v_-j), by brute-force free energies of both values of v_j."""
    out = np.zeros(len(V))
    F = rbm_free_energy(W, b, c, V)
    for j in range(V.shape[1]):
        Vf = V.copy()
        Vf[:, j] = 1 - Vf[:, j]
        Ff = rbm_free_energy(W, b, c, Vf)
        out += -F - np.logaddexp(-F, -Ff)
    return out


def xoroshiro128plus(s0, s1, n):
    """Reference xoroshiro128+ on Python ints (Blackman & Vigna), n outputs."""
    mask = (1 << 64) - 1

    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & mask

    out = []
    for _ in range(n):
        out.append((s0 + s1) & mask)
        s1 ^= s0
        s0 = rotl(s0, 24) ^ s1 ^ ((s1 << 16) & mask)
        s1 = rotl(s1, 37)
    return out


def grid_energy(x, u, beta, diag=False):
    """E(x) = -beta sum_<ij> x_i x_j - sum u_i x_i on a grid with free boundaries (NumPy)."""
    x = np.asarray(x, np.float64)
    pair = (x[:, :-1] * x[:, 1:]).sum() + (x[:-1, :] * x[1:, :]).sum()
    if diag:
        pair += (x[:-1, :-1] * x[1:, 1:]).sum() + (x[:-1, 1:] * x[1:, :-1]).sum()
    return -beta * pair - (u * x).sum()


def grid_enumerate(u, beta, diag=False):
    """All 2^(H W) images of a tiny grid: (states (S, H, W) in {-1, +1}, energies (S,))."""
    H, W = u.shape
    n = H * W
    codes = np.arange(2**n)
    states = (((codes[:, None] >> np.arange(n)) & 1) * 2 - 1).reshape(-1, H, W)
    E = np.array([grid_energy(s, u, beta, diag) for s in states])
    return states, E


def grid_marginals(u, beta, diag=False):
    """Exact p(x_i = +1) of exp(-E) on a tiny grid, by enumeration."""
    states, E = grid_enumerate(u, beta, diag)
    w = np.exp(-(E - E.min()))
    w /= w.sum()
    return np.einsum("s,sij->ij", w, (states + 1) / 2)
