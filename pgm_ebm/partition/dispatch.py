"""``log_partition(model, method, **options)``: every log Z estimator behind one call."""

from __future__ import annotations

from pgm_ebm.partition.result import LogZResult

#: The methods each model takes (besides "auto" and "exact", which choose), each reported
#: under the same name in the result's ``method``.
METHODS = {
    "BernoulliRBM": ("exact-enumeration", "ais", "reverse-ais"),
    "BoltzmannMachine": ("exact-enumeration", "mean-field", "bethe"),
    "DBM": ("exact-enumeration", "ais", "reverse-ais", "found-states"),
    "IsingLattice": (
        "exact-enumeration",
        "exact-kaufman",
        "exact-transfer-matrix",
        "ais",
        "thermodynamic-integration",
        "mean-field",
        "bethe",
    ),
}


def log_partition(model, method: str = "auto", **options) -> LogZResult:
    """log Z of ``model`` (a :class:`~pgm_ebm.BernoulliRBM`, :class:`~pgm_ebm.DBM`,
    :class:`~pgm_ebm.BoltzmannMachine` or :class:`~pgm_ebm.IsingLattice`) by ``method``, with
    how it was obtained.

    Parameters
    ----------
    model : BernoulliRBM, DBM, BoltzmannMachine or IsingLattice
    method : str
        ``"auto"`` (exact where a method applies, else the model's default estimate: AIS
        for an RBM), ``"exact"`` (the exact method that applies), or one of
        ``METHODS[type(model).__name__]``: ``"exact-enumeration"``, ``"exact-kaufman"``,
        ``"exact-transfer-matrix"``, ``"ais"``, ``"reverse-ais"`` (an RBM; give the starting
        visible states as ``init=``), ``"thermodynamic-integration"``, ``"mean-field"``,
        ``"bethe"``, ``"found-states"`` (a DBM: a certain lower bound from the states its
        chains visit).
    **options
        Passed to the estimator (``n_chains``, ``schedule``, ``random_state``, ...).

    Returns
    -------
    LogZResult
        Its ``method`` is ``method`` itself, or for ``"auto"``/``"exact"`` the one chosen.

    Raises
    ------
    ValueError
        For a model or method this function does not know, naming the methods that apply.

    Examples
    --------
    >>> from pgm_ebm import IsingLattice
    >>> from pgm_ebm.partition import log_partition
    >>> r = log_partition(IsingLattice((4, 4), beta=0.3), "exact-kaufman")
    >>> r.method, round(float(r.log_z), 6)
    ('exact-kaufman', 12.785523)
    """
    mro = [c.__name__ for c in type(model).__mro__]
    kind = next((k for k in mro if k in METHODS), None)
    if kind is None:
        raise ValueError(f"model must be one of {tuple(METHODS)}, got {type(model).__name__}")
    allowed = ("auto", "exact", *METHODS[kind])
    if method not in allowed:
        raise ValueError(f"method for a {kind} must be one of {allowed}, got {method!r}")
    if kind == "BernoulliRBM":
        if method == "reverse-ais":
            from pgm_ebm.partition.ais import rbm_reverse_ais

            if "init" not in options:
                raise ValueError(
                    "method='reverse-ais' starts from visible states: give init= (samples of "
                    "the model, e.g. model.sample(100, n_steps=1000))"
                )
            V0 = options.pop("init")
            options.setdefault("base_bias", getattr(model, "base_rate_logit_", None))
            return rbm_reverse_ais(
                model.components_, model.intercept_visible_, model.intercept_hidden_, V0,
                **options,
            )  # fmt: skip
        return model.log_partition(method, **options)
    if kind == "DBM":
        if method in ("auto", "exact"):
            small = min(sum(model.sizes[0::2]), sum(model.sizes[1::2])) <= 25
            if method == "exact" or small:
                method = "exact-enumeration"
            else:
                method = "ais"
        return model.log_partition(method, **options)
    if method in ("mean-field", "bethe"):
        from pgm_ebm.partition.variational import bethe_log_partition, mean_field_log_partition

        bm = model.as_boltzmann_machine() if kind == "IsingLattice" else model
        fn = mean_field_log_partition if method == "mean-field" else bethe_log_partition
        return fn(bm, **options)
    if method == "ais":
        from pgm_ebm.partition.ais import ising_ais

        return ising_ais(model, **options)
    if method == "thermodynamic-integration":
        from pgm_ebm.partition.ais import ising_thermodynamic_integration

        return ising_thermodynamic_integration(model, **options)
    return model.log_partition(method, **options)
