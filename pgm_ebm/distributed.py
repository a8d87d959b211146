"""Studies as independent tasks on Dask's distributed scheduler (the ``distributed`` extra).

A study is a function of keyword arguments and a list of their values (the tasks).
:func:`run_tasks` runs it in this process (``client=None``: the single-process run every
distributed run is checked against), on a local cluster (``scheduler="local"`` or
``"local:N"``: N worker processes, one thread each) or on any running scheduler
(``"tcp://HOST:PORT"``, or a :class:`distributed.Client` passed as ``client``).

Each task's randomness comes from its own parameters, never from where or when it runs, so
a study's results do not depend on the scheduler, the number of workers or a worker dying
mid-study (Dask reruns that worker's tasks elsewhere).  Results are gathered as they finish
and appended to a JSON-lines store, one line per task; a study started again with the same
store computes only the tasks the store does not already hold.

Dask is imported only when a scheduler is asked for.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from pathlib import Path

__all__ = ["StudyError", "TaskStore", "connect", "open_client", "run_tasks"]

#: the store's format tag: a store written by something else is refused, not guessed at
STORE_FORMAT = "pgm_ebm-study-1"


class StudyError(RuntimeError):
    """Tasks of a study failed.

    The tasks that finished are in the store: running the study again retries only the
    failed ones.  The message gives each distinct error once, with the first task it hit.

    Parameters
    ----------
    failures : list of tuple (dict, str)
        ``(params, error)`` of each failed task; kept as the ``failures`` attribute.

    Examples
    --------
    >>> def invert(x):
    ...     return 1 / x
    >>> try:
    ...     run_tasks(invert, [{"x": 2}, {"x": 0}])
    ... except StudyError as exc:
    ...     print(exc.failures)
    [({'x': 0}, 'ZeroDivisionError: division by zero')]
    """

    def __init__(self, failures):
        self.failures = failures
        by_error: dict[str, list] = {}
        for p, e in failures:
            by_error.setdefault(e, []).append(p)
        lines = []
        for e, ps in list(by_error.items())[:5]:  # the error first, then which tasks
            which = "the task" if len(ps) == 1 else f"{len(ps)} tasks, the first"
            lines.append(f"{e} ({which}: {_key(ps[0])})")
        if len(by_error) > 5:
            lines.append(f"... and {len(by_error) - 5} other errors")
        super().__init__("\n".join(lines))


def _plain(x):
    """``x`` as JSON-able plain Python (NumPy scalars and arrays to numbers and lists);
    floats keep every bit (JSON writes the shortest repr that reads back exactly; nan and
    infinities as Python's json writes and reads them)."""
    import numpy as np

    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return _plain(x.tolist())
    if isinstance(x, np.generic):
        return x.item()
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    raise TypeError(f"a study's parameters and results must be numbers, strings, lists or "
                    f"dicts of them, got {type(x).__name__}")  # fmt: skip


def _key(params) -> str:
    return json.dumps(_plain(params), sort_keys=True, separators=(",", ":"))


class TaskStore:
    """The results of a study, one JSON line per finished task, appended as they finish.

    A line that does not parse, or is not a result line (a file cut short by a crash, or
    not a store at all), is skipped with a warning: its task is computed again.  Nothing
    read from the file is executed or trusted beyond being JSON.

    Parameters
    ----------
    path : str or path-like
        The file; read when it exists (its first line must be the store's format tag),
        created at the first :meth:`add` otherwise.

    Raises
    ------
    ValueError
        If the file exists and its first line is not the store's format tag.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "study.jsonl"
    >>> TaskStore(path).add({"T": 2.0, "run": 0}, {"abs_m": 0.91})
    >>> TaskStore(path).get({"run": 0, "T": 2.0})  # read back; the order of keys is free
    {'abs_m': 0.91}
    """

    def __init__(self, path):
        self.path = Path(path)
        self.results: dict[str, object] = {}
        if self.path.exists():
            self._read()

    def _read(self):
        bad = 0
        with open(self.path, encoding="utf-8", errors="replace") as f:
            for i, line in enumerate(f):
                if i == 0 and line.strip() == json.dumps({"format": STORE_FORMAT}):
                    continue
                if i == 0:
                    raise ValueError(
                        f"{self.path} is not a study store (its first line is not "
                        f'{{"format": "{STORE_FORMAT}"}}): pick another file'
                    )
                try:
                    rec = json.loads(line)
                    key, result = rec["key"], rec["result"]
                    if not isinstance(key, str):
                        raise TypeError
                except (ValueError, KeyError, TypeError):
                    bad += 1
                    continue
                self.results[key] = result
        if bad:
            warnings.warn(
                f"{self.path}: skipped {bad} unreadable line(s); those tasks run again",
                RuntimeWarning,
                stacklevel=3,
            )

    def add(self, params, result):
        """Append a finished task's result to the file (flushed and synced at once).

        Parameters
        ----------
        params : dict
            The task's keyword arguments: its name in the store.
        result : object
            Numbers, strings, lists, dicts or NumPy arrays of them (stored as plain JSON).

        Raises
        ------
        TypeError
            If ``params`` or ``result`` holds something else.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> store = TaskStore(pathlib.Path(tempfile.mkdtemp()) / "s.jsonl")
        >>> store.add({"x": 1}, [1.5, 2.5])
        >>> {"x": 1} in store
        True
        """
        key = _key(params)
        result = _plain(result)
        new = not self.path.exists() or self.path.stat().st_size == 0
        if new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            if new:
                f.write(json.dumps({"format": STORE_FORMAT}) + "\n")
            f.write(json.dumps({"key": key, "params": _plain(params), "result": result}) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.results[key] = result

    def get(self, params):
        """The stored result of a task, or None when the store does not hold it.

        Parameters
        ----------
        params : dict
            The task's keyword arguments.

        Returns
        -------
        object or None
            The result as stored (plain JSON values).

        Examples
        --------
        >>> import pathlib, tempfile
        >>> store = TaskStore(pathlib.Path(tempfile.mkdtemp()) / "s.jsonl")
        >>> store.add({"x": 1}, 2)
        >>> store.get({"x": 1}), store.get({"x": 2})
        (2, None)
        """
        return self.results.get(_key(params))

    def __contains__(self, params):
        return _key(params) in self.results


def _parse_scheduler(scheduler: str):
    if not isinstance(scheduler, str):
        raise ValueError(f"scheduler must be a string, got {type(scheduler).__name__}")
    if scheduler.startswith("tcp://"):
        rest = scheduler[len("tcp://") :]
        host, _, port = rest.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"scheduler must be 'tcp://HOST:PORT', got {scheduler!r}")
        return "tcp", scheduler
    if scheduler == "local" or scheduler.startswith("local:"):
        n = scheduler[len("local:") :] if ":" in scheduler else ""
        if n and not (n.isdigit() and int(n) >= 1):
            raise ValueError(f"scheduler 'local:N' needs an integer N >= 1, got {scheduler!r}")
        return "local", int(n) if n else (os.cpu_count() or 1)
    raise ValueError(
        f"scheduler must be 'local', 'local:N' or 'tcp://HOST:PORT', got {scheduler!r}"
    )


def _import_distributed():
    try:
        import distributed
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError(
            "running on a Dask scheduler needs the distributed extra: "
            'pip install "pgm_ebm[distributed]"'
        ) from e
    return distributed


def connect(scheduler: str):
    """A Dask client for a scheduler, and what to close after the study.

    Most callers want :func:`open_client`, which closes them.

    Parameters
    ----------
    scheduler : str
        ``"tcp://HOST:PORT"`` (a running scheduler), ``"local"`` or ``"local:N"`` (start
        N worker processes with one thread each on the loopback interface; ``"local"``:
        one per CPU).

    Returns
    -------
    client : distributed.Client
        The client.
    closers : list
        The client and the cluster it started, if any: call ``close()`` on each.

    Raises
    ------
    ValueError
        For a malformed ``scheduler``.
    ImportError
        Without the ``distributed`` extra.

    Examples
    --------
    >>> client, closers = connect("local:2")  # doctest: +SKIP
    >>> for obj in closers:  # doctest: +SKIP
    ...     obj.close()
    """
    kind, arg = _parse_scheduler(scheduler)
    distributed = _import_distributed()
    if kind == "tcp":
        client = distributed.Client(arg, timeout="10s")
        return client, [client]
    threads = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    cluster = distributed.LocalCluster(
        n_workers=arg,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        env=threads,
    )
    client = distributed.Client(cluster)
    return client, [client, cluster]


@contextlib.contextmanager
def open_client(client=None, scheduler: str | None = None):
    """A context manager for one cluster shared by every run of a study.

    Parameters
    ----------
    client : distributed.Client, optional
        Given back as it is (and not closed).
    scheduler : str, optional
        Open a client with :func:`connect` and close it, with the cluster it started, at
        the end of the block.  Neither: the block gets None (run here).

    Yields
    ------
    distributed.Client or None
        The client to pass to :func:`run_tasks` and the studies.

    Raises
    ------
    ValueError
        If both ``client`` and ``scheduler`` are given, or ``scheduler`` is malformed.

    Examples
    --------
    >>> with open_client(None, None) as client:  # scheduler="local:2" for a local cluster
    ...     print(client, run_tasks(round, [{"number": 2.71828, "ndigits": 2}], client=client))
    None [2.72]
    """
    if client is not None and scheduler is not None:
        raise ValueError("pass client or scheduler, not both")
    if scheduler is None:
        yield client
        return
    client, closers = connect(scheduler)
    try:
        yield client
    finally:
        for obj in closers:
            obj.close()


def run_tasks(
    fn,
    tasks,
    *,
    client=None,
    scheduler: str | None = None,
    store=None,
    shared: dict | None = None,
    progress: bool = False,
    desc: str = "tasks",
):
    """Run ``fn(**params)`` for every ``params`` in ``tasks`` and return the results in the
    order of ``tasks``.

    Parameters
    ----------
    fn : callable
        A module-level function (workers import it by name) returning numbers, strings,
        lists, dicts or NumPy arrays of them.
    tasks : list of dict
        The keyword arguments of each task; they name the task in the store and in errors.
    client : distributed.Client, optional
        Run on this client's cluster.
    scheduler : str, optional
        ``"local"``, ``"local:N"`` or ``"tcp://HOST:PORT"``: connect (and, for local, start
        a cluster) for this call.  Neither ``client`` nor ``scheduler``: run here, in order.
    store : path or TaskStore, optional
        A JSON-lines file of finished tasks: tasks it holds are not run again, and each task
        that finishes is appended at once.
    shared : dict, optional
        Keyword arguments every task also receives (arrays: a model's weights), sent once
        to each worker; they are not part of a task's name in the store, so a task's
        parameters must identify them (a fingerprint) when a store is kept.
    progress : bool
        A progress bar over tasks.
    desc : str, default "tasks"
        The progress bar's label.

    Returns
    -------
    list
        ``fn``'s results as stored (plain JSON values: arrays become lists).

    Raises
    ------
    StudyError
        When tasks failed, after every other task finished and was stored.
    ValueError
        For a malformed ``scheduler``, two equal tasks, or both ``client`` and ``scheduler``.

    Examples
    --------
    >>> from pgm_ebm.distributed import run_tasks
    >>> def square(x):
    ...     return x * x
    >>> run_tasks(square, [{"x": 2}, {"x": 3}])  # here; scheduler="local:2" for a cluster
    [4, 9]
    """
    from tqdm.auto import tqdm

    tasks = [dict(t) for t in tasks]
    shared = dict(shared or {})
    clash = sorted({k for t in tasks for k in t} & set(shared))
    if clash:
        raise ValueError(f"shared arguments {clash} are also task parameters")
    if client is not None and scheduler is not None:
        raise ValueError("pass client or scheduler, not both")
    if store is not None and not isinstance(store, TaskStore):
        store = TaskStore(store)
    keys = [_key(t) for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("tasks must be distinct: two have the same parameters")
    done = {} if store is None else {k: store.results[k] for k in keys if k in store.results}
    todo = [(k, t) for k, t in zip(keys, tasks, strict=True) if k not in done]
    results = dict(done)
    failures = []
    # delay: a study refused at once (a lattice too large) leaves no bar behind
    bar = tqdm(total=len(tasks), initial=len(done), desc=desc, unit="task", delay=0.5,
               disable=not progress)  # fmt: skip

    def finish(key, params, value):
        value = _plain(value)
        if store is not None:
            store.add(params, value)
        results[key] = value
        bar.update(1)

    def fail(params, exc):
        failures.append((params, f"{type(exc).__name__}: {exc}"))
        bar.update(1)

    try:
        if (client is None and scheduler is None) or not todo:
            for k, t in todo:
                try:
                    value = fn(**t, **shared)
                except Exception as e:  # reported with its parameters, others go on
                    fail(t, e)
                    continue
                finish(k, t, value)
        else:
            with open_client(client, scheduler) as c:
                _run_on(c, fn, todo, shared, finish, fail)
    finally:
        bar.close()
    if failures:
        raise StudyError(failures)
    return [results[k] for k in keys]


def _run_on(client, fn, todo, shared, finish, fail):
    """Submit ``todo`` to ``client`` and ``finish`` each task as it completes."""
    distributed = _import_distributed()
    futures = {}
    if shared and todo:  # sent once to every worker, not once per task, under
        # keys of their own (a dict's keys would be the data's names on the cluster)
        names = list(shared)
        sent = client.scatter([shared[k] for k in names], broadcast=True, hash=False)
        shared = dict(zip(names, sent, strict=True))
    for k, t in todo:
        # pure=False: each task is computed, never merged with an equal-looking one
        fut = client.submit(fn, **t, **shared, pure=False)
        futures[fut] = (k, t)
    for fut in distributed.as_completed(list(futures)):
        k, t = futures[fut]
        try:
            value = fut.result()
        except Exception as e:
            fail(t, e)
            continue
        finish(k, t, value)
