"""Progress of long computations, reported to whoever is listening.

Stages call :func:`report` (``report("fitting forewarn-ensemble", 3, 13)``) wherever work
advances, without threading a callback through every signature; a shell that wants to
show progress (the command line's bar, or its lines on standard error) listens with
:func:`listening` around the call. Nobody listening costs nothing, so the API and the
dashboard call the same stages silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Listener = Callable[[str, int, int], None]
"""``listener(description, completed, total)``."""

_LISTENER: ContextVar[Listener | None] = ContextVar("forewarn_progress", default=None)


def report(description: str, completed: int, total: int) -> None:
    """Tell the current listener, if any, that ``completed`` of ``total`` steps are done."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(description, completed, total)


def counter(description: str, total: int) -> Callable[[int, int], None]:
    """A ``done(completed, total)`` callback (as multi-fit calls take) that reports under
    ``description``; announces the step at 0 of ``total``."""
    report(description, 0, total)
    return lambda completed, of: report(description, completed, of)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send the reports made inside the block to ``listener``."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)
