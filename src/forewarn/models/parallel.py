"""Run independent fits side by side in forked worker processes.

Each worker runs single-threaded numerical code, so two workers use a two-core machine
fully. Large inputs are shared by forking (the workers inherit them) instead of being
pickled per task, and results come back in input order, so parallel runs equal serial ones.
"""

from __future__ import annotations

import multiprocessing
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


def _pooled(
    fn: Callable[[S, T], R], items: Sequence[T], workers: int, done: Callable[[int], None] | None
) -> list[R]:
    results: dict[int, R] = {}
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(min(workers, len(items)), mp_context=context) as pool:
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
