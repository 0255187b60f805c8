"""The Dask cluster forewarn scales out on, chosen by ``FOREWARN_DASK_SCHEDULER``.

* unset: no cluster; everything runs in this process (fits fork local workers as before);
* ``local``: a ``distributed.LocalCluster`` sized to this machine (one single-threaded
  worker process per core, memory shared out between them), started and stopped here;
* an address such as ``tcp://10.0.0.5:8786``: the scheduler of a cluster you started
  (``dask scheduler`` on one machine, ``dask worker tcp://10.0.0.5:8786`` on each other;
  every worker needs forewarn installed and, for event aggregation, the event store's folder
  at the same path).

The same code runs in every case: the event aggregation is computed by the client's
cluster (:func:`forewarn.events.monthly.counts`), and model fits are sent there through
:func:`dask_map`, the Dask executor behind :func:`forewarn.models.parallel.fork_map`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from threadpoolctl import threadpool_limits

from forewarn.errors import ConfigError
from forewarn.models.parallel import Executor, executor

LOCAL = "local"
CONNECT_SECONDS = 20


def _local_cluster(workers: int | None, memory_limit: str | int) -> Any:
    from distributed import LocalCluster

    return LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers or max(1, os.cpu_count() or 1),
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit,
        dashboard_address=":0",
        silence_logs=40,
    )


@contextmanager
def dask_client(
    scheduler: str | None, *, workers: int | None = None, memory_limit: str | int = "auto"
) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler`` (see the module's description), or None
    when it is unset; a local cluster is stopped when the block ends. ``workers`` and
    ``memory_limit`` (per worker) size a local cluster."""
    if not scheduler:
        yield None
        return
    from distributed import Client

    if scheduler == LOCAL:
        cluster = _local_cluster(workers, memory_limit)
        with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    if "://" not in scheduler:
        raise ConfigError(
            f"FOREWARN_DASK_SCHEDULER={scheduler!r}: expected 'local' or a "
            "scheduler address such as tcp://host:8786"
        )
    try:
        client = Client(scheduler, timeout=CONNECT_SECONDS)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {scheduler} ({type(exc).__name__}: {exc})"
        ) from exc
    with client:
        yield client


def _remote(fn: Callable[[Any, Any], Any], shared: Any, item: Any) -> Any:
    with threadpool_limits(1):
        return fn(shared, item)


def dask_map(client: Any) -> Executor:
    """An executor for :func:`forewarn.models.parallel.executor` running each item as a task
    on ``client``'s cluster: the shared data are sent to every worker once, each fit runs
    single-threaded (as in a forked worker), and results come back in input order."""
    from distributed import as_completed

    def run(
        fn: Callable[[Any, Any], Any],
        shared: Any,
        items: Sequence[Any],
        done: Callable[[int], None] | None,
    ) -> list[Any]:
        [data] = client.scatter([shared], broadcast=True)
        futures = [client.submit(_remote, fn, data, item, pure=False) for item in items]
        index = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            if done is not None:
                done(index[future.key])
        return list(client.gather(futures))

    return run


@contextmanager
def fits_on(client: Any) -> Iterator[None]:
    """Model fits (backtest, bootstrap band) on ``client``'s cluster; in-process when None."""
    with executor(dask_map(client)) if client is not None else nullcontext():
        yield
