"""Exact results for the Ising model: Onsager, Yang, Kaufman, enumeration, transfer matrices.

Conventions: spins ``s = +-1``, energy ``E = -J sum_<ij> s_i s_j - sum_i h_i s_i``,
``p(s) = exp(-beta E(s)) / Z``.  Infinite-lattice quantities are per spin.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
from scipy.special import ellipkm1, logsumexp

from pgm_ebm._validation import as_real_array, check_choice, check_positive_int, check_real
from pgm_ebm.partition.result import LogZResult

#: Critical inverse temperature of the square lattice (J = 1): ln(1 + sqrt 2) / 2.
BETA_C = 0.5 * math.log(1.0 + math.sqrt(2.0))
T_C = 1.0 / BETA_C


def _check_shape(shape, dims=(1, 2, 3), minimum=1):
    """A lattice shape as a tuple of ints (``len`` in ``dims``, each >= ``minimum``)."""
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or len(shape) not in dims:
        want = " or ".join(str(d) for d in dims)
        raise ValueError(f"shape must be a tuple of {want} lattice lengths, got {shape!r}")
    return tuple(check_positive_int(L, "shape", minimum=minimum) for L in shape)


def _check_beta(beta, name="beta"):
    b = np.asarray(beta, dtype=np.float64)
    if not np.all(np.isfinite(b)) or np.any(b < 0):
        raise ValueError(f"{name} must be finite and >= 0, got {beta!r}")
    return b


# --------------------------------------------------------------------------- Onsager / Yang
def onsager_log_partition_per_site(beta, J: float = 1.0):
    """``lim (1/N) log Z`` of the infinite square lattice without field (Onsager 1944).

    ``log 2 / 2 + (1 / 2 pi) int_0^pi log[cosh^2 2K + (1/k) sqrt(1 + k^2 - 2k cos 2t)] dt``
    with ``K = beta J`` and ``k = 1 / sinh^2 2K``, by 400-point Gauss-Legendre quadrature.

    Parameters
    ----------
    beta : float or array_like
        Inverse temperature(s), finite and >= 0.
    J : float, default 1.0
        The coupling.

    Returns
    -------
    float or numpy.ndarray
        The free energy per spin times ``-beta``, of ``beta``'s shape.

    Raises
    ------
    ValueError
        If ``beta`` is negative or not finite, or ``J`` is not a finite number.

    Examples
    --------
    >>> import math
    >>> onsager_log_partition_per_site(0.0) == math.log(2)  # infinite temperature
    True
    >>> round(onsager_log_partition_per_site(BETA_C), 6)  # at the critical point
    0.929695
    """
    J = check_real(J, "J")
    b = _check_beta(beta)
    K = b * J
    t, w = np.polynomial.legendre.leggauss(400)
    theta = (t + 1) * (np.pi / 2)  # nodes on (0, pi)
    w = w * (np.pi / 2)
    out = np.empty(np.shape(K))
    for idx, k_ in np.ndenumerate(np.atleast_1d(K).reshape(np.shape(K)) if np.ndim(K) else K):
        if k_ == 0:
            out[idx] = math.log(2.0)
            continue
        kk = 1.0 / math.sinh(2 * k_) ** 2
        integrand = np.log(
            np.cosh(2 * k_) ** 2 + np.sqrt(1 + kk**2 - 2 * kk * np.cos(2 * theta)) / kk
        )
        out[idx] = 0.5 * math.log(2.0) + (w @ integrand) / (2 * np.pi)
    return float(out) if np.ndim(K) == 0 else out


def onsager_energy_per_site(beta, J: float = 1.0):
    """Internal energy per spin of the infinite square lattice (Onsager).

    ``u = -J coth 2K [1 + (2/pi) q K1(k)]`` with ``q = 2 tanh^2 2K - 1`` and
    ``k = 2 sinh 2K / cosh^2 2K``.  Since ``1 - k^2 = q^2``, the elliptic integral is
    evaluated as ``ellipkm1(q^2)`` (accurate where ``k -> 1``), and at the critical
    point, where ``q = 0`` and ``K1`` diverges only logarithmically, ``q K1 = 0``:
    ``u(beta_c) = -sqrt(2) J``.  Holds for any finite beta (``u -> -2J``).

    Parameters
    ----------
    beta : float or array_like
        Inverse temperature(s), finite and >= 0.
    J : float, default 1.0
        The coupling.

    Returns
    -------
    float or numpy.ndarray
        Energy per spin, of ``beta``'s shape.

    Raises
    ------
    ValueError
        If ``beta`` is negative or not finite, or ``J`` is not a finite number.

    Examples
    --------
    >>> import math
    >>> math.isclose(onsager_energy_per_site(BETA_C), -math.sqrt(2))
    True
    >>> round(onsager_energy_per_site(2.0), 6)  # nearly the ground state, -2 J
    -1.999999
    """
    J = check_real(J, "J")
    b = _check_beta(beta)
    K = b * J
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t = np.tanh(2 * K)
        q = 2 * t**2 - 1
        qk = np.where(q == 0, 0.0, q * ellipkm1(q**2))
        u = -J / t * (1 + (2 / np.pi) * qk)
    u = np.where(K == 0, 0.0, u)
    return float(u) if np.ndim(u) == 0 else u


def yang_magnetization(beta, J: float = 1.0):
    """Spontaneous magnetization per spin of the infinite square lattice (Yang 1952).

    ``(1 - sinh(2K)^-4)^(1/8)`` with ``K = beta J`` below T_c, 0 above.

    Parameters
    ----------
    beta : float or array_like
        Inverse temperature(s), finite and >= 0.
    J : float, default 1.0
        The coupling.

    Returns
    -------
    float or numpy.ndarray
        ``|m|`` per spin, of ``beta``'s shape.

    Raises
    ------
    ValueError
        If ``beta`` is negative or not finite, or ``J`` is not a finite number.

    Examples
    --------
    >>> yang_magnetization(0.4), round(yang_magnetization(0.5), 4)  # above and below T_c
    (0.0, 0.9113)
    """
    J = check_real(J, "J")
    b = _check_beta(beta)
    K = b * J
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        m = np.where(K > BETA_C, np.clip(1 - np.sinh(2 * K) ** -4.0, 0, None) ** 0.125, 0.0)
    return float(m) if np.ndim(m) == 0 else m


# --------------------------------------------------------------------------- Kaufman
def _log_cosh(x: float) -> float:
    x = abs(x)
    return x + math.log1p(math.exp(-2 * x)) - math.log(2.0)


def _log_signed_sum(logs, signs):
    """log |sum_i sign_i exp(logs_i)| and its sign."""
    logs = np.asarray(logs, dtype=np.float64)
    top = np.max(logs)
    s = float(np.sum(np.asarray(signs) * np.exp(logs - top)))
    return top + math.log(abs(s)), (1.0 if s > 0 else -1.0)


def kaufman_log_partition(shape, beta: float, J: float = 1.0) -> LogZResult:
    """Exact log Z of the L1 x L2 torus without field (Kaufman 1949), any size.

    ``Z = 1/2 (2 sinh 2K)^(N/2) (Z1 + Z2 + Z3 + Z4)`` with the four products of
    ``2 cosh(L2 g/2)`` / ``2 sinh(L2 g/2)`` over the L1 odd (Z1, Z2) and even (Z3, Z4) indices
    of ``g_l`` (``cosh g_l = cosh 2K coth 2K - cos(pi l / L1)``), and the signed
    ``g_0 = 2K + ln tanh K``; combined by a signed log-sum-exp.

    Parameters
    ----------
    shape : tuple (L1, L2)
        The torus, both lengths >= 2.
    beta : float
        Inverse temperature, finite, with ``beta * J > 0``.
    J : float, default 1.0
        The coupling.

    Returns
    -------
    LogZResult
        ``method="exact-kaufman"``.

    Raises
    ------
    ValueError
        If ``shape`` is not two lengths >= 2, ``beta * J <= 0``, or log Z exceeds the
        float64 range.

    Examples
    --------
    >>> kaufman = kaufman_log_partition((4, 4), 0.4).log_z
    >>> brute = ising_log_partition_enumerate((4, 4), 0.4).log_z  # 2**16 states
    >>> abs(kaufman - brute) < 1e-10
    True
    """
    t0 = time.perf_counter()
    L1, L2 = _check_shape(shape, dims=(2,), minimum=2)
    J = check_real(J, "J")
    beta = check_real(beta, "beta", low=0.0)
    K = beta * J
    if K <= 0:
        raise ValueError(f"Kaufman's formula needs beta * J > 0, got {K}")
    n, m = L1, L2
    if not math.isfinite(4.0 * K * n * m):  # log Z ~ 2 N K, and m g / 2 ~ m K per factor
        raise ValueError(
            f"log Z of the {L1} x {L2} torus at beta * J = {K:g} exceeds the float64 range"
        )
    # cosh g_l = ch - cos(pi l / n), ch = cosh 2K coth 2K, in logs so that no large K
    # overflows: for ch > 1e8, arccosh(x) = log(2x) to double precision
    log_ch = _log_cosh(2 * K) - math.log(math.tanh(2 * K))
    cosines = np.cos(np.pi * np.arange(2 * n) / n)
    if log_ch < math.log(1e8):
        g = np.arccosh(math.exp(log_ch) - cosines)
    else:
        g = math.log(2.0) + log_ch + np.log1p(-cosines * math.exp(-log_ch))
    g[0] = 2 * K + math.log(math.tanh(K))  # signed

    def log_prod(vals, kind):
        x = m * vals / 2
        if kind == "cosh":
            return float(np.sum(np.abs(x) + np.log1p(np.exp(-2 * np.abs(x))))), 1.0
        sgn = float(np.prod(np.sign(x)))
        if np.any(x == 0):
            return -np.inf, 0.0
        return float(np.sum(np.abs(x) + np.log1p(-np.exp(-2 * np.abs(x))))), sgn

    odd, even = g[1::2][:n], g[0::2][:n]
    terms = [
        log_prod(odd, "cosh"),
        log_prod(odd, "sinh"),
        log_prod(even, "cosh"),
        log_prod(even, "sinh"),
    ]
    logs = [t[0] for t in terms if t[1] != 0.0]
    signs = [t[1] for t in terms if t[1] != 0.0]
    if not np.all(np.isfinite(g)) or any(math.isinf(v) and v > 0 for v in logs):
        raise ValueError(
            f"log Z of the {L1} x {L2} torus at beta * J = {K:g} exceeds the float64 range"
        )
    log_sum, sign = _log_signed_sum(logs, signs)
    if sign < 0:  # cannot happen for a valid Z; guards the formula's use
        raise ArithmeticError("Kaufman's sum came out negative")
    # log(2 sinh 2K) = 2K + log(1 - exp(-4K))
    log_z = -math.log(2) + 0.5 * n * m * (2 * K + math.log(-math.expm1(-4 * K))) + log_sum
    if not math.isfinite(log_z):
        raise ValueError(
            f"log Z of the {L1} x {L2} torus at beta * J = {K:g} exceeds the float64 range"
        )
    return LogZResult(
        log_z=float(log_z),
        method="exact-kaufman",
        settings={"shape": (L1, L2), "beta": beta, "J": J, "boundary": "periodic"},
        n_energy_evals=0,
        wall_time=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------- enumeration
def lattice_bonds(shape, boundary: str = "periodic") -> np.ndarray:
    """Nearest-neighbour bonds ``(i, j)`` of a 1-3D hypercubic lattice, each once (flat indices)."""
    shape = _check_shape(shape)
    check_choice(boundary, "boundary", ("periodic", "open"))
    idx = np.arange(int(np.prod(shape))).reshape(shape)
    bonds = []
    for ax, L in enumerate(shape):
        if L < 2:
            continue
        nxt = np.roll(idx, -1, axis=ax)
        a, b = idx, nxt
        if boundary == "open":
            sl = [slice(None)] * len(shape)
            sl[ax] = slice(0, L - 1)
            a, b = idx[tuple(sl)], nxt[tuple(sl)]
        elif L == 2:  # periodic with L = 2: the wrap bond duplicates the direct one; keep both
            pass
        bonds.append(np.stack([a.ravel(), b.ravel()], axis=1))
    return np.concatenate(bonds) if bonds else np.zeros((0, 2), dtype=np.int64)


def _all_spin_states(n):
    states = np.array(list(itertools.product([-1, 1], repeat=n)), dtype=np.int8)
    return states


def ising_energies_all_states(shape, J=1.0, h=0.0, boundary="periodic"):
    """Energies of all 2**N configurations (N <= 24), in ``itertools.product`` order."""
    shape = _check_shape(shape)
    N = math.prod(shape)
    if N > 24:
        raise ValueError(f"enumeration is limited to 24 spins, the lattice has {N}")
    J = check_real(J, "J")
    bonds = lattice_bonds(shape, boundary)
    h = as_real_array(h, "h")
    try:
        hv = np.broadcast_to(h, shape).ravel()
    except ValueError:
        raise ValueError(f"h of shape {h.shape} does not fit the lattice {shape}") from None
    E = np.zeros(2**N)
    chunk = 1 << 16
    for start in range(0, 2**N, chunk):
        k = np.arange(start, min(start + chunk, 2**N))
        S = (((k[:, None] >> np.arange(N - 1, -1, -1)) & 1) * 2 - 1).astype(np.float64)
        E[k] = -J * np.sum(S[:, bonds[:, 0]] * S[:, bonds[:, 1]], axis=1) - S @ hv
    return E


def ising_log_partition_enumerate(shape, beta, J=1.0, h=0.0, boundary="periodic") -> LogZResult:
    """Exact log Z of an Ising lattice by summing over all 2**N states (N <= 24).

    Parameters
    ----------
    shape : tuple of int
        The lattice, 1 to 3 dimensions, at most 24 spins in all.
    beta : float
        Inverse temperature, finite and >= 0.
    J : float, default 1.0
        The coupling.
    h : float or array_like, default 0.0
        The field, uniform or one value per spin (broadcast to ``shape``).
    boundary : {"periodic", "open"}, default "periodic"
        Periodic or free boundaries.

    Returns
    -------
    LogZResult
        ``method="exact-enumeration"``.

    Raises
    ------
    ValueError
        If ``shape`` is not 1 to 3 positive lengths or has more than 24 spins, ``beta``,
        ``J`` or ``h`` is not finite (or ``h`` does not fit the lattice), or ``boundary``
        is unknown.

    Examples
    --------
    >>> import math
    >>> r = ising_log_partition_enumerate((3,), 0.5, boundary="open")  # a chain of 3 spins
    >>> math.isclose(r.log_z, math.log(2) + 2 * math.log(2 * math.cosh(0.5)))
    True
    """
    t0 = time.perf_counter()
    beta = check_real(beta, "beta", low=0.0)
    E = ising_energies_all_states(shape, J, h, boundary)
    shape = _check_shape(shape)
    return LogZResult(
        log_z=float(logsumexp(-beta * E)),
        method="exact-enumeration",
        settings={"shape": tuple(shape), "beta": float(beta), "J": J, "boundary": boundary},
        n_energy_evals=len(E),
        wall_time=time.perf_counter() - t0,
    )


def ising_density_of_states(shape, J=1.0, boundary="periodic"):
    """Exact density of states without field: (energies, counts) over all 2**N states."""
    E = ising_energies_all_states(shape, J, 0.0, boundary)
    levels, counts = np.unique(np.round(E, 9), return_counts=True)
    return levels, counts


# --------------------------------------------------------------------------- transfer matrix
def transfer_matrix_log_partition(
    shape, beta, J=1.0, h=0.0, boundary="periodic", max_width: int = 12
) -> LogZResult:
    """Exact log Z of an L1 x L2 strip by a transfer matrix along axis 0 (width L2 <= max_width).

    The symmetric transfer matrix ``T = D^1/2 B D^1/2`` (``D``: one row's own bonds and field,
    ``B``: the bonds between consecutive rows) is diagonalised once; ``Z = sum lambda^L1`` for a
    periodic length, ``Z = 1^T D^1/2 T^(L1-1) D^1/2 1`` for an open one.  ``h`` must be uniform.

    Parameters
    ----------
    shape : tuple (L1, L2)
        The strip: length ``L1 >= 2`` along the transfer direction, width ``L2``.
    beta : float
        Inverse temperature, finite and >= 0.
    J : float, default 1.0
        The coupling.
    h : float, default 0.0
        A uniform field.
    boundary : {"periodic", "open"}, default "periodic"
        Periodic or free boundaries, in both directions.
    max_width : int, default 12
        The largest width accepted (the matrix is ``2**L2 x 2**L2``).

    Returns
    -------
    LogZResult
        ``method="exact-transfer-matrix"``.

    Raises
    ------
    ValueError
        If ``shape`` is not two positive lengths with ``L1 >= 2`` and ``L2 <= max_width``,
        ``h`` is not a finite scalar, ``beta`` or ``J`` is not finite, or ``boundary`` is
        unknown.

    Examples
    --------
    >>> tm = transfer_matrix_log_partition((4, 3), 0.3, h=0.2, boundary="open").log_z
    >>> brute = ising_log_partition_enumerate((4, 3), 0.3, h=0.2, boundary="open").log_z
    >>> abs(tm - brute) < 1e-10
    True
    """
    t0 = time.perf_counter()
    L1, L2 = _check_shape(shape, dims=(2,))
    max_width = check_positive_int(max_width, "max_width")
    check_choice(boundary, "boundary", ("periodic", "open"))
    if L1 < 2:
        raise ValueError(f"the transfer matrix needs a length L1 >= 2, got {L1}")
    if L2 > max_width:
        raise ValueError(f"transfer matrix width L2={L2} exceeds max_width={max_width}")
    if np.ndim(h) != 0:
        raise ValueError("the transfer matrix takes a uniform field h (a scalar)")
    beta, h, J = check_real(beta, "beta", low=0.0), check_real(h, "h"), check_real(J, "J")
    W = L2
    S = _all_spin_states(W).astype(np.float64)  # (2^W, W)
    row_bonds = lattice_bonds((W,), boundary) if W > 1 else np.zeros((0, 2), int)
    e_row = -J * np.sum(S[:, row_bonds[:, 0]] * S[:, row_bonds[:, 1]], axis=1) - h * S.sum(axis=1)
    e_between = -J * (S @ S.T)  # (2^W, 2^W)
    logd = -beta * e_row / 2
    logT = logd[:, None] - beta * e_between + logd[None, :]
    shift = logT.max()
    T = np.exp(logT - shift)
    lam = np.linalg.eigvalsh(T)
    if boundary == "periodic":
        sign = np.sign(lam) ** L1
        nz = lam != 0
        log_z, s = _log_signed_sum(L1 * (np.log(np.abs(lam[nz])) + shift), sign[nz])
    else:
        w_, V = np.linalg.eigh(T)
        a = V.T @ np.exp(logd - logd.max())
        coeffs = a**2
        terms = (L1 - 1) * np.log(np.abs(w_).clip(1e-300))
        signs = np.sign(w_) ** (L1 - 1)
        keep = coeffs > 0
        log_z, s = _log_signed_sum(terms[keep] + np.log(coeffs[keep]), signs[keep])
        log_z += (L1 - 1) * shift + 2 * logd.max()
    return LogZResult(
        log_z=float(log_z),
        method="exact-transfer-matrix",
        settings={"shape": (L1, L2), "beta": beta, "J": J, "h": h, "boundary": boundary},
        n_energy_evals=int(4**W),
        wall_time=time.perf_counter() - t0,
    )
