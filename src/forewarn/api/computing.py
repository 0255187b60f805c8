"""Forecasts not computed yet are computed off the request path, a bounded few at a time.

A forecast for a base year or model nobody asked for before takes seconds to tens of
seconds of CPU. A request that needs one submits it to a small pool of background threads
(``api_compute_workers``, default 1) and waits up to ``api_compute_wait`` seconds; if the
result is not ready by then it is answered **202** with ``Retry-After`` and a body saying
what is being computed, and the same request made later is served from memory. At most
``api_compute_queue`` computations wait for a worker; beyond that the request is refused
with **429**. A computation that fails with a clear error (an unknown model, a base year
without history) is remembered, so asking again answers the same error at once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse

from forewarn.api.context import ApiContext
from forewarn.api.limits import TooManyRequests
from forewarn.config import Settings
from forewarn.errors import ForewarnError

FAILURES_KEPT = 256
COMPUTING: dict[int | str, dict[str, Any]] = {
    202: {"description": "Being computed: ask again after Retry-After seconds"},
    429: {"description": "Too many computations waiting: ask again after Retry-After seconds"},
}
"""The answers of a route that may have to compute, as the OpenAPI schema documents them."""


@dataclass
class Computations:
    """The background workers, the computations running or waiting, and recent failures."""

    workers: int
    queue: int
    wait: float
    pool: ThreadPoolExecutor
    jobs: dict[str, Future[Any]] = field(default_factory=dict)
    failed: OrderedDict[str, ForewarnError] = field(default_factory=OrderedDict)
    durations: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, settings: Settings) -> Computations:
        workers = settings.api_compute_workers
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="forewarn-compute")
        return cls(workers, settings.api_compute_queue, settings.api_compute_wait, pool)

    def submit(self, name: str, load: Callable[[], Any]) -> Future[Any]:
        """The computation of ``name`` (started now unless it is already running)."""
        with self.lock:
            if name in self.failed:
                done: Future[Any] = Future()
                done.set_exception(self.failed[name])
                return done
            job = self.jobs.get(name)
            if job is not None:
                return job
            if len(self.jobs) >= self.workers + self.queue:
                raise TooManyRequests(
                    f"{len(self.jobs)} forecasts are being computed; try again later",
                    self.retry_after(),
                )
            job = self.pool.submit(self._timed, load)
            self.jobs[name] = job
        job.add_done_callback(lambda finished: self._finished(name, finished))
        return job

    def _timed(self, load: Callable[[], Any]) -> Any:
        began = time.monotonic()
        result = load()
        with self.lock:
            self.durations = [*self.durations[-19:], time.monotonic() - began]
        return result

    def _finished(self, name: str, job: Future[Any]) -> None:
        with self.lock:
            self.jobs.pop(name, None)
            error = None if job.cancelled() else job.exception()
            if isinstance(error, ForewarnError):
                self.failed[name] = error
                while len(self.failed) > FAILURES_KEPT:
                    self.failed.popitem(last=False)

    def retry_after(self) -> int:
        """Seconds worth waiting before asking again: a typical computation, times the
        computations ahead, per worker."""
        typical = sum(self.durations) / len(self.durations) if self.durations else 10.0
        rounds = 1 + len(self.jobs) // self.workers
        return max(1, min(300, round(typical * rounds)))

    def stop(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def computations(context: ApiContext) -> Computations:
    """The app's background computations (started on first use)."""
    return context.cached("api.computations", lambda: Computations.start(context.settings))


def stop(context: ApiContext) -> None:
    """Stop the app's background computations (when it shuts down)."""
    running = context.cached_value("api.computations")
    if isinstance(running, Computations):
        running.stop()


def accepted(what: str, retry_after: int) -> Response:
    """The 202 answer: what is being computed and when to ask again."""
    body = {
        "status": "computing",
        "message": f"{what} is being computed; ask again in about {retry_after} s",
        "retry_after": retry_after,
    }
    return JSONResponse(body, status_code=202, headers={"Retry-After": str(retry_after)})


async def ready(
    context: ApiContext, name: str, load: Callable[[], Any], what: str
) -> Response | None:
    """None once ``context.cached(name, load)`` holds its value (computed in the background
    if need be, waiting a little); else the 202 answer. A failed computation raises."""
    if context.cached_value(name) is not None:
        return None
    work = computations(context)
    job = work.submit(name, lambda: context.cached(name, load))
    if not job.done():
        waiting = asyncio.wrap_future(job)
        await asyncio.wait({waiting}, timeout=work.wait)
        if not waiting.done():
            waiting.add_done_callback(_consume)
            return accepted(what, work.retry_after())
    job.result()  # raises the computation's error
    return None


def _consume(done: asyncio.Future[Any]) -> None:
    """Retrieve the outcome of a computation nobody waits for any more."""
    if not done.cancelled():
        done.exception()
