"""Run independent fits side by side in forked worker processes.

Each worker runs single-threaded numerical code, so two workers use a two-core machine
fully. Large inputs are shared by forking (the workers inherit them) instead of being
pickled per task, and results come back in input order, so parallel runs equal serial ones.

A forked worker starts with the default handlers of the stop signals (SIGTERM, SIGINT,
SIGHUP), not the ones its parent installed (a server's handler that only sets a flag would
make it ignore SIGTERM), and dies with its parent: on Linux the kernel kills it when the
thread that forked it ends (``PR_SET_PDEATHSIG``), so a server stopped while computing
leaves no orphaned workers behind. The stop signals are blocked from the fork until the
worker has reset its handlers, so one sent in between is not lost.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

_SHARED: dict[str, Any] = {}

Executor = Callable[[Callable[[Any, Any], Any], Any, Sequence[Any], Callable[[int], None] | None],
                    list[Any]]  # fmt: skip
"""``run(fn, shared, items, done)`` -> ``[fn(shared, item) for item in items]``, elsewhere."""
_EXECUTORS: list[Executor] = []


@contextmanager
def executor(run: Executor) -> Iterator[None]:
    """Within the block, :func:`fork_map` hands its work to ``run`` (e.g. a Dask cluster:
    :func:`forewarn.cluster.dask_map`) instead of forking; results keep the input order."""
    _EXECUTORS.append(run)
    try:
        yield
    finally:
        _EXECUTORS.pop()


def _run(fn: Callable[[S, T], R], item: T) -> R:
    with threadpool_limits(1):
        return fn(_SHARED["data"], item)


def fork_map(
    fn: Callable[[S, T], R],
    shared: S,
    items: Sequence[T],
    workers: int,
    done: Callable[[int], None] | None = None,
) -> list[R]:
    """``[fn(shared, item) for item in items]`` over ``workers`` forked processes.

    ``fn`` must be a module-level function; ``done(i)`` is called as each item finishes.
    Inside :func:`executor`, the items go to that executor instead.
    """
    if _EXECUTORS and len(items) > 1:
        return _EXECUTORS[-1](fn, shared, items, done)
    _SHARED["data"] = shared
    try:
        if workers <= 1 or len(items) <= 1:
            return [_report(i, _run(fn, item), done) for i, item in enumerate(items)]
        return _pooled(fn, items, workers, done)
    finally:
        _SHARED.clear()


_STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
_PR_SET_PDEATHSIG = 1


@contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    """Block the stop signals in this thread (and so in the workers it forks) meanwhile."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _die_with_parent(parent: int) -> None:
    """The start of a forked worker: default stop handlers, killed with its parent."""
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


def _pooled(
    fn: Callable[[S, T], R], items: Sequence[T], workers: int, done: Callable[[int], None] | None
) -> list[R]:
    results: dict[int, R] = {}
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        min(workers, len(items)), mp_context=context,
        initializer=_die_with_parent, initargs=(os.getpid(),),
    ) as pool:  # fmt: skip
        with _stop_signals_blocked():  # the workers are forked by the first submit
            futures = {pool.submit(_run, fn, item): i for i, item in enumerate(items)}
        for future in as_completed(futures):
            i = futures[future]
            results[i] = _report(i, future.result(), done)
    return [results[i] for i in range(len(items))]


def _report(i: int, value: R, done: Callable[[int], None] | None) -> R:
    if done is not None:
        done(i)
    return value


def balanced(sizes: Sequence[int] | Any, parts: int) -> list[list[int]]:
    """Indices of ``sizes`` split into at most ``parts`` groups of similar total size
    (largest first, each to the lightest group), each group in increasing index order."""
    count = len(sizes)
    n = max(1, min(parts, count))
    groups: list[list[int]] = [[] for _ in range(n)]
    loads = [0] * n
    for i in sorted(range(count), key=lambda k: -int(sizes[k])):
        lightest = loads.index(min(loads))
        groups[lightest].append(i)
        loads[lightest] += int(sizes[i])
    return [sorted(g) for g in groups if g]


def counting(done: Callable[[int, int], None] | None, total: int) -> Callable[[int], None] | None:
    """Turn ``done(completed, total)`` into a per-item callback that counts completions."""
    if done is None:
        return None
    count = [0]

    def one(_: int) -> None:
        count[0] += 1
        done(count[0], total)

    return one
